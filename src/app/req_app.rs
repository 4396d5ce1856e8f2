//! The composer's place in the app: opened with `R`, filled from the ladder with `e`, handed
//! the keys while open on the sandbox.

use crossterm::event::KeyEvent;

use super::req_composer::Composer;
use super::req_form::Form;
use super::req_send::Sender;
use super::{App, Screen};
use crate::session::{Detail, RowKind};

impl App {
    /// The composer's key, when it is open in front; false when the key is not its own.
    pub(super) fn reqcomp_key(&mut self, k: KeyEvent) -> bool {
        let Some(c) = self.reqcomp.as_mut().filter(|c| c.open) else {
            return false;
        };
        if self.screen != Screen::Sandbox {
            return false;
        }
        let sending = c.editing.is_none() && k.code == crossterm::event::KeyCode::Char('s');
        match c.key(k) {
            Ok(false) => return false,
            Ok(true) if sending => {
                self.note = crate::tr!("reqcomp.sending");
                // The new request and its answer come at the bottom of the ladder: follow.
                if let Some(t) = self.traffic_mut() {
                    t.select_last();
                    t.moved_by_learner();
                }
            }
            Ok(true) => {}
            Err(e) => self.note = e,
        }
        true
    }

    /// Opens the composer (as it was left, or new).
    pub(super) fn open_req_composer(&mut self, form: Option<Form>) {
        let Some(s) = self.sandbox.as_ref() else {
            return;
        };
        let host = s.addr().to_string();
        let c = self.reqcomp.get_or_insert_with(|| {
            let sender = self
                .rt
                .clone()
                .map(|rt| Sender::new(s.addr(), rt, self.tx.clone()));
            Composer::new(host, sender)
        });
        c.open = true;
        c.editing = None;
        c.curl = None;
        if let Some(mut form) = form {
            // How it went last time stays, unless raw: the new request is to be read first.
            form.how = match c.form.how {
                super::req_form::How::Raw => super::req_form::How::New,
                h => h,
            };
            c.form = form;
            c.at = 0;
        }
        self.note = crate::tr!("reqcomp.opened");
    }

    /// `e` on the ladder's selected row: a request opens in the composer; a WebSocket data
    /// frame goes again on the newest socket; other rows say what they are.
    pub(super) fn edit_resend(&mut self) {
        let Some(s) = self.sandbox.as_mut() else {
            return;
        };
        let Some(i) = s.traffic.selected() else {
            self.note = crate::tr!("reqcomp.nothing_selected");
            return;
        };
        let form = match s.traffic.session.detail(i) {
            Some(Detail::Http(h)) if h.row.kind == RowKind::HttpRequest => {
                let cut = h.row.payload_len > h.body_preview.len() as u64;
                let form = Form::from_request(&h);
                Some((form, cut))
            }
            Some(Detail::Frame(fr)) if matches!(fr.row.opcode, 1 | 2) => {
                if fr.payload_cut {
                    self.note = crate::tr!("reqcomp.frame_cut", n = fr.payload.len());
                } else {
                    let (op, payload) = (fr.row.opcode, fr.payload.to_vec());
                    self.note = s.resend_frame(op, payload);
                }
                None
            }
            Some(d) => {
                self.note = crate::tr!("reqcomp.cannot_edit", kind = d.row().kind.name());
                None
            }
            None => None,
        };
        if let Some((form, cut)) = form {
            self.open_req_composer(Some(form));
            if cut {
                self.note = crate::tr!("reqcomp.body_cut");
            }
        }
    }
}

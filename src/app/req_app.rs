//! The composer's place in the app: opened with `R` (on the sandbox or a lesson's server),
//! filled from the ladder with `e`, handed the keys while open.

use crossterm::event::KeyEvent;

use super::composer::Form as FrameForm;
use super::req_composer::Composer;
use super::req_form::Form;
use super::req_send::Sender;
use super::{App, Screen};
use crate::session::{Detail, RowKind};

impl App {
    /// The composer's key, when it is open in front; false when the key is not its own.
    pub(super) fn reqcomp_key(&mut self, k: KeyEvent) -> bool {
        if !self.reqcomp_shown() {
            return false;
        }
        let Some(c) = self.reqcomp.as_mut() else {
            return false;
        };
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

    /// The request composer is open in front: on the screen whose server it sends to.
    pub(super) fn reqcomp_shown(&self) -> bool {
        let here = match self.screen {
            Screen::Sandbox => self.sandbox.as_ref().map(|s| s.addr()),
            Screen::Lesson => self.lesson.as_ref().and_then(|l| l.server),
            _ => None,
        };
        let here = here.map(|a| a.to_string());
        self.reqcomp
            .as_ref()
            .is_some_and(|c| c.open && Some(&c.host) == here.as_ref())
    }

    /// The server the request composer sends to: the sandbox's, or the lesson's (which runs
    /// once the lesson started).
    fn reqcomp_server(&mut self) -> Option<std::net::SocketAddr> {
        match self.screen {
            Screen::Sandbox => self.sandbox.as_ref().map(|s| s.addr()),
            Screen::Lesson => {
                let addr = self.lesson.as_ref().and_then(|l| l.server);
                if addr.is_none() {
                    self.note = crate::tr!("composer.no_server");
                }
                addr
            }
            _ => None,
        }
    }

    /// Opens the composer (as it was left, or new; new when the server is another).
    pub(super) fn open_req_composer(&mut self, form: Option<Form>) {
        let Some(addr) = self.reqcomp_server() else {
            return;
        };
        let host = addr.to_string();
        if self.reqcomp.as_ref().is_some_and(|c| c.host != host) {
            self.reqcomp = None;
        }
        let c = self.reqcomp.get_or_insert_with(|| {
            let sender = self
                .rt
                .clone()
                .map(|rt| Sender::new(addr, rt, self.tx.clone()));
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

    /// `e` on the ladder's selected row: a request opens in the request composer, a
    /// WebSocket frame in the frame composer; other rows say what they are.
    pub(super) fn edit_resend(&mut self) {
        let Some(t) = self.traffic() else {
            return;
        };
        let Some(i) = t.selected() else {
            self.note = crate::tr!("reqcomp.nothing_selected");
            return;
        };
        let mut frame = None;
        let form = match t.session.detail(i) {
            Some(Detail::Http(h)) if h.row.kind == RowKind::HttpRequest => {
                let cut = h.row.payload_len > h.body_preview.len() as u64;
                let form = Form::from_request(&h);
                Some((form, cut))
            }
            Some(Detail::Frame(fr)) => {
                if fr.payload_cut {
                    self.note = crate::tr!("reqcomp.frame_cut", n = fr.payload.len());
                } else {
                    frame = Some(FrameForm::from_frame(fr.header[0], fr.payload));
                }
                None
            }
            Some(d) => {
                self.note = crate::tr!("reqcomp.cannot_edit", kind = d.row().kind.name());
                None
            }
            None => None,
        };
        if let Some(f) = frame {
            self.open_composer_with(Some(f));
            if self.composer.is_some() {
                self.note = crate::tr!("reqcomp.frame_opened");
            }
        }
        if let Some((form, cut)) = form {
            self.open_req_composer(Some(form));
            if cut {
                self.note = crate::tr!("reqcomp.body_cut");
            }
        }
    }
}

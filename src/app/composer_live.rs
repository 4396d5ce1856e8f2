//! The composer in the app: opened with `C` on a WebSocket of the sandbox (or of its own to a
//! lesson's server), it sends the composed bytes raw and reads what the server did with them
//! from the live traffic, so the outcome shows without a key press.

use std::net::SocketAddr;

use crossterm::event::KeyEvent;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;

use super::composer::{Form, Reply};
use super::traffic::Traffic;
use super::ws_link::{self, Link, WsCmd};
use super::{App, Screen};
use crate::proto::Dir;
use crate::proto::event::{Layer, opcode_name};
use crate::session::{RowKind, Session, error_layer};
use crate::ui::Theme;

pub struct Composer {
    pub form: Form,
    /// Where the frames go: the server's address, for the title.
    pub target: String,
    link: Option<Link>,
    /// The last frames sent, to find the server's answer in the traffic.
    sent: Option<Sent>,
}

struct Sent {
    link: Link,
    /// The traffic's length when they went: the answer is after it.
    from: usize,
    frames: usize,
    bytes: usize,
}

/// What the server did with the frames sent, read from its tap's events.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub frames: usize,
    pub bytes: usize,
    pub conn: Option<u32>,
    /// The tap's decoder on the client's bytes.
    pub errors: Vec<String>,
    /// The server's close frame: code and reason.
    pub close: Option<(u16, String)>,
    /// Opcodes of the server's other frames (echo, pong).
    pub answers: Vec<u8>,
    pub ended: bool,
}

impl Outcome {
    pub fn lines(&self, w: usize, theme: &Theme) -> Vec<Line<'static>> {
        let said = |t: String, style: Style| {
            crate::lesson::wrap::wrap(&t, w, "", "  ")
                .into_iter()
                .map(move |l| Line::styled(l, style))
                .collect::<Vec<_>>()
        };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut out = said(
            match self.conn {
                Some(c) => crate::tr!(
                    "composer.sent_on",
                    frames = self.frames,
                    bytes = self.bytes,
                    conn = c
                ),
                None => crate::tr!("composer.sent", frames = self.frames, bytes = self.bytes),
            },
            bold,
        );
        for e in &self.errors {
            out.extend(said(crate::tr!("composer.tap_said", what = e), theme.bad));
        }
        if !self.answers.is_empty() {
            let names: Vec<&str> = self.answers.iter().map(|&o| opcode_name(o)).collect();
            out.extend(said(
                crate::tr!("composer.answered", frames = names.join(", ")),
                theme.ok,
            ));
        }
        match &self.close {
            Some((code, reason)) => out.extend(said(
                crate::tr!("composer.closed", code = code, reason = reason),
                bold,
            )),
            None if self.ended => out.extend(said(crate::tr!("composer.ended"), bold)),
            None if self.answers.is_empty() => {
                out.extend(said(crate::tr!("composer.waiting"), theme.dim));
            }
            None => {}
        }
        out
    }
}

/// The server's answer on the connection from `client`, in the rows from `from` on.
pub fn outcome_in(session: &Session, client: Option<SocketAddr>, from: usize) -> Outcome {
    let mut o = Outcome::default();
    let Some(client) = client.map(|a| a.to_string()) else {
        return o;
    };
    let Some(conn) = session.conns().iter().find(|c| c.client == client) else {
        return o;
    };
    o.conn = Some(conn.id);
    for i in from..session.len() {
        let row = session.row(i);
        if row.conn != conn.id {
            continue;
        }
        match row.kind {
            RowKind::Error if error_layer(row.code) == Layer::WebSocket => {
                let what = String::from_utf8_lossy(session.bytes(&row)).into_owned();
                o.errors.push(what);
            }
            RowKind::WsFrame if row.dir == Some(Dir::S2c) && row.opcode == 8 => {
                let payload = session.bytes(&row);
                let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                o.close = Some((row.code, crate::ui::visible(&reason).into_owned()));
            }
            RowKind::WsFrame if row.dir == Some(Dir::S2c) => o.answers.push(row.opcode),
            RowKind::TcpClose => o.ended = true,
            _ => {}
        }
    }
    o
}

impl Composer {
    pub fn new(target: String, link: Option<Link>) -> Composer {
        Composer {
            form: Form::default(),
            target,
            link,
            sent: None,
        }
    }

    /// What the server did with the last frames sent, from `traffic`.
    pub fn outcome(&self, traffic: &Traffic) -> Option<Outcome> {
        let s = self.sent.as_ref()?;
        let mut o = outcome_in(&traffic.session, s.link.local.get().copied(), s.from);
        o.frames = s.frames;
        o.bytes = s.bytes;
        Some(o)
    }
}

impl App {
    /// `C`: the composer on the sandbox's newest WebSocket, or on one of its own to the
    /// lesson's server.
    pub(super) fn open_composer(&mut self) {
        self.open_composer_with(None);
    }

    /// The composer, filled with `form` when given (`e` on a frame of the ladder).
    pub(super) fn open_composer_with(&mut self, form: Option<Form>) {
        let link = match self.screen {
            Screen::Sandbox => self
                .sandbox
                .as_mut()
                .map(|s| (s.url.clone(), s.newest_ws())),
            Screen::Lesson => {
                let addr = self.lesson.as_ref().and_then(|l| l.server);
                match (addr, &self.rt) {
                    (Some(a), Some(rt)) => Some((
                        format!("http://{a}/"),
                        ws_link::open(rt, a, self.tx.clone()),
                    )),
                    _ => {
                        self.note = crate::tr!("composer.no_server");
                        return;
                    }
                }
            }
            _ => None,
        };
        let Some((url, link)) = link else {
            return;
        };
        let target = format!("{}ws/echo", url.replacen("http", "ws", 1));
        let mut c = Composer::new(target, Some(link));
        if let Some(form) = form {
            c.form = form;
        }
        self.composer = Some(c);
    }

    /// A key while the composer is open.
    pub(super) fn composer_key(&mut self, k: KeyEvent) {
        let Some(c) = self.composer.as_mut() else {
            return;
        };
        match c.form.key(k) {
            Reply::Stay => {}
            Reply::Leave => self.composer = None,
            Reply::Send => self.composer_send(),
        }
    }

    fn composer_send(&mut self) {
        let bytes = match self.composer.as_ref().map(|c| c.form.bytes()) {
            Some(Ok(b)) => b,
            Some(Err(e)) => {
                if let Some(c) = self.composer.as_mut() {
                    c.form.problem = Some(e);
                }
                return;
            }
            None => return,
        };
        let frames = self
            .composer
            .as_ref()
            .and_then(|c| c.form.specs().ok())
            .map_or(0, |s| s.len());
        // The server closes a connection after a broken frame: the next frames go on a new one.
        let dead = self
            .composer
            .as_ref()
            .is_none_or(|c| c.link.as_ref().is_none_or(Link::closed));
        if dead {
            let fresh = match self.screen {
                Screen::Sandbox => self.sandbox.as_mut().map(|s| s.newest_ws()),
                _ => match (self.lesson.as_ref().and_then(|l| l.server), &self.rt) {
                    (Some(a), Some(rt)) => Some(ws_link::open(rt, a, self.tx.clone())),
                    _ => None,
                },
            };
            if let Some(c) = self.composer.as_mut() {
                c.link = fresh;
            }
        }
        let from = match self.screen {
            Screen::Lesson => self.lesson.as_ref().map_or(0, |l| l.traffic.len()),
            _ => self.traffic().map_or(0, Traffic::len),
        };
        let Some(c) = self.composer.as_mut() else {
            return;
        };
        let Some(link) = c.link.clone() else {
            c.form.problem = Some(crate::tr!("composer.no_server"));
            return;
        };
        let n = bytes.len();
        if link.cmd.send(WsCmd::Raw(bytes)).is_err() {
            c.form.problem = Some(crate::tr!("composer.closed_socket"));
            return;
        }
        c.sent = Some(Sent {
            link,
            from,
            frames,
            bytes: n,
        });
    }

    /// A line is being typed into the composer: every key is the line's.
    pub(super) fn composer_typing(&self) -> bool {
        self.composer
            .as_ref()
            .is_some_and(|c| c.form.editing.is_some())
    }

    /// The traffic the composer's answers show in: the sandbox's, or the lesson's live one.
    pub(super) fn composer_traffic(&self) -> Option<&Traffic> {
        match self.screen {
            Screen::Lesson => self.lesson.as_ref().map(|l| &l.traffic),
            _ => self.traffic(),
        }
    }
}

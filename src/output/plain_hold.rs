//! A ClientHello is a stranger on a plain HTTP port and the start of a TLS connection on a TLS
//! one; the wire tells which only after it: a ServerHello, or an alert or the end of the
//! connection with none. The transcript holds its lines from the hello until that answer, so
//! the hello's line can say which it was, in order.

use crate::proto::ConnId;
use crate::proto::event::{Event, EventKind};

/// Content type of an alert record (RFC 8446 §5.1).
const ALERT: u8 = 21;
/// Events held at most while waiting: past it the hellos waiting are taken for TLS.
const HOLD_MAX: usize = 4096;

/// An event ready to be told, and for a ClientHello whether it was a stranger.
pub type Told = (Event, bool);

#[derive(Debug, Default)]
pub struct Hold {
    /// Events held, each hello with its verdict once known.
    held: std::collections::VecDeque<(Event, Option<bool>)>,
    /// Connections whose hello waits for the server's answer.
    waiting: Vec<ConnId>,
}

impl Hold {
    pub fn new() -> Self {
        Hold::default()
    }

    /// Takes `ev`; what can be told now goes to `out`, in order.
    pub fn push(&mut self, ev: &Event, out: &mut Vec<Told>) {
        if let Some(stranger) = self.answer(ev) {
            self.decide(ev.conn, stranger);
        }
        let hello = is_client_hello(ev);
        if hello {
            self.waiting.retain(|c| *c != ev.conn);
            self.waiting.push(ev.conn);
        }
        if self.held.is_empty() && !hello {
            out.push((ev.clone(), false));
            return;
        }
        self.held.push_back((ev.clone(), (!hello).then_some(false)));
        if self.held.len() > HOLD_MAX {
            for c in std::mem::take(&mut self.waiting) {
                self.decide(c, false);
            }
        }
        self.release(out);
    }

    /// The end of the events: a hello still waiting got no ServerHello (`ended`: none will
    /// come, it was a stranger; else more may, and it is told as TLS).
    pub fn finish(&mut self, ended: bool, out: &mut Vec<Told>) {
        for c in std::mem::take(&mut self.waiting) {
            self.decide(c, ended);
        }
        self.release(out);
    }

    /// What `ev` says of a hello waiting on its connection: `Some(true)` a stranger, `Some(false)`
    /// TLS spoken.
    fn answer(&self, ev: &Event) -> Option<bool> {
        if !self.waiting.contains(&ev.conn) {
            return None;
        }
        match &ev.kind {
            EventKind::TlsHandshake(h) if h.msg == "server_hello" => Some(false),
            EventKind::TlsRecord(r)
                if r.content_type == ALERT && ev.dir == Some(crate::proto::Dir::S2c) =>
            {
                Some(true)
            }
            EventKind::TcpClose(_) => Some(true),
            _ => None,
        }
    }

    fn decide(&mut self, conn: ConnId, stranger: bool) {
        self.waiting.retain(|c| *c != conn);
        if let Some(h) = self
            .held
            .iter_mut()
            .rev()
            .find(|(e, v)| v.is_none() && e.conn == conn)
        {
            h.1 = Some(stranger);
        }
    }

    fn release(&mut self, out: &mut Vec<Told>) {
        while let Some((_, Some(_))) = self.held.front() {
            if let Some((ev, Some(v))) = self.held.pop_front() {
                out.push((ev, v));
            }
        }
    }
}

fn is_client_hello(ev: &Event) -> bool {
    matches!(&ev.kind, EventKind::TlsHandshake(h) if h.msg == "client_hello")
        && ev.dir != Some(crate::proto::Dir::S2c)
}

/// The verdict of each of `events`, for a transcript written at once (`ended` as for
/// [`Hold::finish`]).
pub fn told<'a>(events: impl IntoIterator<Item = &'a Event>, ended: bool) -> Vec<bool> {
    let mut hold = Hold::new();
    let mut out = Vec::new();
    for ev in events {
        hold.push(ev, &mut out);
    }
    hold.finish(ended, &mut out);
    out.into_iter().map(|(_, v)| v).collect()
}

//! Everything a lesson's traffic produced, in order, each event tagged with the label of the
//! action whose time it happened in; and the byte tallies per label.

use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value as Json;

use crate::output::json;
use crate::proto::event::{Event, EventKind, HttpBody};
use crate::proto::{ConnId, Dir, Timestamp};

/// One decoded event and what expectations read of it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub ev: Event,
    /// The `--json` object of the event, which matchers compare against.
    pub json: Json,
    pub label: Option<Arc<str>>,
    /// Events from a replayed capture have their own clock and connection numbers.
    pub replayed: bool,
    /// The replayed capture's name (a second replay of one file gets ` #2`); none when live.
    pub source: Option<Arc<str>>,
}

/// Tallies of one label, kept as traffic arrives.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub bytes_c2s: u64,
    pub bytes_s2c: u64,
    /// Request and response heads, and WebSocket frame headers.
    pub head_bytes: u64,
    pub request_head_bytes: u64,
    pub response_head_bytes: u64,
    /// Every connection that carried the label's traffic, opened for it or reused; a replayed
    /// capture's connections have numbers of their own, hence the flag.
    pub conns: HashSet<(bool, ConnId)>,
    /// Connections the label's traffic opened.
    pub opened: u64,
    pub requests: u64,
    /// Payload bytes of WebSocket data frames, as on the wire.
    pub ws_payload_bytes: u64,
    /// Bytes of WebSocket messages, inflated.
    pub ws_message_bytes: u64,
}

#[derive(Debug, Default)]
pub struct Log {
    pub entries: Vec<Entry>,
    /// When each action began, and its label: an event belongs to the last one started before it.
    windows: Vec<(Timestamp, Option<Arc<str>>)>,
    pub tallies: HashMap<Arc<str>, Tally>,
    /// The captures replayed so far, each a session of its own.
    sources: Vec<Arc<str>>,
    /// The label of each live connection still open: its close is its own, whenever it comes.
    opened_by: HashMap<ConnId, Option<Arc<str>>>,
    /// Entries of messages reported at their head whose body is still arriving, by
    /// (replayed, connection, direction).
    open_bodies: HashMap<(bool, ConnId, u8), usize>,
}

impl Log {
    /// An action starts at `ts`; what happens from now on is `label`'s.
    pub fn begin(&mut self, ts: Timestamp, label: Option<&str>) {
        self.windows.push((ts, label.map(Arc::from)));
    }

    fn label_at(&self, ts: Timestamp) -> Option<Arc<str>> {
        let i = self.windows.partition_point(|(start, _)| *start <= ts);
        i.checked_sub(1)
            .and_then(|i| self.windows.get(i))
            .and_then(|(_, l)| l.clone())
    }

    /// Bytes seen on the wire, by the tap.
    pub fn bytes(&mut self, ts: Timestamp, dir: Dir, n: usize) {
        if let Some(l) = self.label_at(ts) {
            let t = self.tallies.entry(l).or_default();
            match dir {
                Dir::C2s => t.bytes_c2s += n as u64,
                Dir::S2c => t.bytes_s2c += n as u64,
            }
        }
    }

    /// A live event, labelled by its time.
    pub fn push(&mut self, ev: Event) {
        let label = match &ev.kind {
            EventKind::TcpOpen(_) => {
                let l = self.label_at(ev.ts);
                self.opened_by.insert(ev.conn, l.clone());
                l
            }
            // A connection opened for one action may close during another's time (an idle
            // timeout, a FIN after the next action began): it stays the first one's.
            EventKind::TcpClose(_) => match self.opened_by.remove(&ev.conn) {
                Some(l) => l,
                None => self.label_at(ev.ts),
            },
            // So may a half-close; the close that follows still needs the entry.
            EventKind::TcpFin => match self.opened_by.get(&ev.conn) {
                Some(l) => l.clone(),
                None => self.label_at(ev.ts),
            },
            _ => self.label_at(ev.ts),
        };
        if let Some(l) = &label {
            tally(self.tallies.entry(l.clone()).or_default(), &ev, false);
        }
        self.add(entry(ev, label, None, Timestamp(0)));
    }

    /// Appends `e`; a body's end completes the entry of its message, so that a matcher reading
    /// a message's `body_bytes` or `trailers` gets them whichever event it looks at.
    fn add(&mut self, e: Entry) {
        let key = (e.replayed, e.ev.conn, e.ev.dir.map_or(0, Dir::index) as u8);
        match &e.ev.kind {
            EventKind::HttpRequest(m) | EventKind::HttpResponse(m) if m.body_follows => {
                self.open_bodies.insert(key, self.entries.len());
            }
            EventKind::HttpBody(b) => {
                if let Some(msg) = self
                    .open_bodies
                    .remove(&key)
                    .and_then(|i| self.entries.get_mut(i))
                {
                    complete_message(msg, b);
                }
            }
            _ => {}
        }
        self.entries.push(e);
    }

    /// A name for a new replay of `capture`, unique in this log.
    pub fn new_source(&mut self, capture: &str) -> Arc<str> {
        let n = self
            .sources
            .iter()
            .filter(|s| &***s == capture || s.starts_with(&format!("{capture} #")))
            .count();
        let name: Arc<str> = match n {
            0 => Arc::from(capture),
            n => Arc::from(format!("{capture} #{}", n + 1)),
        };
        self.sources.push(name.clone());
        name
    }

    /// An event of a replayed capture, labelled by the action that replayed it.
    pub fn push_replayed(
        &mut self,
        ev: Event,
        label: Option<&str>,
        origin: Timestamp,
        source: &Arc<str>,
    ) {
        let label: Option<Arc<str>> = label.map(Arc::from);
        // A capture's bytes are its own: count them for its label too.
        if let Some(l) = &label {
            tally(self.tallies.entry(l.clone()).or_default(), &ev, true);
        }
        self.add(entry(ev, label, Some(source.clone()), origin));
    }
}

/// The entry of a message reported at its head, given its body `b`.
fn complete_message(e: &mut Entry, b: &HttpBody) {
    if let EventKind::HttpRequest(m) | EventKind::HttpResponse(m) = &mut e.ev.kind {
        m.body_bytes = b.bytes;
        m.framing = b.framing;
        m.trailers.clone_from(&b.trailers);
        m.body_preview.clone_from(&b.preview);
    }
    if let Json::Object(o) = &mut e.json {
        o.insert("body_bytes".into(), b.bytes.into());
        o.insert("body_complete".into(), b.complete.into());
        if !b.trailers.is_empty() {
            o.insert("trailers".into(), serde_json::json!(b.trailers));
        }
    }
}

fn entry(ev: Event, label: Option<Arc<str>>, source: Option<Arc<str>>, origin: Timestamp) -> Entry {
    let mut line = Vec::new();
    let json = json::write_event(&mut line, &ev, origin)
        .ok()
        .and_then(|()| serde_json::from_slice(&line).ok())
        .unwrap_or(Json::Null);
    Entry {
        ev,
        json,
        label,
        replayed: source.is_some(),
        source,
    }
}

/// `replayed`: the event comes from a capture, whose bytes the tap never saw.
fn tally(t: &mut Tally, ev: &Event, replayed: bool) {
    let (head, body) = match &ev.kind {
        EventKind::TcpOpen(_) => {
            t.opened += 1;
            (0, 0)
        }
        EventKind::HttpRequest(m) => {
            t.requests += 1;
            t.request_head_bytes += m.head.range.len();
            (m.head.range.len(), m.body_bytes)
        }
        EventKind::HttpResponse(m) => {
            t.response_head_bytes += m.head.range.len();
            (m.head.range.len(), m.body_bytes)
        }
        EventKind::WsFrame(f) => {
            if f.opcode <= 2 {
                t.ws_payload_bytes += f.payload_len;
            }
            (u64::from(f.header_len), f.payload_len)
        }
        EventKind::WsMessage(m) => {
            t.ws_message_bytes += m.len;
            return;
        }
        // Its message's head came first, its body bytes with it.
        EventKind::HttpBody(b) => (0, b.bytes),
        EventKind::SseEvent(_) | EventKind::Error(_) => (0, 0),
        // A close, a message (its frames counted already) or an error carries no traffic of
        // its own: a connection that only ends in a label's time was not used by it.
        _ => return,
    };
    t.conns.insert((replayed, ev.conn));
    t.head_bytes += head;
    if replayed {
        match ev.dir {
            Some(Dir::C2s) => t.bytes_c2s += head + body,
            Some(Dir::S2c) => t.bytes_s2c += head + body,
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::conn::Connection;

    /// The events of one HTTP exchange on connection `conn`, decoded from its bytes.
    fn exchange(conn: ConnId, at: u64) -> Vec<Event> {
        let mut c = Connection::new(conn);
        let mut out = Vec::new();
        let req = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"; // 27 bytes
        let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"; // head 38 bytes
        c.data(Dir::C2s, Timestamp(at), req, &mut out);
        c.data(Dir::S2c, Timestamp(at + 1), resp, &mut out);
        out
    }

    #[test]
    fn heads_by_direction_and_reused_connections() {
        let mut log = Log::default();
        log.begin(Timestamp(0), Some("a"));
        for ev in exchange(4, 10).into_iter().chain(exchange(4, 20)) {
            log.push(ev);
        }
        log.begin(Timestamp(100), Some("b"));
        for ev in exchange(4, 110).into_iter().chain(exchange(5, 120)) {
            log.push(ev);
        }
        let a = &log.tallies[&Arc::from("a")];
        assert_eq!((a.request_head_bytes, a.response_head_bytes), (54, 76));
        assert_eq!(a.head_bytes, 130);
        assert_eq!((a.conns.len(), a.opened, a.requests), (1, 0, 2));
        // Connection 4 again, and 5: two connections used, though no tcp_open was seen.
        assert_eq!(log.tallies[&Arc::from("b")].conns.len(), 2);
    }
}

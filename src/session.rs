//! The session model the views read: an append-only timeline of compact [`Row`]s, the
//! connections, and totals, built by [`Session::push`] from decoded events. Pure: no I/O.
//!
//! Memory: a row is 40 bytes; bytes for the hex view (frame payload prefixes, raw HTTP heads,
//! error texts) go to one shared byte store, up to [`KEEP_FULL`] bytes per entry while the
//! store is under [`STORE_GENEROUS`], then [`KEEP_SHORT`]. Parsed HTTP heads sit in a side
//! store. Full events are never kept.

mod body;
mod chunked;
mod conn;
mod detail;
mod labels;
mod row;
mod stats;
#[cfg(test)]
mod tests;

pub use conn::{ACTIVITY_BUCKETS, ActivityGrid, Closed, ConnInfo, ConnKind};
pub use detail::{Detail, FrameDetail, HttpDetail, MessageDetail};
pub use row::{Kinds, Row, RowKind, flags};
pub use stats::{Stats, Tally};

use rustc_hash::FxHashMap as HashMap;

use crate::proto::event::{CloseHow, Event, EventKind, HttpMessage, Layer, Stall};
use crate::proto::ws::{Frame, Message};
use crate::proto::{ConnId, Dir, Timestamp};
use detail::{HttpSide, MessageSide};

/// Bytes kept per entry while the byte store is small: enough for the inspector.
pub const KEEP_FULL: usize = 256;
/// Bytes kept per entry once the store passed [`STORE_GENEROUS`]: enough for a ladder label
/// (its text preview shows about 20 characters).
pub const KEEP_SHORT: usize = 24;
/// Past this many stored bytes, entries keep only [`KEEP_SHORT`] bytes.
pub const STORE_GENEROUS: usize = 16 << 20;
/// HTTP heads are kept whole up to this size while the store is small.
const KEEP_HEAD: usize = u16::MAX as usize;

/// Which rows to show: every set field must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub conn: Option<ConnId>,
    pub kinds: Kinds,
    pub opcode: Option<u8>,
    /// Case-insensitive, in the stored bytes (frame text, HTTP head, error text).
    pub text: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Session {
    rows: chunked::Rows,
    store: chunked::Store,
    http: Vec<HttpSide>,
    messages: Vec<MessageSide>,
    conns: Vec<ConnInfo>,
    conn_index: HashMap<ConnId, usize>,
    grid: Option<ActivityGrid>,
    stats: Stats,
    last_ts: Timestamp,
    labels: labels::Labels,
    open_bodies: body::OpenBodies,
}

/// `Row::code` of a `TcpClose`, back to its meaning.
pub fn close_how(code: u16) -> CloseHow {
    match code % 4 {
        1 => CloseHow::Rst,
        2 => CloseHow::Eof,
        3 => CloseHow::Timeout,
        _ => CloseHow::Fin,
    }
}

/// `Row::code` of a `TcpClose`, back to the server's limit that ended it.
pub fn close_why(code: u16) -> Option<Stall> {
    (usize::from(code) / 4)
        .checked_sub(1)
        .and_then(|i| Stall::ALL.get(i).copied())
}

fn close_code(how: CloseHow, why: Option<Stall>) -> u16 {
    let how = match how {
        CloseHow::Fin => 0,
        CloseHow::Rst => 1,
        CloseHow::Eof => 2,
        CloseHow::Timeout => 3,
    };
    let why = why.and_then(|w| Stall::ALL.iter().position(|s| *s == w));
    how + why.map_or(0, |i| 4 * (i as u16 + 1))
}

/// `Row::code` of an error, back to its layer.
pub fn error_layer(code: u16) -> Layer {
    match code {
        0 => Layer::Tcp,
        1 => Layer::Http,
        3 => Layer::Tls,
        _ => Layer::WebSocket,
    }
}

impl Session {
    pub fn new() -> Self {
        Session::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Entry `i`; an out-of-range index gives an empty error row rather than a panic.
    pub fn row(&self, i: usize) -> Row {
        self.rows.get(i).copied().unwrap_or(Row {
            payload_len: u64::MAX,
            ..Row::blank(self.last_ts, 0, None)
        })
    }

    /// The stored bytes of a row: a frame's unmasked payload prefix (after the key), an HTTP
    /// head as on the wire, a message's (inflated) prefix, an SSE event's data, an error's text.
    pub fn bytes(&self, row: &Row) -> &[u8] {
        let start = row.bytes_at as usize;
        let all = self
            .store
            .get(start, row.bytes_kept as usize)
            .unwrap_or_default();
        if row.masked() {
            all.get(4..).unwrap_or_default()
        } else {
            all
        }
    }

    /// A frame's masking key, when it has one.
    pub fn mask_key(&self, row: &Row) -> Option<[u8; 4]> {
        if !row.masked() {
            return None;
        }
        let at = row.bytes_at as usize;
        self.store.get(at, 4)?.try_into().ok()
    }

    pub fn conns(&self) -> &[ConnInfo] {
        &self.conns
    }

    /// Where connection `id` is in [`Session::conns`].
    pub fn conn_position(&self, id: ConnId) -> Option<usize> {
        self.conn_index.get(&id).copied()
    }

    pub fn conn(&self, id: ConnId) -> Option<&ConnInfo> {
        self.conns.get(*self.conn_index.get(&id)?)
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Time of the first event (`t = 0`).
    pub fn origin(&self) -> Timestamp {
        self.grid.map_or(Timestamp::default(), |g| g.origin)
    }

    /// Time of the latest event.
    pub fn last_ts(&self) -> Timestamp {
        self.last_ts
    }

    /// The time grid of [`ConnInfo`] activity, once an event arrived.
    pub fn grid(&self) -> Option<ActivityGrid> {
        self.grid
    }

    /// Indices of the rows that pass `f`, in order.
    pub fn matching(&self, f: &Filter) -> Vec<u32> {
        let needle = f.text.as_deref().map(str::to_ascii_lowercase);
        (0..self.rows.len())
            .filter(|&i| self.passes(i, f, needle.as_deref()))
            .map(|i| i as u32)
            .collect()
    }

    /// Whether row `i` passes `f`.
    pub fn matches(&self, i: usize, f: &Filter) -> bool {
        let needle = f.text.as_deref().map(str::to_ascii_lowercase);
        self.passes(i, f, needle.as_deref())
    }

    fn passes(&self, i: usize, f: &Filter, needle: Option<&str>) -> bool {
        let Some(row) = self.rows.get(i) else {
            return false;
        };
        f.kinds.contains(row.kind)
            && f.conn.is_none_or(|c| c == row.conn)
            && f.opcode.is_none_or(|op| {
                matches!(row.kind, RowKind::WsFrame | RowKind::WsMessage) && op == row.opcode
            })
            && needle.is_none_or(|n| contains_ignore_case(self.bytes(row), n.as_bytes()))
    }

    /// The first row at or after `from` for which `pred` holds.
    pub fn find_next(&self, from: usize, pred: impl Fn(&Row) -> bool) -> Option<usize> {
        if from >= self.rows.len() {
            return None;
        }
        self.rows
            .range(from, self.rows.len())
            .position(pred)
            .map(|i| from + i)
    }

    /// The last row before `before` for which `pred` holds.
    pub fn find_prev(&self, before: usize, pred: impl Fn(&Row) -> bool) -> Option<usize> {
        let end = before.min(self.rows.len());
        (0..end)
            .rev()
            .find(|&i| self.rows.get(i).is_some_and(&pred))
    }

    /// Adds one event at the end of the timeline.
    pub fn push(&mut self, ev: &Event) {
        self.stats.events += 1;
        self.last_ts = self.last_ts.max(ev.ts);
        self.note_activity(ev.conn, ev.ts);
        let mut row = Row::blank(ev.ts, ev.conn, ev.dir);
        match &ev.kind {
            EventKind::TcpOpen(o) => {
                row.kind = RowKind::TcpOpen;
                let c = self.conn_mut(ev.conn, ev.ts);
                c.client.clone_from(&o.client);
                c.server.clone_from(&o.server);
                c.seen_open = o.handshake || o.live;
                c.live_open = o.live;
                c.opened = c.opened.min(ev.ts);
            }
            EventKind::TcpClose(close) => {
                row.kind = RowKind::TcpClose;
                row.code = close_code(close.how, close.why);
                row.dir = close.by;
                let c = self.conn_mut(ev.conn, ev.ts);
                c.closed = Some(Closed {
                    at: ev.ts,
                    how: close.how,
                    by: close.by,
                    why: close.why,
                });
            }
            EventKind::TcpFin => row.kind = RowKind::TcpFin,
            EventKind::HttpRequest(m) => self.http(&mut row, m, RowKind::HttpRequest),
            EventKind::HttpResponse(m) => self.http(&mut row, m, RowKind::HttpResponse),
            // Not a row: the message's row, reported at its head, takes the body's size.
            EventKind::HttpBody(b) => return self.body_ended(ev, b),
            EventKind::WsAbnormalClose(a) => {
                row.kind = RowKind::WsAbnormalClose;
                row.code = close_code(a.how, None);
            }
            EventKind::WsFrame(f) => self.frame(&mut row, f),
            EventKind::WsMessage(m) => {
                if !self.message(&mut row, m) {
                    return;
                }
            }
            EventKind::SseEvent(e) => {
                row.kind = RowKind::SseEvent;
                row.payload_len = e.bytes();
                self.keep(&mut row, e.data.as_bytes(), KEEP_FULL);
                self.conn_mut(ev.conn, ev.ts).kind = ConnKind::Sse;
            }
            EventKind::Error(e) => {
                row.kind = RowKind::Error;
                row.code = match e.layer {
                    Layer::Tcp => 0,
                    Layer::Http => 1,
                    Layer::WebSocket => 2,
                    Layer::Tls => 3,
                };
                row.payload_len = e.offset.unwrap_or(u64::MAX);
                self.keep(&mut row, e.what.as_bytes(), KEEP_HEAD);
            }
            // Another protocol where HTTP/1.x was expected: shown as a problem of that layer.
            EventKind::H2Preface => {
                row.kind = RowKind::Error;
                row.code = 1;
                row.payload_len = 0;
                let what = crate::output::stranger::h2_preface();
                self.keep(&mut row, what.as_bytes(), KEEP_HEAD);
            }
            // The TLS layer's own rows are the views' work still: for now, no row.
            EventKind::TlsRecord(_) | EventKind::TlsKeys(_) => return,
            EventKind::TlsHandshake(t) if t.msg != "client_hello" => return,
            EventKind::TlsHandshake(t) => {
                row.kind = RowKind::Error;
                row.code = 3;
                row.payload_len = 0;
                let what = crate::output::stranger::tls_handshake(t);
                self.keep(&mut row, what.as_bytes(), KEEP_HEAD);
            }
            // Shown as a TCP-level problem: the views need no kind of their own for it.
            EventKind::Skipped(s) => {
                row.kind = RowKind::Error;
                row.payload_len = u64::MAX;
                let what = if s.undecoded == 0 {
                    format!(
                        "skipped {} bytes (duplex fell behind): the rest is not decoded",
                        s.skipped
                    )
                } else {
                    format!(
                        "not decoded: {} bytes counted, {} more skipped",
                        s.undecoded, s.skipped
                    )
                };
                self.keep(&mut row, what.as_bytes(), KEEP_HEAD);
            }
        }
        self.stats.add_row(&row);
        self.rows.push(row);
    }

    fn http(&mut self, row: &mut Row, m: &HttpMessage, kind: RowKind) {
        row.kind = kind;
        row.head_len = u32::try_from(m.head.range.len()).unwrap_or(u32::MAX);
        row.payload_len = m.body_bytes;
        row.code = m.head.status.unwrap_or(0);
        if m.streaming {
            row.flags |= flags::STREAMING;
        }
        if m.body_follows {
            row.flags |= flags::BODY_PENDING;
            let at = self.rows.len();
            self.body_follows(row.conn, row.dir, at);
        }
        if m.head.wants_close() {
            row.flags |= flags::CLOSE;
        }
        if kind == RowKind::HttpRequest && m.head.has_token("upgrade", "websocket") {
            row.flags |= flags::UPGRADE;
        }
        if let Some(a) = &m.ws_accept {
            row.flags |= if a.ok() {
                flags::ACCEPT_OK
            } else {
                flags::ACCEPT_BAD
            };
        }
        self.keep(row, &m.head.raw, KEEP_HEAD);
        row.extra = u32::try_from(self.http.len()).unwrap_or(u32::MAX);
        self.http.push(HttpSide::new(m));
        let (ts, dir) = (row.ts, row.dir);
        let head_len = u64::from(row.head_len);
        let c = self.conn_mut(row.conn, ts);
        c.bytes[dir.map_or(0, Dir::index)] += head_len.saturating_add(m.body_bytes);
        match kind {
            RowKind::HttpRequest => c.requests += 1,
            _ => {
                c.responses += 1;
                c.keep_alive = !m.head.wants_close();
                if m.head.status == Some(101) {
                    c.kind = ConnKind::Ws;
                } else if m.streaming {
                    c.kind = ConnKind::Sse;
                }
            }
        }
    }

    fn frame(&mut self, row: &mut Row, f: &Frame) {
        row.kind = RowKind::WsFrame;
        row.opcode = f.opcode;
        row.head_len = u32::from(f.header_len);
        row.payload_len = f.payload_len;
        row.code = f.close.as_ref().map_or(0, |c| c.code);
        row.flags = u8::from(f.fin) | (f.rsv & 7) << flags::RSV_SHIFT;
        if f.is_text {
            row.flags |= flags::TEXT;
        }
        let budget = self.budget(KEEP_FULL);
        let kept = f
            .payload
            .get(..budget.min(f.payload.len()))
            .unwrap_or_default();
        match f.mask_key {
            Some(key) => {
                row.flags |= flags::MASKED;
                let mut bytes = Vec::with_capacity(4 + kept.len());
                bytes.extend_from_slice(&key);
                bytes.extend_from_slice(kept);
                self.keep_exact(row, &bytes, (kept.len() as u64) < f.payload_len);
            }
            None => self.keep_exact(row, kept, (kept.len() as u64) < f.payload_len),
        }
        let (ts, dir) = (row.ts, row.dir);
        let c = self.conn_mut(row.conn, ts);
        c.kind = ConnKind::Ws;
        c.frames += 1;
        c.bytes[dir.map_or(0, Dir::index)] += u64::from(f.header_len).saturating_add(f.payload_len);
    }

    /// Returns whether the message becomes a row (it tells more than its single frame).
    fn message(&mut self, row: &mut Row, m: &Message) -> bool {
        self.stats
            .add_message(row.dir.map_or(0, Dir::index), m.wire_len);
        if m.frames <= 1 && !m.compressed {
            return false;
        }
        row.kind = RowKind::WsMessage;
        row.opcode = m.opcode;
        row.payload_len = m.len;
        if m.compressed {
            row.flags |= flags::COMPRESSED;
        }
        if m.text.is_some() {
            row.flags |= flags::TEXT;
        }
        self.keep(row, &m.preview, KEEP_FULL);
        row.flags |= if (row.bytes_kept as u64) < m.len {
            flags::CUT
        } else {
            0
        };
        row.extra = u32::try_from(self.messages.len()).unwrap_or(u32::MAX);
        self.messages.push(MessageSide {
            wire_len: m.wire_len,
            frames: m.frames,
        });
        true
    }

    /// How many bytes an entry may keep now, given the store's size.
    fn budget(&self, full: usize) -> usize {
        if self.store.len() < STORE_GENEROUS {
            full
        } else {
            KEEP_SHORT
        }
    }

    fn keep(&mut self, row: &mut Row, bytes: &[u8], full: usize) {
        let n = self.budget(full).min(bytes.len());
        let kept = bytes.get(..n).unwrap_or_default();
        self.keep_exact(row, kept, n < bytes.len());
    }

    fn keep_exact(&mut self, row: &mut Row, bytes: &[u8], cut: bool) {
        let next = self.store.next_at(bytes.len());
        let (Ok(at), Ok(len)) = (u32::try_from(next), u16::try_from(bytes.len())) else {
            // The store is full (4 GiB) or the slice too long: keep nothing, draw what we know.
            row.flags |= flags::CUT;
            return;
        };
        if at.checked_add(u32::from(len)).is_none() {
            row.flags |= flags::CUT;
            return;
        }
        self.store.push(bytes);
        row.bytes_at = at;
        row.bytes_kept = len;
        if cut {
            row.flags |= flags::CUT;
        }
    }

    fn conn_mut(&mut self, id: ConnId, ts: Timestamp) -> &mut ConnInfo {
        let i = *self.conn_index.entry(id).or_insert_with(|| {
            self.conns.push(ConnInfo::new(id, ts));
            self.conns.len() - 1
        });
        &mut self.conns[i]
    }

    fn note_activity(&mut self, id: ConnId, ts: Timestamp) {
        let mut grid = *self.grid.get_or_insert_with(|| ActivityGrid::new(ts));
        let bucket = loop {
            match grid.bucket(ts) {
                Some(b) => break b,
                None => {
                    grid.bucket_ns = grid.bucket_ns.saturating_mul(2);
                    for c in &mut self.conns {
                        c.activity = ActivityGrid::fold(c.activity);
                    }
                }
            }
        };
        self.grid = Some(grid);
        let c = self.conn_mut(id, ts);
        c.activity |= 1 << bucket;
        c.last_activity = c.last_activity.max(ts);
    }
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

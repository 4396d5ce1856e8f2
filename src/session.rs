//! The session model the views read: an append-only timeline of compact [`Row`]s, the
//! connections, and totals, built by [`Session::push`] from decoded events. Pure: no I/O.
//!
//! Memory: a row is 40 bytes; bytes for the hex view (frame payload prefixes, raw HTTP heads,
//! error texts) go to one shared byte store, up to [`KEEP_FULL`] bytes per entry while the
//! store is under [`STORE_GENEROUS`], then [`KEEP_SHORT`]; an entry equal to a recent one is
//! stored once. Parsed HTTP heads sit in a side store. Full events are never kept.

mod apply;
mod body;
mod chunked;
mod conn;
mod detail;
mod labels;
mod ready;
#[cfg(test)]
mod ready_tests;
mod row;
mod stats;
#[cfg(test)]
mod tests;
mod tls;
#[cfg(test)]
pub(crate) mod tls_tests;

pub use conn::{ACTIVITY_BUCKETS, ActivityGrid, Closed, ConnInfo, ConnKind, TlsInfo};
pub use detail::{Detail, FrameDetail, HttpDetail, MessageDetail};
pub use ready::{Batch, Ready};
pub use row::{Kinds, Row, RowKind, flags};
pub use stats::{Stats, TLS_TAG, Tally};

use rustc_hash::FxHashMap as HashMap;

use crate::proto::event::{CloseHow, Event, Layer, Stall};
use crate::proto::{ConnId, Timestamp};
use detail::{HttpSide, MessageSide};
#[cfg(test)]
use {crate::proto::Dir, crate::proto::event::EventKind, crate::proto::ws::Frame};

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
    /// Only what an eavesdropper on the path sees: no row that needed the keys.
    pub outsider: bool,
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
    tls: tls::TlsStore,
    /// `push` makes each event ready in this batch, kept for its capacity.
    scratch: Batch,
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
            && (!f.outsider || self.on_the_path(row))
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
        self.push_owned(ev.clone());
    }

    /// As `push`, the event handed over: made ready as a capture's loader makes a batch.
    pub fn push_owned(&mut self, ev: Event) {
        let mut one = std::mem::take(&mut self.scratch);
        one.push(ev, self.keeps_short());
        let mut ready = one.drain();
        while self.push_ready(&mut ready) {}
        drop(ready);
        self.scratch = one;
    }

    /// The byte store passed [`STORE_GENEROUS`]: a row keeps at most [`KEEP_SHORT`] bytes
    /// from now on (a batch made ready elsewhere may copy no more).
    pub fn keeps_short(&self) -> bool {
        self.store.len() >= STORE_GENEROUS
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
        let (Ok(len), Some(at)) = (u16::try_from(bytes.len()), self.store.put(bytes)) else {
            // The store is full (4 GiB) or the slice too long: keep nothing, draw what we know.
            row.flags |= flags::CUT;
            return;
        };
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

//! TCP reassembly: segments in capture order → one ordered byte stream per direction, plus
//! each connection's open and close. Pure: no I/O, no clock (time comes with each segment).
//!
//! Each direction is an offset-keyed assembler (after quinn-proto's `assembler.rs`): sequence
//! numbers become 64-bit offsets from the first byte, in-order payload is passed through as the
//! caller's slice, and only out-of-order bytes are copied, into a bounded buffer.

use std::collections::{BTreeMap, VecDeque};

use rustc_hash::FxHashMap as HashMap;

use super::flow_table::{FlowKey, FlowTable};
use std::net::SocketAddr;

use crate::capture::packet::TcpSegment;
use crate::proto::{ConnId, Dir, Timestamp};

/// Out-of-order bytes held per direction before the hole below them is declared a gap.
pub const DEFAULT_BUFFER_LIMIT: usize = 4 << 20;
/// Finished connections remembered, so that their last ACKs do not open new ones.
const CLOSED_REMEMBERED: usize = 4096;
/// Out-of-order pieces held per direction: a piece costs far more than its bytes, so a flood
/// of one-byte segments above a hole is bounded by count as well as by bytes.
pub const PIECES_LIMIT: usize = 4096;
/// Out-of-order bytes and pieces held across all connections; past either, the connection that
/// just grew gives up on its holes.
pub const TOTAL_BYTES_LIMIT: usize = 64 << 20;
pub const TOTAL_PIECES_LIMIT: usize = 1 << 18;
/// Connections tracked at once; past it the longest idle eighth is closed early (as `Eof`).
pub const OPEN_LIMIT: usize = 20_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseHow {
    Fin,
    Rst,
    /// The capture ended with the connection still open.
    Eof,
}

/// What the reassembler tells, the bytes of `Data` borrowed from the packet or its buffers.
pub type StreamEvent<'a> = Stream<&'a [u8]>;

/// A stream event whose `Data` holds a `D`: the bytes, or where they were put (to carry the
/// event to another thread, see `replay_split`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stream<D> {
    Open {
        conn: ConnId,
        ts: Timestamp,
        /// Boxed: the addresses made every event, `Data` too, three times its size (88 bytes),
        /// and replay's batches hold thousands of them.
        ends: Box<Ends>,
        /// A SYN was seen; otherwise the connection began before the capture.
        handshake: bool,
    },
    Data {
        conn: ConnId,
        ts: Timestamp,
        dir: Dir,
        data: D,
    },
    /// Bytes never seen; the stream continues after them.
    Gap {
        conn: ConnId,
        ts: Timestamp,
        dir: Dir,
        missing: u64,
    },
    /// A side's FIN, once every byte before it was delivered, when the connection does not
    /// end with it: the other side may still send (a half-close, if it does).
    Fin {
        conn: ConnId,
        ts: Timestamp,
        dir: Dir,
    },
    Close {
        conn: ConnId,
        ts: Timestamp,
        how: CloseHow,
        /// Who sent the first FIN or RST.
        by: Option<Dir>,
    },
}

/// A connection's two ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ends {
    pub client: SocketAddr,
    pub server: SocketAddr,
}

impl<D> Stream<D> {
    /// The same event, its data (if it is `Data`) turned by `f`.
    pub fn map_data<E>(self, f: impl FnOnce(D) -> E) -> Stream<E> {
        match self {
            Stream::Open {
                conn,
                ts,
                ends,
                handshake,
            } => Stream::Open {
                conn,
                ts,
                ends,
                handshake,
            },
            Stream::Data {
                conn,
                ts,
                dir,
                data,
            } => Stream::Data {
                conn,
                ts,
                dir,
                data: f(data),
            },
            Stream::Gap {
                conn,
                ts,
                dir,
                missing,
            } => Stream::Gap {
                conn,
                ts,
                dir,
                missing,
            },
            Stream::Fin { conn, ts, dir } => Stream::Fin { conn, ts, dir },
            Stream::Close { conn, ts, how, by } => Stream::Close { conn, ts, how, by },
        }
    }
}

/// Turns TCP segments into `StreamEvent`s; see the module doc.
pub struct Reassembler {
    conns: FlowTable<FlowKey, Conn>,
    /// Recently finished connections, with the generation that keeps the FIFO below honest.
    closed: HashMap<FlowKey, u64>,
    closed_order: VecDeque<(FlowKey, u64)>,
    closed_generation: u64,
    next_id: ConnId,
    limit: usize,
    /// Out-of-order bytes and pieces held in all connections.
    total_bytes: usize,
    total_pieces: usize,
    /// Connections closed early because too many were open.
    pub evicted: u64,
    /// Pure ACKs skip the rest of `push` (off only to test that they change nothing).
    acks_fast: bool,
}

struct Conn {
    id: ConnId,
    client: SocketAddr,
    halves: [Half; 2],
    first_close: Option<Dir>,
    /// The latest segment's time, to pick the longest idle when too many are open.
    last: Timestamp,
}

/// One direction's stream.
#[derive(Default)]
struct Half {
    /// Sequence number of stream offset 0 (ISN + 1, or the first byte seen).
    base: Option<u32>,
    /// Offset of the next byte to deliver: everything below went out as Data or Gap.
    next: u64,
    /// Offset of the FIN; nothing at or after it is delivered.
    fin: Option<u64>,
    /// Out-of-order bytes, non-overlapping, all at offsets above `next`.
    pending: BTreeMap<u64, Vec<u8>>,
    pending_bytes: usize,
}

/// What a `Half` needs to name its events.
#[derive(Clone, Copy)]
struct Tag {
    conn: ConnId,
    dir: Dir,
    ts: Timestamp,
}

impl Tag {
    fn data(self, data: &[u8]) -> StreamEvent<'_> {
        StreamEvent::Data {
            conn: self.conn,
            ts: self.ts,
            dir: self.dir,
            data,
        }
    }

    fn gap(self, missing: u64) -> StreamEvent<'static> {
        StreamEvent::Gap {
            conn: self.conn,
            ts: self.ts,
            dir: self.dir,
            missing,
        }
    }
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new()
    }
}

impl Reassembler {
    pub fn new() -> Self {
        Self::with_buffer_limit(DEFAULT_BUFFER_LIMIT)
    }

    /// Holds at most `limit` out-of-order bytes per direction.
    pub fn with_buffer_limit(limit: usize) -> Self {
        Reassembler {
            conns: FlowTable::default(),
            closed: HashMap::default(),
            closed_order: VecDeque::new(),
            closed_generation: 0,
            next_id: 1,
            limit,
            total_bytes: 0,
            total_pieces: 0,
            evicted: 0,
            acks_fast: true,
        }
    }

    /// Feeds one segment; `packet` is its capture packet number (for messages).
    pub fn push(
        &mut self,
        ts: Timestamp,
        packet: u64,
        seg: &TcpSegment<'_>,
        sink: &mut impl FnMut(StreamEvent<'_>),
    ) {
        let _ = packet; // no event names packets yet
        let key = FlowKey::new(seg.src, seg.dst);
        if self.pure_ack(ts, &key, seg) {
            return;
        }
        if self.conns.get_mut(&key).is_none() {
            // Only a fresh SYN reopens a finished connection's endpoints; anything else there
            // is a late retransmission or ACK of the old one.
            let fresh_syn = seg.syn && !seg.ack_flag;
            if !fresh_syn && self.closed.contains_key(&key) {
                return;
            }
            if self.conns.len() >= OPEN_LIMIT {
                self.evict(ts, sink);
            }
            self.closed.remove(&key);
            let (client, server, handshake) = roles(seg);
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            sink(StreamEvent::Open {
                conn: id,
                ts,
                ends: Box::new(Ends { client, server }),
                handshake,
            });
            self.conns.insert(
                key,
                Conn {
                    id,
                    client,
                    halves: Default::default(),
                    first_close: None,
                    last: ts,
                },
            );
        }
        let Some(conn) = self.conns.get_mut(&key) else {
            return;
        };
        conn.last = ts;
        let before = conn.buffered();
        let closed = conn.segment(ts, seg, self.limit, sink);
        let mut after = conn.buffered();
        self.total_bytes = (self.total_bytes + after.0).saturating_sub(before.0);
        self.total_pieces = (self.total_pieces + after.1).saturating_sub(before.1);
        if !closed
            && (self.total_bytes > TOTAL_BYTES_LIMIT || self.total_pieces > TOTAL_PIECES_LIMIT)
        {
            conn.flush(ts, sink);
            let now = conn.buffered();
            self.total_bytes = self.total_bytes.saturating_sub(after.0 - now.0);
            self.total_pieces = self.total_pieces.saturating_sub(after.1 - now.1);
            after = now;
        }
        if closed {
            self.total_bytes = self.total_bytes.saturating_sub(after.0);
            self.total_pieces = self.total_pieces.saturating_sub(after.1);
            self.conns.remove(&key);
            self.remember_closed(key);
        }
    }

    /// A segment with no byte and no SYN, FIN or RST on a direction already under way changes
    /// nothing the streams show (`Half::accept` would return at once): only the idle clock
    /// moves. About half of the packets of a capture; the rest of `push` is skipped for them.
    /// Not while the buffers are over their limits: any segment then flushes its connection.
    fn pure_ack(&mut self, ts: Timestamp, key: &FlowKey, seg: &TcpSegment<'_>) -> bool {
        if !self.acks_fast
            || !seg.payload.is_empty()
            || seg.syn
            || seg.fin
            || seg.rst
            || self.total_bytes > TOTAL_BYTES_LIMIT
            || self.total_pieces > TOTAL_PIECES_LIMIT
        {
            return false;
        }
        let Some(conn) = self.conns.get_mut(key) else {
            return false;
        };
        let dir = conn.dir_of(seg);
        if conn.halves[dir.index()].base.is_none() {
            return false;
        }
        conn.last = ts;
        true
    }

    /// Closes the longest idle eighth of the open connections early, as if the capture ended.
    fn evict(&mut self, ts: Timestamp, sink: &mut impl FnMut(StreamEvent<'_>)) {
        let mut idle: Vec<(Timestamp, ConnId, FlowKey)> =
            self.conns.iter().map(|(k, c)| (c.last, c.id, *k)).collect();
        let n = (idle.len() / 8).max(1);
        idle.select_nth_unstable(n - 1);
        idle.truncate(n);
        idle.sort_unstable();
        for (_, _, key) in idle {
            let Some(mut conn) = self.conns.remove(&key) else {
                continue;
            };
            let held = conn.buffered();
            self.total_bytes -= held.0.min(self.total_bytes);
            self.total_pieces -= held.1.min(self.total_pieces);
            conn.flush(ts, sink);
            sink(conn.close(ts, CloseHow::Eof));
            self.evicted += 1;
        }
    }

    /// End of capture: flushes what is buffered (holes become gaps), and closes every open
    /// connection, in connection order, with `Fin` if a FIN was seen, else `Eof`.
    pub fn finish(&mut self, ts: Timestamp, sink: &mut impl FnMut(StreamEvent<'_>)) {
        let mut open: Vec<(ConnId, FlowKey)> = self.conns.iter().map(|(k, c)| (c.id, *k)).collect();
        open.sort_unstable_by_key(|&(id, _)| id);
        for (_, key) in open {
            let Some(mut conn) = self.conns.remove(&key) else {
                continue;
            };
            conn.flush(ts, sink);
            let fin = conn.halves.iter().any(|h| h.fin.is_some());
            sink(conn.close(ts, if fin { CloseHow::Fin } else { CloseHow::Eof }));
        }
        self.closed.clear();
        self.closed_order.clear();
        self.total_bytes = 0;
        self.total_pieces = 0;
    }

    fn remember_closed(&mut self, key: FlowKey) {
        self.closed_generation += 1;
        self.closed.insert(key, self.closed_generation);
        self.closed_order.push_back((key, self.closed_generation));
        while self.closed_order.len() > CLOSED_REMEMBERED {
            let Some((old, generation)) = self.closed_order.pop_front() else {
                break;
            };
            if self.closed.get(&old) == Some(&generation) {
                self.closed.remove(&old);
            }
        }
    }
}

#[path = "reassembly_conn.rs"]
mod conn;
use conn::roles;

#[path = "reassembly_half.rs"]
mod half;

#[cfg(test)]
#[path = "reassembly_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "reassembly_limits_tests.rs"]
mod limits_tests;

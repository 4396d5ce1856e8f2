//! The queue from the taps to the decoder: bounded in bytes, and never blocking a socket.
//!
//! A tap that finds no room does not wait: it lets the chunk go and counts it, and tells the
//! decoder how many bytes it missed (`TapEvent::Skipped`) once one of its chunks fits again, or
//! before its FIN or close. Opens, FINs and closes are a few per connection: they always get
//! through, an open only while the room kept for notices lasts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;
pub use tokio::sync::mpsc::error::TryRecvError;

use super::tap::{TapChunk, TapEvent};
use crate::proto::event::{CloseHow, Stall};
use crate::proto::{ConnId, Dir, Timestamp};

/// Chunk bytes (plus OVERHEAD each) the queue may hold. The largest answer (`/bytes/N`, a
/// WebSocket message: 16 MiB) fits while the decoder catches up, so lessons never skip; a flood
/// or a stalled output costs the server at most this much memory.
pub const BUDGET: usize = 32 << 20;
/// Opens may go past the budget by this much (some 30 000 of them): without its open the
/// decoder cannot show a connection at all. Past it, new connections are only counted.
const OPEN_ROOM: usize = 4 << 20;
/// What a queued notice costs besides its bytes: the enum, its channel slot, an allocation.
const OVERHEAD: usize = 128;

struct Shared {
    budget: usize,
    /// Charged for what is queued: its bytes plus OVERHEAD per notice.
    used: AtomicUsize,
    /// Notices queued, and the chunk bytes among them.
    queued: AtomicUsize,
    queued_bytes: AtomicU64,
    /// Since the start: bytes let go for lack of room, and connections not shown at all.
    skipped: AtomicU64,
    unseen: AtomicU64,
}

/// A queue whose chunks may hold `budget` bytes.
pub fn channel(budget: usize) -> (TapTx, TapRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        budget,
        used: AtomicUsize::new(0),
        queued: AtomicUsize::new(0),
        queued_bytes: AtomicU64::new(0),
        skipped: AtomicU64::new(0),
        unseen: AtomicU64::new(0),
    });
    let tx = TapTx {
        tx,
        shared: shared.clone(),
    };
    (tx, TapRx { rx, shared })
}

/// A queue of the default [`BUDGET`].
pub fn tap_channel() -> (TapTx, TapRx) {
    channel(BUDGET)
}

fn cost(ev: &TapEvent) -> usize {
    OVERHEAD
        + match ev {
            TapEvent::Chunk(c) => c.bytes.len(),
            TapEvent::Open { client, server, .. } => client.len() + server.len(),
            _ => 0,
        }
}

fn chunk_len(ev: &TapEvent) -> u64 {
    match ev {
        TapEvent::Chunk(c) => c.bytes.len() as u64,
        _ => 0,
    }
}

/// The taps' end; clones share one budget.
#[derive(Clone)]
pub struct TapTx {
    tx: mpsc::UnboundedSender<TapEvent>,
    shared: Arc<Shared>,
}

impl TapTx {
    /// Queues `ev` by the policy above: a chunk only within the budget, an open within the room
    /// kept for notices, anything else always. False when not queued (no room, no receiver).
    pub fn send(&self, ev: TapEvent) -> bool {
        let cost = cost(&ev);
        let limit = match &ev {
            TapEvent::Chunk(_) => Some(self.shared.budget),
            TapEvent::Open { .. } => Some(self.shared.budget.saturating_add(OPEN_ROOM)),
            _ => None,
        };
        self.reserve(cost, limit) && self.push(ev, cost)
    }

    /// Charges `cost` if it keeps the queue within `limit` (None: always).
    fn reserve(&self, cost: usize, limit: Option<usize>) -> bool {
        let used = &self.shared.used;
        let Some(limit) = limit else {
            used.fetch_add(cost, Ordering::Relaxed);
            return true;
        };
        used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
            u.checked_add(cost).filter(|&n| n <= limit)
        })
        .is_ok()
    }

    /// Queues `ev`, already charged `cost`.
    fn push(&self, ev: TapEvent, cost: usize) -> bool {
        let bytes = chunk_len(&ev);
        let s = &self.shared;
        s.queued.fetch_add(1, Ordering::Relaxed);
        s.queued_bytes.fetch_add(bytes, Ordering::Relaxed);
        if self.tx.send(ev).is_ok() {
            return true;
        }
        s.used.fetch_sub(cost, Ordering::Relaxed);
        s.queued.fetch_sub(1, Ordering::Relaxed);
        s.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
        false
    }
}

/// What is in the queue now, and what never got in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TapStats {
    pub queued: usize,
    pub queued_bytes: u64,
    /// Bytes let go since the start.
    pub skipped: u64,
    /// Connections not shown at all since the start.
    pub unseen: u64,
}

/// Reads a queue's [`TapStats`] from anywhere, while its receiver is busy.
#[derive(Clone)]
pub struct TapGauge(Arc<Shared>);

impl TapGauge {
    pub fn stats(&self) -> TapStats {
        let s = &self.0;
        TapStats {
            queued: s.queued.load(Ordering::Relaxed),
            queued_bytes: s.queued_bytes.load(Ordering::Relaxed),
            skipped: s.skipped.load(Ordering::Relaxed),
            unseen: s.unseen.load(Ordering::Relaxed),
        }
    }
}

/// The decoder's end: as an mpsc receiver, each notice received frees its room.
pub struct TapRx {
    rx: mpsc::UnboundedReceiver<TapEvent>,
    shared: Arc<Shared>,
}

impl TapRx {
    pub async fn recv(&mut self) -> Option<TapEvent> {
        let ev = self.rx.recv().await?;
        self.release(&ev);
        Some(ev)
    }

    pub fn try_recv(&mut self) -> Result<TapEvent, TryRecvError> {
        let ev = self.rx.try_recv()?;
        self.release(&ev);
        Ok(ev)
    }

    pub fn gauge(&self) -> TapGauge {
        TapGauge(self.shared.clone())
    }

    fn release(&self, ev: &TapEvent) {
        let s = &self.shared;
        s.used.fetch_sub(cost(ev), Ordering::Relaxed);
        s.queued.fetch_sub(1, Ordering::Relaxed);
        s.queued_bytes.fetch_sub(chunk_len(ev), Ordering::Relaxed);
    }
}

/// One connection's way into the queue: its open, chunks, FINs and close, and the bytes it let
/// go, per direction, until it can tell them.
pub struct ConnTx {
    tx: TapTx,
    conn: ConnId,
    /// False when even its open found no room: nothing of the connection is sent.
    shown: bool,
    /// Per direction: the stamp of the first byte let go and how many, not yet told.
    skipped: [Option<(Timestamp, u64)>; 2],
}

impl ConnTx {
    /// Sends the open notice.
    pub fn open(tx: TapTx, conn: ConnId, ts: Timestamp, client: String, server: String) -> Self {
        let shown = tx.send(TapEvent::Open {
            conn,
            ts,
            client,
            server,
        });
        if !shown {
            tx.shared.unseen.fetch_add(1, Ordering::Relaxed);
        }
        ConnTx {
            tx,
            conn,
            shown,
            skipped: [None; 2],
        }
    }

    /// Queues a copy of `bytes` if they fit, else counts them; the copy is made only if they do.
    pub fn chunk(&mut self, dir: Dir, ts: Timestamp, bytes: &[u8]) {
        if !self.shown || bytes.is_empty() {
            return;
        }
        let cost = OVERHEAD + bytes.len();
        if !self.tx.reserve(cost, Some(self.tx.shared.budget)) {
            let (_, n) = self.skipped[dir.index()].get_or_insert((ts, 0));
            *n += bytes.len() as u64;
            let s = &self.tx.shared.skipped;
            s.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            return;
        }
        // Room is back: what was let go is told first, in its place in the stream.
        self.tell_skipped();
        let chunk = TapChunk {
            conn: self.conn,
            dir,
            ts,
            bytes: Bytes::copy_from_slice(bytes),
        };
        self.tx.push(TapEvent::Chunk(chunk), cost);
    }

    pub fn fin(&mut self, ts: Timestamp, dir: Dir) {
        self.notice(TapEvent::Fin {
            conn: self.conn,
            ts,
            dir,
        });
    }

    pub fn close(&mut self, ts: Timestamp, how: CloseHow, by: Option<Dir>, why: Option<Stall>) {
        self.notice(TapEvent::Close {
            conn: self.conn,
            ts,
            how,
            by,
            why,
        });
    }

    fn notice(&mut self, ev: TapEvent) {
        if self.shown {
            self.tell_skipped();
            self.tx.send(ev);
        }
    }

    fn tell_skipped(&mut self) {
        for dir in [Dir::C2s, Dir::S2c] {
            if let Some((ts, bytes)) = self.skipped[dir.index()].take() {
                self.tx.send(TapEvent::Skipped {
                    conn: self.conn,
                    ts,
                    dir,
                    bytes,
                });
            }
        }
    }
}

#[cfg(test)]
#[path = "tap_queue_tests.rs"]
mod tests;

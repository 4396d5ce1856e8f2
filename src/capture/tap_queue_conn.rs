//! One connection's way into the tap queue (see `tap_queue`).

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::{COPY_LOCKED, OVERHEAD, TapTx};
use crate::capture::tap::{TapChunk, TapEvent};
use crate::proto::event::{CloseHow, Stall};
use crate::proto::{ConnId, Dir, Timestamp};

/// One connection's way into the queue: its open, chunks, FINs and close, and the bytes it let
/// go, per direction, until it can tell them.
pub struct ConnTx {
    tx: TapTx,
    conn: ConnId,
    /// False when even its open found no room: nothing of the connection is sent.
    pub(super) shown: bool,
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
        let shared = &self.tx.shared;
        let mut q = shared.lock();
        if q.receiver_gone {
            return; // nothing decodes any more: not "skipped" for want of room
        }
        if !q.reserve(&shared.given, cost, Some(shared.budget)) {
            drop(q);
            let (_, n) = self.skipped[dir.index()].get_or_insert((ts, 0));
            *n += bytes.len() as u64;
            shared
                .skipped
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            return;
        }
        let conn = self.conn;
        let chunk = |bytes: &[u8]| {
            TapEvent::Chunk(TapChunk {
                conn,
                dir,
                ts,
                bytes: Bytes::copy_from_slice(bytes),
            })
        };
        if bytes.len() <= COPY_LOCKED && self.skipped == [None; 2] {
            return super::push(q, chunk(bytes));
        }
        drop(q);
        // Room is back: what was let go is told first, in its place in the stream.
        self.tell_skipped();
        self.tx.push_reserved(chunk(bytes), cost);
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

//! `TapStream<S>`: wraps a live socket and copies every byte that crosses it, with a timestamp,
//! into a bounded queue (`tap_queue`), together with one open and one close notice per
//! connection.
//!
//! The clock is read here, never in `proto`: the decoders get the timestamps as plain numbers.

use std::io;
use std::pin::Pin;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::tap_queue::{ConnTx, TapTx};
use crate::proto::event::{CloseHow, Stall};
use crate::proto::{ConnId, Dir, Timestamp};

/// A monotonic clock: timestamps are nanoseconds since its origin (the server's start).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Instant,
    /// The wall-clock time of the origin, in nanoseconds since the Unix epoch.
    wall: u64,
}

impl Clock {
    pub fn start() -> Self {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Clock {
            origin: Instant::now(),
            wall,
        }
    }

    pub fn now(&self) -> Timestamp {
        Timestamp(u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX))
    }

    /// The instant of one of this clock's timestamps (no second look at the clock).
    pub fn instant(&self, ts: Timestamp) -> Instant {
        self.origin + std::time::Duration::from_nanos(ts.0)
    }

    /// A timestamp of this clock as nanoseconds since the Unix epoch (for capture files).
    pub fn wall(&self, ts: Timestamp) -> Timestamp {
        Timestamp(self.wall.saturating_add(ts.0))
    }
}

/// Bytes that crossed a connection in one direction.
#[derive(Debug, Clone)]
pub struct TapChunk {
    pub conn: ConnId,
    pub dir: Dir,
    pub ts: Timestamp,
    pub bytes: Bytes,
}

/// What a tap reports: each connection opens once, carries chunks, and closes once.
#[derive(Debug, Clone)]
pub enum TapEvent {
    Open {
        conn: ConnId,
        ts: Timestamp,
        client: String,
        server: String,
    },
    Chunk(TapChunk),
    /// A direction's first FIN: our shutdown (s2c) or the peer's EOF (c2s). The session shows
    /// it only if traffic follows before the close (a half-close).
    Fin {
        conn: ConnId,
        ts: Timestamp,
        dir: Dir,
    },
    Close {
        conn: ConnId,
        ts: Timestamp,
        how: CloseHow,
        /// The side that closed first, where known.
        by: Option<Dir>,
        /// The server's limit that ended it, if one did.
        why: Option<Stall>,
    },
    /// Bytes of one direction that found the queue full and were let go; `ts` is the first
    /// one's. Told before the connection's next chunk, FIN or close.
    Skipped {
        conn: ConnId,
        ts: Timestamp,
        dir: Dir,
        bytes: u64,
    },
}

#[path = "tap_budget.rs"]
mod budget;
#[path = "tap_handle.rs"]
mod handle;
pub use budget::{Budget, FREE as BUDGET_FREE};
pub use handle::{Limits, Slot, TapHandle, Verdict, WeakTapHandle};

/// How often a read waiting for the budget looks again.
const BUDGET_RETRY: std::time::Duration = std::time::Duration::from_millis(10);

#[path = "tap_linger.rs"]
mod linger;

/// A socket whose traffic is copied out. Reads are client → server, writes server → client.
pub struct TapStream<S> {
    inner: S,
    clock: Clock,
    out: ConnTx,
    handle: TapHandle,
    /// Who ended the conversation first: the peer's EOF (c2s) or our shutdown (s2c).
    first_fin: Option<Dir>,
    /// The FINs already reported, by `Dir::index`: a peer's EOF is read again and again.
    fins: [bool; 2],
    reset: bool,
    /// A last answer being written (see `TapHandle::farewell`).
    farewell: Option<Bytes>,
    /// Makes the socket answer a later close with an RST (see `TapHandle::kill`).
    abort: Option<fn(&S)>,
    /// Killed by the server: how it went.
    killed: Option<CloseHow>,
    /// When to look again at a budget that had no room (see `Budget`).
    budget_retry: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The server's own close, which lingers (see `linger`).
    closing: linger::Closing,
    /// The waker last registered for a kill (see `poll_read`).
    reader: Option<std::task::Waker>,
}

impl<S> TapStream<S> {
    /// Wraps `inner`, reporting the open at once.
    pub fn new(
        inner: S,
        conn: ConnId,
        client: String,
        server: String,
        clock: Clock,
        tx: TapTx,
        handle: TapHandle,
    ) -> Self {
        let out = ConnTx::open(tx, conn, clock.now(), client, server);
        handle.touch(|_| {});
        TapStream {
            inner,
            clock,
            out,
            handle,
            first_fin: None,
            fins: [false; 2],
            reset: false,
            farewell: None,
            abort: None,
            killed: None,
            budget_retry: None,
            closing: linger::Closing::Open,
            reader: None,
        }
    }

    /// How to turn this socket's close into an RST, for kills that ask for one.
    pub fn with_abort(mut self, abort: fn(&S)) -> Self {
        self.abort = Some(abort);
        self
    }

    /// Fails every read and write once the handle says the server killed the connection.
    fn check_kill(&mut self) -> io::Result<()> {
        if self.killed.is_none() {
            let Some(rst) = self.handle.killed() else {
                return Ok(());
            };
            let abort = self.abort.filter(|_| rst);
            if let Some(abort) = abort {
                abort(&self.inner);
            }
            self.killed = Some(if abort.is_some() {
                CloseHow::Rst
            } else {
                CloseHow::Fin
            });
        }
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the server dropped this connection",
        ))
    }

    fn copy(&mut self, dir: Dir, bytes: &[u8]) {
        self.copy_at(dir, self.clock.now(), bytes);
    }

    /// Never waits: with the queue full, the bytes are only counted (see `tap_queue`).
    fn copy_at(&mut self, dir: Dir, ts: Timestamp, bytes: &[u8]) {
        self.out.chunk(dir, ts, bytes);
    }

    fn on_error(&mut self, e: &io::Error) {
        if matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
        ) {
            self.reset = true;
        }
    }

    fn on_fin(&mut self, dir: Dir) {
        self.first_fin.get_or_insert(dir);
        if !std::mem::replace(&mut self.fins[dir.index()], true) {
            self.out.fin(self.clock.now(), dir);
        }
    }

    /// How the connection ended, as far as this end can tell.
    fn close_how(&self) -> (CloseHow, Option<Dir>) {
        // A WebSocket cut for idling is killed as well as timed out: the reason wins.
        if self.handle.stall().is_some() && self.killed != Some(CloseHow::Rst) {
            (CloseHow::Timeout, Some(Dir::S2c))
        } else if let Some(how) = self.killed {
            (how, Some(Dir::S2c))
        } else if self.closing.reset() {
            (CloseHow::Rst, Some(Dir::S2c))
        } else if self.reset {
            (CloseHow::Rst, Some(Dir::C2s))
        } else {
            // Dropped without a shutdown: closing the socket sends our FIN now.
            (CloseHow::Fin, Some(self.first_fin.unwrap_or(Dir::S2c)))
        }
    }
}

impl<S> Drop for TapStream<S> {
    fn drop(&mut self) {
        // A kill that came while no one polled the socket still ends it the way it asked.
        let _ = self.check_kill();
        let (how, by) = self.close_how();
        self.out
            .close(self.clock.now(), how, by, self.handle.stall());
    }
}

#[path = "tap_io.rs"]
mod io_impl;

#[cfg(test)]
#[path = "tap_tests.rs"]
mod tests;

//! `TapHandle`: what the server and its tapped socket share about one connection.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::task::AtomicWaker;

use super::budget::{Budget, Meter};
use crate::proto::event::Stall;

/// Shared with the server so it can say why it closed a connection, see whether the client is
/// idle or stalled mid-head, and have a last answer written before the close.
#[derive(Clone, Debug, Default)]
pub struct TapHandle {
    inner: Arc<HandleState>,
}

#[derive(Debug, Default)]
struct HandleState {
    /// The limit that ended the connection: 0 for none, else 1 + its index in `Stall::ALL`.
    stall: AtomicU8,
    activity: Mutex<Activity>,
    farewell: Mutex<Option<Bytes>>,
    /// Whether `farewell` holds bytes: every read looks, and nearly always finds none.
    farewell_set: AtomicBool,
    /// Set when the server kills the connection: 1 with a FIN, 2 with an RST.
    kill: std::sync::atomic::AtomicU8,
    /// The tasks reading and writing the socket, woken by a kill.
    reader: AtomicWaker,
    writer: AtomicWaker,
    /// Released when the last clone goes, that is with the socket.
    _slot: Option<Slot>,
    /// This connection's share of the budget for messages in progress.
    meter: Meter,
}

/// What the server needs to tell "idle" from "stalled in the middle of a request head".
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Activity {
    /// The last byte in either direction, or the open, or a request's start or end.
    pub(super) last: Option<Instant>,
    /// The first byte of a request head that has not been answered yet.
    pub(super) head_since: Option<Instant>,
    /// Requests handed to a handler whose response is not done yet.
    pub(super) in_flight: u32,
    /// The client has sent at least one byte.
    pub(super) heard: bool,
    /// The last byte from the client.
    pub(super) last_in: Option<Instant>,
    /// A write waiting for the client to read since then.
    pub(super) write_since: Option<Instant>,
}

/// The time limits a connection is held to (see `duplex serve --help`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// No request for this long on a kept-alive connection (None: never).
    pub idle: Option<Duration>,
    /// Nothing at all from a new connection for this long.
    pub first_byte: Duration,
    /// A request head not finished this long after its first byte.
    pub head: Duration,
    /// A write the client has not made room for in this long.
    pub write: Duration,
}

/// What the server should do with a connection now.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check again after this long.
    Wait(Duration),
    /// Quiet past a limit (`Idle` or `FirstByte`): close.
    Idle(Stall),
    /// A head started but did not finish in time: answer 408 and close.
    Stalled,
    /// The client stopped reading: abort.
    WriteStalled,
}

/// Counts a connection as open for as long as it lives.
#[derive(Debug)]
pub struct Slot(Arc<AtomicUsize>);

impl Slot {
    pub fn take(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Slot(count.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A handle that does not keep the connection counted as open.
#[derive(Clone, Debug)]
pub struct WeakTapHandle(std::sync::Weak<HandleState>);

impl WeakTapHandle {
    /// The handle, while its socket lives.
    pub fn upgrade(&self) -> Option<TapHandle> {
        self.0.upgrade().map(|inner| TapHandle { inner })
    }
}

impl TapHandle {
    pub fn downgrade(&self) -> WeakTapHandle {
        WeakTapHandle(Arc::downgrade(&self.inner))
    }

    /// A handle that keeps `slot` taken until the socket and every clone are gone, and whose
    /// reads, once metered, draw on `budget`.
    pub fn with_slot(slot: Slot, budget: Arc<Budget>) -> Self {
        TapHandle {
            inner: Arc::new(HandleState {
                _slot: Some(slot),
                meter: Meter::new(Some(budget)),
                ..HandleState::default()
            }),
        }
    }

    /// From now on, bytes read and not yet finished with draw on the budget (see `Budget`).
    pub fn meter(&self) {
        self.inner.meter.start();
    }

    /// The route has finished with what it read so far.
    pub fn message_done(&self) {
        self.inner.meter.done();
    }

    /// The last time a read waited for the budget: the client was not silent then, the
    /// server was not listening.
    pub fn budget_wait(&self) -> Option<Instant> {
        self.inner.meter.waited()
    }

    /// Bytes the route holds beyond those read (a message inflated from fewer bytes): they
    /// draw on the budget as if read.
    pub fn held(&self, n: usize) {
        if n > 0 {
            self.inner.meter.did_read(n);
        }
    }

    /// Whether the budget has room for the route to hold more (see `held`).
    pub fn may_hold(&self) -> bool {
        self.inner.meter.may_read()
    }

    pub(super) fn may_read(&self) -> bool {
        self.inner.meter.may_read()
    }

    pub(super) fn did_read(&self, n: usize) {
        self.inner.meter.did_read(n);
    }

    /// The server is closing this connection because of `why`.
    pub fn mark_timeout(&self, why: Stall) {
        let code = Stall::ALL
            .iter()
            .position(|s| *s == why)
            .map_or(0, |i| i + 1);
        self.inner.stall.store(code as u8, Ordering::Relaxed);
    }

    /// The limit that ended this connection, if one did.
    pub fn stall(&self) -> Option<Stall> {
        let code = self.inner.stall.load(Ordering::Relaxed) as usize;
        code.checked_sub(1).and_then(|i| Stall::ALL.get(i).copied())
    }

    pub(super) fn touch(&self, f: impl FnOnce(&mut Activity)) {
        self.touch_at(Instant::now(), f);
    }

    /// As `touch`, at a time the caller has read already (a chunk's stamp).
    pub(super) fn touch_at(&self, at: Instant, f: impl FnOnce(&mut Activity)) {
        if let Ok(mut a) = self.inner.activity.lock() {
            a.last = Some(at);
            f(&mut a);
        }
    }

    /// How long since the last byte either way (or the open).
    pub fn quiet(&self) -> Duration {
        self.inner
            .activity
            .lock()
            .ok()
            .and_then(|a| a.last)
            .map_or(Duration::ZERO, |l| l.elapsed())
    }

    /// A request head is complete and goes to a handler.
    pub fn request_started(&self) {
        self.touch(|a| {
            a.head_since = None;
            a.in_flight += 1;
        });
    }

    /// A response is done (its body was sent or dropped).
    pub fn request_done(&self) {
        self.touch(|a| a.in_flight = a.in_flight.saturating_sub(1));
    }

    /// How long since the open, when the client has sent nothing at all and nothing is in flight.
    pub fn silent_for(&self) -> Option<Duration> {
        let a = self.inner.activity.lock().ok().map(|a| *a)?;
        let silent = !a.heard && a.in_flight == 0;
        silent.then(|| a.last.map_or(Duration::ZERO, |l| l.elapsed()))
    }

    /// The last byte from the client, if any came.
    pub fn last_in(&self) -> Option<Instant> {
        self.inner.activity.lock().ok().and_then(|a| a.last_in)
    }

    /// Whether a write has waited for the client to read for `limit` or more.
    pub fn write_stalled(&self, limit: Duration) -> bool {
        let since = self.inner.activity.lock().ok().and_then(|a| a.write_since);
        since.is_some_and(|s| s.elapsed() >= limit)
    }

    /// A write must wait for the client to read: the clock of the write limit starts.
    pub(super) fn write_waits(&self, w: &std::task::Waker) {
        self.inner.writer.register(w);
        if let Ok(mut a) = self.inner.activity.lock() {
            a.write_since.get_or_insert_with(Instant::now);
        }
    }

    /// What to do now, given the limits: a write stalled for `write` (at any time), or, while
    /// no request is in flight, idle past `idle` (None: never) or, with nothing ever heard,
    /// `first_byte`, or stalled mid-head for `head`. A wait is at most a quarter of the
    /// shortest limit, so a head that starts is noticed soon.
    pub fn verdict(&self, l: &Limits) -> Verdict {
        let tick = l.head.min(l.first_byte).min(l.write) / 4;
        let Ok(a) = self.inner.activity.lock().map(|a| *a) else {
            return Verdict::Wait(tick);
        };
        let now = Instant::now();
        if a.write_since
            .is_some_and(|s| now.duration_since(s) >= l.write)
        {
            return Verdict::WriteStalled;
        }
        if let Some(since) = a.head_since.filter(|_| a.in_flight == 0) {
            let left = l.head.saturating_sub(now.duration_since(since));
            return if left.is_zero() {
                Verdict::Stalled
            } else {
                Verdict::Wait(left.min(tick))
            };
        }
        if a.in_flight > 0 {
            return Verdict::Wait(tick);
        }
        let (limit, why) = match l.idle {
            _ if !a.heard => (
                l.idle.map_or(l.first_byte, |i| i.min(l.first_byte)),
                Stall::FirstByte,
            ),
            Some(idle) => (idle, Stall::Idle),
            None => return Verdict::Wait(tick),
        };
        let quiet = a.last.map_or(Duration::ZERO, |l| now.duration_since(l));
        match limit.checked_sub(quiet) {
            Some(left) if !left.is_zero() => Verdict::Wait(left.min(tick)),
            _ => Verdict::Idle(why),
        }
    }

    /// Bytes the tapped socket writes, then closes, the next time it is read from.
    pub fn farewell(&self, bytes: Bytes) {
        if let Ok(mut f) = self.inner.farewell.lock() {
            *f = Some(bytes);
        }
        self.inner.farewell_set.store(true, Ordering::Release);
    }

    /// Ends the connection at once, with no goodbye at any layer above TCP: the socket's reads
    /// and writes fail from now on, so its task lets go of it. `rst` aborts it with an RST.
    pub fn kill(&self, rst: bool) {
        self.inner
            .kill
            .store(if rst { 2 } else { 1 }, Ordering::Relaxed);
        self.inner.reader.wake();
        self.inner.writer.wake();
    }

    /// `Some(rst)` once killed.
    pub(super) fn killed(&self) -> Option<bool> {
        match self.inner.kill.load(Ordering::Relaxed) {
            0 => None,
            k => Some(k == 2),
        }
    }

    pub(super) fn register_reader(&self, w: &std::task::Waker) {
        self.inner.reader.register(w);
    }

    pub(super) fn take_farewell(&self) -> Option<Bytes> {
        if !self.inner.farewell_set.load(Ordering::Acquire) {
            return None;
        }
        self.inner.farewell.lock().ok().and_then(|mut f| f.take())
    }
}

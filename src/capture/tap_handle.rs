//! `TapHandle`: what the server and its tapped socket share about one connection.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::task::AtomicWaker;

/// Shared with the server so it can say why it closed a connection, see whether the client is
/// idle or stalled mid-head, and have a last answer written before the close.
#[derive(Clone, Debug, Default)]
pub struct TapHandle {
    inner: Arc<HandleState>,
}

#[derive(Debug, Default)]
struct HandleState {
    timed_out: AtomicBool,
    activity: Mutex<Activity>,
    farewell: Mutex<Option<Bytes>>,
    /// Set when the server kills the connection: 1 with a FIN, 2 with an RST.
    kill: std::sync::atomic::AtomicU8,
    /// The task reading the socket, woken by a kill.
    reader: AtomicWaker,
    /// Released when the last clone goes, that is with the socket.
    _slot: Option<Slot>,
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
}

/// What a connection waiting for its next request should do now.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check again after this long.
    Wait(Duration),
    /// No byte for the whole keep-alive time: close.
    Idle,
    /// A head started but did not finish in time: answer 408 and close.
    Stalled,
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

    /// A handle that keeps `slot` taken until the socket and every clone are gone.
    pub fn with_slot(slot: Slot) -> Self {
        TapHandle {
            inner: Arc::new(HandleState {
                _slot: Some(slot),
                ..HandleState::default()
            }),
        }
    }

    /// The server is closing this connection because it sat idle too long.
    pub fn mark_timeout(&self) {
        self.inner.timed_out.store(true, Ordering::Relaxed);
    }

    pub(super) fn timed_out(&self) -> bool {
        self.inner.timed_out.load(Ordering::Relaxed)
    }

    pub(super) fn touch(&self, f: impl FnOnce(&mut Activity)) {
        if let Ok(mut a) = self.inner.activity.lock() {
            a.last = Some(Instant::now());
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

    /// While no request is in flight: idle for `idle` (None: never), or stalled mid-head for
    /// `head`. A wait is at most a quarter of `head`, so a head that starts is noticed soon.
    pub fn verdict(&self, idle: Option<Duration>, head: Duration) -> Verdict {
        let tick = head / 4;
        let Ok(a) = self.inner.activity.lock().map(|a| *a) else {
            return Verdict::Wait(tick);
        };
        let now = Instant::now();
        if let Some(since) = a.head_since.filter(|_| a.in_flight == 0) {
            let left = head.saturating_sub(now.duration_since(since));
            return if left.is_zero() {
                Verdict::Stalled
            } else {
                Verdict::Wait(left)
            };
        }
        let Some(idle) = idle.filter(|_| a.in_flight == 0) else {
            return Verdict::Wait(tick);
        };
        let quiet = a.last.map_or(Duration::ZERO, |l| now.duration_since(l));
        match idle.checked_sub(quiet) {
            Some(left) if !left.is_zero() => Verdict::Wait(left.min(tick)),
            _ => Verdict::Idle,
        }
    }

    /// Bytes the tapped socket writes, then closes, the next time it is read from.
    pub fn farewell(&self, bytes: Bytes) {
        if let Ok(mut f) = self.inner.farewell.lock() {
            *f = Some(bytes);
        }
    }

    /// Ends the connection at once, with no goodbye at any layer above TCP: the socket's reads
    /// and writes fail from now on, so its task lets go of it. `rst` aborts it with an RST.
    pub fn kill(&self, rst: bool) {
        self.inner
            .kill
            .store(if rst { 2 } else { 1 }, Ordering::Relaxed);
        self.inner.reader.wake();
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
        self.inner.farewell.lock().ok().and_then(|mut f| f.take())
    }
}

//! How much the server lets WebSocket messages in progress hold, over all connections: a
//! connection whose route meters it (the echo, which takes messages up to 16 MiB) may hold
//! FREE bytes read but not yet finished with; beyond that, it reads only while the shared
//! budget has room. Others wait (TCP backpressure), so twenty clients that each send 15 MiB of
//! a frame and stall cannot hold 300 MiB: they hold the budget, until their time limit ends them.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Bytes a metered connection may hold before it draws on the shared budget: any message a
/// live route or a canary sends fits, so small messages never wait.
pub const FREE: usize = 256 * 1024;

#[derive(Debug)]
pub struct Budget {
    used: AtomicUsize,
    limit: usize,
}

impl Budget {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Budget {
            used: AtomicUsize::new(0),
            limit,
        })
    }

    /// Bytes drawn now, over all connections.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// One connection's share of the budget.
#[derive(Debug, Default)]
pub(super) struct Meter {
    pub(super) budget: Option<Arc<Budget>>,
    on: AtomicBool,
    /// Bytes read since the route last finished with a message.
    read: AtomicUsize,
    /// Of those, the bytes drawn on the budget (those beyond FREE).
    drawn: AtomicUsize,
    /// The last time a read waited for the budget.
    waited: Mutex<Option<Instant>>,
}

impl Meter {
    pub(super) fn new(budget: Option<Arc<Budget>>) -> Self {
        Meter {
            budget,
            on: AtomicBool::new(false),
            read: AtomicUsize::new(0),
            drawn: AtomicUsize::new(0),
            waited: Mutex::new(None),
        }
    }

    pub(super) fn start(&self) {
        self.on.store(true, Ordering::Relaxed);
    }

    /// Whether the next read may go ahead (else it waits, and says when).
    pub(super) fn may_read(&self) -> bool {
        let Some(b) = self
            .budget
            .as_ref()
            .filter(|_| self.on.load(Ordering::Relaxed))
        else {
            return true;
        };
        if self.read.load(Ordering::Relaxed) < FREE || b.used() < b.limit {
            return true;
        }
        if let Ok(mut w) = self.waited.lock() {
            *w = Some(Instant::now());
        }
        false
    }

    pub(super) fn did_read(&self, n: usize) {
        let Some(b) = self
            .budget
            .as_ref()
            .filter(|_| self.on.load(Ordering::Relaxed))
        else {
            return;
        };
        let read = self.read.fetch_add(n, Ordering::Relaxed) + n;
        let beyond = read.saturating_sub(FREE);
        let before = self.drawn.swap(beyond, Ordering::Relaxed);
        b.used
            .fetch_add(beyond.saturating_sub(before), Ordering::Relaxed);
    }

    /// The route is done with what it read: give back what was drawn.
    pub(super) fn done(&self) {
        self.read.store(0, Ordering::Relaxed);
        let drawn = self.drawn.swap(0, Ordering::Relaxed);
        if let Some(b) = &self.budget {
            b.used.fetch_sub(drawn, Ordering::Relaxed);
        }
    }

    pub(super) fn waited(&self) -> Option<Instant> {
        self.waited.lock().ok().and_then(|w| *w)
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.done();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metered_connection_draws_beyond_free_and_gives_back() {
        let b = Budget::new(FREE);
        let m = Meter::new(Some(b.clone()));
        m.did_read(FREE);
        assert_eq!(b.used(), 0, "unmetered until started");
        m.done();
        m.start();
        m.did_read(FREE / 2);
        assert!(m.may_read());
        assert_eq!(b.used(), 0, "within FREE");
        m.did_read(FREE);
        assert_eq!(b.used(), FREE / 2);
        let other = Meter::new(Some(b.clone()));
        other.start();
        other.did_read(2 * FREE);
        assert_eq!(b.used(), FREE / 2 + FREE);
        assert!(!m.may_read(), "the budget is spent");
        assert!(m.waited().is_some());
        drop(other);
        assert!(m.may_read(), "a closed connection gives its share back");
        m.done();
        assert_eq!(b.used(), 0);
    }
}

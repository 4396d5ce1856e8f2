//! The queue from the taps to the decoder: bounded in bytes, and never blocking a socket.
//!
//! A tap that finds no room does not wait: it lets the chunk go and counts it, and tells the
//! decoder how many bytes it missed (`TapEvent::Skipped`) once one of its chunks fits again, or
//! before its FIN or close. Opens, FINs and closes are a few per connection: they always get
//! through, an open only while the room kept for notices lasts.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

pub use tokio::sync::mpsc::error::TryRecvError;

use super::tap::TapEvent;

/// Chunk bytes (plus OVERHEAD each) the queue may hold. The largest answer (`/bytes/N`, a
/// WebSocket message: 16 MiB) fits while the decoder catches up, so lessons never skip; a flood
/// or a stalled output costs the server at most this much memory.
pub const BUDGET: usize = 32 << 20;
/// Opens may go past the budget by this much (some 30 000 of them): without its open the
/// decoder cannot show a connection at all. Past it, new connections are only counted.
const OPEN_ROOM: usize = 4 << 20;
/// What a queued notice costs besides its bytes: the enum, its slot, an allocation.
const OVERHEAD: usize = 128;
/// Chunks up to this size are copied while the queue is locked (one lock per chunk); larger
/// ones are charged first and copied outside it, so other connections' taps do not wait.
const COPY_LOCKED: usize = 4096;

/// While traffic flows, the receiver looks for notices every POLL instead of being woken for
/// each: a wake is a task switch per chunk, which under load cost the server more than the
/// decoding. After POLLS empty looks it waits to be woken again, so the first notice after a
/// quiet spell arrives at once, and later ones within a POLL or two (the screen draws far less
/// often).
const POLL: std::time::Duration = std::time::Duration::from_millis(1);
const POLLS: u32 = 20;

/// The queue and its accounts, behind one lock: a chunk costs one lock and no other atomic.
#[derive(Default)]
struct Queue {
    events: VecDeque<TapEvent>,
    /// Charged for what is queued or with the receiver: its bytes plus OVERHEAD per notice.
    used: usize,
    /// Notices queued or with the receiver, and the chunk bytes among them.
    queued: usize,
    queued_bytes: u64,
    senders: usize,
    /// The receiver, waiting to be woken by the next notice.
    waiting: Option<Waker>,
    receiver_gone: bool,
}

struct Shared {
    budget: usize,
    queue: Mutex<Queue>,
    /// Since the start: bytes let go for lack of room, and connections not shown at all.
    skipped: AtomicU64,
    unseen: AtomicU64,
    /// Handed out of the receiver's batch and not yet taken off `Queue`'s accounts (which
    /// happens, under the lock, once the batch is done). Only the receiver writes these.
    given: Given,
}

/// What the receiver handed out of its batch: the notices, their chunk bytes, their cost.
#[derive(Default)]
struct Given {
    notices: AtomicUsize,
    bytes: AtomicU64,
    cost: AtomicUsize,
}

impl Given {
    /// One more handed out (a single writer: no read-modify-write needed).
    fn add(&self, ev: &TapEvent) {
        let r = Ordering::Relaxed;
        self.notices.store(self.notices.load(r) + 1, r);
        self.bytes.store(self.bytes.load(r) + chunk_len(ev), r);
        self.cost.store(self.cost.load(r) + cost(ev), r);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock leaves nothing half done that matters here.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A queue whose chunks may hold `budget` bytes.
pub fn channel(budget: usize) -> (TapTx, TapRx) {
    let shared = Arc::new(Shared {
        budget,
        queue: Mutex::new(Queue {
            senders: 1,
            ..Queue::default()
        }),
        skipped: AtomicU64::new(0),
        unseen: AtomicU64::new(0),
        given: Given::default(),
    });
    let tx = TapTx {
        shared: shared.clone(),
    };
    let rx = TapRx {
        shared,
        batch: VecDeque::new(),
        polls: 0,
    };
    (tx, rx)
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

impl Queue {
    /// Charges `cost` if it keeps the queue within `limit` (None: always), and a receiver
    /// is there to take it. `given`: what the receiver handed out of what is charged.
    fn reserve(&mut self, given: &Given, cost: usize, limit: Option<usize>) -> bool {
        let used = self.used - given.cost.load(Ordering::Relaxed).min(self.used);
        let fits = limit.is_none_or(|l| used.checked_add(cost).is_some_and(|n| n <= l));
        if fits && !self.receiver_gone {
            self.used += cost;
        }
        fits && !self.receiver_gone
    }
}

/// Queues `ev`, already charged, and wakes a waiting receiver once the lock is let go.
fn push(mut q: MutexGuard<'_, Queue>, ev: TapEvent) {
    q.queued += 1;
    q.queued_bytes += chunk_len(&ev);
    q.events.push_back(ev);
    let wake = q.waiting.take();
    drop(q);
    if let Some(w) = wake {
        w.wake();
    }
}

/// The taps' end; clones share one budget.
pub struct TapTx {
    shared: Arc<Shared>,
}

impl Clone for TapTx {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        TapTx {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for TapTx {
    fn drop(&mut self) {
        let mut q = self.shared.lock();
        q.senders -= 1;
        // The last one gone: a waiting receiver learns that nothing more comes.
        let wake = if q.senders == 0 {
            q.waiting.take()
        } else {
            None
        };
        drop(q);
        if let Some(w) = wake {
            w.wake();
        }
    }
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
        let mut q = self.shared.lock();
        if !q.reserve(&self.shared.given, cost, limit) {
            return false;
        }
        push(q, ev);
        true
    }

    /// Queues `ev`, charged `cost` by an earlier `reserve`.
    fn push_reserved(&self, ev: TapEvent, cost: usize) {
        let mut q = self.shared.lock();
        if q.receiver_gone {
            q.used -= cost;
            return;
        }
        push(q, ev);
    }
}

/// What is in the queue now, and what never got in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TapStats {
    /// Notices waiting for the decoder or being decoded.
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
        let (queued, queued_bytes) = {
            let q = s.lock();
            let g = &s.given;
            (
                q.queued - g.notices.load(Ordering::Relaxed).min(q.queued),
                q.queued_bytes - g.bytes.load(Ordering::Relaxed).min(q.queued_bytes),
            )
        };
        TapStats {
            queued,
            queued_bytes,
            skipped: s.skipped.load(Ordering::Relaxed),
            unseen: s.unseen.load(Ordering::Relaxed),
        }
    }
}

/// The decoder's end. It takes the queue's notices a batch at a time (one lock); each notice
/// handed out frees its room at once (`Given`).
pub struct TapRx {
    shared: Arc<Shared>,
    batch: VecDeque<TapEvent>,
    /// Empty looks left before waiting to be woken.
    polls: u32,
}

impl TapRx {
    /// The next notice; None once every sender is gone and all is read. Needs a runtime with
    /// time enabled (see POLL).
    pub async fn recv(&mut self) -> Option<TapEvent> {
        loop {
            // A turn of tokio's budget, as its channels take: under a flood the task still
            // yields to others on its thread. Taken before anything is popped (cancel-safe).
            tokio::task::consume_budget().await;
            match self.try_recv() {
                Ok(ev) => {
                    self.polls = POLLS;
                    return Some(ev);
                }
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) if self.polls > 0 => {
                    self.polls -= 1;
                    tokio::time::sleep(POLL).await;
                }
                Err(TryRecvError::Empty) => self.woken().await,
            }
        }
    }

    /// Until a notice is queued or the last sender is gone.
    async fn woken(&self) {
        std::future::poll_fn(|cx| {
            let mut q = self.shared.lock();
            if !q.events.is_empty() || q.senders == 0 {
                return Poll::Ready(());
            }
            match &mut q.waiting {
                Some(w) if w.will_wake(cx.waker()) => {}
                w => *w = Some(cx.waker().clone()),
            }
            Poll::Pending
        })
        .await;
    }

    pub fn try_recv(&mut self) -> Result<TapEvent, TryRecvError> {
        if self.batch.is_empty() {
            let mut q = self.shared.lock();
            give_back(&self.shared.given, &mut q);
            if q.events.is_empty() {
                return Err(if q.senders == 0 {
                    TryRecvError::Disconnected
                } else {
                    TryRecvError::Empty
                });
            }
            std::mem::swap(&mut q.events, &mut self.batch);
        }
        let ev = self.batch.pop_front().ok_or(TryRecvError::Empty)?;
        self.shared.given.add(&ev);
        // The batch handed out: the accounts are exact again.
        if self.batch.is_empty() {
            give_back(&self.shared.given, &mut self.shared.lock());
        }
        Ok(ev)
    }

    pub fn gauge(&self) -> TapGauge {
        TapGauge(self.shared.clone())
    }
}

/// Takes what the receiver handed out off the accounts (under the lock, as the gauge reads).
fn give_back(given: &Given, q: &mut Queue) {
    q.used -= given.cost.swap(0, Ordering::Relaxed);
    q.queued -= given.notices.swap(0, Ordering::Relaxed);
    q.queued_bytes -= given.bytes.swap(0, Ordering::Relaxed);
}

impl Drop for TapRx {
    fn drop(&mut self) {
        let mut q = self.shared.lock();
        give_back(&self.shared.given, &mut q);
        // Nothing queued will be read: its room is free, and later sends fail.
        let left = [
            std::mem::take(&mut q.events),
            std::mem::take(&mut self.batch),
        ];
        for ev in left.iter().flatten() {
            q.used -= cost(ev);
            q.queued -= 1;
            q.queued_bytes -= chunk_len(ev);
        }
        q.receiver_gone = true;
        drop(q);
        drop(left);
    }
}

#[path = "tap_queue_conn.rs"]
mod conn;
pub use conn::ConnTx;

#[cfg(test)]
#[path = "tap_queue_tests.rs"]
mod tests;

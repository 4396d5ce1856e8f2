//! Putting a live tap's notices back in time order.
//!
//! A tapped write is stamped before it leaves, but reported after: a thread paused in between
//! reports it late, behind what the other side did next. Holding notices for a short window and
//! releasing them sorted by stamp gives the order things happened in. Pure: the caller says what
//! time it is.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::tap::TapEvent;
use crate::proto::Timestamp;

/// How long a notice is held for stragglers, in nanoseconds.
pub const WINDOW_NS: u64 = 25_000_000;

#[derive(Default)]
pub struct Reorder {
    /// (stamp, arrival number) → notice: ties keep their arrival order.
    held: BinaryHeap<Reverse<(Timestamp, u64, Held)>>,
    arrivals: u64,
}

/// A notice in the heap; ordered only by the key beside it.
struct Held(TapEvent);

impl PartialEq for Held {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

pub fn stamp(ev: &TapEvent) -> Timestamp {
    match ev {
        TapEvent::Open { ts, .. }
        | TapEvent::Fin { ts, .. }
        | TapEvent::Close { ts, .. }
        | TapEvent::Skipped { ts, .. } => *ts,
        TapEvent::Chunk(c) => c.ts,
    }
}

impl Reorder {
    pub fn push(&mut self, ev: TapEvent) {
        self.arrivals += 1;
        self.held
            .push(Reverse((stamp(&ev), self.arrivals, Held(ev))));
    }

    /// The notices stamped at least a window before `now`, oldest first.
    pub fn ready(&mut self, now: Timestamp, out: &mut Vec<TapEvent>) {
        let until = now.0.saturating_sub(WINDOW_NS);
        while self
            .held
            .peek()
            .is_some_and(|Reverse((ts, ..))| ts.0 <= until)
        {
            if let Some(Reverse((.., Held(ev)))) = self.held.pop() {
                out.push(ev);
            }
        }
    }

    /// Everything still held, oldest first (the tap has ended).
    pub fn flush(&mut self, out: &mut Vec<TapEvent>) {
        while let Some(Reverse((.., Held(ev)))) = self.held.pop() {
            out.push(ev);
        }
    }

    /// When the oldest held notice becomes ready.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.held
            .peek()
            .map(|Reverse((ts, ..))| Timestamp(ts.0.saturating_add(WINDOW_NS)))
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tap::TapChunk;
    use crate::proto::Dir;

    fn chunk(ts: u64, byte: u8) -> TapEvent {
        TapEvent::Chunk(TapChunk {
            conn: 1,
            dir: Dir::S2c,
            ts: Timestamp(ts),
            bytes: bytes::Bytes::copy_from_slice(&[byte]),
        })
    }

    fn bytes(evs: &[TapEvent]) -> Vec<u8> {
        evs.iter()
            .map(|e| match e {
                TapEvent::Chunk(c) => c.bytes[0],
                _ => 0,
            })
            .collect()
    }

    #[test]
    fn a_late_report_takes_its_place_by_stamp_and_ties_keep_arrival_order() {
        let mut r = Reorder::default();
        r.push(chunk(10, b'b'));
        r.push(chunk(5, b'a'));
        r.push(chunk(10, b'c'));
        let mut out = Vec::new();
        r.ready(Timestamp(10 + WINDOW_NS - 1), &mut out);
        assert_eq!(bytes(&out), b"a");
        r.ready(Timestamp(10 + WINDOW_NS), &mut out);
        assert_eq!(bytes(&out), b"abc");
        assert!(r.is_empty() && r.next_due().is_none());
    }

    #[test]
    fn flush_gives_everything_in_order() {
        let mut r = Reorder::default();
        for (ts, b) in [(3, b'c'), (1, b'a'), (2, b'b')] {
            r.push(chunk(ts, b));
        }
        assert_eq!(r.next_due(), Some(Timestamp(1 + WINDOW_NS)));
        let mut out = Vec::new();
        r.flush(&mut out);
        assert_eq!(bytes(&out), b"abc");
    }
}

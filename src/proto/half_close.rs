//! Which FINs are half-closes. A side's FIN is held until the next thing that happens on its
//! connection: if that is the connection's end, the FIN is dropped (the `tcp_close` already
//! says who closed first); if bytes cross first (either way), a `tcp_fin` goes out before
//! them. Decided on bytes, not on decoded events: a body that ends at the close is decoded
//! only then, yet its bytes came before the FIN.
//! Pure: no clock, the FIN keeps its own timestamp.

use rustc_hash::FxHashMap as HashMap;

use super::event::{Event, EventKind};
use super::{ConnId, Dir, Timestamp};

/// The FINs held per connection (at most one per side), until their fate is known.
#[derive(Default)]
pub struct HalfCloses {
    pending: HashMap<ConnId, Vec<Event>>,
}

impl HalfCloses {
    /// A side's first FIN on `conn`: held, not yet shown.
    pub fn fin(&mut self, conn: ConnId, ts: Timestamp, dir: Dir) {
        let held = self.pending.entry(conn).or_default();
        // Sources send one per side; a repeat would say nothing new.
        if held.iter().all(|e| e.dir != Some(dir)) {
            held.push(Event {
                conn,
                ts,
                dir: Some(dir),
                kind: EventKind::TcpFin,
            });
        }
    }

    /// Bytes (or a gap) cross on `conn`: its held FINs were half-closes, out they go, before
    /// whatever those bytes decode to.
    pub fn traffic(&mut self, conn: ConnId, out: &mut Vec<Event>) {
        // Nearly always nothing is held: skip the hash of every segment.
        if self.pending.is_empty() {
            return;
        }
        if let Some(held) = self.pending.remove(&conn) {
            out.extend(held);
        }
    }

    /// `conn` ends: its held FINs were part of the close.
    pub fn close(&mut self, conn: ConnId) {
        self.pending.remove(&conn);
    }

    /// FINs still held.
    pub fn held(&self) -> usize {
        self.pending.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule's steps: `Fin`, bytes on a connection, or its close.
    enum Step {
        Fin(ConnId, u64, Dir),
        Bytes(ConnId),
        Close(ConnId),
    }

    fn run(steps: &[Step]) -> (Vec<(ConnId, u64, Option<Dir>)>, usize) {
        let (mut h, mut out) = (HalfCloses::default(), Vec::new());
        for s in steps {
            match *s {
                Step::Fin(c, ts, d) => h.fin(c, Timestamp(ts), d),
                Step::Bytes(c) => h.traffic(c, &mut out),
                Step::Close(c) => h.close(c),
            }
        }
        assert!(out.iter().all(|e| e.kind == EventKind::TcpFin));
        let shown = out.iter().map(|e| (e.conn, e.ts.0, e.dir)).collect();
        (shown, h.held())
    }

    #[test]
    fn a_fin_then_bytes_is_shown_with_its_own_time() {
        let (shown, held) = run(&[Step::Fin(1, 10, Dir::S2c), Step::Bytes(1), Step::Close(1)]);
        assert_eq!(shown, [(1, 10, Some(Dir::S2c))]);
        assert_eq!(held, 0);
    }

    #[test]
    fn a_fin_then_the_close_is_dropped() {
        let (shown, held) = run(&[
            Step::Fin(1, 10, Dir::C2s),
            Step::Fin(1, 11, Dir::S2c),
            Step::Close(1),
        ]);
        assert_eq!(shown, []);
        assert_eq!(held, 0);
    }

    /// The RST path: a FIN, then the reset, with bytes only on another connection.
    #[test]
    fn a_fin_then_rst_is_dropped_and_other_connections_do_not_release_it() {
        let (shown, held) = run(&[Step::Fin(1, 10, Dir::S2c), Step::Bytes(2), Step::Close(1)]);
        assert_eq!(shown, []);
        assert_eq!(held, 0);
    }

    #[test]
    fn a_side_repeating_its_fin_is_shown_once_and_only_once() {
        let (shown, _) = run(&[
            Step::Fin(1, 10, Dir::S2c),
            Step::Fin(1, 15, Dir::S2c),
            Step::Bytes(1),
            Step::Bytes(1),
        ]);
        assert_eq!(shown, [(1, 10, Some(Dir::S2c))]);
    }
}

//! Which FINs are half-closes. A FIN is held until the next event of its connection: if that
//! is the connection's `tcp_close`, the FIN is dropped (the close already says who closed
//! first); anything else means traffic crossed after the FIN, so a `tcp_fin` goes out first.
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

    /// Passes `ev` on to `sink`, preceded by its connection's held FINs unless it is the close.
    pub fn pass(&mut self, ev: &Event, sink: &mut impl FnMut(&Event)) {
        if let Some(held) = self.pending.remove(&ev.conn)
            && !matches!(ev.kind, EventKind::TcpClose(_))
        {
            for fin in &held {
                sink(fin);
            }
        }
        sink(ev);
    }

    /// FINs still held (for tests and bounds).
    pub fn held(&self) -> usize {
        self.pending.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::event::{CloseHow, TcpClose};

    fn ev(conn: ConnId, ts: u64, dir: Option<Dir>, kind: EventKind) -> Event {
        Event {
            conn,
            ts: Timestamp(ts),
            dir,
            kind,
        }
    }

    fn close(conn: ConnId, ts: u64, how: CloseHow, by: Dir) -> Event {
        let c = TcpClose { how, by: Some(by) };
        ev(conn, ts, None, EventKind::TcpClose(c))
    }

    fn error(conn: ConnId, ts: u64, dir: Dir) -> Event {
        let e = crate::proto::event::DecodeError {
            layer: crate::proto::event::Layer::Http,
            offset: None,
            what: "x".into(),
        };
        ev(conn, ts, Some(dir), EventKind::Error(e))
    }

    fn run(h: &mut HalfCloses, evs: &[Event]) -> Vec<(ConnId, u64, &'static str)> {
        let mut out = Vec::new();
        for e in evs {
            h.pass(e, &mut |e| out.push((e.conn, e.ts.0, e.kind.name())));
        }
        out
    }

    #[test]
    fn a_fin_then_data_is_shown_before_the_data_with_its_own_time() {
        let mut h = HalfCloses::default();
        h.fin(1, Timestamp(10), Dir::S2c);
        let out = run(&mut h, &[error(1, 20, Dir::C2s), close(1, 30, CloseHow::Rst, Dir::S2c)]);
        assert_eq!(out, [(1, 10, "tcp_fin"), (1, 20, "error"), (1, 30, "tcp_close")]);
        assert_eq!(h.held(), 0);
    }

    #[test]
    fn a_fin_then_the_close_is_dropped() {
        let mut h = HalfCloses::default();
        h.fin(1, Timestamp(10), Dir::C2s);
        h.fin(1, Timestamp(11), Dir::S2c);
        let out = run(&mut h, &[close(1, 12, CloseHow::Fin, Dir::C2s)]);
        assert_eq!(out, [(1, 12, "tcp_close")]);
        assert_eq!(h.held(), 0);
    }

    #[test]
    fn a_fin_then_rst_is_dropped_and_other_connections_do_not_release_it() {
        let mut h = HalfCloses::default();
        h.fin(1, Timestamp(10), Dir::S2c);
        let out = run(
            &mut h,
            &[error(2, 11, Dir::C2s), close(1, 12, CloseHow::Rst, Dir::C2s)],
        );
        assert_eq!(out, [(2, 11, "error"), (1, 12, "tcp_close")]);
    }

    #[test]
    fn a_side_repeating_its_fin_is_held_once() {
        let mut h = HalfCloses::default();
        h.fin(1, Timestamp(10), Dir::S2c);
        h.fin(1, Timestamp(15), Dir::S2c);
        let out = run(&mut h, &[error(1, 20, Dir::C2s)]);
        assert_eq!(out, [(1, 10, "tcp_fin"), (1, 20, "error")]);
    }
}

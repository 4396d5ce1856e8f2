//! The shortcuts of the direct `--json` lines against serde's bytes: a time written again for
//! the next event at the same instant, and numbers of one or two digits pushed.

use super::json::{push_line, write_event_serde};
use crate::proto::event::{Event, EventKind};
use crate::proto::{Dir, Timestamp};

fn both(conn: u32, ts: u64, origin: u64) -> (String, String) {
    let ev = Event {
        conn,
        ts: Timestamp(ts),
        dir: Some(Dir::S2c),
        kind: EventKind::TcpFin,
    };
    let (mut direct, mut serde) = (Vec::new(), Vec::new());
    push_line(&mut direct, &ev, Timestamp(origin));
    write_event_serde(&mut serde, &ev, Timestamp(origin)).unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (text(direct), text(serde))
}

#[test]
fn a_time_is_written_again_only_for_the_same_instant_and_origin() {
    let s = 1_000_000_000;
    // The same time twice, then against another origin, then another time, then back.
    for (ts, origin) in [
        (5 * s, 0),
        (5 * s, 0),
        (5 * s, s),
        (5 * s, s),
        (5 * s + 1_000, s),
        (5 * s, 0),
        (u64::MAX, 0),
        (u64::MAX, 0),
        (0, 0),
    ] {
        let (direct, serde) = both(1, ts, origin);
        assert_eq!(direct, serde, "t {ts} origin {origin}");
    }
}

#[test]
fn numbers_of_every_length_are_serdes() {
    for conn in [
        0,
        1,
        9,
        10,
        11,
        42,
        99,
        100,
        101,
        999,
        1000,
        65_535,
        u32::MAX,
    ] {
        let (direct, serde) = both(conn, 7_000, 0);
        assert_eq!(direct, serde, "conn {conn}");
    }
}

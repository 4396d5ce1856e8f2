//! Reassembly memory bounds: pieces as well as bytes, across connections, and open connections.

use super::*;
use crate::capture::packet::TcpSegment;

fn seg(src: SocketAddr, dst: SocketAddr, seq: u32, syn: bool, payload: &[u8]) -> TcpSegment<'_> {
    TcpSegment {
        src,
        dst,
        seq,
        ack: 0,
        syn,
        ack_flag: false,
        fin: false,
        rst: false,
        payload,
        truncated: false,
    }
}

fn addr(i: u32) -> SocketAddr {
    SocketAddr::from(([10, (i >> 16) as u8, (i >> 8) as u8, i as u8], 40000))
}

const SERVER: ([u8; 4], u16) = ([10, 255, 0, 1], 80);

#[test]
fn one_byte_pieces_above_a_hole_are_bounded_by_count() {
    let mut r = Reassembler::new();
    let (c, s) = (addr(1), SocketAddr::from(SERVER));
    let mut gaps = 0;
    let mut delivered = 0usize;
    r.push(Timestamp(0), 1, &seg(c, s, 999, true, b""), &mut |_| {});
    // Byte 0 never comes; bytes 1.. arrive one segment each.
    for i in 1..(3 * PIECES_LIMIT as u32) {
        r.push(
            Timestamp(u64::from(i)),
            2,
            &seg(c, s, 1000 + i, false, b"x"),
            &mut |e| match e {
                StreamEvent::Gap { .. } => gaps += 1,
                StreamEvent::Data { data, .. } => delivered += data.len(),
                _ => {}
            },
        );
        let held = r.conns.values().map(|c| c.buffered().1).sum::<usize>();
        assert!(held <= PIECES_LIMIT, "{held} pieces held at segment {i}");
    }
    assert_eq!(gaps, 1, "the hole became one gap");
    assert!(delivered >= 2 * PIECES_LIMIT, "{delivered}");
}

#[test]
fn pieces_spread_over_many_connections_are_bounded_in_total() {
    let mut r = Reassembler::new();
    let s = SocketAddr::from(SERVER);
    let conns = (TOTAL_PIECES_LIMIT / 100) as u32 + 500;
    for i in 0..conns {
        let c = addr(i);
        r.push(Timestamp(0), 1, &seg(c, s, 999, true, b""), &mut |_| {});
        for k in 1..=100 {
            r.push(
                Timestamp(1),
                2,
                &seg(c, s, 1000 + k, false, b"y"),
                &mut |_| {},
            );
        }
    }
    assert!(
        r.total_pieces <= TOTAL_PIECES_LIMIT + 1,
        "{}",
        r.total_pieces
    );
    let counted: usize = r.conns.values().map(|c| c.buffered().1).sum();
    assert_eq!(counted, r.total_pieces, "the running total is exact");
}

#[test]
fn past_the_open_limit_the_longest_idle_close_early_and_are_counted() {
    let mut r = Reassembler::new();
    let s = SocketAddr::from(SERVER);
    let mut closes = Vec::new();
    for i in 0..(OPEN_LIMIT as u32 + 10) {
        r.push(
            Timestamp(u64::from(i)),
            1,
            &seg(addr(i), s, 1, true, b""),
            &mut |e| {
                if let StreamEvent::Close { conn, how, .. } = e {
                    closes.push((conn, how));
                }
            },
        );
        // The first connection stays busy: it must not be the one let go.
        r.push(
            Timestamp(u64::from(i)),
            1,
            &seg(addr(0), s, 2, false, b""),
            &mut |_| {},
        );
    }
    assert!(r.conns.len() <= OPEN_LIMIT);
    assert_eq!(r.evicted as usize, closes.len());
    assert_eq!(closes.len(), OPEN_LIMIT / 8);
    assert!(closes.iter().all(|&(_, how)| how == CloseHow::Eof));
    assert!(!closes.iter().any(|&(id, _)| id == 1), "the busy one stays");
    assert_eq!(closes[0].0, 2, "the longest idle goes first");
}

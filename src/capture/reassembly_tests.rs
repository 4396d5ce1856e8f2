//! Reassembly: real captures, synthetic segment orders, and a property test.

use super::*;
use crate::capture::packet::parse_tcp;
use crate::capture::pcap::CaptureReader;
use proptest::prelude::*;

const C: &str = "10.0.0.1:50000";
const S: &str = "10.0.0.2:80";

/// A segment; `flags` holds any of S (SYN), A (ACK), F (FIN), R (RST).
fn seg<'a>(src: &str, dst: &str, seq: u32, flags: &str, payload: &'a [u8]) -> TcpSegment<'a> {
    TcpSegment {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        seq,
        ack: 0,
        syn: flags.contains('S'),
        ack_flag: flags.contains('A'),
        fin: flags.contains('F'),
        rst: flags.contains('R'),
        payload,
        truncated: false,
    }
}

/// An owned copy of an event, without timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    Open(ConnId, String, String, bool),
    Data(ConnId, Dir, Vec<u8>),
    Gap(ConnId, Dir, u64),
    Fin(ConnId, Dir),
    Close(ConnId, CloseHow, Option<Dir>),
}

fn own(e: StreamEvent<'_>) -> Ev {
    match e {
        StreamEvent::Open {
            conn,
            ends,
            handshake,
            ..
        } => Ev::Open(
            conn,
            ends.client.to_string(),
            ends.server.to_string(),
            handshake,
        ),
        StreamEvent::Data {
            conn, dir, data, ..
        } => Ev::Data(conn, dir, data.to_vec()),
        StreamEvent::Gap {
            conn, dir, missing, ..
        } => Ev::Gap(conn, dir, missing),
        StreamEvent::Fin { conn, dir, .. } => Ev::Fin(conn, dir),
        StreamEvent::Close { conn, how, by, .. } => Ev::Close(conn, how, by),
    }
}

fn run_with(r: &mut Reassembler, segs: &[TcpSegment<'_>]) -> Vec<Ev> {
    let mut out = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        r.push(Timestamp(i as u64), i as u64 + 1, s, &mut |e| {
            out.push(own(e))
        });
    }
    r.finish(Timestamp(u64::MAX), &mut |e| out.push(own(e)));
    out
}

fn run(segs: &[TcpSegment<'_>]) -> Vec<Ev> {
    run_with(&mut Reassembler::new(), segs)
}

/// One direction's bytes, a gap shown as that many `?`.
fn stream(events: &[Ev], conn: ConnId, dir: Dir) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        match e {
            Ev::Data(c, d, data) if (*c, *d) == (conn, dir) => out.extend_from_slice(data),
            Ev::Gap(c, d, n) if (*c, *d) == (conn, dir) => {
                out.resize(out.len() + *n as usize, b'?')
            }
            _ => {}
        }
    }
    out
}

fn open(handshake: bool) -> Ev {
    Ev::Open(1, C.into(), S.into(), handshake)
}

#[test]
fn handshake_data_and_fin_close() {
    let ev = run(&[
        seg(C, S, 99, "S", b""),
        seg(S, C, 499, "SA", b""),
        seg(C, S, 100, "A", b"GET"),
        seg(S, C, 500, "A", b"200"),
        seg(S, C, 503, "AF", b""),
        seg(C, S, 103, "AF", b""),
        seg(S, C, 504, "A", b""), // last ACK: must not open a connection
    ]);
    assert_eq!(
        ev,
        [
            open(true),
            Ev::Data(1, Dir::C2s, b"GET".to_vec()),
            Ev::Data(1, Dir::S2c, b"200".to_vec()),
            // Every first FIN is told; replay drops it when the close follows at once.
            Ev::Fin(1, Dir::S2c),
            Ev::Close(1, CloseHow::Fin, Some(Dir::S2c)),
        ]
    );
}

/// A FIN is told once every byte before it arrived, not when it is first seen.
#[test]
fn a_fin_past_a_hole_is_told_when_the_hole_fills() {
    let ev = run(&[
        seg(C, S, 99, "S", b""),
        seg(S, C, 499, "SA", b""),
        seg(S, C, 503, "AF", b""),
        seg(S, C, 500, "A", b"200"),
        seg(C, S, 100, "A", b"late"),
    ]);
    let ev: Vec<_> = ev
        .into_iter()
        .filter(|e| !matches!(e, Ev::Close(..)))
        .collect();
    assert_eq!(
        ev,
        [
            open(true),
            Ev::Data(1, Dir::S2c, b"200".to_vec()),
            Ev::Fin(1, Dir::S2c),
            Ev::Data(1, Dir::C2s, b"late".to_vec()),
        ]
    );
}

#[test]
fn out_of_order_is_held_until_the_hole_fills() {
    let ev = run(&[
        seg(C, S, 0, "S", b""),
        seg(C, S, 5, "A", b"world"),
        seg(C, S, 10, "A", b"!"),
        seg(C, S, 1, "A", b"hell"),
    ]);
    assert_eq!(
        ev,
        [
            open(true),
            Ev::Data(1, Dir::C2s, b"hell".to_vec()),
            Ev::Data(1, Dir::C2s, b"world".to_vec()),
            Ev::Data(1, Dir::C2s, b"!".to_vec()),
            Ev::Close(1, CloseHow::Eof, None),
        ]
    );
}

#[test]
fn duplicates_overlaps_and_late_retransmissions_are_trimmed() {
    let ev = run(&[
        seg(C, S, 0, "S", b""),
        seg(C, S, 1, "A", b"abc"),
        seg(C, S, 1, "A", b"abc"),     // duplicate
        seg(C, S, 2, "A", b"bcdef"),   // overlaps the delivered part
        seg(C, S, 10, "A", b"jkl"),    // ahead
        seg(C, S, 9, "A", b"ijklmn"),  // covers the buffered one and more
        seg(C, S, 11, "A", b"k"),      // inside the buffer
        seg(C, S, 1, "A", b"abcdefg"), // retransmitted after delivery, one new byte
        seg(C, S, 8, "A", b"h"),
    ]);
    assert_eq!(stream(&ev, 1, Dir::C2s), b"abcdefghijklmn");
    assert!(!ev.iter().any(|e| matches!(e, Ev::Gap(..))));
}

#[test]
fn sequence_numbers_wrap_at_2_pow_32() {
    let isn = u32::MAX - 3;
    let ev = run(&[
        seg(C, S, isn, "S", b""),
        seg(C, S, isn.wrapping_add(6), "A", b"fgh"), // past the wrap, early
        seg(C, S, isn.wrapping_add(1), "A", b"abcde"),
        seg(C, S, isn.wrapping_add(9), "A", b"ij"),
    ]);
    assert_eq!(stream(&ev, 1, Dir::C2s), b"abcdefghij");
}

#[test]
fn offsets_keep_counting_past_4_gib() {
    // With no buffer, every jump ahead becomes a gap at once: 1.5 GiB steps reach 4.5 GiB.
    let step = 3u64 << 29;
    let mut r = Reassembler::with_buffer_limit(0);
    let at = |off: u64| 7u32.wrapping_add(1).wrapping_add(off as u32);
    let ev = run_with(
        &mut r,
        &[
            seg(C, S, 7, "S", b""),
            seg(C, S, at(step), "A", b"a"),
            seg(C, S, at(2 * step), "A", b"b"),
            seg(C, S, at(3 * step), "A", b"c"),
            seg(C, S, at(3 * step + 1), "A", b"d"), // in order after the wrap
        ],
    );
    let gaps: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Ev::Gap(_, _, n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(gaps, [step, step - 1, step - 1]);
    assert_eq!(ev[ev.len() - 2], Ev::Data(1, Dir::C2s, b"d".to_vec()));
}

#[test]
fn without_syn_the_ephemeral_or_higher_port_is_the_client() {
    let mid = run(&[seg(S, C, 7000, "A", b"late"), seg(C, S, 1, "A", b"x")]);
    assert_eq!(mid[0], open(false));
    assert_eq!(stream(&mid, 1, Dir::S2c), b"late");
    let both_high = run(&[seg("1.1.1.1:40000", "1.1.1.1:50000", 0, "A", b"")]);
    assert_eq!(
        both_high[0],
        Ev::Open(1, "1.1.1.1:50000".into(), "1.1.1.1:40000".into(), false)
    );
    let both_low = run(&[seg("1.1.1.1:80", "1.1.1.1:8080", 0, "A", b"")]);
    assert_eq!(
        both_low[0],
        Ev::Open(1, "1.1.1.1:8080".into(), "1.1.1.1:80".into(), false)
    );
    // A SYN-ACK seen first still names the client.
    let syn_ack = run(&[seg(S, C, 0, "SA", b"")]);
    assert_eq!(syn_ack[0], open(true));
}

#[test]
fn rst_closes_at_once_after_flushing() {
    let ev = run(&[
        seg(C, S, 0, "S", b""),
        seg(C, S, 1, "A", b"ab"),
        seg(C, S, 5, "A", b"ef"), // a hole at 3..5
        seg(S, C, 42, "AR", b""),
        seg(C, S, 3, "A", b"cd"), // too late: the connection is gone
    ]);
    assert_eq!(
        ev[1..],
        [
            Ev::Data(1, Dir::C2s, b"ab".to_vec()),
            Ev::Gap(1, Dir::C2s, 2),
            Ev::Data(1, Dir::C2s, b"ef".to_vec()),
            Ev::Close(1, CloseHow::Rst, Some(Dir::S2c)),
        ]
    );
}

#[test]
fn fin_from_either_side_first() {
    for (first, second, by) in [(C, S, Dir::C2s), (S, C, Dir::S2c)] {
        let ev = run(&[
            seg(first, second, 10, "AF", b"bye"),
            seg(second, first, 20, "AF", b""),
        ]);
        assert_eq!(*ev.last().unwrap(), Ev::Close(1, CloseHow::Fin, Some(by)));
        assert_eq!(ev.iter().filter(|e| matches!(e, Ev::Close(..))).count(), 1);
    }
}

#[test]
fn close_waits_for_data_before_the_fin() {
    let ev = run(&[
        seg(C, S, 0, "S", b""),
        seg(S, C, 0, "SA", b""),
        seg(C, S, 3, "AF", b"de"), // FIN at 5, bytes 0..2 still missing
        seg(S, C, 1, "AF", b""),
        seg(C, S, 1, "A", b"ab"),
    ]);
    assert!(matches!(ev[ev.len() - 2], Ev::Data(1, Dir::C2s, _)));
    assert_eq!(
        ev.last(),
        Some(&Ev::Close(1, CloseHow::Fin, Some(Dir::C2s)))
    );
    assert_eq!(stream(&ev, 1, Dir::C2s), b"abde");
}

#[test]
fn data_after_fin_is_ignored() {
    let ev = run(&[
        seg(C, S, 0, "S", b""),
        seg(C, S, 8, "A", b"late"), // buffered past the FIN to come: dropped
        seg(C, S, 1, "AF", b"end"),
        seg(C, S, 4, "A", b"more"),
    ]);
    assert_eq!(stream(&ev, 1, Dir::C2s), b"end");
    assert_eq!(
        ev.last(),
        Some(&Ev::Close(1, CloseHow::Fin, Some(Dir::C2s)))
    );
}

#[test]
fn buffer_overflow_declares_a_gap() {
    let mut r = Reassembler::with_buffer_limit(8);
    let ev = run_with(
        &mut r,
        &[
            seg(C, S, 0, "S", b""),
            seg(C, S, 11, "A", b"12345"),
            seg(C, S, 21, "A", b"abcdef"), // 11 bytes buffered > 8
            seg(C, S, 16, "A", b"67890"),  // arrives after the gap was declared
        ],
    );
    assert_eq!(
        ev[1..],
        [
            Ev::Gap(1, Dir::C2s, 10),
            Ev::Data(1, Dir::C2s, b"12345".to_vec()),
            Ev::Data(1, Dir::C2s, b"67890".to_vec()),
            Ev::Data(1, Dir::C2s, b"abcdef".to_vec()),
            Ev::Close(1, CloseHow::Eof, None),
        ]
    );
}

#[test]
fn finish_reports_holes_and_closes_in_connection_order() {
    let (c2, s2) = ("10.0.0.3:60000", "10.0.0.2:80");
    let ev = run(&[
        seg(C, S, 0, "S", b""),
        seg(c2, s2, 0, "S", b""),
        seg(c2, s2, 1, "A", b"x"),
        seg(C, S, 4, "AF", b"d"), // FIN at 5 after a hole at 1..4
    ]);
    let tail: Vec<_> = ev
        .iter()
        .filter(|e| !matches!(e, Ev::Open(..)))
        .cloned()
        .collect();
    assert_eq!(
        tail,
        [
            Ev::Data(2, Dir::C2s, b"x".to_vec()),
            Ev::Gap(1, Dir::C2s, 3),
            Ev::Data(1, Dir::C2s, b"d".to_vec()),
            Ev::Close(1, CloseHow::Fin, Some(Dir::C2s)),
            Ev::Close(2, CloseHow::Eof, None),
        ]
    );
}

#[test]
fn new_syn_on_closed_endpoints_is_a_new_connection() {
    let ev = run(&[
        seg(C, S, 0, "S", b""),
        seg(S, C, 0, "AR", b""),
        seg(S, C, 0, "A", b""), // stray: ignored
        seg(C, S, 1000, "S", b""),
        seg(C, S, 1001, "A", b"again"),
    ]);
    assert_eq!(ev[1], Ev::Close(1, CloseHow::Rst, Some(Dir::S2c)));
    assert_eq!(ev[2], Ev::Open(2, C.into(), S.into(), true));
    assert_eq!(stream(&ev, 2, Dir::C2s), b"again");
}

proptest! {
    #[test]
    fn shuffled_duplicated_segments_reassemble(
        data in proptest::collection::vec(any::<u8>(), 1..2000),
        cuts in proptest::collection::vec(1usize..300, 1..40),
        isn in any::<u32>(),
        dups in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
        order in any::<u64>(),
    ) {
        let mut pieces = Vec::new();
        let mut at = 0;
        for cut in cuts.iter().cycle() {
            if at >= data.len() { break; }
            let end = (at + cut).min(data.len());
            pieces.push((at, end));
            at = end;
        }
        for d in &dups {
            let (s, e) = pieces[d.index(pieces.len())];
            pieces.push((s.saturating_sub(3), e)); // duplicated, sometimes overlapping
        }
        // A deterministic shuffle driven by `order`.
        let mut state = order | 1;
        for i in (1..pieces.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            pieces.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut segs = vec![seg(C, S, isn, "S", b"")];
        for &(s, e) in &pieces {
            segs.push(seg(C, S, isn.wrapping_add(1 + s as u32), "A", &data[s..e]));
        }
        let ev = run(&segs);
        prop_assert_eq!(stream(&ev, 1, Dir::C2s), data);
        prop_assert!(!ev.iter().any(|e| matches!(e, Ev::Gap(..))));
    }
}

/// Segments between three endpoints from proptest's tuples (from, to, seq, flag bits S A F R,
/// length): a flag is set when its bit is and `keep(bit, seq)` agrees; `len` maps the length.
fn arbitrary<'a>(
    segs: &[(usize, usize, u32, u8, usize)],
    payload: &'a [u8],
    keep: impl Fn(u8, u32) -> bool,
    len: impl Fn(usize) -> usize,
) -> Vec<TcpSegment<'a>> {
    let ends = ["1.1.1.1:40000", "1.1.1.1:80", "2.2.2.2:443"];
    segs.iter()
        .filter(|(a, b, ..)| a != b)
        .map(|&(a, b, seq, flags, n)| {
            let mut f = String::new();
            for (bit, c) in [(1, 'S'), (2, 'A'), (4, 'F'), (8, 'R')] {
                if flags & bit != 0 && keep(bit, seq) {
                    f.push(c);
                }
            }
            seg(
                ends[a],
                ends[b],
                seq.wrapping_sub(32),
                &f,
                &payload[..len(n)],
            )
        })
        .collect()
}

proptest! {
    /// Arbitrary segments between a few endpoints: no panic, and every connection is
    /// opened before its data and closed exactly once.
    #[test]
    fn arbitrary_segments_keep_events_well_formed(
        segs in proptest::collection::vec(
            (0usize..3, 0usize..3, 0u32..64, 0u8..16, 0usize..12), 0..80),
        limit in 0usize..32,
    ) {
        let payload = [7u8; 12];
        let built = arbitrary(&segs, &payload, |_, _| true, |len| len);
        let ev = run_with(&mut Reassembler::with_buffer_limit(limit), &built);
        let mut state = std::collections::HashMap::new();
        for e in &ev {
            match e {
                Ev::Open(c, ..) => prop_assert!(state.insert(*c, true).is_none()),
                Ev::Data(c, _, d) => prop_assert!(state.get(c) == Some(&true) && !d.is_empty()),
                Ev::Gap(c, _, n) => prop_assert!(state.get(c) == Some(&true) && *n > 0),
                Ev::Fin(c, _) => prop_assert!(state.get(c) == Some(&true)),
                Ev::Close(c, ..) => prop_assert_eq!(state.insert(*c, false), Some(true)),
            }
        }
        prop_assert!(state.values().all(|open| !open));
    }
}

proptest! {
    /// Pure ACKs taken by the short way give exactly the events of the whole way, whatever the
    /// order, flags and buffer limit (empty segments are most of these).
    #[test]
    fn pure_acks_change_nothing_the_long_way_would_show(
        segs in proptest::collection::vec(
            (0usize..3, 0usize..3, 0u32..64, 0u8..16, 0usize..4), 0..120),
        limit in 0usize..16,
    ) {
        let payload = [7u8; 12];
        // SYN, FIN and RST on one segment in five; lengths 0, 0, 3 and 6.
        let built = arbitrary(
            &segs,
            &payload,
            |bit, seq| bit == 2 || seq % 5 == 0,
            |len| len.saturating_sub(1) * 3,
        );
        let fast = run_with(&mut Reassembler::with_buffer_limit(limit), &built);
        let mut slow = Reassembler::with_buffer_limit(limit);
        slow.acks_fast = false;
        prop_assert_eq!(fast, run_with(&mut slow, &built));
    }
}

/// Every event of a real capture, through reader, parser and reassembler.
fn replay(name: &str) -> Vec<Ev> {
    let path = format!("{}/assets/captures/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = CaptureReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut r = Reassembler::new();
    let mut out = Vec::new();
    let mut last = Timestamp(0);
    while let Ok(Some(p)) = reader.next_packet() {
        last = p.ts;
        if let Some(s) = parse_tcp(p.linktype, p.data).unwrap() {
            r.push(p.ts, p.number, &s, &mut |e| out.push(own(e)));
        }
    }
    r.finish(last, &mut |e| out.push(own(e)));
    out
}

#[test]
fn real_captures_have_the_oracle_connection_counts() {
    for name in [
        "autobahn-1-4.pcap",
        "http10-curl-10req.pcap",
        "http11-keepalive-curl-10req.pcap",
        "ws-basic.pcap",
        "ws-basic.pcapng",
        "ws-websocat-nano.pcap",
        "ws-websocat-server.pcapng",
        "ws-basic-truncated.pcap",
        "header-only.pcap",
    ] {
        let summary = format!(
            "{}/tests/oracle/{name}.summary.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
        let ev = replay(name);
        let opens = ev.iter().filter(|e| matches!(e, Ev::Open(..))).count();
        assert_eq!(
            opens as u64,
            summary["tcp_connections"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            ev.iter().filter(|e| matches!(e, Ev::Close(..))).count(),
            opens,
            "{name}"
        );
        assert!(!ev.iter().any(|e| matches!(e, Ev::Gap(..))), "{name}");
    }
}

#[test]
fn http10_connections_close_with_fin_from_whoever_sent_it_first() {
    let ev = replay("http10-curl-10req.pcap");
    for conn in 1..=10 {
        // curl sent the first FIN on connections 6 (packet 68) and 10 (packet 118).
        let by = if conn == 6 || conn == 10 {
            Dir::C2s
        } else {
            Dir::S2c
        };
        assert!(ev.contains(&Ev::Close(conn, CloseHow::Fin, Some(by))));
        assert!(stream(&ev, conn, Dir::C2s).starts_with(b"GET /") || conn == 8);
        assert!(stream(&ev, conn, Dir::S2c).starts_with(b"HTTP/1.0 "));
    }
    // GET /big.bin: a 150000-byte body over several segments.
    assert!(stream(&ev, 9, Dir::S2c).len() > 150_000);
}

#[test]
fn ws_basic_pcap_and_pcapng_give_the_same_streams() {
    let a = replay("ws-basic.pcap");
    let b = replay("ws-basic.pcapng");
    assert_eq!(a, b);
    let c2s = stream(&a, 1, Dir::C2s);
    let s2c = stream(&a, 1, Dir::S2c);
    assert!(c2s.starts_with(b"GET /chat?room=demo HTTP/1.1\r\n"));
    assert!(s2c.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    // Message 6 is 100000 bytes each way, so both streams are longer.
    assert!(c2s.len() > 100_000 && s2c.len() > 100_000);
    assert_eq!(a.last(), Some(&Ev::Close(1, CloseHow::Fin, Some(Dir::S2c))));
    // The cut capture holds a prefix of the same streams and ends open.
    let cut = replay("ws-basic-truncated.pcap");
    assert!(c2s.starts_with(&stream(&cut, 1, Dir::C2s)));
    assert!(s2c.starts_with(&stream(&cut, 1, Dir::S2c)));
    assert_eq!(cut.last(), Some(&Ev::Close(1, CloseHow::Eof, None)));
}

#[test]
fn a_stream_event_stays_small() {
    // Replay's batches hold thousands; the addresses in `Open` made each 88 bytes.
    assert!(std::mem::size_of::<Stream<std::ops::Range<u32>>>() <= 32);
    assert!(std::mem::size_of::<StreamEvent<'_>>() <= 32);
}

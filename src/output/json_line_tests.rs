//! The direct `--json` lines against serde's, on generated events of every hot kind.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::json::{push_line, write_event_serde};
use super::json_line::write_hot;
use super::json_num::{float, seconds};
use crate::proto::event::{
    AcceptCheck, CloseHow, Event, EventKind, HttpBody, HttpMessage, SseEvent, Stall, TcpClose,
    TcpOpen, WsAbnormalClose,
};
use crate::proto::http1::{Framing, Head};
use crate::proto::ws::{Close, Frame, Message};
use crate::proto::{ByteRange, Dir, Timestamp};

/// Text with what escaping must get right: controls, quotes, backslashes, DEL, non-ASCII,
/// replacement characters of a lossy decode, and long runs past `--json`'s cut.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\x00-\\x1f\"\\\\\\x7fa-z é€😀\u{2028}\u{fffd}]{0,40}",
        any::<String>(),
        vec(any::<u8>(), 0..64).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ("[a-z\"\\\\\\n]{1,4}", 200..400usize).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..80),
        text().prop_map(String::into_bytes),
        // A long text preview whose cut may fall inside a character.
        ("[aé€😀\"]{1,3}", 300..700usize).prop_map(|(s, n)| s.repeat(n).into_bytes()),
    ]
}

fn dir() -> impl Strategy<Value = Dir> {
    prop_oneof![Just(Dir::C2s), Just(Dir::S2c)]
}

fn how() -> impl Strategy<Value = CloseHow> {
    prop_oneof![
        Just(CloseHow::Fin),
        Just(CloseHow::Rst),
        Just(CloseHow::Eof),
        Just(CloseHow::Timeout)
    ]
}

fn range() -> impl Strategy<Value = ByteRange> {
    (any::<u32>(), any::<u32>()).prop_map(|(a, n)| ByteRange::new(a as u64, a as u64 + n as u64))
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop_oneof![Just(Vec::new()), vec((text(), text()), 0..5)]
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        Just(Framing::None),
        any::<u64>().prop_map(Framing::Length),
        Just(Framing::Chunked),
        Just(Framing::UntilClose)
    ]
}

fn head() -> impl Strategy<Value = Head> {
    (
        (option::of(text()), option::of(text())),
        (option::of(any::<u16>()), option::of(text()), any::<u8>()),
        (pairs(), range()),
    )
        .prop_map(
            |((method, target), (status, reason, version), (headers, range))| Head {
                method,
                target,
                status,
                reason,
                version,
                headers,
                header_ranges: Vec::new(),
                range,
                raw: Vec::new(),
            },
        )
}

fn accept() -> impl Strategy<Value = Option<AcceptCheck>> {
    option::of((text(), text(), 0..3u8).prop_map(|(key, expected, got)| {
        let got = match got {
            0 => None,
            1 => Some(expected.clone()),
            _ => Some(format!("{expected}x")),
        };
        AcceptCheck { key, expected, got }
    }))
}

fn http() -> impl Strategy<Value = Box<HttpMessage>> {
    (
        head(),
        (any::<bool>(), any::<u64>(), framing()),
        (pairs(), any::<bool>(), accept()),
    )
        .prop_map(
            |(head, (streaming, body_bytes, framing), (trailers, body_follows, ws_accept))| {
                Box::new(HttpMessage {
                    head,
                    streaming,
                    body_bytes,
                    framing,
                    trailers,
                    body_preview: Vec::new(),
                    body_follows,
                    ws_accept,
                })
            },
        )
}

fn frame() -> impl Strategy<Value = Box<Frame>> {
    (
        (any::<bool>(), 0..8u8, any::<u8>(), any::<bool>()),
        (option::of(any::<[u8; 4]>()), any::<u64>(), any::<bool>()),
        (any::<u8>(), 0..3usize, range()),
        (bytes(), option::of((any::<u16>(), text())), any::<bool>()),
    )
        .prop_map(
            |((fin, rsv, opcode, masked), (mask_key, len, short), (hl, ext, range), more)| {
                let (payload, close, is_text) = more;
                // Often the length of the preview itself (a text shown whole), else any.
                let payload_len = if short { payload.len() as u64 } else { len };
                let ext_len = [0, 2, 8][ext];
                Box::new(Frame {
                    fin,
                    rsv,
                    opcode,
                    masked,
                    mask_key,
                    payload_len,
                    header_len: hl,
                    range,
                    len_range: ByteRange::new(range.start, range.start + ext_len),
                    mask_range: None,
                    payload_range: range,
                    payload,
                    close: close.map(|(code, reason)| Close { code, reason }),
                    is_text,
                })
            },
        )
}

fn message() -> impl Strategy<Value = Box<Message>> {
    (
        (any::<u8>(), any::<u64>(), any::<u64>(), any::<u32>()),
        (any::<bool>(), option::of(text()), range()),
    )
        .prop_map(
            |((opcode, len, wire_len, frames), (compressed, text, range))| {
                Box::new(Message {
                    opcode,
                    len,
                    wire_len,
                    frames,
                    compressed,
                    preview: Vec::new(),
                    text,
                    range,
                })
            },
        )
}

fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        (text(), text(), any::<bool>(), any::<bool>()).prop_map(|(client, server, hs, live)| {
            EventKind::TcpOpen(TcpOpen {
                client,
                server,
                handshake: hs,
                live,
            })
        }),
        (
            how(),
            option::of(dir()),
            option::of(proptest::sample::select(&Stall::ALL[..]))
        )
            .prop_map(|(how, by, why)| EventKind::TcpClose(TcpClose { how, by, why })),
        Just(EventKind::TcpFin),
        http().prop_map(EventKind::HttpRequest),
        http().prop_map(EventKind::HttpResponse),
        (
            any::<u64>(),
            any::<u64>(),
            framing(),
            any::<bool>(),
            pairs()
        )
            .prop_map(|(bytes, wire_bytes, framing, complete, trailers)| {
                EventKind::HttpBody(Box::new(HttpBody {
                    bytes,
                    wire_bytes,
                    framing,
                    complete,
                    trailers,
                    preview: Vec::new(),
                }))
            }),
        (how(), option::of(dir()))
            .prop_map(|(how, by)| EventKind::WsAbnormalClose(WsAbnormalClose { how, by })),
        frame().prop_map(EventKind::WsFrame),
        message().prop_map(EventKind::WsMessage),
        (
            text(),
            text(),
            option::of(text()),
            option::of(any::<u64>()),
            range()
        )
            .prop_map(|(event, data, id, retry, range)| {
                EventKind::SseEvent(Box::new(SseEvent {
                    event,
                    data,
                    id,
                    retry,
                    range,
                }))
            }),
    ]
}

/// Times near the origin (microsecond rounding at work), within hours, and anywhere at all.
fn times() -> impl Strategy<Value = (u64, u64)> {
    let origin = prop_oneof![Just(0u64), any::<u64>(), Just(1_700_000_000_000_000_000)];
    let offset = prop_oneof![0..10_000u64, 0..10_000_000_000_000u64, any::<u64>()];
    (origin, offset).prop_map(|(o, d)| (o, o.saturating_add(d)))
}

/// An event and the origin its `t` counts from.
fn event() -> impl Strategy<Value = (Event, Timestamp)> {
    (any::<u32>(), times(), option::of(dir()), kind()).prop_map(|(conn, (o, ts), dir, kind)| {
        let ev = Event {
            conn,
            ts: Timestamp(ts),
            dir,
            kind,
        };
        (ev, Timestamp(o))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Every hot kind is written directly, and its bytes are serde's.
    #[test]
    fn direct_lines_are_serdes_bytes((ev, origin) in event()) {
        let mut direct = b"before\n".to_vec();
        prop_assert!(write_hot(&mut direct, &ev, origin), "{:?} left to serde", ev.kind.name());
        let mut serde = b"before\n".to_vec();
        write_event_serde(&mut serde, &ev, origin).unwrap();
        prop_assert_eq!(
            String::from_utf8_lossy(&direct),
            String::from_utf8_lossy(&serde)
        );
        prop_assert_eq!(direct, serde);
    }
}

/// `t` as the float path writes it: `micros / 1e6` through serde_json's formatter.
fn seconds_by_float(ts: u64, origin: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let t = (Timestamp(ts).secs_since(Timestamp(origin)) * 1e6).round() / 1e6;
    float(&mut out, t);
    assert_eq!(out, serde_json::to_vec(&t).unwrap());
    out
}

fn seconds_direct(ts: u64, origin: u64) -> Vec<u8> {
    let mut out = Vec::new();
    seconds(&mut out, Timestamp(ts), Timestamp(origin));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn seconds_are_written_as_the_float_path_writes_them(
        ns in prop_oneof![0..100_000_000u64, 0..20_000_000_000_000_000u64, any::<u64>()],
    ) {
        let origin = 1_600_000_000_000_000_000u64;
        let ts = origin.saturating_add(ns);
        prop_assert_eq!(
            String::from_utf8(seconds_direct(ts, origin)).unwrap(),
            String::from_utf8(seconds_by_float(ts, origin)).unwrap()
        );
    }
}

/// Every microsecond of the first two seconds, and around each power of ten up to 2^33 s and
/// past it, where the direct path hands over to the formatter.
#[test]
fn seconds_at_every_microsecond_and_edge() {
    let mut micros: Vec<u64> = (0..2_000_000).collect();
    let mut p = 1u64;
    while p <= 10u64.pow(16) {
        micros.extend((p.saturating_sub(1000)..p + 1000).step_by(7));
        p *= 10;
    }
    let edge = (1u64 << 33) * 1_000_000;
    micros.extend(edge - 5000..edge + 5000);
    for us in micros {
        for ns in [us * 1000, us * 1000 + 499, us * 1000 + 500] {
            assert_eq!(seconds_direct(ns, 0), seconds_by_float(ns, 0), "{ns} ns");
        }
    }
}

/// The escaper on every single byte and character class serde_json treats apart.
#[test]
fn every_ascii_byte_is_escaped_as_serde_escapes_it() {
    let all: String = (0u8..=0x7f).map(char::from).collect();
    for s in [
        all.as_str(),
        "",
        "\"",
        "\\",
        "é\u{0}€\u{1f}😀\u{7f}",
        "\u{2028}\u{2029}",
    ] {
        let mut direct = Vec::new();
        super::json_line::string(&mut direct, s);
        assert_eq!(direct, serde_json::to_vec(s).unwrap(), "{s:?}");
    }
}

/// Every pair of ASCII bytes side by side at every place of an eight-byte word, among plain
/// letters and among non-ASCII: a borrow between them must not hide or invent an escape.
#[test]
fn every_pair_of_bytes_at_every_place() {
    for filler in ["a", "é", " "] {
        for a in 0u8..0x80 {
            for b in 0u8..0x80 {
                for at in 0..9 {
                    let mut s = filler.repeat(at);
                    s.push(char::from(a));
                    s.push(char::from(b));
                    s.push_str(&filler.repeat(9));
                    let mut direct = Vec::new();
                    super::json_line::string(&mut direct, &s);
                    assert_eq!(direct, serde_json::to_vec(&s).unwrap(), "{s:?}");
                }
            }
        }
    }
}

/// The rare kinds go through serde unchanged.
#[test]
fn rare_kinds_are_left_to_serde() {
    let ev = Event {
        conn: 3,
        ts: Timestamp(2_500_000),
        dir: Some(Dir::C2s),
        kind: EventKind::H2Preface,
    };
    let mut buf = Vec::new();
    assert!(!write_hot(&mut buf, &ev, Timestamp(0)));
    assert!(buf.is_empty());
    push_line(&mut buf, &ev, Timestamp(0));
    let mut serde = Vec::new();
    write_event_serde(&mut serde, &ev, Timestamp(0)).unwrap();
    assert_eq!(buf, serde);
}

/// A payload text is copied from the last one escaped when it is the same: texts of one length
/// that differ, the same text again, and one cut by `--json`, each against serde's line.
#[test]
fn a_repeated_text_is_copied_only_when_it_is_the_same() {
    let long = "{\"type\":\"chat\",\"text\":\"hello there\"}".repeat(40);
    let texts = [
        "{\"type\":\"chat\",\"user\":\"ann\",\"text\":\"hello, \\\"you\\\"\"}".to_string(),
        "{\"type\":\"chat\",\"user\":\"bob\",\"text\":\"hello, \\\"you\\\"\"}".to_string(),
        "{\"type\":\"chat\",\"user\":\"bob\",\"text\":\"hello, \\\"you\\\"\"}".to_string(),
        long.clone(),
        format!("{long}!"),
        "short \"one\"".to_string(),
        "{\"type\":\"chat\",\"user\":\"ann\",\"text\":\"hello, \\\"you\\\"\"}".to_string(),
    ];
    for (i, text) in texts.iter().enumerate() {
        let kind = EventKind::WsMessage(Box::new(Message {
            opcode: 1,
            len: text.len() as u64,
            wire_len: text.len() as u64,
            frames: 1,
            compressed: false,
            preview: text.as_bytes().to_vec(),
            text: Some(text.clone()),
            range: ByteRange::new(0, 10),
        }));
        let ev = Event {
            conn: 1,
            ts: Timestamp(5),
            dir: Some(Dir::C2s),
            kind,
        };
        let (mut direct, mut serde) = (Vec::new(), Vec::new());
        push_line(&mut direct, &ev, Timestamp(0));
        write_event_serde(&mut serde, &ev, Timestamp(0)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&direct),
            String::from_utf8_lossy(&serde),
            "text {i}"
        );
    }
}

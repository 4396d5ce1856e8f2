//! The connection machine: upgrades accepted, declined and forged; deflate; splits.

use super::*;
use crate::output::ws_encode::encode_frame;
use crate::proto::event::EventKind;

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn upgrade_request(extra: &str) -> Vec<u8> {
    format!(
        "GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
    .into_bytes()
}

fn switching(accept: &str, extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
    )
    .into_bytes()
}

fn frame(fin: bool, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(&mut out, fin, opcode, mask, payload);
    out
}

/// Feeds `(dir, bytes)` chunks in order, ends both directions, returns the events.
fn run(chunks: &[(Dir, Vec<u8>)]) -> Vec<Event> {
    let mut c = Connection::new(1);
    let mut out = Vec::new();
    for (i, (dir, bytes)) in chunks.iter().enumerate() {
        c.data(*dir, Timestamp(i as u64), bytes, &mut out);
    }
    c.end(Dir::C2s, Timestamp(99), &mut out);
    c.end(Dir::S2c, Timestamp(99), &mut out);
    out
}

fn kinds(evs: &[Event]) -> Vec<String> {
    evs.iter()
        .map(|e| match &e.kind {
            EventKind::HttpRequest(r) => format!("req {}", r.head.method.as_deref().unwrap_or("")),
            EventKind::HttpResponse(r) => format!("resp {}", r.head.status.unwrap_or(0)),
            EventKind::WsFrame(f) => format!("frame {} {:?}", f.opcode, e.dir.unwrap()),
            EventKind::WsMessage(m) => format!("msg {} {}", m.opcode, m.len),
            EventKind::Error(err) => format!("error {}", err.what),
            other => other.name().to_owned(),
        })
        .collect()
}

#[test]
fn upgrade_switches_both_directions_and_checks_the_accept() {
    let evs = run(&[
        (Dir::C2s, upgrade_request("")),
        (Dir::S2c, switching(ACCEPT, "")),
        (Dir::C2s, frame(true, 1, Some([1, 2, 3, 4]), b"hello")),
        (Dir::S2c, frame(true, 1, None, b"hello")),
    ]);
    assert_eq!(
        kinds(&evs),
        [
            "req GET",
            "resp 101",
            "frame 1 C2s",
            "msg 1 5",
            "frame 1 S2c",
            "msg 1 5"
        ]
    );
    let EventKind::HttpResponse(r) = &evs[1].kind else {
        unreachable!()
    };
    let check = r.ws_accept.as_ref().expect("accept checked");
    assert!(check.ok(), "{check:?}");
    assert_eq!(check.expected, ACCEPT);
}

#[test]
fn a_wrong_accept_is_reported_and_decoding_goes_on() {
    let evs = run(&[
        (Dir::C2s, upgrade_request("")),
        (Dir::S2c, switching("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "")),
        (Dir::S2c, frame(true, 2, None, b"\x00\x01")),
    ]);
    let k = kinds(&evs);
    assert_eq!(k[1], "resp 101");
    assert!(k[2].starts_with("error Sec-WebSocket-Accept is"), "{k:?}");
    assert!(k[2].contains(ACCEPT), "{k:?}");
    assert_eq!(k[3], "frame 2 S2c");
}

#[test]
fn client_frames_sent_before_the_101_arrives_wait_for_it() {
    let mut req = upgrade_request("");
    req.extend(frame(true, 1, Some([9, 9, 9, 9]), b"early"));
    let evs = run(&[(Dir::C2s, req), (Dir::S2c, switching(ACCEPT, ""))]);
    assert_eq!(
        kinds(&evs),
        ["req GET", "resp 101", "frame 1 C2s", "msg 1 5"]
    );
}

#[test]
fn a_declined_upgrade_stays_http() {
    let mut req = upgrade_request("");
    req.extend_from_slice(b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
    let resp = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nnoHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let evs = run(&[(Dir::C2s, req), (Dir::S2c, resp.to_vec())]);
    assert_eq!(
        kinds(&evs),
        ["req GET", "resp 400", "http_body", "req GET", "resp 200"]
    );
}

#[test]
fn every_split_of_the_conversation_gives_the_same_events() {
    let c2s = [
        upgrade_request(""),
        frame(false, 1, Some([5, 6, 7, 8]), b"he"),
        frame(true, 0, Some([1, 1, 1, 1]), b"llo"),
    ]
    .concat();
    let s2c = [switching(ACCEPT, ""), frame(true, 8, None, b"\x03\xe8bye")].concat();
    let whole = kinds(&run(&[(Dir::C2s, c2s.clone()), (Dir::S2c, s2c.clone())]));
    assert!(whole.contains(&"msg 1 5".to_owned()), "{whole:?}");
    for cut in 0..c2s.len() {
        let (a, b) = c2s.split_at(cut);
        let evs = run(&[
            (Dir::C2s, a.to_vec()),
            (Dir::S2c, s2c.clone()),
            (Dir::C2s, b.to_vec()),
        ]);
        let mut got = kinds(&evs);
        let mut want = whole.clone();
        // Only the interleaving of directions may change, never the events of one direction.
        got.sort();
        want.sort();
        assert_eq!(got, want, "cut at {cut}");
    }
}

#[test]
fn permessage_deflate_is_inflated_when_negotiated() {
    // RFC 7692 §7.2.3.1: "Hello" compressed, no context takeover needed.
    let compressed = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    let mut f = frame(true, 1, None, &compressed);
    f[0] |= 0x40; // RSV1: this message is compressed
    let evs = run(&[
        (
            Dir::C2s,
            upgrade_request("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
        ),
        (
            Dir::S2c,
            switching(ACCEPT, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
        ),
        (Dir::S2c, f),
    ]);
    let msg = evs
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::WsMessage(m) => Some(m),
            _ => None,
        })
        .expect("a message");
    assert!(msg.compressed);
    assert_eq!((msg.len, msg.wire_len), (5, 7));
    assert_eq!(msg.text.as_deref(), Some("Hello"));
}

#[test]
fn rsv1_without_negotiation_is_an_error() {
    let mut f = frame(true, 1, None, b"x");
    f[0] |= 0x40;
    let evs = run(&[
        (Dir::C2s, upgrade_request("")),
        (Dir::S2c, switching(ACCEPT, "")),
        (Dir::S2c, f),
    ]);
    assert!(
        kinds(&evs).iter().any(|k| k.starts_with("error")),
        "{:?}",
        kinds(&evs)
    );
}

#[test]
fn a_gap_stops_decoding_that_direction_only() {
    let mut c = Connection::new(1);
    let mut out = Vec::new();
    c.data(
        Dir::C2s,
        Timestamp(0),
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        &mut out,
    );
    c.gap(Dir::C2s, Timestamp(1), 100, &mut out);
    c.data(Dir::C2s, Timestamp(2), b"GET /x HTTP/1.1\r\n\r\n", &mut out);
    c.data(
        Dir::S2c,
        Timestamp(3),
        b"HTTP/1.1 204 No Content\r\n\r\n",
        &mut out,
    );
    let k = kinds(&out);
    assert_eq!(k[0], "req GET");
    assert!(
        k[1].starts_with("error the capture is missing 100 bytes"),
        "{k:?}"
    );
    assert_eq!(k[2], "resp 204");
    assert_eq!(k.len(), 3);
}

const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: Text/Event-Stream; charset=utf-8\r\n\
                        Transfer-Encoding: chunked\r\n\r\n";

/// `body` as one chunk per piece.
fn chunked(pieces: &[&str]) -> String {
    pieces
        .iter()
        .map(|p| format!("{:x}\r\n{p}\r\n", p.len()))
        .collect()
}

fn get_events() -> Vec<u8> {
    b"GET /events HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\n\r\n".to_vec()
}

fn sse_events(evs: &[Event]) -> Vec<crate::proto::sse::SseEvent> {
    evs.iter()
        .filter_map(|e| match &e.kind {
            EventKind::SseEvent(s) => Some((**s).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_event_stream_is_reported_at_its_head_then_event_by_event() {
    let body = chunked(&[
        ": heartbeat\n\n",
        "id: 1\ndata: {\"a\":1}\n\n",
        "event: tick\r\ndata: line one\r\ndata: line two\r\n\r\n",
        "data: split ",
        "across chunks\n\n",
    ]);
    let s2c = format!("{SSE_HEAD}{body}0\r\n\r\n").into_bytes();
    let whole = run(&[(Dir::C2s, get_events()), (Dir::S2c, s2c.clone())]);
    assert_eq!(
        kinds(&whole),
        ["req GET", "resp 200", "sse_event", "sse_event", "sse_event"]
    );
    let EventKind::HttpResponse(r) = &whole[1].kind else {
        unreachable!()
    };
    assert!(r.streaming && r.body_bytes == 0);
    let sse = sse_events(&whole);
    let got: Vec<_> = sse
        .iter()
        .map(|e| (e.event.as_str(), e.data.as_str(), e.id.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("message", "{\"a\":1}", Some("1")),
            ("tick", "line one\nline two", Some("1")),
            ("message", "split across chunks", Some("1")),
        ]
    );
    // The heartbeat and the chunk framing count; only the last chunk is left over.
    let head_len = SSE_HEAD.len() as u64;
    assert_eq!(sse[0].range.start, head_len);
    assert_eq!(sse[0].bytes(), 3 + 13 + 2 + 4 + 21);
    let total: u64 = sse.iter().map(|e| e.bytes()).sum();
    assert_eq!(
        total,
        s2c.len() as u64 - head_len - "\r\n0\r\n\r\n".len() as u64
    );

    for i in 0..=s2c.len() {
        let (a, b) = s2c.split_at(i);
        let evs = run(&[
            (Dir::C2s, get_events()),
            (Dir::S2c, a.to_vec()),
            (Dir::S2c, b.to_vec()),
        ]);
        assert_eq!(sse_events(&evs), sse, "split at {i}");
        assert_eq!(kinds(&evs), kinds(&whole), "split at {i}");
    }
    let mut bytes = vec![(Dir::C2s, get_events())];
    bytes.extend(s2c.iter().map(|&b| (Dir::S2c, vec![b])));
    assert_eq!(sse_events(&run(&bytes)), sse, "byte by byte");
}

#[test]
fn an_event_stream_cut_short_says_so() {
    let s2c = format!("{SSE_HEAD}{}", chunked(&["data: 1\n\n", "data: 2\n\n"]));
    let evs = run(&[(Dir::C2s, get_events()), (Dir::S2c, s2c.into_bytes())]);
    let k = kinds(&evs);
    assert_eq!(k[..4], ["req GET", "resp 200", "sse_event", "sse_event"]);
    assert_eq!(k.len(), 5, "{k:?}");
    assert!(
        k[4].starts_with("error the event stream ended without its last chunk"),
        "{k:?}"
    );
    // Any other response is reported at its head without streaming, its body at its end.
    let plain = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\ndata: 1\n";
    let evs = run(&[(Dir::C2s, get_events()), (Dir::S2c, plain.into())]);
    assert_eq!(kinds(&evs), ["req GET", "resp 200", "http_body"]);
    let EventKind::HttpResponse(r) = &evs[1].kind else {
        unreachable!()
    };
    assert!(!r.streaming && r.body_follows);
    let EventKind::HttpBody(b) = &evs[2].kind else {
        unreachable!()
    };
    assert!(b.complete && b.bytes == 8);
}

#[path = "conn_sniff_tests.rs"]
mod sniff;

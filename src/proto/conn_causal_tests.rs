//! Causal order: a message appears at its head, its body when it ends; a WebSocket whose TCP
//! ends without a close frame is named; a 101 before its request is still checked.

use super::*;
use crate::proto::event::{CloseHow, EventKind, HttpBody};

const POST_EXPECT: &str = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\
                           Expect: 100-continue\r\n\r\n";

fn feed(c: &mut Connection, chunks: &[(Dir, Vec<u8>)], out: &mut Vec<Event>) {
    for (i, (dir, bytes)) in chunks.iter().enumerate() {
        c.data(*dir, Timestamp(i as u64), bytes, out);
    }
}

/// Feeds the chunks, ends both directions, the side `close.by` first, then names any
/// WebSocket side without its close frame.
fn run_closed(chunks: &[(Dir, Vec<u8>)], close: TcpClose) -> Vec<Event> {
    let mut c = Connection::new(1);
    let mut out = Vec::new();
    feed(&mut c, chunks, &mut out);
    let first = close.by.unwrap_or(Dir::C2s);
    c.end(first, Timestamp(99), &mut out);
    c.end(first.flip(), Timestamp(99), &mut out);
    c.ws_abnormal_close(Timestamp(99), close, &mut out);
    out
}

fn run(chunks: &[(Dir, Vec<u8>)]) -> Vec<Event> {
    run_closed(chunks, close(CloseHow::Fin, Some(Dir::C2s)))
}

fn close(how: CloseHow, by: Option<Dir>) -> TcpClose {
    TcpClose { how, by, why: None }
}

fn kinds(evs: &[Event]) -> Vec<String> {
    evs.iter()
        .map(|e| match &e.kind {
            EventKind::HttpRequest(r) => format!("req {}", r.head.method.as_deref().unwrap_or("")),
            EventKind::HttpResponse(r) => format!("resp {}", r.head.status.unwrap_or(0)),
            EventKind::HttpBody(b) if b.complete => {
                format!("body {:?} {}", e.dir.unwrap(), b.bytes)
            }
            EventKind::HttpBody(b) => format!("cut {:?} {}", e.dir.unwrap(), b.bytes),
            EventKind::WsAbnormalClose(a) => {
                format!("1006 {:?} {}", e.dir.unwrap(), a.how.as_str())
            }
            EventKind::Error(_) => "error".to_owned(),
            other => other.name().to_owned(),
        })
        .collect()
}

fn bodies(evs: &[Event]) -> Vec<&HttpBody> {
    evs.iter()
        .filter_map(|e| match &e.kind {
            EventKind::HttpBody(b) => Some(&**b),
            _ => None,
        })
        .collect()
}

#[test]
fn a_request_comes_before_its_100_continue_and_its_body_after() {
    let evs = run(&[
        (Dir::C2s, POST_EXPECT.into()),
        (Dir::S2c, b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()),
        (Dir::C2s, b"hello".to_vec()),
        (
            Dir::S2c,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .to_vec(),
        ),
    ]);
    assert_eq!(
        kinds(&evs),
        [
            "req POST",
            "resp 100",
            "body C2s 5",
            "resp 200",
            "body S2c 5"
        ]
    );
    let EventKind::HttpRequest(r) = &evs[0].kind else {
        unreachable!()
    };
    assert!(r.body_follows && r.body_bytes == 0, "{r:?}");
    let b = bodies(&evs);
    assert_eq!(b[0].framing, crate::proto::http1::Framing::Length(5));
    assert_eq!(b[0].preview, b"hello");
    assert_eq!(b[1].framing, crate::proto::http1::Framing::Chunked);
    assert_eq!(b[1].wire_bytes, 15);
}

#[test]
fn a_message_without_a_body_is_one_event_and_splits_change_nothing() {
    let req = format!("{POST_EXPECT}helloGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let whole = kinds(&run(&[(Dir::C2s, req.clone().into_bytes())]));
    assert_eq!(whole, ["req POST", "body C2s 5", "req GET"]);
    for cut in 1..req.len() {
        let (a, b) = req.as_bytes().split_at(cut);
        let split = kinds(&run(&[(Dir::C2s, a.to_vec()), (Dir::C2s, b.to_vec())]));
        assert_eq!(split, whole, "split at {cut}");
    }
}

#[test]
fn a_request_refused_with_413_is_listed_before_the_413() {
    let head = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\
                Expect: 100-continue\r\n\r\n";
    let evs = run_closed(
        &[
            (Dir::C2s, head.into()),
            (
                Dir::S2c,
                b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            ),
        ],
        close(CloseHow::Fin, Some(Dir::S2c)),
    );
    assert_eq!(kinds(&evs), ["req POST", "resp 413", "error", "cut C2s 0"]);
}

#[test]
fn a_body_cut_by_the_close_is_still_listed_with_what_came() {
    let evs = run(&[(Dir::C2s, format!("{POST_EXPECT}hel").into_bytes())]);
    assert_eq!(kinds(&evs), ["req POST", "error", "cut C2s 3"]);
    assert_eq!(bodies(&evs)[0].wire_bytes, 3);
}

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn upgrade(version: &str) -> Vec<u8> {
    format!(
        "GET /ws/echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: {version}\r\n\r\n"
    )
    .into_bytes()
}

fn switching(accept: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    )
    .into_bytes()
}

fn frame(opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    crate::output::ws_encode::encode_frame(&mut out, true, opcode, mask, payload);
    out
}

fn ws_chat(client_close: bool, server_close: bool) -> Vec<(Dir, Vec<u8>)> {
    let mut v = vec![
        (Dir::C2s, upgrade("13")),
        (Dir::S2c, switching(ACCEPT)),
        (Dir::C2s, frame(1, Some([1, 2, 3, 4]), b"hi")),
        (Dir::S2c, frame(1, None, b"hi")),
    ];
    if server_close {
        v.push((Dir::S2c, frame(8, None, &1001u16.to_be_bytes())));
    }
    if client_close {
        v.push((
            Dir::C2s,
            frame(8, Some([1, 2, 3, 4]), &1000u16.to_be_bytes()),
        ));
    }
    v
}

fn abnormal(evs: &[Event]) -> Vec<String> {
    kinds(evs)
        .into_iter()
        .filter(|k| k.starts_with("1006"))
        .collect()
}

#[test]
fn a_websocket_dropped_without_close_frames_is_named_for_each_silent_side() {
    for how in [CloseHow::Fin, CloseHow::Rst, CloseHow::Timeout] {
        let evs = run_closed(&ws_chat(false, false), close(how, Some(Dir::C2s)));
        let h = how.as_str();
        assert_eq!(
            abnormal(&evs),
            [format!("1006 C2s {h}"), format!("1006 S2c {h}")]
        );
        let EventKind::WsAbnormalClose(a) = &evs.last().unwrap().kind else {
            unreachable!()
        };
        assert_eq!(a.by, Some(Dir::C2s));
    }
    // The server began the close, the client vanished instead of answering.
    let evs = run_closed(&ws_chat(false, true), close(CloseHow::Rst, Some(Dir::C2s)));
    assert_eq!(abnormal(&evs), ["1006 C2s rst"]);
    // A whole closing handshake, or a capture that simply ends: nothing abnormal.
    let evs = run_closed(&ws_chat(true, true), close(CloseHow::Fin, Some(Dir::S2c)));
    assert!(abnormal(&evs).is_empty());
    let evs = run_closed(&ws_chat(false, false), close(CloseHow::Eof, None));
    assert!(abnormal(&evs).is_empty());
    // Plain HTTP is no WebSocket.
    let evs = run_closed(&[(Dir::C2s, upgrade("13"))], close(CloseHow::Rst, None));
    assert!(abnormal(&evs).is_empty());
}

fn errors(evs: &[Event]) -> Vec<String> {
    evs.iter()
        .filter_map(|e| match &e.kind {
            EventKind::Error(err) => Some(err.what.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_101_before_its_request_head_is_still_checked() {
    let req = upgrade("12");
    let bad = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let in_order = errors(&run(&[(Dir::C2s, req.clone()), (Dir::S2c, switching(bad))]));
    assert_eq!(in_order.len(), 2, "{in_order:?}");
    assert!(
        in_order[0].contains("Sec-WebSocket-Version"),
        "{in_order:?}"
    );
    assert!(
        in_order[1].contains("Sec-WebSocket-Accept is"),
        "{in_order:?}"
    );
    // The tap reported the first bytes of the request, then the whole 101, then the rest.
    for cut in [4, 20, req.len() - 1] {
        let evs = run(&[
            (Dir::C2s, req[..cut].to_vec()),
            (Dir::S2c, switching(bad)),
            (Dir::C2s, req[cut..].to_vec()),
            (Dir::C2s, frame(1, Some([1, 2, 3, 4]), b"hi")),
        ]);
        assert_eq!(errors(&evs), in_order, "cut at {cut}");
        assert!(
            kinds(&evs).contains(&"ws_frame".to_owned()),
            "{:?}",
            kinds(&evs)
        );
    }
}

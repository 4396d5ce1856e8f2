//! Counting mode's heads and bodies: only what the decoders read is kept (no body preview),
//! and every decision (framing, upgrade, errors and where they point) comes out as in full.

use super::tests::run;
use super::*;
use crate::proto::lean;

/// Every event of `input` decoded in counting mode and in full, heads compared on what counting
/// mode keeps.
fn both(role: Role, methods: &[&str], input: &[u8]) -> (Vec<HttpEvent>, Vec<HttpEvent>) {
    let full = run(role, methods, &[input], true).events;
    let lean = lean::scoped(|| run(role, methods, &[input], true)).events;
    (full, lean)
}

/// `full`'s events with heads and body previews cut to what counting mode keeps.
fn as_counted(full: &[HttpEvent]) -> Vec<HttpEvent> {
    full.iter()
        .map(|e| match e {
            HttpEvent::Head(h) => {
                let mut h = h.clone();
                let keep: Vec<bool> = h
                    .headers
                    .iter()
                    .map(|(n, _)| head::READ_BY_DECODERS.contains(&&*n.to_ascii_lowercase()))
                    .collect();
                let mut k = keep.iter();
                h.headers.retain(|_| *k.next().unwrap());
                let mut k = keep.iter();
                h.header_ranges.retain(|_| *k.next().unwrap());
                h.target = None;
                h.reason = None;
                h.raw = Vec::new();
                HttpEvent::Head(h)
            }
            HttpEvent::End(end) => HttpEvent::End(MessageEnd {
                body_preview: Vec::new(),
                ..end.clone()
            }),
            other => other.clone(),
        })
        .collect()
}

#[test]
fn a_counted_head_keeps_only_what_the_decoders_read() {
    let req = b"GET /chat?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\nAccept: */*\r\n\
                Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n\
                Sec-WebSocket-Version: 13\r\nCookie: a=b\r\n\r\n";
    let (full, lean) = both(Role::Request, &[], req);
    let Some(HttpEvent::Head(h)) = lean.first() else {
        panic!("{lean:?}");
    };
    let names: Vec<&str> = h.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Connection",
            "Upgrade",
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Version"
        ]
    );
    assert_eq!(h.header_ranges.len(), 4);
    assert!(h.raw.is_empty() && h.target.is_none());
    assert_eq!(h.method.as_deref(), Some("GET"));
    assert_eq!(lean, as_counted(&full));
}

#[test]
fn counted_heads_frame_bodies_and_fail_as_full_heads_do() {
    let cases: [(Role, &[&str], &[u8]); 6] = [
        // Two different lengths after unread headers: the error points at the second line.
        (
            Role::Request,
            &[],
            b"POST / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nContent-Length: 3\r\nX-B: 2\r\nContent-Length: 4\r\n\r\nabcd",
        ),
        (
            Role::Request,
            &[],
            b"POST / HTTP/1.1\r\nX: y\r\nTransfer-Encoding: gzip\r\n\r\n",
        ),
        (
            Role::Response,
            &["GET"],
            b"HTTP/1.1 200 OK\r\nDate: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        ),
        (
            Role::Response,
            &["GET"],
            b"HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 1x\r\n\r\n",
        ),
        (
            Role::Response,
            &["GET"],
            b"HTTP/1.1 101 Switching Protocols\r\nServer: s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00",
        ),
        (
            Role::Response,
            &["GET", "GET"],
            b"HTTP/1.0 200 OK\r\nServer: s\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi\
              HTTP/1.0 200 OK\r\nServer: s\r\n\r\nuntil close",
        ),
    ];
    for (role, methods, input) in cases {
        let (full, lean) = both(role, methods, input);
        assert_eq!(
            lean,
            as_counted(&full),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

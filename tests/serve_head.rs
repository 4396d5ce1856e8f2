//! HEAD wherever GET works (RFC 9110 §9.3.2): the same status and head, no body, and the
//! connection still usable after it. Checked with `curl -I` when installed, else a raw socket.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use support::{BOUND, Server, have, kind};

/// Reads one response head (up to the blank line) from `sock`.
fn read_head(sock: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        sock.read_exact(&mut b).expect("a whole head");
        head.push(b[0]);
    }
    String::from_utf8(head).unwrap()
}

fn request(s: &Server, method: &str, target: &str, extra: &str) -> String {
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let req = format!("{method} {target} HTTP/1.1\r\nHost: t\r\n{extra}\r\n");
    sock.write_all(req.as_bytes()).unwrap();
    read_head(&mut sock)
}

/// `curl -I`'s head, or the same request by hand.
fn head_of(s: &Server, target: &str, curl: bool) -> String {
    if !curl {
        return request(s, "HEAD", target, "");
    }
    let out = Command::new("curl")
        .args(["-sI", "--max-time", "10"])
        .arg(format!("{}{target}", s.url))
        .output()
        .expect("curl runs");
    String::from_utf8(out.stdout).unwrap()
}

fn status(head: &str) -> &str {
    head.split(' ').nth(1).unwrap_or("")
}

fn field<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn head_answers_as_get_on_every_route() {
    let s = Server::start(&[]);
    let curl = have("curl");
    // (target, whether GET's Content-Length is the same for any request at any time)
    let routes = [
        ("/", true),
        ("/echo", false),
        ("/chunked", true),
        ("/bytes/100", true),
        ("/api/catalog", true),
        ("/api/price", false),
        ("/api/price/wait?after=0", false),
        ("/api/price/events", true),
        ("/ws/echo", true),
        ("/ws/ticker", true),
        ("/ws/chat", true),
        ("/ws/game", true),
        ("/nowhere", true),
    ];
    for (target, same_length) in routes {
        let get = request(&s, "GET", target, "");
        let head = head_of(&s, target, curl);
        assert_eq!(
            status(&head),
            status(&get),
            "{target}: HEAD {head:?}, GET {get:?}"
        );
        assert_ne!(status(&head), "", "{target}: {head:?}");
        let (hl, gl) = (
            field(&head, "content-length"),
            field(&get, "content-length"),
        );
        if same_length {
            assert_eq!(hl, gl, "{target}: HEAD {head:?}, GET {get:?}");
        } else {
            assert_eq!(hl.is_some(), gl.is_some(), "{target}: {head:?}");
        }
        // A streamed body's framing is the body's: HEAD has none (as hyper does).
        if field(&get, "transfer-encoding").is_some() {
            assert_eq!(
                field(&head, "transfer-encoding"),
                None,
                "{target}: {head:?}"
            );
        }
        assert_eq!(
            field(&head, "content-type"),
            field(&get, "content-type"),
            "{target}"
        );
    }
    // A WebSocket route never upgrades on HEAD, even when asked to.
    let ws = "Upgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    let head = request(&s, "HEAD", "/ws/echo", ws);
    assert_eq!(status(&head), "426", "{head:?}");
}

/// HEAD then GET on one keep-alive connection: the HEAD's answer has no body, so the GET's
/// answer follows at once; the tap shows both, the first with body_bytes 0.
#[test]
fn head_then_get_on_one_connection() {
    let mut s = Server::start(&[]);
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    for target in ["/bytes/10", "/chunked"] {
        sock.write_all(format!("HEAD {target} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
            .unwrap();
        let head = read_head(&mut sock);
        assert!(head.starts_with("HTTP/1.1 200"), "{head:?}");
    }
    sock.write_all(b"GET /bytes/10 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let head = read_head(&mut sock);
    assert_eq!(field(&head, "content-length"), Some("10"), "{head:?}");
    let mut body = [0u8; 10];
    sock.read_exact(&mut body).unwrap();
    assert_eq!(&body, b"abcdefghij");
    let evs = s.wait_until("three responses and the body", |evs| {
        kind(evs, "http_response").count() == 3 && kind(evs, "http_body").count() == 1
    });
    let bodies: Vec<(u64, u64)> = kind(evs, "http_response")
        .map(|e| (e["conn"].as_u64().unwrap(), support::body_bytes(evs, e)))
        .collect();
    assert_eq!(bodies, [(1, 0), (1, 0), (1, 10)]);
    assert_eq!(kind(evs, "error").count(), 0, "{evs:#?}");
}

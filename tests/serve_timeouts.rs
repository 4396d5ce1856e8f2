//! Every stall has a time limit: a silent new connection, a body that stops, a client that does
//! not read, a WebSocket that answers no ping. Each ends with the right answer on the wire and a
//! `tcp_close` whose `why` names the limit; a healthy client is left alone.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{BOUND, Server, kind, ws_connect};

fn connect(s: &Server) -> TcpStream {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock
}

/// Reads until the close: what came, and whether the close was a reset.
fn read_to_close(sock: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => return (all, false),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (all, true),
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// The `why` of the one `tcp_close` with that reason, waiting for it.
fn closed_for<'a>(s: &'a mut Server, why: &str) -> &'a Value {
    let evs = s.wait_until(&format!("a close for {why}"), |e| {
        kind(e, "tcp_close").any(|c| c["why"] == why)
    });
    kind(evs, "tcp_close").find(|c| c["why"] == why).unwrap()
}

#[test]
fn a_new_connection_that_sends_nothing_is_closed_after_the_first_byte_limit() {
    let mut s = Server::start(&["--first-byte-timeout", "1"]);
    let mut sock = connect(&s);
    let t = Instant::now();
    let (got, reset) = read_to_close(&mut sock);
    assert!(got.is_empty() && !reset);
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    let close = closed_for(&mut s, "first_byte");
    assert_eq!(close["by"], "s2c");
    // A client that speaks at once is served as ever.
    let mut sock = connect(&s);
    sock.write_all(b"GET /echo HTTP/1.0\r\n\r\n").unwrap();
    let (resp, _) = read_to_close(&mut sock);
    assert!(resp.starts_with(b"HTTP/1.0 200 OK"));
}

#[test]
fn a_crowded_server_gives_silent_connections_two_seconds() {
    let mut s = Server::start(&["--max-conns", "8", "--first-byte-timeout", "60"]);
    // Six of eight is three quarters: crowded until some go.
    let silent: Vec<TcpStream> = (0..6).map(|_| connect(&s)).collect();
    let t = Instant::now();
    let closed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let readers: Vec<_> = silent
        .into_iter()
        .map(|mut sock| {
            let closed = closed.clone();
            sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            std::thread::spawn(move || {
                if matches!(sock.read(&mut [0u8; 16]), Ok(0)) {
                    closed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    closed_for(&mut s, "first_byte");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    for r in readers {
        r.join().unwrap();
    }
    assert!(closed.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}

#[test]
fn a_body_that_never_starts_gets_408() {
    let mut s = Server::start(&["--body-timeout", "1"]);
    let mut sock = connect(&s);
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n")
        .unwrap();
    let t = Instant::now();
    let (resp, _) = read_to_close(&mut sock);
    assert!(
        resp.starts_with(b"HTTP/1.1 408 Request Timeout"),
        "{}",
        String::from_utf8_lossy(&resp)
    );
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    closed_for(&mut s, "body");
}

#[test]
fn a_body_that_stops_midway_ends_the_echo_it_began() {
    let mut s = Server::start(&["--body-timeout", "1"]);
    let mut sock = connect(&s);
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly ten..")
        .unwrap();
    let t = Instant::now();
    let (resp, _) = read_to_close(&mut sock);
    // The echo streams: its head and the ten bytes went out before the body stopped.
    assert!(resp.starts_with(b"HTTP/1.1 200 OK"));
    assert!(
        resp.ends_with(b"only ten.."),
        "{}",
        String::from_utf8_lossy(&resp)
    );
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    closed_for(&mut s, "body");
}

#[test]
fn a_client_that_does_not_read_is_aborted_after_the_write_limit() {
    let mut s = Server::start(&["--write-timeout", "1"]);
    let mut sock = connect(&s);
    sock.write_all(b"GET /bytes/16777216 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    // Read nothing: the server's writes fill both socket buffers and wait.
    let close = closed_for(&mut s, "write");
    assert_eq!(close["how"], "rst");
    assert_eq!(close["by"], "s2c");
    let (got, reset) = read_to_close(&mut sock);
    assert!(reset, "the client sees the RST after {} bytes", got.len());
    assert!(got.len() < 16 * 1024 * 1024);
}

/// The next frame from the server (unmasked, short): opcode and payload.
fn frame(sock: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 2];
    sock.read_exact(&mut h).unwrap();
    let len = usize::from(h[1] & 0x7f);
    assert!(len < 126);
    let mut p = vec![0u8; len];
    sock.read_exact(&mut p).unwrap();
    (h[0] & 0x0f, p)
}

#[test]
fn a_websocket_that_answers_no_ping_is_closed_with_1001() {
    let mut s = Server::start(&["--ws-idle", "1"]);
    let mut sock = ws_connect(&s);
    let t = Instant::now();
    assert_eq!(frame(&mut sock).0, 0x9, "a ping first");
    let (op, payload) = frame(&mut sock);
    assert_eq!(op, 0x8, "then the close");
    assert_eq!(&payload[..2], &1001u16.to_be_bytes());
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    closed_for(&mut s, "ws_idle");
}

#[test]
fn a_websocket_that_answers_its_pings_stays() {
    let s = Server::start(&["--ws-idle", "1"]);
    let mut sock = ws_connect(&s);
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(3) {
        let (op, payload) = frame(&mut sock);
        assert_eq!(op, 0x9, "only pings, no close");
        // A pong with the ping's payload, masked with a zero key.
        let mut pong = vec![0x8a, 0x80 | payload.len() as u8, 0, 0, 0, 0];
        pong.extend_from_slice(&payload);
        sock.write_all(&pong).unwrap();
    }
    // Still echoing.
    sock.write_all(&[0x81, 0x82, 0, 0, 0, 0, b'h', b'i'])
        .unwrap();
    loop {
        let (op, payload) = frame(&mut sock);
        if op == 0x1 {
            assert_eq!(payload, b"hi");
            break;
        }
    }
}

#[test]
fn a_full_server_closes_its_longest_silent_connection_for_a_newcomer() {
    let mut s = Server::start(&["--max-conns", "4", "--first-byte-timeout", "60"]);
    let _silent: Vec<TcpStream> = (0..4).map(|_| connect(&s)).collect();
    std::thread::sleep(Duration::from_millis(700));
    let mut sock = connect(&s);
    sock.write_all(b"GET /echo HTTP/1.0\r\n\r\n").unwrap();
    let (resp, _) = read_to_close(&mut sock);
    assert!(
        resp.starts_with(b"HTTP/1.0 200 OK"),
        "{}",
        String::from_utf8_lossy(&resp)
    );
    closed_for(&mut s, "first_byte");
}

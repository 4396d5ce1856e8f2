//! Limits and hostile clients: each refusal is seen on the wire and in the events, and the
//! server goes on serving the next client.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{BOUND, Server, count, kind};

fn connect(s: &Server) -> TcpStream {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock
}

/// Reads until the server closes (a reset after the answer counts as a close).
fn read_all(sock: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

fn status_line(resp: &[u8]) -> String {
    let text = String::from_utf8_lossy(resp);
    text.lines().next().unwrap_or_default().to_owned()
}

/// The event stream says `status` was answered, and a fresh request still gets a 200.
fn answered_then_still_serving(s: &mut Server, status: u64) {
    s.wait_until(&format!("a {status}"), |e| {
        kind(e, "http_response").any(|r| r["status"] == status)
    });
    let mut sock = connect(s);
    sock.write_all(b"GET /echo HTTP/1.0\r\n\r\n").unwrap();
    let resp = read_all(&mut sock);
    assert_eq!(status_line(&resp), "HTTP/1.0 200 OK");
}

#[test]
fn a_head_over_16_kib_gets_431() {
    let mut s = Server::start(&[]);
    let mut sock = connect(&s);
    let mut head = b"GET /echo HTTP/1.1\r\nHost: t\r\nX-Big: ".to_vec();
    head.resize(head.len() + 17 * 1024, b'a');
    head.extend_from_slice(b"\r\n\r\n");
    sock.write_all(&head).unwrap();
    let resp = read_all(&mut sock);
    assert_eq!(
        status_line(&resp),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    answered_then_still_serving(&mut s, 431);
}

#[test]
fn a_head_that_stalls_gets_408_and_the_close() {
    let mut s = Server::start(&["--head-timeout", "1"]);
    let mut sock = connect(&s);
    sock.write_all(b"GET /echo HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    let started = Instant::now();
    let resp = read_all(&mut sock);
    let took = started.elapsed();
    assert_eq!(status_line(&resp), "HTTP/1.1 408 Request Timeout");
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    let close = kind(evs, "tcp_close").next().unwrap();
    assert_eq!(close["by"], "s2c");
    answered_then_still_serving(&mut s, 408);
}

#[test]
fn a_connection_that_says_nothing_times_out_without_an_answer() {
    let mut s = Server::start(&["--head-timeout", "1", "--keepalive", "2"]);
    let mut sock = connect(&s);
    let started = Instant::now();
    let resp = read_all(&mut sock);
    assert!(resp.is_empty(), "{resp:?}");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    assert_eq!(kind(evs, "tcp_close").next().unwrap()["how"], "timeout");
    assert_eq!(count(evs, "http_response"), 0);
}

#[test]
fn a_body_over_the_limit_gets_413() {
    let mut s = Server::start(&["--max-body", "1000"]);
    let mut sock = connect(&s);
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n")
        .unwrap();
    let resp = read_all(&mut sock);
    assert_eq!(status_line(&resp), "HTTP/1.1 413 Payload Too Large");
    answered_then_still_serving(&mut s, 413);
    // Under the limit is fine.
    let mut sock = connect(&s);
    sock.write_all(b"POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello")
        .unwrap();
    assert!(read_all(&mut sock).ends_with(b"\r\n\r\nhello"));
}

#[test]
fn one_connection_too_many_gets_503() {
    let mut s = Server::start(&["--max-conns", "2"]);
    let mut held: Vec<TcpStream> = (0..2).map(|_| connect(&s)).collect();
    s.wait_until("two opens", |e| count(e, "tcp_open") == 2);
    let mut third = connect(&s);
    third
        .write_all(b"GET /echo HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let resp = read_all(&mut third);
    assert_eq!(status_line(&resp), "HTTP/1.1 503 Service Unavailable");
    s.wait_until("the 503", |e| {
        kind(e, "http_response").any(|r| r["status"] == 503)
    });
    // The ones let in are served; once one leaves, a newcomer is served too.
    held[0].write_all(b"GET /echo HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(status_line(&read_all(&mut held[0])), "HTTP/1.0 200 OK");
    held.remove(0);
    s.wait_until("a slot is free", |e| {
        kind(e, "tcp_close").filter(|c| c["conn"] != 3).count() >= 1 && count(e, "tcp_close") >= 2
    });
    answered_then_still_serving(&mut s, 200);
}

/// A WebSocket to /ws/echo through a hand-written upgrade.
fn ws_open(s: &Server, path: &str) -> TcpStream {
    let mut sock = connect(s);
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    sock.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        sock.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    sock
}

/// A frame as a client would build it; `mask: None` for the forbidden unmasked kind.
fn frame(
    fin: bool,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: &[u8],
    claimed: Option<u64>,
) -> Vec<u8> {
    let mut f = vec![(u8::from(fin) << 7) | opcode];
    let m = if mask.is_some() { 0x80 } else { 0 };
    let len = claimed.unwrap_or(payload.len() as u64);
    if len < 126 {
        f.push(m | len as u8);
    } else if len <= 0xFFFF {
        f.push(m | 126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(m | 127);
        f.extend_from_slice(&len.to_be_bytes());
    }
    match mask {
        Some(key) => {
            f.extend_from_slice(&key);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => f.extend_from_slice(payload),
    }
    f
}

/// Reads the server's frames until its close; returns the close code.
fn read_close(sock: &mut TcpStream) -> u16 {
    loop {
        let mut h = [0u8; 2];
        sock.read_exact(&mut h).expect("a frame from the server");
        let len = match h[1] & 0x7F {
            126 => {
                let mut b = [0u8; 2];
                sock.read_exact(&mut b).unwrap();
                u64::from(u16::from_be_bytes(b))
            }
            127 => {
                let mut b = [0u8; 8];
                sock.read_exact(&mut b).unwrap();
                u64::from_be_bytes(b)
            }
            n => u64::from(n),
        };
        let mut payload = vec![0u8; len as usize];
        sock.read_exact(&mut payload).unwrap();
        if h[0] & 0x0F == 8 {
            return u16::from_be_bytes([payload[0], payload[1]]);
        }
    }
}

fn ws_refused(bytes: &[u8], code: u16) {
    ws_refused_at("/ws/echo", bytes, code);
}

fn ws_refused_at(path: &str, bytes: &[u8], code: u16) {
    let mut s = Server::start(&[]);
    let mut sock = ws_open(&s, path);
    sock.write_all(bytes).unwrap();
    assert_eq!(read_close(&mut sock), code);
    let evs: Vec<Value> = s
        .wait_until("the server's close frame", |e| {
            kind(e, "ws_frame").any(|f| f["dir"] == "s2c" && f["opcode"] == 8)
        })
        .to_vec();
    let close = kind(&evs, "ws_frame")
        .find(|f| f["dir"] == "s2c" && f["opcode"] == 8)
        .unwrap();
    assert_eq!(close["close_code"], code);
    drop(sock);
    answered_then_still_serving(&mut s, 101);
}

const KEY: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);

#[test]
fn an_unmasked_client_frame_gets_close_1002() {
    ws_refused(&frame(true, 1, None, b"hi", None), 1002);
}

#[test]
fn a_reserved_opcode_gets_close_1002() {
    ws_refused(&frame(true, 3, KEY, b"??", None), 1002);
}

#[test]
fn text_that_is_not_utf8_gets_close_1007() {
    ws_refused(&frame(true, 1, KEY, &[b'o', b'k', 0xff, 0xfe], None), 1007);
}

#[test]
fn the_live_routes_close_with_the_same_codes() {
    let bad_text = frame(true, 1, KEY, &[b'o', b'k', 0xff, 0xfe], None);
    ws_refused_at("/ws/chat?name=mallory&room=limits", &bad_text, 1007);
    ws_refused_at("/ws/game", &frame(true, 1, None, b"{}", None), 1002);
}

#[test]
fn a_message_over_16_mib_gets_close_1009() {
    // The header announces 17 MiB; the server refuses before the payload arrives.
    ws_refused(&frame(true, 2, KEY, b"x", Some(17 << 20)), 1009);
}

#[test]
fn fragments_adding_up_to_over_16_mib_get_close_1009() {
    let piece = vec![b'a'; 9 << 20];
    let mut bytes = frame(false, 2, KEY, &piece, None);
    bytes.extend(frame(true, 0, KEY, &piece, None));
    let mut s = Server::start(&[]);
    let mut sock = ws_open(&s, "/ws/echo");
    // The server may stop reading part way: write from another thread.
    let mut writer = sock.try_clone().unwrap();
    let w = std::thread::spawn(move || writer.write_all(&bytes).is_ok());
    assert_eq!(read_close(&mut sock), 1009);
    let _ = w.join();
    s.wait_until("the close frame", |e| {
        kind(e, "ws_frame").any(|f| f["dir"] == "s2c" && f["close_code"] == 1009)
    });
    drop(sock);
    answered_then_still_serving(&mut s, 101);
}

#[test]
fn a_keep_alive_connection_closes_after_max_requests() {
    let mut s = Server::start(&["--max-requests", "3"]);
    let mut sock = connect(&s);
    let mut answers = Vec::new();
    for _ in 0..3 {
        sock.write_all(b"GET /bytes/5 HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        // Each answer is small: read until its 5-byte body has arrived.
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = sock.read(&mut buf).unwrap();
            assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
            let head_end = got.windows(4).position(|w| w == b"\r\n\r\n");
            if head_end.is_some_and(|h| got.len() >= h + 4 + 5) {
                break;
            }
        }
        answers.push(String::from_utf8_lossy(&got).to_lowercase());
    }
    assert!(!answers[1].contains("connection: close"), "{}", answers[1]);
    assert!(answers[2].contains("connection: close"), "{}", answers[2]);
    // The server closes after the third answer.
    let mut rest = Vec::new();
    let _ = sock.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") >= 1);
    assert_eq!(count(evs, "tcp_open"), 1);
    assert_eq!(count(evs, "http_request"), 3);
    let close: Vec<&Value> = kind(evs, "tcp_close").collect();
    assert_eq!(close[0]["by"], "s2c", "{close:?}");
}

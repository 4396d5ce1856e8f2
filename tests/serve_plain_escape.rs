//! `duplex serve --plain` prints what a stranger sent without letting it drive the terminal:
//! C1 controls (U+0080..U+009F, which UTF-8 terminals obey like ESC sequences) in a request
//! target and a `Sec-WebSocket-Key` come out escaped.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::Server;

#[test]
fn c1_controls_from_the_wire_are_escaped_in_the_plain_transcript() {
    let s = Server::start_as("--plain", &[]);
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
    let req = "GET /echo?\u{9b}31m\u{85} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
               Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
               Sec-WebSocket-Key: ab\u{9b}cd\u{90}x\r\n\r\n";
    c.write_all(req.as_bytes()).expect("send");
    c.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut first = [0u8; 16];
    let _ = c.read(&mut first);
    let start = Instant::now();
    let mut line = String::new();
    while start.elapsed() < Duration::from_secs(10) {
        match s.recv_line(Duration::from_secs(1)) {
            Ok(l) if l.contains("HTTP request") => {
                line = l;
                break;
            }
            _ => {}
        }
    }
    assert!(line.contains("HTTP request GET /echo?"), "{line:?}");
    assert!(
        !line.chars().any(|ch| ch.is_control()),
        "a control character reached the transcript: {line:?}"
    );
    assert!(line.contains("\\u{9b}31m"), "shown escaped: {line:?}");
    assert!(
        line.contains("ab\\u{9b}cd"),
        "the key escaped too: {line:?}"
    );
}

//! Lingering close: when the server closes a connection the client is still writing to, the
//! answers already sent must reach the client, ending with a FIN, not a reset; and the events
//! must say how the close really went.

mod support;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use serde_json::Value;
use support::{BOUND, Server, kind};

fn connect(s: &Server) -> TcpStream {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock
}

/// Everything until the server's FIN; a reset is an error, with what arrived before it.
fn read_to_fin(sock: &mut TcpStream) -> Result<Vec<u8>, (io::Error, Vec<u8>)> {
    let mut all = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => return Ok(all),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) => return Err((e, all)),
        }
    }
}

/// Splits `bytes` into complete responses (heads lowercased), by their content-length; also
/// returns how many bytes are left over.
fn responses(bytes: &[u8]) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&rest[..end]).to_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if rest.len() < end + 4 + len {
            break;
        }
        out.push(head);
        rest = &rest[end + 4 + len..];
    }
    (out, rest.len())
}

/// The one connection's close, as the events tell it.
fn the_close(s: &mut Server) -> Value {
    let evs = s.wait_until("the close", |e| kind(e, "tcp_close").count() == 1);
    kind(evs, "tcp_close").next().unwrap().clone()
}

/// Writes `bytes` in `pieces` pieces a little apart, as a client that keeps pipelining does:
/// any piece written after the server's close with unread input fails with a reset.
fn write_slowly(sock: &mut TcpStream, bytes: &[u8], pieces: usize) -> io::Result<()> {
    for piece in bytes.chunks(bytes.len().div_ceil(pieces)) {
        sock.write_all(piece)?;
        thread::sleep(Duration::from_millis(15));
    }
    Ok(())
}

#[test]
fn pipelined_requests_past_max_requests_get_their_answers_and_a_fin() {
    let mut s = Server::start(&["--max-requests", "10"]);
    let mut sock = connect(&s);
    let requests = b"GET /echo HTTP/1.1\r\nHost: t\r\n\r\n".repeat(1000);
    write_slowly(&mut sock, &requests, 20).expect("every request is written");
    let got = match read_to_fin(&mut sock) {
        Ok(got) => got,
        Err((e, got)) => panic!("{e} after {} complete answers", responses(&got).0.len()),
    };
    let (answers, left) = responses(&got);
    assert_eq!((answers.len(), left), (10, 0), "10 whole answers");
    assert!(answers.iter().all(|a| a.starts_with("http/1.1 200 ok")));
    assert!(answers[9].contains("connection: close"), "{}", answers[9]);
    assert!(!answers[8].contains("connection: close"), "{}", answers[8]);
    drop(sock);
    let close = the_close(&mut s);
    assert_eq!(
        (&close["how"], &close["by"]),
        (&"fin".into(), &"s2c".into())
    );
}

#[test]
fn answers_still_queued_at_the_close_are_not_lost() {
    let s = Server::start(&["--max-requests", "10"]);
    let mut sock = connect(&s);
    sock.write_all(&b"GET /bytes/100000 HTTP/1.1\r\nHost: t\r\n\r\n".repeat(1000))
        .unwrap();
    // A slow reader: the answers wait in the kernel's buffers when the server closes.
    thread::sleep(Duration::from_millis(300));
    let got = match read_to_fin(&mut sock) {
        Ok(got) => got,
        Err((e, got)) => panic!("{e} after {} complete answers", responses(&got).0.len()),
    };
    let (answers, left) = responses(&got);
    assert_eq!((answers.len(), left), (10, 0), "10 whole answers");
}

/// `POST /echo` declaring a body over `--max-body 1000`.
const OVERSIZED: &[u8] = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n";

#[test]
fn a_413_reaches_a_client_still_sending_its_body() {
    let mut s = Server::start(&["--max-body", "1000"]);
    let mut sock = connect(&s);
    sock.write_all(OVERSIZED).unwrap();
    // The client sends some of its body before it reads the answer, as most clients do.
    write_slowly(&mut sock, &vec![b'x'; 256 * 1024], 16).expect("the body is written");
    let got = read_to_fin(&mut sock)
        .unwrap_or_else(|(e, got)| panic!("{e} after {:?}", String::from_utf8_lossy(&got)));
    let (answers, left) = responses(&got);
    assert_eq!((answers.len(), left), (1, 0), "{got:?}");
    assert!(answers[0].starts_with("http/1.1 413 payload too large"));
    drop(sock);
    let close = the_close(&mut s);
    assert_eq!(
        (&close["how"], &close["by"]),
        (&"fin".into(), &"s2c".into())
    );
}

#[test]
fn a_client_that_never_stops_sending_is_reset_after_its_answer() {
    let mut s = Server::start(&["--max-body", "1000"]);
    let mut sock = connect(&s);
    sock.write_all(OVERSIZED).unwrap();
    let mut writer = sock.try_clone().unwrap();
    let w = thread::spawn(move || while writer.write_all(&[b'y'; 64 * 1024]).is_ok() {});
    // The answer arrives; what ends it is the server's reset (the client is still sending).
    let got = match read_to_fin(&mut sock) {
        Ok(got) | Err((_, got)) => got,
    };
    assert!(
        got.starts_with(b"HTTP/1.1 413 Payload Too Large\r\n"),
        "{got:?}"
    );
    let close = the_close(&mut s);
    assert_eq!(
        (&close["how"], &close["by"]),
        (&"rst".into(), &"s2c".into())
    );
    drop(sock);
    w.join().unwrap();
}

//! `duplex serve` as a whole program: real clients on 127.0.0.1, the events read from its stdout.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{BOUND, Server, count, have, kind};
use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
use tungstenite::{Message, WebSocket};

fn no_errors(evs: &[Value]) {
    assert_eq!(count(evs, "error"), 0, "decode errors: {evs:#?}");
}

fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10"])
        .args(args)
        .output()
        .expect("run curl");
    assert!(out.status.success(), "curl {args:?} failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn http10_one_connection_per_request() {
    if !have("curl") {
        return;
    }
    let mut s = Server::start(&[]);
    let url = format!("{}/echo", s.url);
    for _ in 0..10 {
        let body = curl(&["-0", &url]);
        assert!(body.starts_with("GET /echo HTTP/1.0\r\n"), "{body}");
    }
    let evs = s.wait_until("10 closes", |e| count(e, "tcp_close") == 10);
    no_errors(evs);
    assert_eq!(count(evs, "tcp_open"), 10);
    let reqs: Vec<_> = kind(evs, "http_request").collect();
    assert_eq!(reqs.len(), 10);
    assert!(reqs.iter().all(|r| r["version"] == "HTTP/1.0"));
    assert!(kind(evs, "http_response").all(|r| r["status"] == 200));
    // HTTP/1.0 without keep-alive: the server closes after its response.
    assert!(kind(evs, "tcp_close").all(|c| c["how"] == "fin" && c["by"] == "s2c"));
}

#[test]
fn http11_keepalive_reuses_one_connection() {
    if !have("curl") {
        return;
    }
    let mut s = Server::start(&[]);
    let url = format!("{}/echo", s.url);
    let urls = vec![url.as_str(); 10];
    let body = curl(&urls);
    assert_eq!(body.matches("GET /echo HTTP/1.1").count(), 10);
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    no_errors(evs);
    assert_eq!(count(evs, "tcp_open"), 1);
    let reqs: Vec<_> = kind(evs, "http_request").collect();
    assert_eq!(reqs.len(), 10);
    assert!(
        reqs.iter()
            .all(|r| r["version"] == "HTTP/1.1" && r["conn"] == 1)
    );
    assert_eq!(count(evs, "http_response"), 10);
}

#[test]
fn idle_keepalive_connection_times_out() {
    let mut s = Server::start(&["--keepalive", "2"]);
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(b"GET /echo HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let mut all = Vec::new();
    // The response, then idle until the server gives up on us and closes.
    sock.read_to_end(&mut all)
        .expect("server closes within 10 s");
    let idle = started.elapsed();
    assert!(all.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(
        idle >= Duration::from_millis(1500) && idle < Duration::from_secs(8),
        "closed after {idle:?}"
    );
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    let close = kind(evs, "tcp_close").next().unwrap();
    assert_eq!(close["how"], "timeout");
    assert_eq!(close["by"], "s2c");
    let t_close = close["t"].as_f64().unwrap();
    let t_resp = kind(evs, "http_response").next().unwrap()["t"]
        .as_f64()
        .unwrap();
    assert!(
        (1.5..8.0).contains(&(t_close - t_resp)),
        "{t_resp} → {t_close}"
    );
}

/// Sends `request` on a fresh connection and reads until the server closes it.
fn exchange(s: &Server, request: &[u8]) -> Vec<u8> {
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(request).unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).expect("the server closes");
    resp
}

#[test]
fn connection_close_ends_after_the_response() {
    let mut s = Server::start(&[]);
    let resp = exchange(
        &s,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert!(resp.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(resp.ends_with(b"\r\n\r\nhello"));
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    no_errors(evs);
    let req = kind(evs, "http_request").next().unwrap();
    assert_eq!(support::body_bytes(evs, req), 5);
    let resp = kind(evs, "http_response").next().unwrap();
    assert_eq!(support::body_bytes(evs, resp), 5);
    let close = kind(evs, "tcp_close").next().unwrap();
    assert_eq!(
        (&close["how"], &close["by"]),
        (&"fin".into(), &"s2c".into())
    );
}

#[test]
fn garbage_from_the_client_is_an_event_not_a_crash() {
    let mut s = Server::start(&[]);
    let resp = exchange(&s, b"\x16\x03\x01 this is not HTTP\r\n\r\n");
    assert!(
        resp.starts_with(b"HTTP/1.1 400"),
        "{:?}",
        String::from_utf8_lossy(&resp)
    );
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    let err = kind(evs, "error").next().expect("an error event");
    assert_eq!(err["dir"], "c2s");
    assert_eq!(err["layer"], "http");
    // The server is still there for the next client.
    assert!(exchange(&s, b"GET /echo HTTP/1.0\r\n\r\n").starts_with(b"HTTP/1.0 200 OK"));
}

#[test]
fn client_reset_is_reported_as_rst() {
    let mut s = Server::start(&[]);
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(b"GET /bytes/16000000 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 1];
    sock.read_exact(&mut first).unwrap();
    // Closing with unread bytes in the receive buffer makes the kernel answer with RST.
    drop(sock);
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    let close = kind(evs, "tcp_close").next().unwrap();
    assert_eq!(close["how"], "rst", "{evs:#?}");
    assert_eq!(close["by"], "c2s");
}

fn ws_connect(s: &Server) -> WebSocket<TcpStream> {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let url = format!("ws://127.0.0.1:{}/ws/echo", s.port);
    let (ws, resp) = tungstenite::client(url.as_str(), sock).expect("handshake");
    assert_eq!(resp.status(), 101);
    ws
}

fn read_data(ws: &mut WebSocket<TcpStream>) -> Message {
    loop {
        match ws.read().expect("read") {
            m @ (Message::Text(_) | Message::Binary(_) | Message::Pong(_)) => return m,
            _ => continue,
        }
    }
}

#[test]
fn websocket_echo_on_the_wire() {
    let mut s = Server::start(&[]);
    let mut ws = ws_connect(&s);
    ws.send(Message::text("hello")).unwrap();
    assert_eq!(read_data(&mut ws), Message::text("hello"));
    ws.send(Message::binary(vec![0u8, 1, 2, 255])).unwrap();
    assert_eq!(read_data(&mut ws), Message::binary(vec![0u8, 1, 2, 255]));
    // One text message in two frames.
    let first = Frame::message(b"frag".to_vec(), OpCode::Data(Data::Text), false);
    let second = Frame::message(b"mented".to_vec(), OpCode::Data(Data::Continue), true);
    ws.write(Message::Frame(first)).unwrap();
    ws.send(Message::Frame(second)).unwrap();
    assert_eq!(read_data(&mut ws), Message::text("fragmented"));
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .unwrap();
    assert_eq!(
        read_data(&mut ws),
        Message::Pong(b"are you there".to_vec().into())
    );
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    }))
    .unwrap();
    let deadline = Instant::now() + BOUND;
    while ws.read().is_ok() {
        assert!(Instant::now() < deadline);
    }

    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    no_errors(evs);
    let req = kind(evs, "http_request")
        .next()
        .expect("the upgrade request");
    let headers = req["headers"].as_array().unwrap();
    assert!(
        headers
            .iter()
            .any(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("upgrade")
                && h[1].as_str().unwrap().eq_ignore_ascii_case("websocket"))
    );
    let resp = kind(evs, "http_response").next().expect("the 101");
    assert_eq!(resp["status"], 101);
    assert_eq!(resp["ws_accept"]["ok"], true);

    let frames: Vec<_> = kind(evs, "ws_frame").collect();
    let (c2s, s2c): (Vec<&Value>, Vec<&Value>) =
        frames.into_iter().partition(|f| f["dir"] == "c2s");
    assert!(c2s.iter().all(|f| f["masked"] == true), "{c2s:#?}");
    assert!(s2c.iter().all(|f| f["masked"] == false), "{s2c:#?}");
    // text, binary, 2 fragments, ping, close from the client; 3 echoes, pong, close back.
    assert_eq!(c2s.len(), 6, "{c2s:#?}");
    assert_eq!(s2c.len(), 5, "{s2c:#?}");
    assert_eq!(c2s[0]["text"], "hello");
    assert_eq!(c2s[2]["fin"], false);
    assert_eq!(c2s[3]["opcode"], 0);
    assert!(c2s.iter().any(|f| f["opcode"] == 9));
    assert!(s2c.iter().any(|f| f["opcode"] == 10));
    for side in [&c2s, &s2c] {
        let close = side.last().unwrap();
        assert_eq!(close["opcode"], 8);
        assert_eq!(close["close_code"], 1000);
    }
    let joined = kind(evs, "ws_message").any(|m| m["dir"] == "c2s" && m["frames"] == 2);
    assert!(joined, "the fragmented message is reassembled");
}

#[test]
fn ctrl_c_says_going_away_to_websocket_clients() {
    let mut s = Server::start(&[]);
    let mut ws = ws_connect(&s);
    ws.send(Message::text("still here")).unwrap();
    assert_eq!(read_data(&mut ws), Message::text("still here"));
    s.wait_until("the echo", |e| {
        kind(e, "ws_frame").any(|f| f["dir"] == "s2c" && f["text"] == "still here")
    });
    // Answer the server's close from another thread while the main one sends the signal.
    let client = thread::spawn(move || {
        let deadline = Instant::now() + BOUND;
        loop {
            match ws.read() {
                Ok(Message::Close(Some(f))) => return Some(u16::from(f.code)),
                Ok(_) if Instant::now() < deadline => continue,
                _ => return None,
            }
        }
    });
    s.interrupt();
    assert_eq!(client.join().unwrap(), Some(1001));
    let evs = s.wait_until("the close", |e| count(e, "tcp_close") == 1);
    let server_close = kind(evs, "ws_frame")
        .find(|f| f["dir"] == "s2c" && f["opcode"] == 8)
        .expect("the server's close frame");
    assert_eq!(server_close["close_code"], 1001);
}

#[test]
fn plain_transcript_and_404() {
    let s = Server::start_as("--plain", &[]);
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(b"GET /nowhere HTTP/1.0\r\n\r\n").unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).unwrap();
    assert!(resp.starts_with(b"HTTP/1.0 404 Not Found\r\n"));
    let deadline = Instant::now() + BOUND;
    let mut transcript = String::new();
    while !transcript.contains("TCP connection closed") {
        let left = deadline.saturating_duration_since(Instant::now());
        match s.recv_line(left) {
            Ok(l) => transcript.push_str(&(l + "\n")),
            Err(_) => panic!("no close in the transcript: {transcript}"),
        }
    }
    assert!(
        transcript.contains("TCP connection accepted"),
        "{transcript}"
    );
    assert!(transcript.contains("404"), "{transcript}");
    assert!(s.url.starts_with("http://127.0.0.1:"));
}

//! The live server's events in causal order: a request before the server's answers to it
//! (100 Continue, 413), its body when it ends; a WebSocket dropped without a close frame named.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::Value;
use support::{BOUND, Server, kind};

fn connect(s: &Server) -> TcpStream {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock
}

/// Reads one response head (up to its blank line) from `sock`.
fn read_head(sock: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        sock.read_exact(&mut b).unwrap();
        head.push(b[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn position(evs: &[Value], pred: impl Fn(&Value) -> bool) -> usize {
    evs.iter()
        .position(pred)
        .unwrap_or_else(|| panic!("not found in {evs:#?}"))
}

#[test]
fn a_request_with_expect_100_continue_comes_before_the_100() {
    let mut s = Server::start(&[]);
    let mut sock = connect(&s);
    sock.write_all(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    assert!(read_head(&mut sock).starts_with("HTTP/1.1 100"));
    sock.write_all(b"hello").unwrap();
    assert!(read_head(&mut sock).starts_with("HTTP/1.1 200"));
    let evs = s
        .wait_until("the echo's body", |e| {
            kind(e, "http_body").any(|b| b["dir"] == "s2c")
        })
        .to_vec();
    let req = position(&evs, |e| e["kind"] == "http_request");
    let cont = position(&evs, |e| e["status"] == 100);
    let body = position(&evs, |e| e["kind"] == "http_body" && e["dir"] == "c2s");
    let ok = position(&evs, |e| e["status"] == 200);
    assert!(req < cont && cont < body && body < ok, "{evs:#?}");
    assert_eq!(evs[req]["body_follows"], true);
    assert_eq!(evs[body]["bytes"], 5);
    assert_eq!(evs[body]["complete"], true);
}

#[test]
fn a_body_refused_with_413_is_listed_before_the_413() {
    let mut s = Server::start(&["--max-body", "100"]);
    let mut sock = connect(&s);
    sock.write_all(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    assert!(read_head(&mut sock).starts_with("HTTP/1.1 413"));
    drop(sock);
    let evs = s
        .wait_until("the cut body and the close", |e| {
            kind(e, "tcp_close").next().is_some()
        })
        .to_vec();
    let req = position(&evs, |e| e["kind"] == "http_request");
    let refused = position(&evs, |e| e["status"] == 413);
    assert!(req < refused, "{evs:#?}");
    assert_eq!(evs[req]["method"], "POST");
    // The 413's own body is an http_body too (s2c); the request's, cut, is the c2s one.
    let body = position(&evs, |e| e["kind"] == "http_body" && e["dir"] == "c2s");
    assert!(refused < body, "{evs:#?}");
    assert_eq!(evs[body]["complete"], false);
    assert_eq!(evs[body]["dir"], "c2s");
}

#[test]
fn a_websocket_client_gone_without_a_close_frame_is_named_1006() {
    let mut s = Server::start(&[]);
    let mut sock = support::ws_connect(&s);
    support::ws_send(&mut sock, 0x81, b"bye?");
    let _ = support::ws_recv(&mut sock);
    drop(sock);
    let evs = s
        .wait_until("the close", |e| kind(e, "tcp_close").next().is_some())
        .to_vec();
    let abnormal = position(&evs, |e| {
        e["kind"] == "ws_abnormal_close" && e["dir"] == "c2s"
    });
    assert_eq!(evs[abnormal]["code"], 1006);
    assert_eq!(evs[abnormal]["how"], "fin");
    let close = position(&evs, |e| e["kind"] == "tcp_close");
    assert!(abnormal < close, "{evs:#?}");
    // No frame carried it: the only close codes on the wire are in close frames, none here.
    assert!(kind(&evs, "ws_frame").all(|f| f["opcode"] != 8), "{evs:#?}");
}

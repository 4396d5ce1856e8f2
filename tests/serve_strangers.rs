//! Strangers on the plain port: an HTTP/2 client with prior knowledge gets SETTINGS and GOAWAY
//! HTTP_1_1_REQUIRED, a TLS client a fatal alert; each is named in the tap. Ordinary requests,
//! however slowly their first bytes come, are served as before.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use support::{BOUND, Server, have, kind};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn connect(s: &Server) -> TcpStream {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock
}

/// Everything the server sends until it closes.
fn read_all(sock: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    sock.read_to_end(&mut out).expect("the server closes");
    out
}

fn vec16(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// A TLS 1.3 ClientHello record naming `sni` and offering h2 and http/1.1.
fn client_hello(sni: &str) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend([9; 32]);
    body.push(0);
    body.extend(vec16(&[0x13, 0x01]));
    body.extend([1, 0]);
    let mut name = vec![0];
    name.extend(vec16(sni.as_bytes()));
    let mut exts = vec![0, 0];
    exts.extend(vec16(&vec16(&name)));
    exts.extend([0, 16]);
    exts.extend(vec16(&vec16(b"\x02h2\x08http/1.1")));
    exts.extend([0, 43]);
    exts.extend(vec16(&[2, 3, 4]));
    body.extend(vec16(&exts));
    let mut msg = vec![1, 0];
    msg.extend((body.len() as u16).to_be_bytes());
    msg.extend(body);
    let mut record = vec![22, 3, 1];
    record.extend(vec16(&msg));
    record
}

#[test]
fn an_h2_client_is_told_http_1_1_required() {
    let mut s = Server::start(&[]);
    let mut sock = connect(&s);
    sock.write_all(PREFACE).unwrap();
    sock.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).unwrap(); // the client's SETTINGS
    let got = read_all(&mut sock);
    assert_eq!(
        &got[..9],
        &[0, 0, 0, 4, 0, 0, 0, 0, 0],
        "SETTINGS first: {got:?}"
    );
    let len = usize::from(got[9]) << 16 | usize::from(got[10]) << 8 | usize::from(got[11]);
    assert_eq!(got[12], 7, "then GOAWAY: {got:?}");
    assert_eq!(got.len(), 18 + len, "and nothing after it");
    assert_eq!(
        &got[18..26],
        &[0, 0, 0, 0, 0, 0, 0, 0xd],
        "last stream 0, HTTP_1_1_REQUIRED"
    );
    let debug = String::from_utf8_lossy(&got[26..]);
    assert!(debug.contains("HTTP/1.1"), "{debug}");
    let evs = s.wait_until("the close", |e| kind(e, "tcp_close").count() == 1);
    let names: Vec<&str> = evs.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(names.contains(&"h2_preface"), "{names:?}");
    assert!(
        !names.contains(&"error") && !names.contains(&"http_request"),
        "{names:?}"
    );
    let close = kind(evs, "tcp_close").next().unwrap();
    assert_eq!(close["how"], "fin", "{close}");

    if have("curl") {
        let out = Command::new("curl")
            .args(["-sv", "--max-time", "10", "--http2-prior-knowledge"])
            .arg(format!("{}/", s.url))
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success());
        s.wait_until("curl's preface", |e| kind(e, "h2_preface").count() == 2);
    }
}

#[test]
fn a_tls_client_is_answered_with_an_alert_and_named() {
    let mut s = Server::start(&[]);
    let mut sock = connect(&s);
    let hello = client_hello("x.example");
    // In two pieces: the server reads the whole record before it answers.
    sock.write_all(&hello[..7]).unwrap();
    thread::sleep(Duration::from_millis(100));
    sock.write_all(&hello[7..]).unwrap();
    assert_eq!(read_all(&mut sock), [21, 3, 3, 0, 2, 2, 40]);
    let evs = s.wait_until("the hello", |e| kind(e, "tls_handshake").count() == 1);
    let t = kind(evs, "tls_handshake").next().unwrap();
    assert_eq!(t["msg"], "client_hello");
    assert_eq!(t["sni"], "x.example");
    assert_eq!(t["alpn"], serde_json::json!(["h2", "http/1.1"]));
    assert_eq!(t["versions"], serde_json::json!(["TLS 1.3"]));
    assert_eq!(t["bytes"], hello.len());

    if have("openssl") {
        let out = Command::new("openssl")
            .args(["s_client", "-connect", &format!("127.0.0.1:{}", s.port)])
            .args(["-servername", "o.example", "-alpn", "h2,http/1.1"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("handshake failure"), "{err}");
        let evs = s.wait_until("openssl's hello", |e| kind(e, "tls_handshake").count() == 2);
        let t = kind(evs, "tls_handshake").nth(1).unwrap();
        assert_eq!(t["sni"], "o.example");
    }
}

/// First bytes that trickle in are handed to hyper whole; a client that stalls inside what
/// could still be the preface, or a ClientHello, meets the head timeout as any slow head does.
#[test]
fn slow_first_bytes_are_still_served_and_timed() {
    let mut s = Server::start(&["--head-timeout", "1"]);
    let mut sock = connect(&s);
    for piece in [
        &b"P"[..],
        b"O",
        b"ST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n",
    ] {
        sock.write_all(piece).unwrap();
        thread::sleep(Duration::from_millis(50));
    }
    sock.write_all(b"Connection: close\r\n\r\nhi").unwrap();
    let got = String::from_utf8(read_all(&mut sock)).unwrap();
    assert!(
        got.starts_with("HTTP/1.1 200") && got.ends_with("\r\n\r\nhi"),
        "{got}"
    );

    let mut stalled = connect(&s);
    stalled.write_all(&PREFACE[..8]).unwrap();
    let got = String::from_utf8_lossy(&read_all(&mut stalled)).into_owned();
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");

    let mut stalled = connect(&s);
    stalled.write_all(&client_hello("s.example")[..20]).unwrap();
    assert_eq!(read_all(&mut stalled), [21, 3, 3, 0, 2, 2, 40]);

    let evs = s.wait_until("three closes", |e| kind(e, "tcp_close").count() == 3);
    let whys: Vec<&str> = kind(evs, "tcp_close")
        .filter_map(|e| e["why"].as_str())
        .collect();
    assert_eq!(whys, ["head", "head"], "{evs:#?}");
    let cut = kind(evs, "error").find(|e| e["layer"] == "tls");
    assert!(cut.is_some(), "the cut hello is said: {evs:#?}");
}

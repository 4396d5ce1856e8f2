//! `duplex serve --record F`: the capture written live says what the live events said, to
//! `duplex replay` and to tshark.

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{BOUND, Server, count, have, kind, ws_recv, ws_send, ws_upgrade};
use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duplex-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `request` and reads until the server closes.
fn raw(port: u16, request: &[u8]) -> Vec<u8> {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(request).unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).expect("the server closes");
    resp
}

fn websocket(port: u16) {
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let url = format!("ws://127.0.0.1:{port}/ws/echo");
    let (mut ws, _) = tungstenite::client(url.as_str(), sock).expect("handshake");
    ws.send(Message::text("hello")).unwrap();
    ws.send(Message::binary(vec![0u8, 1, 2, 255])).unwrap();
    let first = Frame::message(b"frag".to_vec(), OpCode::Data(Data::Text), false);
    let second = Frame::message(b"mented".to_vec(), OpCode::Data(Data::Continue), true);
    ws.write(Message::Frame(first)).unwrap();
    ws.send(Message::Frame(second)).unwrap();
    ws.send(Message::Ping(b"there?".to_vec().into())).unwrap();
    let mut data = 0;
    while data < 4 {
        if let Message::Text(_) | Message::Binary(_) | Message::Pong(_) = ws.read().unwrap() {
            data += 1;
        }
    }
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    }))
    .unwrap();
    while ws.read().is_ok() {}
}

/// A client that offers permessage-deflate: two compressed messages (the second a
/// back-reference into the first), their compressed echoes, and the close.
fn compressed_websocket(s: &Server) {
    use flate2::{Compress, Compression, FlushCompress};
    let (mut sock, head) = ws_upgrade(s, "/ws/echo", "permessage-deflate");
    assert!(
        head.contains("sec-websocket-extensions: permessage-deflate"),
        "{head}"
    );
    let mut c = Compress::new(Compression::default(), false);
    for _ in 0..2 {
        let mut z = Vec::with_capacity(256);
        c.compress_vec(
            b"compressed, compressed, compressed",
            &mut z,
            FlushCompress::Sync,
        )
        .unwrap();
        ws_send(&mut sock, 0xc1, &z[..z.len() - 4]);
        assert_eq!(ws_recv(&mut sock).0, 0xc1, "a compressed echo");
    }
    ws_send(&mut sock, 0x88, &1000u16.to_be_bytes());
    assert_eq!(ws_recv(&mut sock).0, 0x88);
    let _ = sock.read_to_end(&mut Vec::new());
}

/// Per client address, the HTTP and WebSocket events in order, reduced to what must agree.
fn by_client(evs: &[Value]) -> BTreeMap<String, Vec<String>> {
    let clients: BTreeMap<u64, String> = kind(evs, "tcp_open")
        .map(|e| {
            (
                e["conn"].as_u64().unwrap(),
                e["client"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in evs {
        let line = match e["kind"].as_str().unwrap() {
            "http_request" => format!("{} {} {}", e["method"], e["target"], e["version"]),
            "http_response" => format!("{} {}", e["status"], e["body_bytes"]),
            "ws_frame" => format!(
                "{} op{} fin{} mask{} len{} close{}",
                e["dir"], e["opcode"], e["fin"], e["masked"], e["payload_len"], e["close_code"]
            ),
            _ => continue,
        };
        let client = clients[&e["conn"].as_u64().unwrap()].clone();
        out.entry(client).or_default().push(line);
    }
    out
}

fn replay_json(file: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["replay", "--json"])
        .arg(file)
        .output()
        .expect("run duplex replay");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn tshark(dir: &Path, args: &[&str]) -> String {
    let config = dir.join("wireshark-config");
    std::fs::create_dir_all(&config).unwrap();
    let out = Command::new("tshark")
        .args(args)
        .env("WIRESHARK_CONFIG_DIR", &config)
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn recorded_capture_replays_as_the_live_events() {
    let dir = temp_dir("record");
    let file = dir.join("live.pcapng");
    let mut s = Server::start(&["--record", file.to_str().unwrap()]);
    let port = s.port;
    let mut closes = 0;
    if have("curl") {
        let url = format!("http://127.0.0.1:{port}/echo");
        let status = Command::new("curl")
            .args(["-s", "--max-time", "10", &url, &url, &url])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let status = Command::new("curl")
            .args(["-s", "-0", "--max-time", "10", &url])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        closes += 2;
    }
    let resp = raw(port, b"GET /echo HTTP/1.0\r\n\r\n");
    assert!(resp.starts_with(b"HTTP/1.0 200 OK"));
    let two = b"GET /bytes/100000 HTTP/1.1\r\nHost: t\r\n\r\n\
        POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello";
    let resp = raw(port, two);
    assert!(resp.ends_with(b"\r\n\r\nhello"));
    websocket(port);
    compressed_websocket(&s);
    closes += 4;
    s.wait_until("every close", |e| count(e, "tcp_close") == closes);
    s.interrupt();
    let live = s.seen.clone();
    assert_eq!(count(&live, "error"), 0, "{live:#?}");

    // (1) duplex replay of the file says what the live session said.
    let replayed = replay_json(&file);
    assert_eq!(count(&replayed, "error"), 0, "{replayed:#?}");
    let (a, b) = (by_client(&live), by_client(&replayed));
    assert_eq!(a.len(), closes);
    assert_eq!(a, b);
    assert_eq!(count(&replayed, "tcp_close"), closes);

    // (2) so does Wireshark, and it finds nothing wrong with the packets.
    if !have("tshark") || !have("python3") {
        return;
    }
    let f = file.to_str().unwrap();
    let decode = format!("tcp.port=={port},http");
    let json = tshark(
        &dir,
        &[
            "-r",
            f,
            "-d",
            &decode,
            "-T",
            "json",
            "-Y",
            "http || websocket",
        ],
    );
    let tshark_json = dir.join("tshark.json");
    std::fs::write(&tshark_json, json).unwrap();
    let live_jsonl = dir.join("live.jsonl");
    let lines: Vec<String> = live.iter().map(Value::to_string).collect();
    std::fs::write(&live_jsonl, lines.join("\n") + "\n").unwrap();
    let cmp = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/tshark_compare.py"))
        .arg(&tshark_json)
        .arg(&live_jsonl)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&cmp.stdout);
    assert!(report.contains("diffs 0"), "{report}");
    assert!(report.contains(&format!("streams {closes},")), "{report}");
    let expert = tshark(&dir, &["-r", f, "-d", &decode, "-z", "expert", "-q"]);
    assert!(!expert.contains("Errors ("), "{expert}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_disk_stops_the_recording_not_the_server() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let mut s = Server::start(&["--record", "/dev/full"]);
    for _ in 0..3 {
        // More than the write buffer holds: the write error comes while serving.
        let resp = raw(s.port, b"GET /bytes/200000 HTTP/1.0\r\n\r\n");
        assert!(resp.starts_with(b"HTTP/1.0 200 OK"));
    }
    s.wait_until("3 closes", |e| count(e, "tcp_close") == 3);
    s.interrupt();
    let said: Vec<String> = s
        .stderr
        .try_iter()
        .filter(|l| l.contains("recording"))
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("/dev/full"), "{said:?}");
}

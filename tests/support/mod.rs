//! A `duplex serve --json` child process for whole-program tests, and its events.

#![allow(dead_code)]

pub mod chromium;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// No wait in these tests lasts longer than this.
pub const BOUND: Duration = Duration::from_secs(10);

pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    pub port: u16,
    /// stdout, a line at a time.
    lines: Receiver<String>,
    /// Whether stdout is `--json` events (else a `--plain` transcript, read with `recv_line`).
    json: bool,
    pub seen: Vec<Value>,
    /// Lines the server wrote to stderr.
    pub stderr: Receiver<String>,
}

impl Server {
    /// `duplex serve --json` with `extra` arguments.
    pub fn start(extra: &[&str]) -> Server {
        Self::start_as("--json", extra)
    }

    /// `duplex serve` with the output `format` (`--json` or `--plain`) and `extra` arguments.
    pub fn start_as(format: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_duplex"))
            .args(["serve", "--port", "0", format])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn duplex serve");
        let stderr = child.stderr.take().unwrap();
        let (url_tx, url_rx) = mpsc::channel();
        let (err_tx, err_rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("duplex serve: listening on ") {
                    let _ = url_tx.send(rest.trim_end_matches('/').to_owned());
                }
                let _ = err_tx.send(line);
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (line_tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let Ok(url) = url_rx.recv_timeout(BOUND) else {
            let _ = child.kill();
            panic!("duplex serve printed no listening line");
        };
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Server {
            child,
            url,
            port,
            lines,
            json: format == "--json",
            seen: Vec::new(),
            stderr: err_rx,
        }
    }

    /// Reads events until `done` holds for all seen so far; panics after BOUND.
    pub fn wait_until(&mut self, what: &str, done: impl Fn(&[Value]) -> bool) -> &[Value] {
        let deadline = Instant::now() + BOUND;
        while !done(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(
                    serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("not JSON ({e}): {line}")),
                ),
                Err(_) => panic!("timed out waiting for {what}; events: {:#?}", self.seen),
            }
        }
        &self.seen
    }

    /// The next raw stdout line, waiting at most `timeout`.
    pub fn recv_line(&self, timeout: Duration) -> Result<String, RecvTimeoutError> {
        self.lines.recv_timeout(timeout)
    }

    /// Ctrl-C: the server must exit 0 within BOUND; the events it printed last are read too
    /// (with `--json`).
    pub fn interrupt(&mut self) {
        let ok = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "could not send SIGINT");
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "duplex serve exited with {status}");
                break;
            }
            assert!(Instant::now() < deadline, "duplex serve ignored Ctrl-C");
            thread::sleep(Duration::from_millis(20));
        }
        if !self.json {
            return;
        }
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(serde_json::from_str(&line).expect("JSON"));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebSocket upgrade to `/ws/echo` done by hand on a raw socket, so that a test decides
/// every byte after it (whether pings get answers, how much of a frame is sent).
pub fn ws_connect(s: &Server) -> std::net::TcpStream {
    use std::io::{Read, Write};
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(
        b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        sock.read_exact(&mut b).unwrap();
        head.push(b[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");
    sock
}

/// A WebSocket upgrade of `path` by hand, offering `ext` (Sec-WebSocket-Extensions) unless
/// empty: the socket and the response head, lowercased.
pub fn ws_upgrade(s: &Server, path: &str, ext: &str) -> (std::net::TcpStream, String) {
    use std::io::{Read, Write};
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let ext = if ext.is_empty() {
        String::new()
    } else {
        format!("Sec-WebSocket-Extensions: {ext}\r\n")
    };
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        sock.read_exact(&mut b).unwrap();
        head.push(b[0]);
    }
    (sock, String::from_utf8(head).unwrap().to_ascii_lowercase())
}

/// A masked client frame: `b0` is FIN, RSV and opcode as sent.
pub fn ws_send(sock: &mut std::net::TcpStream, b0: u8, payload: &[u8]) {
    use std::io::Write;
    let mut f = vec![b0];
    match payload.len() {
        n @ 0..=125 => f.push(0x80 | n as u8),
        n @ 126..=0xffff => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let key = [0x12, 0x34, 0x56, 0x78];
    f.extend_from_slice(&key);
    f.extend(payload.iter().zip(key.iter().cycle()).map(|(b, k)| b ^ k));
    sock.write_all(&f).unwrap();
}

/// The next server frame: (b0, payload).
pub fn ws_recv(sock: &mut std::net::TcpStream) -> (u8, Vec<u8>) {
    use std::io::Read;
    let mut h = [0u8; 2];
    sock.read_exact(&mut h).unwrap();
    let len = match h[1] & 0x7f {
        126 => {
            let mut l = [0u8; 2];
            sock.read_exact(&mut l).unwrap();
            u64::from(u16::from_be_bytes(l))
        }
        127 => {
            let mut l = [0u8; 8];
            sock.read_exact(&mut l).unwrap();
            u64::from_be_bytes(l)
        }
        n => u64::from(n),
    };
    let mut p = vec![0u8; len as usize];
    sock.read_exact(&mut p).unwrap();
    (h[0], p)
}

pub fn kind<'a>(evs: &'a [Value], k: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    evs.iter().filter(move |e| e["kind"] == k)
}

pub fn count(evs: &[Value], k: &str) -> usize {
    kind(evs, k).count()
}

pub fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("note: {tool} is not installed; skipping that part");
    }
    found
}

/// A message's body size: on the message when it has no body, else on the `http_body` that
/// follows it on its connection and direction (a message is reported at its head).
#[allow(dead_code)]
pub fn body_bytes(evs: &[Value], msg: &Value) -> u64 {
    if msg["body_follows"] != true {
        return msg["body_bytes"].as_u64().unwrap_or(0);
    }
    let at = evs
        .iter()
        .position(|e| std::ptr::eq(e, msg))
        .expect("msg in evs");
    evs[at + 1..]
        .iter()
        .find(|e| e["kind"] == "http_body" && e["conn"] == msg["conn"] && e["dir"] == msg["dir"])
        .and_then(|b| b["bytes"].as_u64())
        .unwrap_or(0)
}

/// The whole answer to `head` sent on a fresh connection: up to the end of the body named by
/// Content-Length, or the head of a 101, or the server's close.
pub fn answer(s: &Server, head: &str) -> String {
    use std::io::{Read, Write};
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(head.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((h, body)) = text.split_once("\r\n\r\n") {
            let len = h.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
            });
            if len.is_some_and(|n| body.len() >= n) || h.starts_with("HTTP/1.1 101") {
                return text;
            }
        }
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => return text,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

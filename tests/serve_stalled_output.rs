//! `duplex serve --json` whose stdout nobody reads, flooded by WebSocket clients: it keeps
//! answering another client quickly, its memory stays bounded, and Ctrl-C still ends it within
//! seconds, saying on stderr what it did not print.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use tungstenite::Message;

/// How long the flood lasts before the Ctrl-C.
const FLOOD: Duration = Duration::from_secs(4);
/// The server's resident memory never reaches this.
const RSS_MAX_KB: u64 = 256 * 1024;
/// Every canary GET is answered within this, the slowest included.
const CANARY_MAX: Duration = Duration::from_millis(500);
/// Ctrl-C to exit.
const EXIT_MAX: Duration = Duration::from_secs(3);

/// The server, its stdout held open and never read.
struct Stalled {
    child: Child,
    _stdout: ChildStdout,
    port: u16,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Stalled {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Stalled {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["serve", "--port", "0", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn duplex serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, stderr) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = stderr
        .recv_timeout(Duration::from_secs(10))
        .expect("a listening line");
    let port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Stalled {
        child,
        _stdout: stdout,
        port,
        stderr,
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .is_ok_and(|st| st.success());
    assert!(ok, "could not send {sig}");
}

/// Waits at most `limit` for the exit.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Sends 64 KiB binary messages on `/ws/echo` and reads each echo until `stop`; the bytes echoed.
fn flood(port: u16, stop: Arc<AtomicBool>) -> thread::JoinHandle<u64> {
    thread::spawn(move || {
        let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let url = format!("ws://127.0.0.1:{port}/ws/echo");
        let (mut ws, _) = tungstenite::client(url.as_str(), sock).expect("handshake");
        let payload = vec![0x5a_u8; 64 * 1024];
        let mut echoed = 0u64;
        while !stop.load(Ordering::Relaxed) {
            if ws.send(Message::binary(payload.clone())).is_err() {
                break;
            }
            match ws.read() {
                Ok(Message::Binary(b)) => echoed += b.len() as u64,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        echoed
    })
}

/// A GET every 100 ms on a fresh connection until `stop`: how long each answer took, or why none.
fn canary(port: u16, stop: Arc<AtomicBool>) -> thread::JoinHandle<Vec<Result<Duration, String>>> {
    thread::spawn(move || {
        let mut took = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            let r = (|| {
                let mut sock =
                    TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
                sock.set_read_timeout(Some(Duration::from_secs(5)))
                    .map_err(|e| e.to_string())?;
                sock.write_all(b"GET /echo HTTP/1.0\r\n\r\n")
                    .map_err(|e| e.to_string())?;
                let mut resp = Vec::new();
                sock.read_to_end(&mut resp).map_err(|e| e.to_string())?;
                if resp.starts_with(b"HTTP/1.0 200") {
                    Ok(started.elapsed())
                } else {
                    Err(format!("answered {:?}", String::from_utf8_lossy(&resp)))
                }
            })();
            took.push(r);
            thread::sleep(Duration::from_millis(100));
        }
        took
    })
}

#[test]
fn a_stalled_stdout_never_slows_serving_nor_stops_ctrl_c() {
    let s = start();
    let pid = s.child.id();
    let before = rss_kb(pid);
    let stop_flood = Arc::new(AtomicBool::new(false));
    let stop_canary = Arc::new(AtomicBool::new(false));
    let floods: Vec<_> = (0..2).map(|_| flood(s.port, stop_flood.clone())).collect();
    let canary = canary(s.port, stop_canary.clone());
    let started = Instant::now();
    let mut peak = before;
    while started.elapsed() < FLOOD && peak < RSS_MAX_KB {
        thread::sleep(Duration::from_millis(100));
        peak = peak.max(rss_kb(pid));
    }
    stop_canary.store(true, Ordering::Relaxed);
    let answers = canary.join().unwrap();

    // Ctrl-C while the flood still runs.
    let mut s = s;
    let sent = Instant::now();
    signal(pid, "-INT");
    let status = wait_exit(&mut s.child, Duration::from_secs(10));
    let to_exit = sent.elapsed();
    stop_flood.store(true, Ordering::Relaxed);
    let echoed: u64 = floods.into_iter().map(|f| f.join().unwrap_or(0)).sum();
    let stderr: Vec<String> = s.stderr.try_iter().collect();

    let slowest = answers.iter().filter_map(|r| r.as_ref().ok()).max();
    eprintln!(
        "flood echoed {} MB in {:?}; RSS {} MB before, peak {} MB; {} canary GETs, slowest \
         {slowest:?}; exit {to_exit:?} after SIGINT ({status:?}); stderr: {stderr:#?}",
        echoed >> 20,
        started.elapsed(),
        before >> 10,
        peak >> 10,
        answers.len(),
    );
    assert!(echoed > 32 << 20, "the flood was too weak to test anything");
    assert!(peak < RSS_MAX_KB, "the server grew to {} MB", peak >> 10);
    let failed: Vec<_> = answers.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "canary GETs failed: {failed:?}");
    assert!(answers.len() >= 10, "only {} canary GETs", answers.len());
    assert!(
        slowest.is_some_and(|d| *d < CANARY_MAX),
        "a canary GET took {slowest:?}"
    );
    let status = status.unwrap_or_else(|| panic!("no exit {to_exit:?} after SIGINT"));
    assert!(to_exit < EXIT_MAX, "exited {to_exit:?} after SIGINT");
    assert!(status.success(), "exited with {status}");
    assert!(
        stderr.iter().any(|l| l.contains("not decoded")),
        "no stderr line says what was not printed: {stderr:#?}"
    );
}

/// SIGTERM stops the server as Ctrl-C does, draining its clients (here a WebSocket that never
/// answers the server's close, which the server waits for); a second signal ends it at once.
#[test]
fn sigterm_stops_gracefully_and_a_second_signal_exits_at_once() {
    let mut s = start();
    let pid = s.child.id();
    let mut ws = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    ws.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    ws.write_all(
        b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(ws.read(&mut byte).unwrap(), 1, "no 101");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");

    signal(pid, "-TERM");
    assert!(
        wait_exit(&mut s.child, Duration::from_millis(400)).is_none(),
        "SIGTERM ended the server without a drain"
    );
    let second = Instant::now();
    signal(pid, "-INT");
    let status = wait_exit(&mut s.child, Duration::from_secs(10));
    let took = second.elapsed();
    let stderr: Vec<String> = s.stderr.try_iter().collect();
    eprintln!("exit {took:?} after the second signal ({status:?}); stderr: {stderr:#?}");
    assert!(
        took < Duration::from_millis(500),
        "exited {took:?} after the second signal"
    );
    assert_eq!(status.and_then(|st| st.code()), Some(130));
    drop(ws);
}

//! `/ws/chat` under load: a crowd that joins at once stays, a client that does not read goes.
//! Real clients on 127.0.0.1 against `duplex serve`.

mod support;

use std::collections::HashSet;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{BOUND, Server};
use tungstenite::{Message, WebSocket};

fn ws_connect(port: u16, path: &str) -> WebSocket<TcpStream> {
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let url = format!("ws://127.0.0.1:{port}{path}");
    let (ws, resp) = tungstenite::client(url.as_str(), sock).expect("handshake");
    assert_eq!(resp.status(), 101);
    ws
}

/// Names a join or leave notice carries: `names` when merged, else `name`.
fn names(m: &Value) -> Vec<String> {
    match m["names"].as_array() {
        Some(ns) => ns.iter().map(|n| n.as_str().unwrap().to_owned()).collect(),
        None => vec![m["name"].as_str().unwrap().to_owned()],
    }
}

#[derive(Default)]
struct Heard {
    welcomed: bool,
    /// Members named in the welcome or in join notices since.
    known: HashSet<String>,
    /// Members the welcome did not name (its `more`).
    unnamed: usize,
    /// Why the connection ended, if it did.
    ended: Option<String>,
}

/// Reads everything until `stop`, noting what it heard in `heard`.
fn reader(mut ws: WebSocket<TcpStream>, heard: Arc<Mutex<Heard>>, stop: Arc<AtomicBool>) {
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    while !stop.load(Ordering::Relaxed) {
        let m = match ws.read() {
            Ok(Message::Text(t)) => serde_json::from_str::<Value>(t.as_str()).unwrap(),
            Ok(Message::Close(f)) => {
                heard.lock().unwrap().ended = Some(format!("close {f:?}"));
                return;
            }
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                continue;
            }
            Err(e) => {
                heard.lock().unwrap().ended = Some(format!("error {e}"));
                return;
            }
        };
        let mut h = heard.lock().unwrap();
        match m["type"].as_str() {
            Some("welcome") => {
                h.welcomed = true;
                h.unnamed = m["more"].as_u64().unwrap_or(0) as usize;
                let members = m["members"].as_array().unwrap();
                h.known
                    .extend(members.iter().map(|n| n.as_str().unwrap().to_owned()));
            }
            Some("join") => h.known.extend(names(&m)),
            _ => {}
        }
    }
    let _ = ws.close(None);
}

/// Waits until `done` holds or `within` has passed; says which.
fn wait(within: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn a_crowd_that_joins_at_once_stays_and_hears_of_everyone() {
    const CROWD: usize = 300;
    let s = Server::start_as("--plain", &[]);
    let port = s.port;
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(CROWD));
    let heard: Vec<Arc<Mutex<Heard>>> = (0..CROWD).map(|_| Arc::default()).collect();
    let threads: Vec<_> = heard
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let (h, stop, start) = (h.clone(), stop.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let ws = ws_connect(port, &format!("/ws/chat?name=c{i}&room=crowd"));
                reader(ws, h, stop);
            })
        })
        .collect();
    let t0 = Instant::now();
    let all = |f: &dyn Fn(&Heard) -> bool| heard.iter().all(|h| f(&h.lock().unwrap()));
    let welcomed = wait(Duration::from_secs(15), || {
        all(&|h| h.welcomed || h.ended.is_some())
    });
    let joined_in = t0.elapsed();
    // Each hears of every other one: in its welcome (named or counted) or in a join since.
    let everyone = |h: &Heard| h.known.len() + h.unnamed == CROWD - 1;
    wait(Duration::from_secs(10), || {
        all(&|h| everyone(h) || h.ended.is_some())
    });
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let ended: Vec<String> = heard
        .iter()
        .filter_map(|h| h.lock().unwrap().ended.clone())
        .collect();
    assert!(
        ended.is_empty(),
        "{} of {CROWD} clients were let go, e.g. {:?}",
        ended.len(),
        &ended[..ended.len().min(3)]
    );
    assert!(welcomed, "not all welcomed within 15 s");
    let short: Vec<usize> = heard
        .iter()
        .map(|h| h.lock().unwrap())
        .filter(|h| !everyone(h))
        .map(|h| h.known.len() + h.unnamed)
        .collect();
    assert!(
        short.is_empty(),
        "clients that heard of fewer than all: {short:?}"
    );
    eprintln!("{CROWD} clients joined in {:.2} s", joined_in.as_secs_f64());
}

/// The conn number of the connection whose upgrade asked for `target`, from `--json` events.
fn conn_of(ev: &Value, target: &str) -> Option<u64> {
    (ev["kind"] == "http_request" && ev["target"] == target)
        .then(|| ev["conn"].as_u64())
        .flatten()
}

#[test]
fn a_client_that_does_not_read_is_dropped_with_1008() {
    let s = Server::start(&[]);
    let port = s.port;
    let path = |name: &str| format!("/ws/chat?name={name}&room=slow");
    let mut stalled = ws_connect(port, &path("stalled"));
    let deaf = ws_connect(port, &path("deaf"));
    let watcher = ws_connect(port, &path("watcher"));
    let mut talker = ws_connect(port, &path("talker"));
    stalled.read().unwrap();

    // The watcher reads everything and notes who left as too slow.
    let gone = Arc::new(Mutex::new(HashSet::new()));
    let watcher_ended = Arc::new(Mutex::new(None));
    let stop = Arc::new(AtomicBool::new(false));
    let watching = {
        let (gone, ended, stop) = (gone.clone(), watcher_ended.clone(), stop.clone());
        thread::spawn(move || {
            let mut ws = watcher;
            ws.get_ref()
                .set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            while !stop.load(Ordering::Relaxed) {
                match ws.read() {
                    Ok(Message::Text(t)) => {
                        let m: Value = serde_json::from_str(t.as_str()).unwrap();
                        if m["type"] == "leave" && m["why"] == "too slow" {
                            gone.lock().unwrap().extend(names(&m));
                        }
                    }
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(e))
                        if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(e) => {
                        *ended.lock().unwrap() = Some(e.to_string());
                        return;
                    }
                }
            }
        })
    };

    // The talker says long things, reading its own copy of each, until both are gone.
    let text = "x".repeat(1990);
    let both_gone = || {
        ["stalled", "deaf"]
            .iter()
            .all(|n| gone.lock().unwrap().contains(*n))
    };
    let t0 = Instant::now();
    let mut said = 0;
    while !both_gone() && t0.elapsed() < Duration::from_secs(15) {
        let frame = json!({"text": format!("{said} {text}")}).to_string();
        talker.send(Message::text(frame)).unwrap();
        let want = format!("\"{said} x");
        loop {
            match talker
                .read()
                .unwrap_or_else(|e| panic!("the talker reads and stays, after {said}: {e}"))
            {
                Message::Text(t) if t.as_str().contains(&want) => break,
                _ => {}
            }
        }
        said += 1;
    }
    let took = t0.elapsed();
    assert!(
        both_gone(),
        "still in the room after {said} messages in {took:?}: {:?}",
        gone
    );
    assert_eq!(
        *watcher_ended.lock().unwrap(),
        None,
        "the watcher reads and stays"
    );
    eprintln!(
        "two non-readers dropped after {said} messages of 2 kB in {:.2} s",
        took.as_secs_f64()
    );

    // The stalled client reads again: what was already on its way, then close 1008.
    let code = loop {
        match stalled.read() {
            Ok(Message::Close(f)) => break f.map(|f| u16::from(f.code)),
            Ok(_) => {}
            Err(e) => panic!("the stalled client got no close frame: {e}"),
        }
    };
    assert_eq!(code, Some(1008));

    // The deaf one never reads: the server lets go of its connection all the same.
    let deadline = Instant::now() + BOUND;
    let mut deaf_conn = None;
    let closed = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = s.recv_line(left) else {
            break false;
        };
        let ev: Value = serde_json::from_str(&line).unwrap();
        deaf_conn = deaf_conn.or_else(|| conn_of(&ev, &path("deaf")));
        if ev["kind"] == "tcp_close" && deaf_conn.is_some() && ev["conn"].as_u64() == deaf_conn {
            break true;
        }
    };
    assert!(
        closed,
        "the server still holds the deaf client's connection {BOUND:?} after it left the room"
    );
    stop.store(true, Ordering::Relaxed);
    watching.join().unwrap();
    drop(deaf);
}

#[test]
fn a_crowd_joining_one_by_one_reaches_a_reader_that_keeps_up_in_few_frames() {
    // 200 join one after the other while the first reads at once: one frame per newcomer is
    // n² frames over the room; merged, the first hears of all of them in far fewer.
    const CROWD: usize = 200;
    let s = Server::start(&[]);
    let port = s.port;
    let path = |i: usize| format!("/ws/chat?name=k{i}&room=keepup");
    let mut first = ws_connect(port, &path(0));
    first.read().unwrap(); // its welcome
    let counting = thread::spawn(move || {
        let (mut frames, mut heard) = (0, HashSet::new());
        while heard.len() < CROWD - 1 {
            match first.read() {
                Ok(Message::Text(t)) => {
                    let m: Value = serde_json::from_str(t.as_str()).unwrap();
                    if m["type"] == "join" {
                        frames += 1;
                        heard.extend(names(&m));
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("after {frames} join frames, {} names: {e}", heard.len()),
            }
        }
        frames
    });
    // The others do not read: a few kB of notices each stay well within their backlog.
    let others: Vec<_> = (1..CROWD).map(|i| ws_connect(port, &path(i))).collect();
    let frames = counting.join().unwrap();
    drop(others);
    assert!(
        frames <= CROWD / 2,
        "{frames} join frames for {} newcomers",
        CROWD - 1
    );
    eprintln!("{} joins heard in {frames} frames", CROWD - 1);
}

/// The live routes read through a small buffer (2 KiB): a message several times that size still
/// arrives whole, and goes out whole to the room.
#[test]
fn a_message_bigger_than_the_read_buffer_arrives_whole() {
    let s = Server::start(&[]);
    let mut a = ws_connect(s.port, "/ws/chat?room=big&name=a");
    let mut b = ws_connect(s.port, "/ws/chat?room=big&name=b");
    // The 101 comes before the join: a message sent at once could reach the room without b
    // (seen under a loaded CI run). b's welcome says it is in.
    let deadline = Instant::now() + BOUND;
    loop {
        assert!(Instant::now() < deadline, "no welcome");
        if let Message::Text(t) = b.read().unwrap()
            && serde_json::from_str::<Value>(t.as_str()).unwrap()["type"] == "welcome"
        {
            break;
        }
    }
    // Two thousand three-byte characters: 6,000 bytes of text in one frame.
    let text = "字".repeat(2000);
    a.send(Message::text(json!({ "text": text }).to_string()))
        .unwrap();
    let deadline = Instant::now() + BOUND;
    let heard = loop {
        assert!(Instant::now() < deadline, "no message heard");
        if let Message::Text(t) = b.read().unwrap() {
            let m: Value = serde_json::from_str(t.as_str()).unwrap();
            if m["type"] == "msg" {
                break m;
            }
        }
    };
    assert_eq!(heard["from"], "a");
    assert_eq!(heard["text"].as_str().map(str::len), Some(6000));
    assert_eq!(heard["text"], text.as_str());
}

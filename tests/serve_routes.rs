//! The live-data routes of `duplex serve` (ticker, chat, game, and the page in a headless
//! browser), with real clients on 127.0.0.1 and the events read from its `--json` stdout.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::chromium::Browser;
use support::{BOUND, Server, have, kind};
use tungstenite::{Message, WebSocket};

fn header<'a>(ev: &'a Value, name: &str) -> Option<&'a str> {
    ev["headers"].as_array()?.iter().find_map(|h| {
        let n = h[0].as_str()?;
        n.eq_ignore_ascii_case(name)
            .then(|| h[1].as_str())
            .flatten()
    })
}

/// One request on a fresh connection; returns the head and the body.
fn get(s: &Server, target: &str) -> (String, String) {
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let req = format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    sock.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    sock.read_to_string(&mut resp).expect("the server closes");
    let (head, body) = resp.split_once("\r\n\r\n").expect("a whole response");
    (head.to_owned(), body.to_owned())
}

fn ws_connect(s: &Server, path: &str) -> WebSocket<TcpStream> {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let url = format!("ws://127.0.0.1:{}{path}", s.port);
    let (ws, resp) = tungstenite::client(url.as_str(), sock).expect("handshake");
    assert_eq!(resp.status(), 101);
    ws
}

/// The next text frame, as JSON.
fn read_json(ws: &mut WebSocket<TcpStream>) -> Value {
    loop {
        if let Message::Text(t) = ws.read().expect("read") {
            return serde_json::from_str(t.as_str()).expect("JSON text");
        }
    }
}

fn send_json(ws: &mut WebSocket<TcpStream>, v: Value) {
    ws.send(Message::text(v.to_string())).unwrap();
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Each change is pushed the moment it happens, at most `hz` a second: at 20 Hz every change
/// (the price changes every 120-300 ms), at 2 Hz one in every half second or more.
#[test]
fn ticker_pushes_each_change_at_most_at_the_asked_rate() {
    let mut s = Server::start(&[]);
    let mut slow = ws_connect(&s, "/ws/ticker?hz=2");
    // Read as the frames come, or a frame waiting in the socket looks stale.
    let slow = thread::spawn(move || {
        let mut at = Vec::new();
        for _ in 0..3 {
            let q = read_json(&mut slow);
            let stale = now_ms().saturating_sub(q["ts_ms"].as_u64().unwrap());
            at.push((Instant::now(), q["seq"].as_u64().unwrap(), stale));
        }
        slow.close(None).unwrap();
        while slow.read().is_ok() {}
        at
    });
    let mut ws = ws_connect(&s, "/ws/ticker?hz=20");
    let mut seqs = Vec::new();
    for _ in 0..5 {
        let q = read_json(&mut ws);
        assert_eq!(q["sym"], "DPX");
        assert!(q["price"].as_f64().unwrap() > 0.0);
        let stale = now_ms().saturating_sub(q["ts_ms"].as_u64().unwrap());
        assert!(stale < 50, "pushed {stale} ms after the change");
        seqs.push(q["seq"].as_u64().unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let at = slow.join().unwrap();
    assert!(at.iter().all(|a| a.2 < 50), "{at:?}");
    for w in at.windows(2) {
        assert!(w[1].0 - w[0].0 >= Duration::from_millis(450), "{at:?}");
        assert!(
            w[1].1 > w[0].1 + 1,
            "changes in the pause are skipped: {at:?}"
        );
    }
    ws.close(None).unwrap();
    while ws.read().is_ok() {}
    let n = seqs.len();
    let evs = s.wait_until("the ticks", |e| {
        kind(e, "ws_frame").filter(|f| f["opcode"] == 1).count() >= n
    });
    let ticks: Vec<_> = kind(evs, "ws_frame").filter(|f| f["opcode"] == 1).collect();
    assert!(
        ticks
            .iter()
            .all(|f| f["dir"] == "s2c" && f["masked"] == false)
    );
    assert!(
        ticks
            .iter()
            .all(|f| f["text"].as_str().unwrap().contains("\"DPX\""))
    );
    assert_eq!(kind(evs, "error").count(), 0);
    let (head, _) = get(&s, "/ws/ticker?hz=101");
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
}

#[test]
fn ticker_says_going_away_at_shutdown() {
    let mut s = Server::start(&[]);
    let mut ws = ws_connect(&s, "/ws/ticker?hz=5");
    read_json(&mut ws);
    let client = thread::spawn(move || {
        loop {
            match ws.read() {
                Ok(Message::Close(f)) => return f.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    });
    s.interrupt();
    assert_eq!(client.join().unwrap(), Some(1001));
}

#[test]
fn server_sent_events_end_cleanly_at_shutdown() {
    if !have("curl") {
        return;
    }
    let mut s = Server::start(&[]);
    let url = format!("{}/api/price/events?hz=5", s.url);
    let mut curl = Command::new("curl")
        .args(["-sN", "--max-time", "10", &url])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run curl");
    let mut lines = BufReader::new(curl.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("id: "), "{first}");
    s.interrupt();
    // The body ends with its last chunk: curl sees a whole response and exits 0.
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.starts_with("data: ")), "{rest:?}");
    assert!(curl.wait().unwrap().success());
}

fn price(s: &Server, target: &str) -> (String, Value) {
    let (head, body) = get(s, target);
    (head, serde_json::from_str(&body).expect("a JSON price"))
}

#[test]
fn price_by_get_and_by_long_poll() {
    let s = Server::start(&[]);
    let (head, a) = price(&s, "/api/price");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("cache-control: no-store")
    );
    assert!(head.contains("application/json"));
    // The price changes every 120 to 300 ms.
    thread::sleep(Duration::from_millis(350));
    let (_, b) = price(&s, "/api/price");
    let seq = |v: &Value| v["seq"].as_u64().unwrap();
    assert!(seq(&b) > seq(&a), "{a} then {b}");
    assert_eq!(b["sym"], "DPX");

    // The next change answers within 300 ms; one 3 changes ahead takes at least 360 ms.
    let started = Instant::now();
    let (_, c) = price(&s, &format!("/api/price/wait?after={}", seq(&b)));
    assert!(seq(&c) > seq(&b));
    assert!(started.elapsed() < Duration::from_secs(2));
    let started = Instant::now();
    let (_, d) = price(&s, &format!("/api/price/wait?after={}", seq(&c) + 3));
    let waited = started.elapsed();
    assert!(seq(&d) > seq(&c) + 3);
    assert!(
        waited > Duration::from_millis(200) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    let (head, _) = get(&s, "/api/price/wait?after=soon");
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
}

#[test]
fn price_as_server_sent_events() {
    if !have("curl") {
        return;
    }
    let mut s = Server::start(&[]);
    let url = format!("{}/api/price/events", s.url);
    // --max-time ends curl (exit 28) while the stream is still going.
    let mut curl = Command::new("curl")
        .args(["-sN", "-i", "--max-time", "2", &url])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run curl");
    // The response is reported at its head, while its body is still arriving.
    let evs = s.wait_until("the streaming response", |e| {
        kind(e, "http_response").next().is_some()
    });
    let resp = kind(evs, "http_response").next().unwrap().clone();
    assert!(curl.try_wait().unwrap().is_none(), "curl already ended");
    assert_eq!(resp["streaming"], true, "{resp}");
    assert_eq!(
        (&resp["status"], &resp["body_bytes"]),
        (&json!(200), &json!(0))
    );
    let evs = s.wait_until("5 events", |e| kind(e, "sse_event").count() >= 5);
    assert!(curl.try_wait().unwrap().is_none(), "curl already ended");
    let sse: Vec<Value> = kind(evs, "sse_event").cloned().collect();
    let mut seqs = Vec::new();
    for e in &sse {
        assert_eq!((&e["dir"], &e["event"]), (&json!("s2c"), &json!("message")));
        let data = e["data"].as_str().unwrap();
        let q: Value = serde_json::from_str(data).expect("price JSON");
        assert_eq!(q["sym"], "DPX", "{q}");
        assert!(q["price"].as_f64().unwrap() > 0.0, "{q}");
        assert_eq!(e["id"], q["seq"].to_string(), "{e}");
        seqs.push(q["seq"].as_u64().unwrap());
        // Its own `id:` and `data:` lines, plus chunk framing.
        let bytes = e["bytes"].as_u64().unwrap();
        let own = format!("id: {}\ndata: {data}\n\n", q["seq"]).len() as u64;
        assert!(bytes > own && bytes < own + 12, "{bytes} for {own}: {e}");
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // About the ticker's default 10 Hz.
    let t = |e: &Value| e["t"].as_f64().unwrap();
    let gap = (t(&sse[4]) - t(&sse[0])) / 4.0;
    assert!(gap > 0.05 && gap < 0.3, "{gap} s between events");

    let out = curl.wait_with_output().expect("curl ends");
    let all = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    let (head, body) = all.split_once("\n\n").expect("a head");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let data = body.lines().filter(|l| l.starts_with("data: ")).count();
    assert!(data >= 5, "{body}");
    let evs = s.wait_until("curl's close", |e| kind(e, "tcp_close").count() == 1);
    let req = kind(evs, "http_request").next().unwrap();
    assert_eq!(req["target"], "/api/price/events");
    assert_eq!(kind(evs, "http_response").count(), 1, "reported once");
}

/// Reads until a frame of `type` comes; panics on a frame in `never`.
fn expect(ws: &mut WebSocket<TcpStream>, ty: &str, never: &[&str]) -> Value {
    loop {
        let m = read_json(ws);
        let t = m["type"].as_str().unwrap_or_default();
        assert!(!never.contains(&t), "unexpected {m}");
        if t == ty {
            return m;
        }
    }
}

#[test]
fn chat_rooms_broadcast_direct_and_notices() {
    let s = Server::start(&[]);
    let mut a = ws_connect(&s, "/ws/chat?name=alice&room=t");
    let w = expect(&mut a, "welcome", &[]);
    assert_eq!(
        w,
        json!({"type":"welcome","name":"alice","room":"t","members":[]})
    );
    let mut b = ws_connect(&s, "/ws/chat?name=bob&room=t");
    expect(&mut b, "welcome", &[]);
    let mut c = ws_connect(&s, "/ws/chat?name=alice&room=t");
    let w = expect(&mut c, "welcome", &[]);
    assert_eq!(w["name"], "alice#2");
    assert_eq!(w["members"], json!(["alice", "bob"]));
    assert_eq!(expect(&mut a, "join", &[])["name"], "bob");
    assert_eq!(expect(&mut a, "join", &[])["name"], "alice#2");
    assert_eq!(expect(&mut b, "join", &[])["name"], "alice#2");

    // A room message reaches everyone, its sender too.
    send_json(&mut a, json!({"text":"hi all"}));
    let msg = json!({"type":"msg","from":"alice","room":"t","text":"hi all"});
    for ws in [&mut a, &mut b, &mut c] {
        assert_eq!(expect(ws, "msg", &["dm"]), msg);
    }
    // A direct message reaches its target only; a later room message shows the others got none.
    send_json(&mut b, json!({"to":"alice#2","text":"psst"}));
    let dm = json!({"type":"dm","from":"bob","to":"alice#2","text":"psst"});
    assert_eq!(expect(&mut c, "dm", &["msg"]), dm);
    send_json(&mut c, json!({"text":"marker"}));
    for ws in [&mut a, &mut b] {
        assert_eq!(expect(ws, "msg", &["dm"])["text"], "marker");
    }
    expect(&mut c, "msg", &["dm"]);

    // Mistakes get an error object and the connection stays.
    send_json(&mut a, json!({"to":"zed","text":"?"}));
    assert!(
        expect(&mut a, "error", &["msg"])["error"]
            .as_str()
            .unwrap()
            .contains("zed")
    );
    a.send(Message::text("not json")).unwrap();
    expect(&mut a, "error", &["msg"]);
    a.send(Message::binary(vec![1u8, 2])).unwrap();
    expect(&mut a, "error", &["msg"]);
    send_json(&mut a, json!({"text":"still here"}));
    assert_eq!(expect(&mut a, "msg", &[])["text"], "still here");

    b.close(None).unwrap();
    while b.read().is_ok() {}
    for ws in [&mut a, &mut c] {
        let left = expect(ws, "leave", &[]);
        assert_eq!((&left["name"], &left["room"]), (&json!("bob"), &json!("t")));
    }
}

#[test]
fn game_states_flow_while_moves_go_up() {
    let s = Server::start(&[]);
    let mut ws = ws_connect(&s, "/ws/game");
    let welcome = read_json(&mut ws);
    assert_eq!(welcome["type"], "welcome");
    let me = welcome["id"].clone();
    let (start, mut states, mut places) = (Instant::now(), 0, Vec::new());
    while start.elapsed() < Duration::from_secs(1) {
        let state = read_json(&mut ws);
        let Some(players) = state["players"].as_array() else {
            panic!("not a state: {state}");
        };
        states += 1;
        let p = players
            .iter()
            .find(|p| p["id"] == me)
            .expect("me on the board");
        let x = p["x"].as_i64().unwrap();
        places.push((x, p["y"].as_i64().unwrap()));
        // Toward the middle of the board and back: every move changes x.
        let dx = if x >= 10 { -1 } else { 1 };
        send_json(&mut ws, json!({"dx": dx, "dy": 0}));
    }
    assert!(states >= 10, "{states} states in 1 s");
    places.dedup();
    assert!(places.len() >= 5, "my position barely moved: {places:?}");
    send_json(&mut ws, json!({"dx": 5}));
    loop {
        let m = read_json(&mut ws);
        if m["type"] == "error" {
            break;
        }
        assert!(m["tick"].is_u64(), "{m}");
    }
}

/// Chromium in its own process group, killed with everything it started when dropped.
#[test]
fn headless_chromium_joins_the_chat() {
    if !Browser::installed() {
        return;
    }
    let mut s = Server::start(&[]);
    let profile =
        std::env::temp_dir().join(format!("duplex-chromium-{}-{}", std::process::id(), s.port));
    let started = Instant::now();
    let browser = Browser::open(&format!("{}/", s.url), profile, &[]);
    let hello = |f: &Value| {
        f["dir"] == "c2s"
            && f["text"]
                .as_str()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .is_some_and(|v| v["text"] == "hello from the browser")
    };
    let origin = s.url.clone();
    // The browser compresses (permessage-deflate): the text is the inflated message's.
    let evs = s.wait_until("the browser's hello", |e| kind(e, "ws_message").any(hello));
    let message = kind(evs, "ws_message").find(|m| hello(m)).unwrap();
    let conn = &message["conn"];
    let frame = kind(evs, "ws_frame")
        .find(|f| &f["conn"] == conn && f["dir"] == "c2s" && f["opcode"] == 1)
        .unwrap();
    assert_eq!(
        (&frame["masked"], &frame["rsv"], &message["compressed"]),
        (&json!(true), &json!(4), &json!(true))
    );
    let upgrade = kind(evs, "http_request")
        .find(|r| &r["conn"] == conn)
        .unwrap();
    assert_eq!(upgrade["target"], "/ws/chat?name=browser&room=lobby");
    assert_eq!(header(upgrade, "upgrade"), Some("websocket"));
    assert_eq!(header(upgrade, "origin"), Some(origin.as_str()));
    let resp = kind(evs, "http_response")
        .find(|r| &r["conn"] == conn)
        .unwrap();
    assert_eq!(resp["status"], 101);
    let ext = header(resp, "sec-websocket-extensions");
    assert!(
        ext.is_some_and(|e| e.starts_with("permessage-deflate")),
        "{ext:?}"
    );
    // The page the browser built shows the socket opened.
    let dom = browser.dom();
    assert!(dom.contains("open: ws://127.0.0.1:"), "{dom}");
    eprintln!("note: chromium took {:?}", started.elapsed());
}

//! The lesson clients against the built-in server, in process: what each client says it did is
//! checked against what the server's tap saw on the wire.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use duplex::capture::tap::Clock;
use duplex::capture::tap_queue::{TapRx, tap_channel};
use duplex::net::client::{
    Http, HttpRequest, HttpVersion, Message, Method, RawTcp, ReadEnd, Reuse, Ws,
};
use duplex::net::server::{self, Config};
use duplex::net::session::Session;
use duplex::output::json;
use duplex::proto::Timestamp;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// No wait in these tests lasts longer than this.
const BOUND: Duration = Duration::from_secs(10);

/// The server on 127.0.0.1:0 in this runtime, and the events its tap produced so far.
struct Live {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    rx: TapRx,
    session: Session,
    seen: Vec<Value>,
}

impl Live {
    async fn start() -> Live {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tap_channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let stop = async move {
            let _ = stop_rx.await;
        };
        tokio::spawn(server::serve(
            listener,
            Config::default(),
            Clock::start(),
            tx,
            stop,
        ));
        Live {
            addr,
            stop: Some(stop_tx),
            rx,
            session: Session::new(),
            seen: Vec::new(),
        }
    }

    /// Decodes tap notices until `done` holds for all events seen so far; panics after BOUND.
    async fn wait_until(&mut self, what: &str, done: impl Fn(&[Value]) -> bool) -> &[Value] {
        let deadline = tokio::time::Instant::now() + BOUND;
        let mut out = Vec::new();
        while !done(&self.seen) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(ev)) => self.session.on(ev, &mut out),
                Ok(None) => panic!("the server stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; events: {:#?}", self.seen),
            }
            for ev in out.drain(..) {
                let mut line = Vec::new();
                json::write_event(&mut line, &ev, Timestamp(0)).unwrap();
                self.seen.push(serde_json::from_slice(&line).unwrap());
            }
        }
        &self.seen
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn kind<'a>(evs: &'a [Value], k: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    evs.iter().filter(move |e| e["kind"] == k)
}

fn count(evs: &[Value], k: &str) -> usize {
    kind(evs, k).count()
}

fn no_errors(evs: &[Value]) {
    assert_eq!(count(evs, "error"), 0, "decode errors: {evs:#?}");
}

#[tokio::test]
async fn http10_says_so_on_the_request_line() {
    let mut s = Live::start().await;
    let http = Http::new(s.addr).unwrap();
    let req = HttpRequest::get("/echo")
        .version(HttpVersion::Http10)
        .reuse(Reuse::Fresh);
    let replies = http.send(&req).await.unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].status, 200);
    // /echo answers with the head the server parsed.
    let body = String::from_utf8_lossy(&replies[0].body).into_owned();
    assert!(body.starts_with("GET /echo HTTP/1.0\r\n"), "{body}");
    let evs = s
        .wait_until("the close", |e| count(e, "tcp_close") == 1)
        .await;
    no_errors(evs);
    let r = kind(evs, "http_request").next().unwrap();
    assert_eq!(r["version"], "HTTP/1.0");
    assert_eq!(r["target"], "/echo");
}

#[tokio::test]
async fn pooled_requests_share_one_connection() {
    let mut s = Live::start().await;
    let http = Http::new(s.addr).unwrap();
    let req = HttpRequest::get("/bytes/10").repeat(5);
    let replies = http.send(&req).await.unwrap();
    assert_eq!(replies.len(), 5);
    for r in &replies {
        assert_eq!((r.status, &r.body[..]), (200, &b"abcdefghij"[..]));
        assert!(
            r.headers
                .iter()
                .any(|(n, v)| n == "content-length" && v == "10")
        );
        assert!(r.elapsed < BOUND);
    }
    let evs = s
        .wait_until("5 responses", |e| count(e, "http_response") == 5)
        .await;
    no_errors(evs);
    assert_eq!(count(evs, "tcp_open"), 1, "{evs:#?}");
    assert!(kind(evs, "http_request").all(|r| r["conn"] == 1 && r["version"] == "HTTP/1.1"));
}

#[tokio::test]
async fn fresh_requests_open_one_connection_each() {
    let mut s = Live::start().await;
    let http = Http::new(s.addr).unwrap();
    let req = HttpRequest::get("/echo")
        .method(Method::POST)
        .header("content-type", "text/plain")
        .header("x-lesson", "3")
        .body("hello")
        .reuse(Reuse::Fresh)
        .repeat(4);
    let replies = http.send(&req).await.unwrap();
    assert!(
        replies
            .iter()
            .all(|r| r.status == 200 && &r.body[..] == b"hello")
    );
    let evs = s
        .wait_until("4 closes", |e| count(e, "tcp_close") == 4)
        .await;
    no_errors(evs);
    assert_eq!(count(evs, "tcp_open"), 4);
    let reqs: Vec<_> = kind(evs, "http_request").collect();
    assert_eq!(reqs.len(), 4);
    let mut conns: Vec<_> = reqs.iter().map(|r| r["conn"].as_u64().unwrap()).collect();
    conns.dedup();
    assert_eq!(conns.len(), 4, "one request per connection");
    assert!(
        reqs.iter()
            .all(|r| r["method"] == "POST" && support::body_bytes(evs, r) == 5)
    );
    let lesson_header = reqs[0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h[0] == "x-lesson" && h[1] == "3");
    assert!(lesson_header, "{:#?}", reqs[0]);
    // The client with no idle pool hangs up after each response.
    assert!(kind(evs, "tcp_close").all(|c| c["by"] == "c2s"), "{evs:#?}");
}

#[tokio::test]
async fn raw_tcp_hand_written_request_and_limits() {
    let mut s = Live::start().await;
    let mut raw = RawTcp::connect(s.addr).await.unwrap();
    raw.send(b"GET /bytes/100 HTTP/1.0\r\n\r\n").await.unwrap();
    let (head, end) = raw.read(12, BOUND).await.unwrap();
    assert_eq!((&head[..], end), (&b"HTTP/1.0 200"[..], ReadEnd::Limit));
    let (rest, end) = raw.read(usize::MAX, BOUND).await.unwrap();
    assert_eq!(end, ReadEnd::Closed);
    assert!(rest.ends_with(b"\r\n\r\nabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv"));

    // Half a request: the server waits, so the read times out with nothing.
    let mut raw = RawTcp::connect(s.addr).await.unwrap();
    raw.send(b"GET /echo HTT").await.unwrap();
    let (got, end) = raw
        .read(usize::MAX, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!((got.len(), end), (0, ReadEnd::Timeout));
    // Garbage: a 400 and a close, and an error event on the timeline.
    raw.send(b"P/1.1\r\n\x00\x01 junk\r\n\r\n").await.unwrap();
    let (got, end) = raw.read(usize::MAX, BOUND).await.unwrap();
    assert!(
        got.starts_with(b"HTTP/1.1 400"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(end, ReadEnd::Closed);
    let evs = s
        .wait_until("2 closes", |e| count(e, "tcp_close") == 2)
        .await;
    assert!(
        kind(evs, "error").any(|e| e["conn"] == 2 && e["dir"] == "c2s"),
        "{evs:#?}"
    );
}

#[tokio::test]
async fn raw_tcp_malformed_websocket_frame() {
    let mut s = Live::start().await;
    let mut raw = RawTcp::connect(s.addr).await.unwrap();
    raw.send(
        b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await
    .unwrap();
    let (resp, _) = raw.read(12, BOUND).await.unwrap();
    assert_eq!(&resp[..], b"HTTP/1.1 101");
    // An unmasked text frame from a client: a protocol error the server must refuse.
    raw.send(b"\x81\x02hi").await.unwrap();
    let (_, end) = raw.read(usize::MAX, BOUND).await.unwrap();
    assert!(matches!(end, ReadEnd::Closed | ReadEnd::Reset), "{end:?}");
    let evs = s
        .wait_until("the close", |e| count(e, "tcp_close") == 1)
        .await;
    let frame = kind(evs, "ws_frame")
        .find(|f| f["dir"] == "c2s")
        .expect("the frame");
    assert_eq!(frame["masked"], false);
}

#[tokio::test]
async fn websocket_client_does_everything_a_lesson_needs() {
    let mut s = Live::start().await;
    let (mut ws, status) = Ws::connect(s.addr, "/ws/echo", &[("x-lesson", "ws-1")])
        .await
        .unwrap();
    assert_eq!(status, 101);
    ws.send_text("hello").await.unwrap();
    assert_eq!(ws.next(BOUND).await.unwrap(), Some(Message::text("hello")));
    ws.send_binary(vec![0u8, 1, 255]).await.unwrap();
    assert_eq!(
        ws.next(BOUND).await.unwrap(),
        Some(Message::binary(vec![0u8, 1, 255]))
    );
    // "é" split across the two frames: only the whole message must be valid UTF-8.
    let e_acute = "é".as_bytes();
    ws.send_fragmented(true, &[&[b'c', b'a', b'f', e_acute[0]], &e_acute[1..]])
        .await
        .unwrap();
    assert_eq!(ws.next(BOUND).await.unwrap(), Some(Message::text("café")));
    ws.ping(&b"there?"[..]).await.unwrap();
    assert_eq!(
        ws.next(BOUND).await.unwrap(),
        Some(Message::Pong(b"there?"[..].into()))
    );
    // Nothing is sent now: the read times out instead of hanging.
    assert!(ws.next(Duration::from_millis(100)).await.is_err());
    ws.close(4000, "lesson over").await.unwrap();
    let mut answer = None;
    for _ in 0..10 {
        match ws.next(BOUND).await {
            Ok(Some(Message::Close(f))) => answer = f,
            Ok(Some(_)) => continue,
            Ok(None) | Err(_) => break,
        }
    }
    let answer = answer.expect("the server answers the close");
    assert_eq!(u16::from(answer.code), 4000);

    let evs = s
        .wait_until("the close", |e| count(e, "tcp_close") == 1)
        .await;
    no_errors(evs);
    let req = kind(evs, "http_request").next().unwrap();
    let has_header = req["headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h[0] == "x-lesson" && h[1] == "ws-1");
    assert!(has_header, "{req:#?}");
    let c2s: Vec<_> = kind(evs, "ws_frame")
        .filter(|f| f["dir"] == "c2s")
        .collect();
    // text, binary, 2 fragments, ping, close
    assert_eq!(c2s.len(), 6, "{c2s:#?}");
    assert_eq!(
        (&c2s[2]["fin"], &c2s[2]["opcode"]),
        (&false.into(), &1.into())
    );
    assert_eq!(
        (&c2s[3]["fin"], &c2s[3]["opcode"]),
        (&true.into(), &0.into())
    );
    assert_eq!(c2s[4]["opcode"], 9);
    assert_eq!(
        (&c2s[5]["close_code"], &c2s[5]["close_reason"]),
        (&4000.into(), &"lesson over".into())
    );
    assert!(c2s.iter().all(|f| f["masked"] == true));
}

#[tokio::test]
async fn a_bad_path_on_a_kept_connection_is_said_to_be_the_path() {
    // It used to read: header "invalid uri character" is not a valid HTTP header.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let http = duplex::net::client::Http::new(addr).unwrap();
    let req = duplex::net::client::HttpRequest::get("/a b");
    let err = http.send(&req).await.unwrap_err().to_string();
    assert!(err.contains("/a b") && !err.contains("header"), "{err}");
}

#[tokio::test]
async fn websocket_client_compresses_when_the_server_agrees() {
    const TEXT: &str =
        "{\"symbol\":\"DPLX\",\"bid\":101.25,\"ask\":101.27,\"venue\":\"duplex-test\"}";
    let mut s = Live::start().await;
    let offer = "permessage-deflate; client_no_context_takeover";
    let (mut ws, status) = Ws::connect_with(s.addr, "/ws/echo", &[], Some(offer))
        .await
        .unwrap();
    assert_eq!((status, ws.extension()), (101, Some(offer)));
    for _ in 0..2 {
        ws.send_text(TEXT).await.unwrap();
        assert_eq!(ws.next(BOUND).await.unwrap(), Some(Message::text(TEXT)));
    }
    // Refused: the same offer, plain frames both ways.
    let (mut off, _) = Ws::connect_with(s.addr, "/ws/echo?deflate=off", &[], Some(offer))
        .await
        .unwrap();
    assert_eq!(off.extension(), None);
    off.send_text(TEXT).await.unwrap();
    assert_eq!(off.next(BOUND).await.unwrap(), Some(Message::text(TEXT)));
    let evs = s
        .wait_until("six text frames", |e| {
            kind(e, "ws_frame").filter(|f| f["opcode"] == 1).count() == 6
        })
        .await;
    no_errors(evs);
    let agreed = |r: &Value| {
        r["headers"].as_array().unwrap().iter().any(|h| {
            h[0].as_str()
                .unwrap()
                .eq_ignore_ascii_case("sec-websocket-extensions")
                && h[1] == offer
        })
    };
    assert_eq!(kind(evs, "http_response").filter(|r| agreed(r)).count(), 1);
    let frames = |dir: &str, rsv: u64| -> Vec<u64> {
        kind(evs, "ws_frame")
            .filter(|f| f["opcode"] == 1 && f["dir"] == dir && f["rsv"] == rsv)
            .map(|f| f["payload_bytes"].as_u64().unwrap())
            .collect()
    };
    // The client's frames: RSV1, masked, each compressed alone as agreed.
    let c2s = frames("c2s", 4);
    assert_eq!(c2s.len(), 2);
    assert!(c2s[0] < TEXT.len() as u64 && c2s[0] == c2s[1], "{c2s:?}");
    assert!(
        kind(evs, "ws_frame").all(|f| f["dir"] != "c2s" || f["masked"] == true),
        "{evs:#?}"
    );
    // The server kept its context: its second echo refers back to the first.
    let s2c = frames("s2c", 4);
    assert!(s2c.len() == 2 && s2c[1] < s2c[0] / 3, "{s2c:?}");
    let inflated = kind(evs, "ws_message")
        .filter(|m| m["dir"] == "c2s" && m["compressed"] == true && m["text"] == TEXT)
        .count();
    assert_eq!(inflated, 2);
    // Without the extension, nothing is compressed.
    assert_eq!(frames("c2s", 0), vec![TEXT.len() as u64]);
    assert_eq!(frames("s2c", 0), vec![TEXT.len() as u64]);
}

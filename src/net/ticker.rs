//! The ticker: one simulated price that every client shares, served four ways so a learner can
//! compare them on the wire: a plain GET, a long poll, Server-Sent Events and a WebSocket.
//!
//! One thread moves the price at 100 Hz (a seeded random walk) and publishes each update, with a
//! sequence number and the server's time, on a `watch` channel. Each subscriber samples that
//! channel at its own rate (`?hz=N`) and sends only updates it has not sent yet.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::Message;

use super::Shared;
use super::live::{self, Rng, Ws};
use super::routes::RespBody;

/// How often the price moves.
const PERIOD: Duration = Duration::from_millis(10);
/// The walk's seed: every run starts with the same prices.
const SEED: u64 = 0xD0_0B1E_5EED;
/// The longest a long poll waits before it answers with the current price.
const WAIT_CAP: Duration = Duration::from_secs(25);
/// Sample rate for SSE and `/ws/ticker` when the request names none, and the largest allowed.
const DEFAULT_HZ: u32 = 10;
const MAX_HZ: u32 = 100;

/// One price update.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Quote {
    pub sym: &'static str,
    pub price: f64,
    pub seq: u64,
    pub ts_ms: u64,
}

impl Quote {
    fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The random walk, in cents so it never drifts through float rounding.
struct Walk {
    rng: Rng,
    cents: i64,
    seq: u64,
}

impl Walk {
    fn new(seed: u64) -> Self {
        Walk {
            rng: Rng::new(seed),
            cents: 10_000,
            seq: 0,
        }
    }

    fn quote(&self) -> Quote {
        Quote {
            sym: "DPX",
            price: self.cents as f64 / 100.0,
            seq: self.seq,
            ts_ms: live::now_ms(),
        }
    }

    /// Moves the price by -5..=5 cents, never below one dollar.
    fn step(&mut self) -> Quote {
        self.cents = (self.cents + self.rng.below(11) as i64 - 5).max(100);
        self.seq += 1;
        self.quote()
    }
}

/// The shared feed; the first call starts the thread that moves the price.
pub fn feed() -> watch::Receiver<Quote> {
    static FEED: OnceLock<watch::Receiver<Quote>> = OnceLock::new();
    FEED.get_or_init(|| {
        let mut walk = Walk::new(SEED);
        let (tx, rx) = watch::channel(walk.quote());
        // If no thread can start, the price stays put and long polls answer at their cap.
        let _ = std::thread::Builder::new()
            .name("duplex-ticker".into())
            .spawn(move || {
                let mut next = Instant::now();
                loop {
                    next += PERIOD;
                    std::thread::sleep(next.saturating_duration_since(Instant::now()));
                    tx.send_replace(walk.step());
                }
            });
        rx
    })
    .clone()
}

/// `GET /api/price`
pub fn price() -> Response<RespBody> {
    live::json(StatusCode::OK, feed().borrow().json())
}

/// `GET /api/price/wait?after=SEQ`: answers once the price is newer than SEQ, or after the cap
/// (or at shutdown) with the current one. Without `after`, waits for the next update.
pub async fn wait(req: &Request<Incoming>, shared: Shared) -> Response<RespBody> {
    let mut rx = feed();
    let after = match live::query(req, "after").map(|s| s.parse::<u64>()) {
        None => rx.borrow().seq,
        Some(Ok(n)) => n,
        Some(Err(_)) => return live::bad_request("after must be a sequence number".into()),
    };
    let newer = tokio::time::timeout(WAIT_CAP, rx.wait_for(|q| q.seq > after));
    tokio::select! {
        _ = newer => {}
        () = super::stopped(shared.shutdown.clone()) => {}
    }
    price()
}

/// The sample rate in `?hz=N`, or what is allowed.
fn hz<B>(req: &Request<B>) -> Result<u32, String> {
    match live::query(req, "hz").map(|s| s.parse::<u32>()) {
        None => Ok(DEFAULT_HZ),
        Some(Ok(n)) if (1..=MAX_HZ).contains(&n) => Ok(n),
        Some(_) => Err(format!("hz must be a whole number from 1 to {MAX_HZ}")),
    }
}

/// A `tokio` interval at `hz` that skips ticks a slow sender missed.
fn sampler(hz: u32) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(Duration::from_secs(1) / hz);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    tick
}

/// The next update this subscriber has not sent yet, if there is one.
fn fresh(feed: &mut watch::Receiver<Quote>, last: &mut Option<u64>) -> Option<Quote> {
    let q = *feed.borrow_and_update();
    (*last != Some(q.seq)).then(|| {
        *last = Some(q.seq);
        q
    })
}

/// `GET /api/price/events?hz=N`: Server-Sent Events, one `data:` event per sampled update, until
/// the client leaves or the server shuts down. The length is unknown, so hyper sends it chunked.
pub fn events(req: &Request<Incoming>, shared: Shared) -> Response<RespBody> {
    let hz = match hz(req) {
        Ok(hz) => hz,
        Err(e) => return live::bad_request(e),
    };
    let (tx, rx) = mpsc::channel::<Bytes>(8);
    tokio::spawn(async move {
        let (mut feed, mut tick, mut last) = (feed(), sampler(hz), None);
        let stop = super::stopped(shared.shutdown.clone());
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = tx.closed() => return,
                () = &mut stop => return,
            }
            if let Some(q) = fresh(&mut feed, &mut last) {
                let event = format!("id: {}\ndata: {}\n\n", q.seq, q.json());
                if tx.send(Bytes::from(event)).await.is_err() {
                    return;
                }
            }
        }
    });
    let mut resp = Response::new(Channel(rx).boxed());
    let hs = resp.headers_mut();
    hs.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    hs.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A body fed by a channel: it ends when the sender does.
struct Channel(mpsc::Receiver<Bytes>);

impl Body for Channel {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// `/ws/ticker?hz=N`: the server pushes a text frame per sampled update.
pub fn ws(req: Request<Incoming>, shared: Shared) -> Response<RespBody> {
    match hz(&req) {
        Ok(hz) => live::upgrade(req, shared, move |ws, shared| push(ws, shared, hz)),
        Err(e) => live::bad_request(e),
    }
}

async fn push(mut ws: Ws, shared: Shared, hz: u32) {
    let (mut feed, mut tick, mut last) = (feed(), sampler(hz), None);
    let stop = super::stopped(shared.shutdown.clone());
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Some(q) = fresh(&mut feed, &mut last)
                    && ws.send(Message::text(q.json())).await.is_err()
                {
                    return;
                }
            }
            // The client has nothing to say here; tungstenite answers its pings and its close.
            m = ws.next() => if !matches!(m, Some(Ok(_))) {
                return;
            },
            () = &mut stop => return live::going_away(&mut ws).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_is_seeded_small_and_bounded() {
        let (mut a, mut b) = (Walk::new(1), Walk::new(1));
        let mut prev = a.cents;
        for i in 1..=10_000 {
            let q = a.step();
            assert_eq!(q.seq, i);
            assert_eq!(b.step().price, q.price);
            assert!((a.cents - prev).abs() <= 5 && a.cents >= 100);
            prev = a.cents;
        }
    }

    #[test]
    fn a_quote_is_the_documented_json() {
        let q = Quote {
            sym: "DPX",
            price: 100.05,
            seq: 3,
            ts_ms: 9,
        };
        assert_eq!(
            q.json(),
            r#"{"sym":"DPX","price":100.05,"seq":3,"ts_ms":9}"#
        );
    }

    #[test]
    fn hz_is_checked() {
        let req = |q: &str| {
            Request::builder()
                .uri(format!("/ws/ticker{q}"))
                .body(())
                .unwrap()
        };
        assert_eq!(hz(&req("")).ok(), Some(DEFAULT_HZ));
        assert_eq!(hz(&req("?hz=100")).ok(), Some(100));
        for bad in ["?hz=0", "?hz=101", "?hz=x", "?hz=-1"] {
            assert!(hz(&req(bad)).is_err(), "{bad}");
        }
    }
}

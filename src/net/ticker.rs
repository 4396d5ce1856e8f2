//! The ticker: one simulated price that every client shares, served four ways so a learner can
//! compare them on the wire: a plain GET, a long poll, Server-Sent Events and a WebSocket.
//!
//! One thread moves the price on its own clock, whoever is listening: a seeded random walk that
//! changes every 120 to 300 ms, like trades that come when they come. Each change carries a
//! sequence number and the server's time of the change (`ts_ms`) and is published on a `watch`
//! channel. Pushing subscribers (SSE, `/ws/ticker`) send a change the moment it happens, at most
//! `?hz=N` a second: after each send they skip changes for 1/N s. A poll gets whatever price
//! is current, however long ago it changed.

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
use tokio_tungstenite::tungstenite::Message;

use super::Shared;
use super::live::{self, Rng, Ws};
use super::routes::RespBody;

/// The shortest and longest time between two changes of the price, in ms. The shortest is over
/// 100 ms so that a subscriber at the default 10 Hz gets every change.
const GAP_MS: (u64, u64) = (120, 300);
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

    /// How long until the next change.
    fn gap(&mut self) -> Duration {
        let (lo, hi) = GAP_MS;
        Duration::from_millis(lo + self.rng.below(hi - lo + 1))
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
                    next += walk.gap();
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

/// One pushing subscriber: the changes it is sent, at most `hz` a second.
struct Pusher {
    feed: watch::Receiver<Quote>,
    gap: Duration,
    sent: Option<Instant>,
}

impl Pusher {
    fn new(hz: u32) -> Self {
        let mut feed = feed();
        // Only changes from now on: the current price may be old.
        feed.borrow_and_update();
        Pusher {
            feed,
            gap: Duration::from_secs(1) / hz,
            sent: None,
        }
    }

    /// The next change to send, the moment it happens: the first one at least 1/hz after the
    /// last send. None once the feed is gone. Cancel-safe: a cancelled call loses nothing.
    async fn next(&mut self) -> Option<Quote> {
        if let Some(at) = self.sent
            && Instant::now() < at + self.gap
        {
            tokio::time::sleep_until((at + self.gap).into()).await;
            // What changed in the pause is skipped, not sent late.
            self.feed.borrow_and_update();
        }
        self.feed.changed().await.ok()?;
        let q = *self.feed.borrow_and_update();
        self.sent = Some(Instant::now());
        Some(q)
    }
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
        let mut push = Pusher::new(hz);
        let stop = super::stopped(shared.shutdown.clone());
        tokio::pin!(stop);
        loop {
            let q = tokio::select! {
                q = push.next() => match q {
                    Some(q) => q,
                    None => return,
                },
                () = tx.closed() => return,
                () = &mut stop => return,
            };
            let event = format!("id: {}\ndata: {}\n\n", q.seq, q.json());
            if tx.send(Bytes::from(event)).await.is_err() {
                return;
            }
        }
    });
    let mut resp = Response::new(Channel(rx).map_err(|never| match never {}).boxed());
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
    let mut push = Pusher::new(hz);
    let stop = super::stopped(shared.shutdown.clone());
    tokio::pin!(stop);
    let mut heart = super::heartbeat::Heartbeat::new(&shared);
    loop {
        tokio::select! {
            q = push.next() => match q {
                Some(q) => if ws.send(Message::text(q.json())).await.is_err() {
                    return;
                },
                None => return,
            },
            beat = heart.due() => if !heart.act(&mut ws, beat).await {
                return;
            },
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
    fn the_price_changes_every_120_to_300_ms() {
        let mut w = Walk::new(7);
        let gaps: Vec<Duration> = (0..1000).map(|_| w.gap()).collect();
        assert!(gaps.iter().all(|g| (120..=300).contains(&g.as_millis())));
        assert!(
            gaps.iter().any(|g| g.as_millis() < 150) && gaps.iter().any(|g| g.as_millis() > 270)
        );
    }

    /// A pusher at 2 Hz sends a change the moment it happens, and no two within half a second.
    #[test]
    fn a_pusher_sends_fresh_changes_at_most_hz_a_second() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut push = Pusher::new(2);
            let mut prev: Option<(Instant, u64)> = None;
            for _ in 0..3 {
                let q = tokio::time::timeout(Duration::from_secs(2), push.next())
                    .await
                    .unwrap()
                    .unwrap();
                let (now, ms) = (Instant::now(), live::now_ms());
                assert!(
                    ms.saturating_sub(q.ts_ms) <= 20,
                    "{} ms stale",
                    ms - q.ts_ms
                );
                if let Some((at, seq)) = prev {
                    assert!(now - at >= Duration::from_millis(495), "{:?}", now - at);
                    assert!(q.seq > seq + 1, "a change in the pause was skipped");
                }
                prev = Some((now, q.seq));
            }
        });
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

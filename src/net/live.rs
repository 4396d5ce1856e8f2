//! What the live-data routes (ticker, chat, game) share: the WebSocket handshake for any route,
//! query strings, JSON answers, a seeded random source and the close at shutdown.

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use hyper::body::Incoming;
use hyper::header::{
    CACHE_CONTROL, CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS,
    SEC_WEBSOCKET_KEY, UPGRADE,
};
use hyper::upgrade::Upgraded;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use super::Shared;
use super::deflate::Deflate;
use super::deflate_offer::negotiate;
use super::routes::{RespBody, text};

pub type Ws = WebSocketStream<Deflate<TokioIo<Upgraded>>>;

/// The largest message a live route accepts from a client.
const MAX_MESSAGE: usize = 64 * 1024;

/// Answers a WebSocket upgrade with 101 and runs `run` on the upgraded connection, or answers
/// 426 when the request is no upgrade. `run` gets the socket and the shared server state.
/// Live routes take small messages: at most MAX_MESSAGE.
pub fn upgrade<F, Fut>(req: Request<Incoming>, shared: Shared, run: F) -> Response<RespBody>
where
    F: FnOnce(Ws, Shared) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let config = WebSocketConfig::default()
        .read_buffer_size(super::limits::LIVE_READ_BUFFER)
        .max_message_size(Some(MAX_MESSAGE));
    upgrade_with(req, shared, config, run)
}

/// As `upgrade`, with the socket's limits in `config`.
pub fn upgrade_with<F, Fut>(
    mut req: Request<Incoming>,
    shared: Shared,
    config: WebSocketConfig,
    run: F,
) -> Response<RespBody>
where
    F: FnOnce(Ws, Shared) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let origins = shared.control.origins();
    if let Some(refused) = super::upgrade_check::refusal(&req, origins.as_deref()) {
        return refused;
    }
    let h = req.headers();
    let Some(key) = h.get(SEC_WEBSOCKET_KEY).map(|k| k.as_bytes().to_vec()) else {
        return super::upgrade_check::bad(crate::tr!("server.upgrade_no_key"));
    };
    let agreed = match deflate_wanted(&req, &shared) {
        Ok(true) => negotiate(
            h.get_all(SEC_WEBSOCKET_EXTENSIONS)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        ),
        Ok(false) => None,
        Err(resp) => return resp,
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(&key);
    let on_upgrade = hyper::upgrade::on(&mut req);
    let ext = agreed.as_ref().map(|a| a.header.clone());
    // Inflated frames are small pieces: the message limit bounds what a compressed one becomes.
    let max_frame = config.max_frame_size.map_or(u64::MAX, |f| f as u64);
    let conn = shared.conn.clone();
    tokio::spawn(async move {
        let _alive = shared.alive.clone();
        // The client may go away before the switch: the tap reports how.
        if let Ok(upgraded) = on_upgrade.await {
            let io = TokioIo::new(upgraded);
            let io = match &agreed {
                Some(a) => Deflate::new(io, a, max_frame, conn),
                None => Deflate::plain(io),
            };
            let ws = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
            run(ws, shared).await;
        }
    });
    let mut resp = text(StatusCode::SWITCHING_PROTOCOLS, "text/plain", "");
    resp.headers_mut().remove(hyper::header::CONTENT_TYPE);
    let hs = resp.headers_mut();
    hs.insert(UPGRADE, HeaderValue::from_static("websocket"));
    hs.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        hs.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Some(v) = ext.and_then(|e| HeaderValue::from_str(&e).ok()) {
        hs.insert(SEC_WEBSOCKET_EXTENSIONS, v);
    }
    resp
}

/// Whether to accept a permessage-deflate offer: not with `--no-deflate`, nor with
/// `?deflate=off` (so a lesson can put both side by side); a 400 for another value.
fn deflate_wanted<B>(req: &Request<B>, shared: &Shared) -> Result<bool, Response<RespBody>> {
    match query(req, "deflate").as_deref() {
        None | Some("on") => Ok(shared.deflate),
        Some("off") => Ok(false),
        Some(other) => Err(bad_request(crate::tr!(
            "server.deflate_query",
            value = other
        ))),
    }
}

/// Sends a close frame, then waits (briefly) for the client's answer so both are on the wire.
pub async fn close(ws: &mut Ws, code: CloseCode, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.to_owned().into(),
    };
    let _ = ws.close(Some(frame)).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

/// Close 1001 at shutdown.
pub async fn going_away(ws: &mut Ws) {
    close(ws, CloseCode::Away, "server shutting down").await;
}

/// A JSON answer that no cache keeps.
pub fn json(status: StatusCode, body: String) -> Response<RespBody> {
    let mut resp = text(status, "application/json", body);
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A plain-text 400 that says what to change.
pub fn bad_request(what: String) -> Response<RespBody> {
    text(
        StatusCode::BAD_REQUEST,
        "text/plain; charset=utf-8",
        what + "\n",
    )
}

/// The decoded value of `key` in the request's query string, if present.
pub fn query<B>(req: &Request<B>, key: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == key).then(|| percent_decode(v))
    })
}

/// `%XX` and `+` decoding; anything malformed is kept as it is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A small seeded random source (splitmix64): the same seed gives the same walk.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Milliseconds since the Unix epoch, by the server's clock.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str) -> Request<()> {
        Request::builder().uri(uri).body(()).unwrap()
    }

    #[test]
    fn query_values_are_decoded() {
        let r = req("/ws/chat?name=al%20ice&room=a+b&x");
        assert_eq!(query(&r, "name").as_deref(), Some("al ice"));
        assert_eq!(query(&r, "room").as_deref(), Some("a b"));
        assert_eq!(query(&r, "x").as_deref(), Some(""));
        assert_eq!(query(&r, "y"), None);
        assert_eq!(query(&req("/p"), "name"), None);
    }

    #[test]
    fn malformed_escapes_stay() {
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.below(10)).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.below(10)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| x < 10));
    }
}

//! The built-in server's routes: small, predictable answers worth looking at on the wire.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::time::Sleep;

use super::Shared;
use super::{catalog, chat, game, ticker, ws_echo};

pub type RespBody = BoxBody<Bytes, Infallible>;

/// The page served at `/`: it joins `/ws/chat` as `browser` in `lobby` and says hello.
const INDEX_HTML: &str = include_str!("../../assets/index.html");

/// The largest body `/bytes/N` sends and `POST /echo` accepts.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Pieces of `/chunked`, and the pause before each after the first.
const CHUNKS: usize = 5;
const CHUNK_PAUSE: Duration = Duration::from_millis(200);

/// Answers one request.
pub async fn route(
    req: Request<Incoming>,
    shared: Shared,
) -> Result<Response<RespBody>, Infallible> {
    let path = req.uri().path().to_owned();
    let resp = match (req.method(), path.as_str()) {
        (&Method::GET, "/") => text(StatusCode::OK, "text/html; charset=utf-8", INDEX_HTML),
        (&Method::GET, "/echo") => {
            let head = request_head(&req);
            text(StatusCode::OK, "text/plain; charset=utf-8", head)
        }
        (&Method::POST, "/echo") => echo_body(req).await,
        (&Method::GET, "/chunked") => chunked(),
        (&Method::GET, "/ws/echo") => ws_echo::upgrade(req, shared),
        (&Method::GET, "/api/price") => ticker::price(),
        (&Method::GET, "/api/catalog") => catalog::catalog(&req),
        (&Method::GET, "/api/price/wait") => ticker::wait(&req, shared).await,
        (&Method::GET, "/api/price/events") => ticker::events(&req, shared),
        (&Method::GET, "/ws/ticker") => ticker::ws(req, shared),
        (&Method::GET, "/ws/chat") => chat::upgrade(req, shared),
        (&Method::GET, "/ws/game") => game::upgrade(req, shared),
        (&Method::GET, p) if p.starts_with("/bytes/") => bytes(&p["/bytes/".len()..]),
        _ => not_found(),
    };
    Ok(resp)
}

pub fn text(status: StatusCode, ctype: &'static str, body: impl Into<Bytes>) -> Response<RespBody> {
    let mut resp = Response::new(Full::new(body.into()).boxed());
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    resp
}

pub fn not_found() -> Response<RespBody> {
    text(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        "not found: try /, /echo, /bytes/N, /chunked, /api/catalog, /api/price, /api/price/wait, \
         /api/price/events, /ws/echo, /ws/ticker, /ws/chat or /ws/game\n",
    )
}

/// The request's head as the server understood it (hyper lowercases header names).
fn request_head(req: &Request<Incoming>) -> String {
    let mut s = format!("{} {} {:?}\r\n", req.method(), req.uri(), req.version());
    for (name, value) in req.headers() {
        let _ = write!(
            s,
            "{name}: {}\r\n",
            String::from_utf8_lossy(value.as_bytes())
        );
    }
    s.push_str("\r\n");
    s
}

async fn echo_body(req: Request<Incoming>) -> Response<RespBody> {
    let ctype = req.headers().get(CONTENT_TYPE).cloned();
    match Limited::new(req.into_body(), MAX_BYTES as usize)
        .collect()
        .await
    {
        Ok(body) => {
            let mut resp = Response::new(Full::new(body.to_bytes()).boxed());
            let ctype = ctype.unwrap_or(HeaderValue::from_static("application/octet-stream"));
            resp.headers_mut().insert(CONTENT_TYPE, ctype);
            resp
        }
        Err(e) => text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text/plain; charset=utf-8",
            format!("cannot echo this body: {e}\n"),
        ),
    }
}

fn bytes(n: &str) -> Response<RespBody> {
    let Ok(n) = n.parse::<u64>() else {
        return not_found();
    };
    if n > MAX_BYTES {
        return text(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            format!("/bytes/N sends at most {MAX_BYTES} bytes\n"),
        );
    }
    let mut resp = Response::new(Alphabet { left: n, at: 0 }.boxed());
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    resp
}

/// Each piece of `/bytes/N` that hyper asks for.
const PIECE: usize = 16 * 1024;

/// a..z over and over, one piece long and a cycle more, so that any piece is a slice of it.
static ALPHABET: [u8; PIECE + 26] = {
    let mut a = [0u8; PIECE + 26];
    let mut i = 0;
    while i < a.len() {
        a[i] = b'a' + (i % 26) as u8;
        i += 1;
    }
    a
};

/// `/bytes/N`'s body, made as hyper asks for it (when it has room to write), out of `ALPHABET`:
/// a client that never reads costs the server nothing but its socket buffers.
struct Alphabet {
    left: u64,
    /// Where in the cycle the next piece starts.
    at: usize,
}

impl Body for Alphabet {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(PIECE as u64) as usize;
        let piece = Bytes::from_static(&ALPHABET[self.at..self.at + n]);
        self.left -= n as u64;
        self.at = (self.at + n) % 26;
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    /// Exact, so that hyper sends `content-length: N`.
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

fn chunked() -> Response<RespBody> {
    let body = TimedChunks {
        sent: 0,
        pause: None,
    };
    let mut resp = Response::new(body.boxed());
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// A body of unknown length (so hyper sends it chunked) in pieces a little apart.
struct TimedChunks {
    sent: usize,
    pause: Option<Pin<Box<Sleep>>>,
}

impl Body for TimedChunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.sent == CHUNKS {
            return Poll::Ready(None);
        }
        if self.sent > 0 {
            let pause = self
                .pause
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(CHUNK_PAUSE)));
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.pause = None;
        }
        self.sent += 1;
        let piece = format!("piece {} of {CHUNKS}\n", self.sent);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(piece)))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent == CHUNKS
    }
}

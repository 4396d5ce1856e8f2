//! The built-in server's routes: small, predictable answers worth looking at on the wire.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::time::Sleep;

use super::Shared;
use super::{catalog, chat, game, ticker, ws_echo};

/// A body that fails mid-answer makes hyper end the connection: the only honest way left to
/// refuse once the head has gone out.
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;
pub type RespBody = BoxBody<Bytes, BodyError>;

/// The server's own refusal mid-answer: the connection is reset, not just cut (`limits::track`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The page served at `/`: it joins `/ws/chat` as `browser` in `lobby` and says hello, in the
/// language `page` chooses for the request.
#[path = "page.rs"]
mod page;

/// Whether duplex's language was chosen for it (`--lang`, `DUPLEX_LANG`): the page then follows
/// it rather than the browser's `Accept-Language`.
pub fn page_lang_chosen(chosen: bool) {
    page::set_chosen(chosen);
}

fn index(req: &Request<Incoming>) -> Response<RespBody> {
    let accept = req
        .headers()
        .get(hyper::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = page::choose(req.uri().query(), accept);
    text(
        StatusCode::OK,
        "text/html; charset=utf-8",
        page::render(lang),
    )
}

/// The largest body `/bytes/N` sends and `POST /echo` accepts.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Pieces of `/chunked`, and the pause before each after the first.
const CHUNKS: usize = 5;
const CHUNK_PAUSE: Duration = Duration::from_millis(200);

/// Answers one request.
pub async fn route(
    mut req: Request<Incoming>,
    shared: Shared,
) -> Result<Response<RespBody>, Infallible> {
    let path = req.uri().path().to_owned();
    // HEAD is GET without the body (RFC 9110 §9.3.2): hyper sends the head GET's answer would
    // have and drops the body. No upgrade on HEAD: a WebSocket route answers it 426.
    let method = if req.method() == Method::HEAD {
        req.headers_mut().remove(hyper::header::UPGRADE);
        Method::GET
    } else {
        req.method().clone()
    };
    let resp = match (&method, path.as_str()) {
        (&Method::GET, "/") => index(&req),
        (&Method::GET, "/echo") => {
            let head = request_head(&req);
            text(StatusCode::OK, "text/plain; charset=utf-8", head)
        }
        (&Method::POST, "/echo") => echo_body(req, &shared).await,
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
    let mut resp = Response::new(infallible(Full::new(body.into())));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    resp
}

/// A body that cannot fail, as a response body.
pub fn infallible<B>(body: B) -> RespBody
where
    B: Body<Data = Bytes, Error = Infallible> + Send + Sync + 'static,
{
    body.map_err(|never| match never {}).boxed()
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

/// `POST /echo`: the body comes back as it arrives, never held whole. The answer starts with the
/// body's first bytes, so that a client that sent `Expect: 100-continue` gets its 100 first.
async fn echo_body(req: Request<Incoming>, shared: &Shared) -> Response<RespBody> {
    let ctype = req.headers().get(CONTENT_TYPE).cloned();
    // A body that stops arriving fails after --body-timeout: 408 before the answer began,
    // the connection cut after.
    let mut body = super::limits::Timed::new(req.into_body(), shared);
    // The length hyper frames the body by: declared, or none when chunked.
    let length = body.size_hint().exact();
    if length.is_some_and(|n| n > MAX_BYTES) {
        let mut resp = text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text/plain; charset=utf-8",
            format!("POST /echo echoes at most {MAX_BYTES} bytes\n"),
        );
        // The body stays unread: the connection cannot carry another request.
        resp.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    let first = match body.frame().await {
        Some(Ok(frame)) => frame.into_data().ok(),
        Some(Err(e)) if e.is::<super::limits::BodyStalled>() => {
            return match e.downcast() {
                Ok(stalled) => super::limits::body_timeout(&stalled),
                Err(_) => not_found(),
            };
        }
        Some(Err(e)) => {
            return text(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                format!("cannot read this body: {e}\n"),
            );
        }
        None => None,
    };
    let echo = Echo {
        seen: first.as_ref().map_or(0, |b| b.len() as u64),
        first,
        body,
    };
    let mut resp = Response::new(echo.boxed());
    let ctype = ctype.unwrap_or(HeaderValue::from_static("application/octet-stream"));
    resp.headers_mut().insert(CONTENT_TYPE, ctype);
    if let Some(n) = length {
        // Else hyper sends the answer chunked.
        resp.headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from(n));
    }
    resp
}

/// The request body, passed on a frame at a time: hyper reads more of it only as the answer is
/// written, so a client that does not read stops being read too.
struct Echo {
    first: Option<Bytes>,
    body: super::limits::Timed<Incoming>,
    seen: u64,
}

impl Body for Echo {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        loop {
            let data = match ready!(Pin::new(&mut self.body).poll_frame(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                // Trailers are not echoed.
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    Err(_) => continue,
                },
            };
            self.seen += data.len() as u64;
            if self.seen > MAX_BYTES {
                // Only a chunked body gets here: a declared length over it was refused at once.
                let e = Refused(format!("POST /echo echoes at most {MAX_BYTES} bytes"));
                return Poll::Ready(Some(Err(e.into())));
            }
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && self.body.is_end_stream()
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
    let mut resp = Response::new(infallible(Alphabet { left: n, at: 0 }));
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
    let mut resp = Response::new(infallible(body));
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

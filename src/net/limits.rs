//! What the server refuses, and how it says so on the wire: bodies too large (413), heads that
//! never finish (408), one connection too many (503), WebSocket messages too big or broken
//! (close 1009, 1002, 1007).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONNECTION, CONTENT_LENGTH, HeaderValue};
use hyper::{Request, Response, StatusCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};

use super::routes::{BodyError, Refused, RespBody, text};
use crate::capture::tap::{TapHandle, TapStream, WeakTapHandle};
use crate::proto::event::Stall;

/// The largest request head, start line included.
pub const MAX_HEAD: usize = 16 * 1024;

/// The answer to a head that did not finish in time.
pub const REQUEST_TIMEOUT: &[u8] = b"HTTP/1.1 408 Request Timeout\r\n\
    content-type: text/plain; charset=utf-8\r\ncontent-length: 37\r\nconnection: close\r\n\r\n\
    the request head took too long: bye\r\n";

const UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
    content-type: text/plain; charset=utf-8\r\ncontent-length: 43\r\nretry-after: 1\r\n\
    connection: close\r\n\r\ntoo many connections open: try again soon\r\n";

/// How long a refused client gets to send its head.
const REFUSE_WAIT: Duration = Duration::from_secs(1);

/// 413 for a declared body over `max_body`, before the handler runs; None: go on.
pub fn check_body(req: &Request<Incoming>, max_body: u64) -> Option<Response<RespBody>> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())?;
    if declared <= max_body {
        return None;
    }
    let mut resp = text(
        StatusCode::PAYLOAD_TOO_LARGE,
        "text/plain; charset=utf-8",
        format!("this server takes bodies of at most {max_body} bytes, not {declared}\n"),
    );
    // The body stays unread: the connection cannot carry another request.
    resp.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    Some(resp)
}

/// Tells the handle when the response is done: when hyper drops its body. A body that refuses
/// to go on resets the connection: hyper drops it with the client's input unread.
pub fn track(resp: Response<RespBody>, handle: TapHandle) -> Response<RespBody> {
    resp.map(|body| Tracked { body, handle }.boxed())
}

struct Tracked {
    body: RespBody,
    handle: TapHandle,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.handle.request_done();
    }
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let r = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(Some(Err(e))) = &r
            && e.is::<Refused>()
        {
            self.handle.kill(true);
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// One connection too many: read its head (briefly), answer 503, close.
pub async fn refuse(mut tap: TapStream<TcpStream>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(REFUSE_WAIT, async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            match tap.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    // The tap's shutdown lingers: it reads until the client closes too, so that unread bytes
    // do not turn the close into a reset.
    if tap.write_all(UNAVAILABLE).await.is_ok() {
        let _ = tap.shutdown().await;
    }
}

/// A request body held to `--body-timeout`: when no piece comes for that long, it fails (and
/// the connection is marked as ended by that limit), so a stalled upload lets go.
pub struct Timed<B> {
    body: B,
    limit: Duration,
    conn: Option<WeakTapHandle>,
    stall: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<B> Timed<B> {
    pub fn new(body: B, shared: &super::Shared) -> Self {
        Timed {
            body,
            limit: shared.limits.body,
            conn: shared.conn.clone(),
            stall: None,
        }
    }
}

/// The error of a body that stopped arriving.
#[derive(Debug, thiserror::Error)]
#[error("the request body sent nothing for {0:?}")]
pub struct BodyStalled(pub Duration);

impl<B> Body for Timed<B>
where
    B: Body + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = B::Data;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(r) => {
                this.stall = None;
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let limit = this.limit;
                let stall = this
                    .stall
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                if stall.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                if let Some(h) = this.conn.as_ref().and_then(WeakTapHandle::upgrade) {
                    h.mark_timeout(Stall::Body);
                }
                Poll::Ready(Some(Err(Box::new(BodyStalled(limit)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The answer to a body that stopped arriving before the response began.
pub fn body_timeout(e: &BodyStalled) -> Response<RespBody> {
    let mut resp = text(
        StatusCode::REQUEST_TIMEOUT,
        "text/plain; charset=utf-8",
        format!("{e}: bye\n"),
    );
    resp.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// What all WebSocket echo messages in progress may hold together, beyond each connection's
/// first `BUDGET_FREE` bytes: with copies, about twice this in memory at most.
pub const WS_BUDGET: usize = 48 * 1024 * 1024;

/// The largest WebSocket message (and frame) the server takes; beyond it, close 1009.
pub const MAX_WS_MESSAGE: usize = 16 * 1024 * 1024;

/// tungstenite's read buffer: 0.30 zero-fills the whole buffer before every read poll
/// (tungstenite-rs#547), so the default 128 KiB costs a memset per read; 8 KiB keeps reads cheap.
pub const WS_READ_BUFFER: usize = 8 * 1024;
/// The live routes' (chat, ticker, game) read buffer: their messages are small, and a chat of
/// 1,000 members wakes 1,000 sockets per message, each poll zero-filling this much of memory
/// no cache holds (8 KiB each: 5% of a chat's delivery time; 2 KiB: under 1%).
pub const LIVE_READ_BUFFER: usize = 2 * 1024;

/// The configuration every WebSocket route should use.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(WS_READ_BUFFER)
        .max_message_size(Some(MAX_WS_MESSAGE))
        .max_frame_size(Some(MAX_WS_MESSAGE))
}

/// The close code that answers a read error, if the peer is owed one (RFC 6455 §7.4.1).
/// The reason names the rule the client broke ("Reserved bits are non-zero"), not just "protocol
/// error": a learner sending frames by hand reads it in the close frame.
pub fn close_code_for(e: &WsError) -> Option<(CloseCode, String)> {
    match e {
        WsError::Capacity(_) => Some((CloseCode::Size, "message too big".into())),
        WsError::Utf8(_) => Some((CloseCode::Invalid, "text is not UTF-8".into())),
        WsError::Protocol(p) => Some((CloseCode::Protocol, close_reason(&p.to_string()))),
        // The compression adapter fails a read with its own error inside.
        WsError::Io(io) => io
            .get_ref()
            .and_then(|e| e.downcast_ref::<super::deflate::Failure>())
            .map(|f| {
                let (code, why) = f.close();
                (code, why.to_string())
            }),
        _ => None,
    }
}

/// `why` as a close reason: at most 123 bytes (RFC 6455 §5.5.1), cut at a character boundary.
fn close_reason(why: &str) -> String {
    let mut end = why.len().min(123);
    while !why.is_char_boundary(end) {
        end -= 1;
    }
    why[..end].to_string()
}

/// After a read error: send the close frame tungstenite leaves to us, then read what the
/// client still sends (its close, or the rest of a huge message) for a moment, and let go.
pub async fn close_after_error<S>(ws: &mut WebSocketStream<S>, e: &WsError)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some((code, reason)) = close_code_for(e) else {
        return;
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if ws.close(Some(frame)).await.is_err() {
        return;
    }
    let raw = ws.get_mut();
    // A failed connection is closed by the server at once (RFC 6455 §7.1.7): FIN now, then
    // drain what the client still sends, so that unread bytes do not turn the close into a reset.
    // A tapped socket's shutdown drains already (it lingers); its reads then say EOF at once.
    if raw.shutdown().await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(1..) = raw.read(&mut buf).await {}
    })
    .await;
}

#[cfg(test)]
mod buffer_tests {
    #[test]
    fn a_protocol_close_names_the_rule_in_at_most_123_bytes() {
        use tokio_tungstenite::tungstenite::error::ProtocolError;
        let e = super::WsError::Protocol(ProtocolError::NonZeroReservedBits);
        let (code, why) = super::close_code_for(&e).unwrap();
        assert_eq!(u16::from(code), 1002);
        assert_eq!(why, "Reserved bits are non-zero");
        assert_eq!(super::close_reason(&"é".repeat(100)).len(), 122);
    }

    #[test]
    fn websocket_reads_go_through_a_small_buffer() {
        // The 128 KiB default is zero-filled on every read poll (tungstenite-rs#547).
        assert_eq!(super::ws_config().read_buffer_size, super::WS_READ_BUFFER);
    }
}

//! The event vocabulary: what every view, the transcript and `--json` are made of.

use super::http1::{Framing, Head};
pub use super::sse::SseEvent;
pub use super::tls::ClientHello;
use super::ws::{Frame, Message};
use super::{ConnId, Dir, Timestamp};

/// One thing that happened on the wire, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub conn: ConnId,
    pub ts: Timestamp,
    pub dir: Option<Dir>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    TcpOpen(TcpOpen),
    TcpClose(TcpClose),
    /// A FIN after which traffic still crossed (a half-close); `Event::dir` is its sender.
    /// A FIN the connection's end follows at once is told by `TcpClose` instead.
    TcpFin,
    HttpRequest(Box<HttpMessage>),
    HttpResponse(Box<HttpMessage>),
    /// The body of the message `Event::dir` reported at its head (`body_follows`) ended:
    /// complete, or cut short by the end of the stream.
    HttpBody(Box<HttpBody>),
    WsFrame(Box<Frame>),
    WsMessage(Box<Message>),
    /// One Server-Sent Event from a `text/event-stream` response body.
    SseEvent(Box<SseEvent>),
    Error(DecodeError),
    /// Live only: bytes of `Event::dir` the tap let go, its queue to the decoder being full.
    /// The connection's decoding stops at the first (a decoder cannot resync mid-stream); its
    /// bytes are still counted, and its close is preceded by one more that says how many.
    Skipped(Skipped),
    /// A client opened with HTTP/2's connection preface on this HTTP/1.1 connection.
    H2Preface,
    /// A TLS handshake message; on this plain port, a client that wanted `https://`.
    TlsHandshake(Box<TlsHandshake>),
    /// The TCP connection of a WebSocket ended while `Event::dir` had sent no close frame: the
    /// endpoint on the other end sees close code 1006 (RFC 6455 §7.1.5), never on the wire.
    WsAbnormalClose(WsAbnormalClose),
}

/// The close code RFC 6455 §7.1.5 gives a WebSocket closed without a close frame. It is
/// reserved: no frame carries it.
pub const ABNORMAL_CLOSE_CODE: u16 = 1006;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WsAbnormalClose {
    /// How the TCP connection ended.
    pub how: CloseHow,
    /// The side that ended it first, where known.
    pub by: Option<Dir>,
}

/// A message body, reported when it ends; its head was reported before it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpBody {
    /// Decoded (de-chunked) body bytes.
    pub bytes: u64,
    /// Bytes on the wire after the head (chunk sizes and trailers included).
    pub wire_bytes: u64,
    pub framing: Framing,
    /// False when the stream ended before the body did (a close mid-body, a refused upload).
    pub complete: bool,
    pub trailers: Vec<(String, String)>,
    pub preview: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TcpOpen {
    /// `ip:port` of each end (IPv6 in brackets).
    pub client: String,
    pub server: String,
    /// True only when the SYN was seen in a capture.
    pub handshake: bool,
    /// Accepted by the built-in server: the kernel did the handshake, which a socket never sees.
    pub live: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseHow {
    Fin,
    Rst,
    /// The capture or stream ended with no FIN seen.
    Eof,
    /// The server closed an idle keep-alive connection.
    Timeout,
}

impl CloseHow {
    pub fn as_str(self) -> &'static str {
        match self {
            CloseHow::Fin => "fin",
            CloseHow::Rst => "rst",
            CloseHow::Eof => "eof",
            CloseHow::Timeout => "timeout",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TcpClose {
    pub how: CloseHow,
    /// The side that sent the first FIN or the RST, where known.
    pub by: Option<Dir>,
    /// The built-in server's limit that ended it, when one did.
    pub why: Option<Stall>,
}

/// Which of the built-in server's time limits ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// A kept-alive connection sent no new request for the keep-alive time.
    Idle,
    /// A new connection sent nothing at all.
    FirstByte,
    /// A request head did not finish (answered 408).
    Head,
    /// A request body stopped arriving.
    Body,
    /// The client stopped reading what the server wrote.
    Write,
    /// A WebSocket client answered no ping.
    WsIdle,
}

impl Stall {
    pub const ALL: [Stall; 6] = [
        Stall::Idle,
        Stall::FirstByte,
        Stall::Head,
        Stall::Body,
        Stall::Write,
        Stall::WsIdle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stall::Idle => "idle",
            Stall::FirstByte => "first_byte",
            Stall::Head => "head",
            Stall::Body => "body",
            Stall::Write => "write",
            Stall::WsIdle => "ws_idle",
        }
    }
}

/// Bytes of one direction not decoded since the connection's previous `Skipped` that way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Never seen: the tap let them go.
    pub skipped: u64,
    /// Seen but only counted: they came after the decoding stopped.
    pub undecoded: u64,
}

/// An HTTP request or response, complete with its body (unless `streaming` or `body_follows`).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpMessage {
    pub head: Head,
    /// Reported at its head because its body streams (an event stream): `body_bytes` is 0 and
    /// the body follows as `SseEvent`s.
    pub streaming: bool,
    pub body_bytes: u64,
    pub framing: Framing,
    pub trailers: Vec<(String, String)>,
    pub body_preview: Vec<u8>,
    /// Reported at its head, before its body: an `HttpBody` event follows when the body ends,
    /// and `body_bytes`, `trailers` and `body_preview` are empty here.
    pub body_follows: bool,
    /// On a 101 answering a WebSocket upgrade: the accept value the key demands.
    pub ws_accept: Option<AcceptCheck>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AcceptCheck {
    pub key: String,
    pub expected: String,
    pub got: Option<String>,
}

impl AcceptCheck {
    pub fn ok(&self) -> bool {
        self.got.as_deref() == Some(self.expected.as_str())
    }
}

/// One TLS handshake message. Only the ClientHello is read for now: `msg` names which, so
/// that later messages (server_hello, ...) can share the kind.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsHandshake {
    /// `"client_hello"`.
    pub msg: &'static str,
    pub hello: ClientHello,
    /// The bytes of the records that carried it.
    pub bytes: u64,
}

/// Which decoder found the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Tcp,
    Http,
    WebSocket,
    Tls,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Tcp => "tcp",
            Layer::Http => "http",
            Layer::WebSocket => "websocket",
            Layer::Tls => "tls",
        }
    }
}

/// A decode problem is timeline data, not a crash.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    pub layer: Layer,
    /// Offset into the direction's byte stream, where one applies.
    pub offset: Option<u64>,
    pub what: String,
}

impl EventKind {
    /// The `kind` name of the JSON schema.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::TcpOpen(_) => "tcp_open",
            EventKind::TcpClose(_) => "tcp_close",
            EventKind::TcpFin => "tcp_fin",
            EventKind::HttpRequest(_) => "http_request",
            EventKind::HttpResponse(_) => "http_response",
            EventKind::HttpBody(_) => "http_body",
            EventKind::WsFrame(_) => "ws_frame",
            EventKind::WsMessage(_) => "ws_message",
            EventKind::SseEvent(_) => "sse_event",
            EventKind::Error(_) => "error",
            EventKind::Skipped(_) => "skipped",
            EventKind::H2Preface => "h2_preface",
            EventKind::TlsHandshake(_) => "tls_handshake",
            EventKind::WsAbnormalClose(_) => "ws_abnormal_close",
        }
    }
}

/// Name of a WebSocket opcode, as Wireshark calls it.
pub fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        0 => "continuation",
        1 => "text",
        2 => "binary",
        8 => "close",
        9 => "ping",
        10 => "pong",
        3..=7 => "reserved data",
        _ => "reserved control",
    }
}

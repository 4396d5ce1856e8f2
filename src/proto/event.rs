//! The event vocabulary: what every view, the transcript and `--json` are made of.

use super::http1::{Framing, Head};
pub use super::sse::SseEvent;
pub use super::tls::{ClientHello, ServerHello};
use super::ws::{Frame, Message, WholeFrames};
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
    /// Counting mode (`--summary`) only: whole single-frame messages counted, not reported one
    /// by one; never in `--json`, a transcript or a view.
    WsCounted(WholeFrames),
    /// One Server-Sent Event from a `text/event-stream` response body.
    SseEvent(Box<SseEvent>),
    Error(DecodeError),
    /// Live only: bytes of `Event::dir` the tap let go, its queue to the decoder being full.
    /// The connection's decoding stops at the first (a decoder cannot resync mid-stream); its
    /// bytes are still counted, and its close is preceded by one more that says how many.
    Skipped(Skipped),
    /// A client opened with HTTP/2's connection preface on this HTTP/1.1 connection.
    H2Preface,
    /// A TLS handshake message: on the plain port, a client that wanted `https://`; on a TLS
    /// connection, each message in the clear and each one decrypted.
    TlsHandshake(Box<TlsHandshake>),
    /// One TLS record as it crossed the wire, and what decryption made of it.
    TlsRecord(Box<TlsRecord>),
    /// Once per TLS connection, after the ServerHello: what was negotiated and whether its
    /// keys are known.
    TlsKeys(Box<TlsKeys>),
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

/// One TLS handshake message (RFC 8446 §4, RFC 5246 §7.4).
#[derive(Debug, Clone, PartialEq)]
pub struct TlsHandshake {
    /// `client_hello`, `server_hello`, `hello_retry_request`, `encrypted_extensions`,
    /// `certificate`, `certificate_request`, `certificate_verify`, `server_key_exchange`,
    /// `server_hello_done`, `client_key_exchange`, `finished`, `new_session_ticket`,
    /// `key_update`, ... or `unknown_N` (see `tls::handshake_name`).
    pub msg: &'static str,
    /// Filled for `client_hello` only.
    pub hello: ClientHello,
    /// Filled for `server_hello` (and `hello_retry_request`) only.
    pub server: Option<ServerHello>,
    /// Seen only because it was decrypted (TLS 1.3 hides all after the ServerHello).
    pub encrypted: bool,
    /// The message with its 4-byte header; for a ClientHello, the bytes of the records that
    /// carried it (headers included).
    pub bytes: u64,
}

/// TLS record content types (RFC 8446 §5.1).
pub mod content {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
    pub const HEARTBEAT: u8 = 24;
}

/// One TLS record: its 5-byte header, and what decryption made of its fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsRecord {
    /// The outer type on the wire (see `content`): TLS 1.3 shows 23 for all it protects.
    pub content_type: u8,
    /// legacy_record_version as on the wire (0x0303 in TLS 1.2 and 1.3 alike).
    pub version: u16,
    /// The fragment's length, the 5-byte header not counted.
    pub length: u16,
    /// The offset of the header's first byte in this direction's TCP stream.
    pub offset: u64,
    /// The fragment is protected: after ChangeCipherSpec in 1.2, after the ServerHello in 1.3.
    pub encrypted: bool,
    /// Decrypted: the real content type (TLS 1.3 hides it behind 23).
    pub inner: Option<u8>,
    /// Decrypted: the plaintext's bytes (the fragment less explicit nonce, tag, padding and
    /// TLS 1.3's inner type byte).
    pub plaintext: Option<u32>,
}

/// What a TLS connection negotiated, and whether it can be read.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsKeys {
    /// Negotiated version (0x0303, 0x0304).
    pub version: u16,
    pub suite: u16,
    /// The keys for this connection's client_random are known: its records are decrypted.
    pub decrypting: bool,
    pub client_random: [u8; 32],
    /// When not decrypting: the key log lines it would take, or why it cannot.
    pub need: Option<String>,
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
            EventKind::WsCounted(_) => "ws_counted",
            EventKind::SseEvent(_) => "sse_event",
            EventKind::Error(_) => "error",
            EventKind::Skipped(_) => "skipped",
            EventKind::H2Preface => "h2_preface",
            EventKind::TlsHandshake(_) => "tls_handshake",
            EventKind::TlsRecord(_) => "tls_record",
            EventKind::TlsKeys(_) => "tls_keys",
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

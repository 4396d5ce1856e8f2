//! One timeline entry in 40 bytes: what the ladder draws, stored for every event.

use crate::proto::{ConnId, Dir, Timestamp};

/// What an entry is. `u8`-sized so a [`Row`] stays small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RowKind {
    TcpOpen,
    TcpClose,
    HttpRequest,
    HttpResponse,
    WsFrame,
    /// Only kept when it tells more than its one frame: several frames or inflated.
    WsMessage,
    SseEvent,
    Error,
    /// A half-close: one side's FIN with traffic after it. `dir` is the FIN's sender.
    TcpFin,
    /// A WebSocket side whose TCP ended without its close frame (1006). `dir` is that side.
    WsAbnormalClose,
    /// A TLS record as it crossed: outer type in `opcode`, version in `code`, length in
    /// `payload_len`; the 5-byte header in the byte store.
    TlsRecord,
    /// A TLS handshake message (the side store holds what it says).
    TlsHandshake,
    /// Whether duplex holds the keys of a TLS connection, after its ServerHello.
    TlsKeys,
}

impl RowKind {
    pub const COUNT: usize = 13;
    pub const ALL: [RowKind; RowKind::COUNT] = [
        RowKind::TcpOpen,
        RowKind::TcpClose,
        RowKind::HttpRequest,
        RowKind::HttpResponse,
        RowKind::WsFrame,
        RowKind::WsMessage,
        RowKind::SseEvent,
        RowKind::Error,
        RowKind::TcpFin,
        RowKind::WsAbnormalClose,
        RowKind::TlsRecord,
        RowKind::TlsHandshake,
        RowKind::TlsKeys,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The `kind` name of the JSON schema.
    pub fn name(self) -> &'static str {
        match self {
            RowKind::TcpOpen => "tcp_open",
            RowKind::TcpClose => "tcp_close",
            RowKind::HttpRequest => "http_request",
            RowKind::HttpResponse => "http_response",
            RowKind::WsFrame => "ws_frame",
            RowKind::WsMessage => "ws_message",
            RowKind::SseEvent => "sse_event",
            RowKind::Error => "error",
            RowKind::TcpFin => "tcp_fin",
            RowKind::WsAbnormalClose => "ws_abnormal_close",
            RowKind::TlsRecord => "tls_record",
            RowKind::TlsHandshake => "tls_handshake",
            RowKind::TlsKeys => "tls_keys",
        }
    }
}

/// A set of [`RowKind`]s, for filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kinds(u16);

impl Kinds {
    pub const ALL: Kinds = Kinds((1 << RowKind::COUNT) - 1);
    pub const NONE: Kinds = Kinds(0);

    pub fn of(kinds: &[RowKind]) -> Kinds {
        Kinds(kinds.iter().fold(0, |acc, k| acc | 1 << k.index()))
    }

    pub fn with(self, kind: RowKind) -> Kinds {
        Kinds(self.0 | 1 << kind.index())
    }

    pub fn contains(self, kind: RowKind) -> bool {
        self.0 & 1 << kind.index() != 0
    }
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds::ALL
    }
}

/// Bits of [`Row::flags`]; their meaning depends on the kind.
pub mod flags {
    /// Frames: FIN set.
    pub const FIN: u8 = 0x01;
    /// Frames: MASK set (the stored bytes start with the 4-byte key).
    pub const MASKED: u8 = 0x02;
    /// Frames: RSV1..3, shifted left by 2.
    pub const RSV_SHIFT: u8 = 2;
    pub const RSV: u8 = 0x1c;
    /// Frames: part of an uncompressed text message. Messages: text.
    pub const TEXT: u8 = 0x20;
    /// Messages: inflated (permessage-deflate).
    pub const COMPRESSED: u8 = 0x40;
    /// Any kind: the stored bytes are a cut prefix of what crossed the wire.
    pub const CUT: u8 = 0x80;
    /// Requests: asks to upgrade to WebSocket.
    pub const UPGRADE: u8 = 0x01;
    /// 101 responses: `Sec-WebSocket-Accept` checked and correct.
    pub const ACCEPT_OK: u8 = 0x02;
    /// 101 responses: `Sec-WebSocket-Accept` checked and wrong or missing.
    pub const ACCEPT_BAD: u8 = 0x04;
    /// HTTP: the body streams as events after the head.
    pub const STREAMING: u8 = 0x08;
    /// HTTP: the message asks to close the connection after it.
    pub const CLOSE: u8 = 0x10;
    /// HTTP: reported at its head, its body still arriving (`payload_len` grows at its end).
    pub const BODY_PENDING: u8 = 0x20;
    /// HTTP: the body ended before it was complete.
    pub const BODY_CUT: u8 = 0x40;
    /// TLS records and handshake messages: protected on the wire (a handshake message: seen
    /// only because it was decrypted). Keys: duplex can decrypt the connection.
    pub const ENCRYPTED: u8 = 0x01;
    /// TLS records: the decrypted inner content type, as `inner - 19` (0: not decrypted; 6: a
    /// type past 24), shifted left by 1.
    pub const INNER_SHIFT: u8 = 1;
    pub const INNER: u8 = 0x0e;
}

/// One timeline entry, 40 bytes. Fields whose meaning depends on the kind say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub ts: Timestamp,
    /// Frames: payload length. HTTP: body bytes. Messages: length after inflation.
    /// SSE: wire bytes of the event. Errors: stream offset, or `u64::MAX` when none.
    /// TLS records: the fragment's length. Handshake messages: the bytes of their records.
    pub payload_len: u64,
    pub conn: ConnId,
    /// Frames: header bytes (2-14). HTTP: head bytes including the blank line.
    pub head_len: u32,
    /// Where this entry's bytes start in the session's byte store.
    pub(crate) bytes_at: u32,
    /// How many bytes are stored (see [`crate::session::Session::bytes`]).
    pub(crate) bytes_kept: u16,
    /// Responses: status. Frames and messages: close code (0 when none).
    /// `TcpClose`: how (see [`crate::session::close_how`]). Errors: layer.
    /// TLS records: the record's version; keys: the negotiated version.
    pub code: u16,
    /// Index into the kind's side store, or `u32::MAX`. TLS records: plaintext bytes when
    /// decrypted, else `u32::MAX`.
    pub(crate) extra: u32,
    pub kind: RowKind,
    pub dir: Option<Dir>,
    /// Frames and messages: the opcode. TLS records: the outer content type.
    pub opcode: u8,
    /// See [`flags`].
    pub flags: u8,
}

impl Row {
    /// An error row with nothing kept, to be filled in by what the event says.
    pub fn blank(ts: Timestamp, conn: ConnId, dir: Option<Dir>) -> Row {
        Row {
            ts,
            payload_len: 0,
            conn,
            head_len: 0,
            bytes_at: 0,
            bytes_kept: 0,
            code: 0,
            extra: u32::MAX,
            kind: RowKind::Error,
            dir,
            opcode: 0,
            flags: 0,
        }
    }

    pub fn fin(&self) -> bool {
        self.flags & flags::FIN != 0
    }

    pub fn masked(&self) -> bool {
        self.kind == RowKind::WsFrame && self.flags & flags::MASKED != 0
    }

    pub fn rsv(&self) -> u8 {
        (self.flags & flags::RSV) >> flags::RSV_SHIFT
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Bytes on the wire this entry stands for (head + payload), 0 for TCP facts and
    /// entries that repeat bytes already counted (messages, SSE events, errors).
    pub fn wire_bytes(&self) -> u64 {
        match self.kind {
            RowKind::HttpRequest
            | RowKind::HttpResponse
            | RowKind::WsFrame
            | RowKind::TlsRecord => u64::from(self.head_len).saturating_add(self.payload_len),
            _ => 0,
        }
    }

    /// TLS records: the decrypted inner content type, when known.
    pub fn tls_inner(&self) -> Option<u8> {
        match (self.flags & flags::INNER) >> flags::INNER_SHIFT {
            0 => None,
            n @ 1..=5 => Some(n + 19),
            _ => Some(u8::MAX),
        }
    }

    /// TLS records: plaintext bytes, when decrypted.
    pub fn tls_plaintext(&self) -> Option<u32> {
        (self.kind == RowKind::TlsRecord && self.extra != u32::MAX).then_some(self.extra)
    }
}

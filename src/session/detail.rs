//! What the inspector needs about one entry: borrowed from the session's stores, built on
//! demand so only the selected entry pays for it.

use super::conn::ConnInfo;
use super::row::{Row, RowKind, flags};
use super::{Session, error_layer};
use crate::proto::event::{AcceptCheck, HttpMessage, Layer};
use crate::proto::http1::{Framing, Head};

/// Kept per HTTP message beside its row (the raw head is in the byte store).
#[derive(Clone, Debug)]
pub(crate) struct HttpSide {
    head: Head,
    framing: Framing,
    body_preview: Vec<u8>,
    accept: Option<AcceptCheck>,
}

impl HttpSide {
    /// Moves what the inspector shows out of `m` (copies kept to their size: they live on).
    pub(crate) fn from_owned(m: HttpMessage) -> Self {
        let mut h = m.head;
        h.headers.shrink_to_fit();
        h.header_ranges.shrink_to_fit();
        let head = Head {
            method: h.method,
            target: h.target,
            status: h.status,
            reason: h.reason,
            version: h.version,
            headers: h.headers,
            header_ranges: h.header_ranges,
            range: h.range,
            raw: Vec::new(),
        };
        let cut = m.body_preview.len().min(super::KEEP_FULL);
        HttpSide {
            head,
            framing: m.framing,
            body_preview: m.body_preview.get(..cut).unwrap_or_default().to_vec(),
            accept: m.ws_accept,
        }
    }

    /// The body of a message reported at its head ended (its preview already cut).
    pub(crate) fn body_ended(&mut self, framing: Framing, preview: Vec<u8>) {
        self.framing = framing;
        self.body_preview = preview;
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct MessageSide {
    pub wire_len: u64,
    pub frames: u32,
}

#[derive(Clone, Copy, Debug)]
pub enum Detail<'a> {
    Tcp {
        row: Row,
        conn: Option<&'a ConnInfo>,
    },
    Http(HttpDetail<'a>),
    Frame(FrameDetail<'a>),
    Message(MessageDetail<'a>),
    Sse {
        row: Row,
        data: &'a [u8],
    },
    Error {
        row: Row,
        layer: Layer,
        offset: Option<u64>,
        what: &'a [u8],
    },
    /// A TLS record: its fields are in the row (see [`RowKind::TlsRecord`]); `header` the 5
    /// bytes as on the wire.
    TlsRecord {
        row: Row,
        header: &'a [u8],
    },
    TlsHandshake {
        row: Row,
        msg: &'static str,
        hello: &'a crate::proto::event::ClientHello,
        server: Option<&'a crate::proto::event::ServerHello>,
    },
    TlsKeys {
        row: Row,
        keys: Option<&'a crate::proto::event::TlsKeys>,
    },
}

impl Detail<'_> {
    pub fn row(&self) -> Row {
        match self {
            Detail::Tcp { row, .. }
            | Detail::Sse { row, .. }
            | Detail::Error { row, .. }
            | Detail::TlsRecord { row, .. }
            | Detail::TlsHandshake { row, .. }
            | Detail::TlsKeys { row, .. } => *row,
            Detail::Http(h) => h.row,
            Detail::Frame(f) => f.row,
            Detail::Message(m) => m.row,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct HttpDetail<'a> {
    pub row: Row,
    /// Parsed head (its `raw` is empty: see `raw` here).
    pub head: &'a Head,
    /// The head as on the wire, possibly cut (see `raw_cut`).
    pub raw: &'a [u8],
    pub raw_cut: bool,
    pub framing: Framing,
    pub body_preview: &'a [u8],
    pub accept: Option<&'a AcceptCheck>,
}

#[derive(Clone, Copy, Debug)]
pub struct FrameDetail<'a> {
    pub row: Row,
    /// The header re-encoded exactly from its fields (length form and key as sent).
    pub header: [u8; 14],
    pub header_len: u8,
    /// The 7-bit length field: the length, or 126 / 127 announcing 2 / 8 extended bytes.
    pub len7: u8,
    pub ext_len: u8,
    pub mask_key: Option<[u8; 4]>,
    /// Unmasked payload prefix.
    pub payload: &'a [u8],
    /// Fewer payload bytes are kept than the frame carried.
    pub payload_cut: bool,
}

impl FrameDetail<'_> {
    /// Payload byte `i` as it crossed the wire (masked with the key when there is one).
    pub fn wire_byte(&self, i: usize) -> Option<u8> {
        let b = *self.payload.get(i)?;
        Some(match self.mask_key {
            Some(key) => b ^ key[i % 4],
            None => b,
        })
    }

    pub fn header_bytes(&self) -> &[u8] {
        &self.header[..usize::from(self.header_len.min(14))]
    }
}

#[derive(Clone, Copy, Debug)]
pub struct MessageDetail<'a> {
    pub row: Row,
    pub wire_len: u64,
    pub frames: u32,
    pub preview: &'a [u8],
}

impl Session {
    /// The inspector's view of entry `i`, `None` past the end.
    pub fn detail(&self, i: usize) -> Option<Detail<'_>> {
        let row = *self.rows.get(i)?;
        Some(match row.kind {
            RowKind::TcpOpen | RowKind::TcpClose | RowKind::TcpFin | RowKind::WsAbnormalClose => {
                Detail::Tcp {
                    row,
                    conn: self.conn(row.conn),
                }
            }
            RowKind::HttpRequest | RowKind::HttpResponse => {
                let side = self.http.get(row.extra as usize)?;
                Detail::Http(HttpDetail {
                    row,
                    head: &side.head,
                    raw: self.bytes(&row),
                    raw_cut: row.has(flags::CUT),
                    framing: side.framing,
                    body_preview: &side.body_preview,
                    accept: side.accept.as_ref(),
                })
            }
            RowKind::WsFrame => Detail::Frame(self.frame_detail(row)),
            RowKind::WsMessage => {
                let side = self.messages.get(row.extra as usize).copied();
                Detail::Message(MessageDetail {
                    row,
                    wire_len: side.map_or(0, |s| s.wire_len),
                    frames: side.map_or(0, |s| s.frames),
                    preview: self.bytes(&row),
                })
            }
            RowKind::SseEvent => Detail::Sse {
                row,
                data: self.bytes(&row),
            },
            RowKind::Error => Detail::Error {
                row,
                layer: error_layer(row.code),
                offset: (row.payload_len != u64::MAX).then_some(row.payload_len),
                what: self.bytes(&row),
            },
            RowKind::TlsRecord => Detail::TlsRecord {
                row,
                header: self.bytes(&row),
            },
            RowKind::TlsHandshake => {
                let (hello, server) = self.handshake_hellos(&row)?;
                Detail::TlsHandshake {
                    row,
                    msg: self.handshake_msg(&row)?,
                    hello,
                    server,
                }
            }
            RowKind::TlsKeys => Detail::TlsKeys {
                row,
                keys: self.keys_of(&row),
            },
        })
    }

    fn frame_detail(&self, row: Row) -> FrameDetail<'_> {
        let mask_key = self.mask_key(&row);
        let key_len = if mask_key.is_some() { 4 } else { 0 };
        let ext_len = match row.head_len.saturating_sub(2 + key_len) {
            2 => 2,
            8 => 8,
            // An odd header length cannot come from the decoder; fall back to the minimal form.
            _ if row.head_len == 2 + key_len => 0,
            _ if row.payload_len > 0xffff => 8,
            _ if row.payload_len > 125 => 2,
            _ => 0,
        };
        let len7 = match ext_len {
            2 => 126,
            8 => 127,
            _ => (row.payload_len & 0x7f) as u8,
        };
        let mut header = [0u8; 14];
        header[0] = u8::from(row.fin()) << 7 | row.rsv() << 4 | (row.opcode & 0x0f);
        header[1] = u8::from(mask_key.is_some()) << 7 | len7;
        let be = row.payload_len.to_be_bytes();
        let ext = usize::from(ext_len);
        header[2..2 + ext].copy_from_slice(&be[8 - ext..]);
        if let Some(key) = mask_key {
            header[2 + ext..6 + ext].copy_from_slice(&key);
        }
        FrameDetail {
            row,
            header,
            header_len: 2 + ext_len + key_len as u8,
            len7,
            ext_len,
            mask_key,
            payload: self.bytes(&row),
            payload_cut: row.has(flags::CUT),
        }
    }
}

impl Session {
    /// Frames a message row was reassembled from (0 for other rows).
    pub fn detail_frames(&self, row: &Row) -> u32 {
        match row.kind {
            RowKind::WsMessage => self
                .messages
                .get(row.extra as usize)
                .map_or(0, |m| m.frames),
            _ => 0,
        }
    }
}

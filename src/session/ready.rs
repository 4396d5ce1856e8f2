//! Events made ready for a session: each one's row built, its bytes cut and copied into one
//! arena per batch, what the session keeps beside the row moved out of it. A capture's loader
//! thread makes them, so the UI thread only appends, and every event is freed on the thread
//! that allocated it. `Session::push` goes the same way, one event at a time.

use super::detail::HttpSide;
use super::row::{Row, RowKind, flags};
use super::tls::HandshakeSide;
use super::{KEEP_FULL, KEEP_HEAD, KEEP_SHORT, close_code};
use crate::proto::event::{Event, EventKind, Layer, TlsKeys};
use crate::proto::http1::Framing;

/// What the session does with an entry beyond appending its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tag {
    /// The row alone.
    Row,
    Open,
    Close,
    Http,
    /// The end of a body: no row.
    Body,
    Frame,
    /// A row only when it tells more than its one frame.
    Message,
    Sse,
    TlsRecord,
    Handshake,
    Keys,
}

/// What an entry keeps beside its row, taken in order from [`Batch::sides`].
#[derive(Clone, Debug)]
pub(super) enum Side {
    Open {
        client: String,
        server: String,
        seen: bool,
        live: bool,
    },
    Http(HttpSide),
    Body {
        bytes: u64,
        complete: bool,
        framing: Framing,
        preview: Vec<u8>,
    },
    Handshake(HandshakeSide),
    Keys(TlsKeys),
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    /// Its bytes are `bytes_kept` bytes at `bytes_at` in the batch's arena.
    pub row: Row,
    /// The bytes' length before any cut: keeping fewer sets `CUT`.
    pub whole: u64,
    /// Messages: wire length (their frame count waits in `row.extra`).
    pub aux: u64,
    /// Most bytes the row keeps while the store is small; 0: the row keeps none.
    pub full: u16,
    /// Leading bytes kept whatever the budget: a frame's masking key.
    pub fixed: u8,
    pub tag: Tag,
}

/// Events made ready, in order.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub(super) entries: Vec<Entry>,
    pub(super) bytes: Vec<u8>,
    pub(super) sides: Vec<Side>,
}

/// A batch being appended: entries, and their sides, taken in order. Its arena is emptied
/// when this is dropped.
pub struct Ready<'a> {
    pub(super) entries: std::vec::Drain<'a, Entry>,
    pub(super) bytes: &'a mut Vec<u8>,
    pub(super) sides: std::vec::Drain<'a, Side>,
}

impl Drop for Ready<'_> {
    fn drop(&mut self) {
        self.bytes.clear();
    }
}

impl Batch {
    pub fn with_capacity(events: usize) -> Self {
        Batch {
            entries: Vec::with_capacity(events),
            bytes: Vec::new(),
            sides: Vec::new(),
        }
    }

    /// Events in the batch.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes the entries out in order, for `Session::push_ready`; the batch is empty after.
    pub fn drain(&mut self) -> Ready<'_> {
        Ready {
            entries: self.entries.drain(..),
            bytes: &mut self.bytes,
            sides: self.sides.drain(..),
        }
    }

    /// Makes `ev` ready. `short`: the session's store passed `STORE_GENEROUS`, so no entry
    /// keeps more than `KEEP_SHORT` (the session cuts again to its budget when appending).
    pub fn push(&mut self, ev: Event, short: bool) {
        let mut e = Entry {
            row: Row::blank(ev.ts, ev.conn, ev.dir),
            whole: 0,
            aux: 0,
            full: 0,
            fixed: 0,
            tag: Tag::Row,
        };
        let row = &mut e.row;
        let mut bytes: &[u8] = &[];
        let mut owned = None;
        match ev.kind {
            EventKind::TcpOpen(o) => {
                row.kind = RowKind::TcpOpen;
                e.tag = Tag::Open;
                self.sides.push(Side::Open {
                    seen: o.handshake || o.live,
                    live: o.live,
                    client: o.client,
                    server: o.server,
                });
            }
            EventKind::TcpClose(close) => {
                row.kind = RowKind::TcpClose;
                row.code = close_code(close.how, close.why);
                row.dir = close.by;
                e.tag = Tag::Close;
            }
            EventKind::TcpFin => row.kind = RowKind::TcpFin,
            EventKind::HttpRequest(m) => return self.http(e, *m, RowKind::HttpRequest, short),
            EventKind::HttpResponse(m) => return self.http(e, *m, RowKind::HttpResponse, short),
            EventKind::HttpBody(b) => {
                e.tag = Tag::Body;
                let cut = b.preview.len().min(KEEP_FULL);
                self.sides.push(Side::Body {
                    bytes: b.bytes,
                    complete: b.complete,
                    framing: b.framing,
                    preview: b.preview.get(..cut).unwrap_or_default().to_vec(),
                });
            }
            EventKind::WsAbnormalClose(a) => {
                row.kind = RowKind::WsAbnormalClose;
                row.code = close_code(a.how, None);
            }
            EventKind::WsFrame(f) => {
                e.tag = Tag::Frame;
                row.kind = RowKind::WsFrame;
                row.opcode = f.opcode;
                row.head_len = u32::from(f.header_len);
                row.payload_len = f.payload_len;
                row.code = f.close.as_ref().map_or(0, |c| c.code);
                row.flags = u8::from(f.fin) | (f.rsv & 7) << flags::RSV_SHIFT;
                if f.is_text {
                    row.flags |= flags::TEXT;
                }
                let at = self.bytes.len();
                if let Some(key) = f.mask_key {
                    row.flags |= flags::MASKED;
                    self.bytes.extend_from_slice(&key);
                    e.fixed = 4;
                }
                let n = allow(KEEP_FULL, short).min(f.payload.len());
                self.bytes.extend_from_slice(&f.payload[..n]);
                e.whole = f.payload_len;
                e.full = KEEP_FULL as u16;
                return self.entry(e, at);
            }
            EventKind::WsMessage(m) => {
                e.tag = Tag::Message;
                e.aux = m.wire_len;
                row.extra = m.frames;
                if m.frames <= 1 && !m.compressed {
                    // Counted, not a row: nothing to keep.
                    return self.entries.push(e);
                }
                row.kind = RowKind::WsMessage;
                row.opcode = m.opcode;
                row.payload_len = m.len;
                if m.compressed {
                    row.flags |= flags::COMPRESSED;
                }
                if m.text.is_some() {
                    row.flags |= flags::TEXT;
                }
                // A message is cut when fewer bytes are kept than its preview or its length.
                e.whole = (m.preview.len() as u64).max(m.len);
                return self.keep(e, &m.preview, KEEP_FULL, short);
            }
            // Counting mode's, which no view reads.
            EventKind::WsCounted(_) => return,
            EventKind::SseEvent(s) => {
                e.tag = Tag::Sse;
                row.kind = RowKind::SseEvent;
                row.payload_len = s.bytes();
                owned = Some(s.data);
                e.full = KEEP_FULL as u16;
            }
            EventKind::Error(err) => {
                row.kind = RowKind::Error;
                row.code = match err.layer {
                    Layer::Tcp => 0,
                    Layer::Http => 1,
                    Layer::WebSocket => 2,
                    Layer::Tls => 3,
                };
                row.payload_len = err.offset.unwrap_or(u64::MAX);
                owned = Some(err.what);
                e.full = KEEP_HEAD as u16;
            }
            // Another protocol where HTTP/1.x was expected: shown as a problem of that layer.
            EventKind::H2Preface => {
                row.kind = RowKind::Error;
                row.code = 1;
                row.payload_len = 0;
                owned = Some(crate::output::stranger::h2_preface());
                e.full = KEEP_HEAD as u16;
            }
            EventKind::TlsRecord(r) => {
                e.tag = Tag::TlsRecord;
                row.kind = RowKind::TlsRecord;
                row.opcode = r.content_type;
                row.code = r.version;
                row.head_len = 5;
                row.payload_len = u64::from(r.length);
                if r.encrypted {
                    row.flags |= flags::ENCRYPTED;
                }
                if let Some(inner) = r.inner {
                    let n = match inner {
                        20..=24 => inner - 19,
                        _ => 6,
                    };
                    row.flags |= n << flags::INNER_SHIFT;
                }
                row.extra = r.plaintext.unwrap_or(u32::MAX);
                let [v0, v1] = r.version.to_be_bytes();
                let [l0, l1] = r.length.to_be_bytes();
                e.whole = 5;
                return self.keep(e, &[r.content_type, v0, v1, l0, l1], 5, short);
            }
            EventKind::TlsHandshake(h) => {
                e.tag = Tag::Handshake;
                row.kind = RowKind::TlsHandshake;
                row.payload_len = h.bytes;
                if h.encrypted {
                    row.flags |= flags::ENCRYPTED;
                }
                let h = *h;
                // The host name kept as the row's bytes: a search for it finds the hello.
                if let Some(sni) = &h.hello.sni {
                    owned = Some(sni.clone());
                    e.full = KEEP_HEAD as u16;
                }
                self.sides.push(Side::Handshake(HandshakeSide {
                    msg: h.msg,
                    hello: h.hello,
                    server: h.server,
                }));
            }
            EventKind::TlsKeys(k) => {
                e.tag = Tag::Keys;
                row.kind = RowKind::TlsKeys;
                row.code = k.version;
                if k.decrypting {
                    row.flags |= flags::ENCRYPTED;
                }
                self.sides.push(Side::Keys(*k));
            }
            // Shown as a TCP-level problem: the views need no kind of their own for it.
            EventKind::Skipped(s) => {
                row.kind = RowKind::Error;
                row.payload_len = u64::MAX;
                owned = Some(if s.undecoded == 0 {
                    format!(
                        "skipped {} bytes (duplex fell behind): the rest is not decoded",
                        s.skipped
                    )
                } else {
                    format!(
                        "not decoded: {} bytes counted, {} more skipped",
                        s.undecoded, s.skipped
                    )
                });
                e.full = KEEP_HEAD as u16;
            }
        }
        if let Some(s) = &owned {
            bytes = s.as_bytes();
        }
        if e.full == 0 {
            return self.entries.push(e);
        }
        e.whole = bytes.len() as u64;
        let full = usize::from(e.full);
        self.keep(e, bytes, full, short)
    }

    fn http(
        &mut self,
        mut e: Entry,
        m: crate::proto::event::HttpMessage,
        kind: RowKind,
        short: bool,
    ) {
        e.tag = Tag::Http;
        let row = &mut e.row;
        row.kind = kind;
        row.head_len = u32::try_from(m.head.range.len()).unwrap_or(u32::MAX);
        row.payload_len = m.body_bytes;
        row.code = m.head.status.unwrap_or(0);
        if m.streaming {
            row.flags |= flags::STREAMING;
        }
        if m.body_follows {
            row.flags |= flags::BODY_PENDING;
        }
        if m.head.wants_close() {
            row.flags |= flags::CLOSE;
        }
        if kind == RowKind::HttpRequest && m.head.has_token("upgrade", "websocket") {
            row.flags |= flags::UPGRADE;
        }
        if let Some(a) = &m.ws_accept {
            row.flags |= if a.ok() {
                flags::ACCEPT_OK
            } else {
                flags::ACCEPT_BAD
            };
        }
        e.whole = m.head.raw.len() as u64;
        self.keep(e, &m.head.raw, KEEP_HEAD, short);
        self.sides.push(Side::Http(HttpSide::from_owned(m)));
    }

    /// Copies what `full` and `short` let the row keep of `bytes`.
    fn keep(&mut self, mut e: Entry, bytes: &[u8], full: usize, short: bool) {
        e.full = full as u16;
        let at = self.bytes.len();
        let n = allow(full, short).min(bytes.len());
        self.bytes.extend_from_slice(&bytes[..n]);
        self.entry(e, at)
    }

    /// Adds `e`, its bytes those from `at` to the arena's end.
    fn entry(&mut self, mut e: Entry, at: usize) {
        let (Ok(at32), Ok(len)) = (u32::try_from(at), u16::try_from(self.bytes.len() - at)) else {
            // Cannot happen with a batch of sane size: keep nothing rather than wrong bytes.
            self.bytes.truncate(at);
            e.whole = e.whole.max(1);
            return self.entries.push(e);
        };
        e.row.bytes_at = at32;
        e.row.bytes_kept = len;
        self.entries.push(e);
    }
}

/// The most a budget may let a row of class `full` keep (see `Session::budget`): `full` while
/// the store is small, `KEEP_SHORT` once it is not.
fn allow(full: usize, short: bool) -> usize {
    if short {
        KEEP_SHORT
    } else {
        full.max(KEEP_SHORT)
    }
}

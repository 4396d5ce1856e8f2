//! One TCP connection: pairs requests with responses and switches to WebSocket after a 101.
//!
//! Fed byte chunks per direction (from a live tap or a reassembled capture), it runs the HTTP/1.x
//! decoder on each direction until the server answers an upgrade with `101 Switching Protocols`,
//! then hands the rest of both streams to WebSocket decoders configured by the handshake.

use super::event::{
    CloseHow, DecodeError, Event, EventKind, Layer, TcpClose, TcpOpen, WsAbnormalClose,
};
use super::http1::{Head, Http1Decoder, HttpEvent, Role};
use super::sse::{self, SseParser};
use super::ws::{self, WsDecoder, WsEvent};
use super::{ConnId, Dir, Timestamp};

/// What one direction of the connection is carrying.
enum Proto {
    Http(Http1Decoder),
    Ws(WsDecoder),
    /// Bytes we no longer decode: an unknown protocol after a switch, or a stream with a hole.
    Opaque,
}

struct Side {
    proto: Proto,
    /// Bytes presented to the decoder but not yet consumed (an incomplete head, say).
    pending: Vec<u8>,
    /// The head of a message without a body, reported at its (immediate) end.
    head: Option<Head>,
    /// The message reported at its head whose body is still arriving.
    body: Option<http::BodyFollows>,
    /// The event stream whose body is arriving (its response already reported).
    sse: Option<SseParser>,
    /// Bytes carried in this direction, all protocols together.
    bytes: u64,
    ended: bool,
    /// A WebSocket close frame went this way.
    close_sent: bool,
}

impl Side {
    fn new(role: Role) -> Self {
        let mut d = Http1Decoder::new(role);
        if role == Role::Response {
            d.stream_bodies(Some(sse::is_event_stream));
        }
        Side {
            proto: Proto::Http(d),
            pending: Vec::new(),
            head: None,
            body: None,
            sse: None,
            bytes: 0,
            ended: false,
            close_sent: false,
        }
    }

    fn offset(&self) -> u64 {
        match &self.proto {
            Proto::Http(d) => d.offset(),
            Proto::Ws(d) => d.offset(),
            Proto::Opaque => self.bytes,
        }
    }
}

/// An upgrade request waiting for its answer.
struct Upgrade {
    websocket: bool,
    key: Option<String>,
    /// What the WebSocket rules look at (RFC 6455 §4.1).
    rules: ws::UpgradeRequest,
}

/// What the client's side becomes after a 101.
#[derive(Clone, Copy)]
struct Switch {
    websocket: bool,
    deflate: Option<ws::DeflateParams>,
}

impl Switch {
    fn decoder(self, from: u64) -> Proto {
        if self.websocket {
            Proto::Ws(WsDecoder::new(true, self.deflate, from))
        } else {
            Proto::Opaque
        }
    }
}

/// The decoding state of one TCP connection.
pub struct Connection {
    id: ConnId,
    sides: [Side; 2],
    upgrade: Option<Upgrade>,
    /// The server switched before the client's upgrade request was decoded (the two directions
    /// of a live tap may report in either order): the client's side switches once it is.
    c2s_switch: Option<Switch>,
    /// A 101 whose request head is not decoded yet: its checks wait for it.
    early_101: Option<upgrade::Early101>,
    http_scratch: Vec<HttpEvent>,
    ws_scratch: Vec<WsEvent>,
    /// Whether the client's first bytes are told apart yet (HTTP/1, HTTP/2, TLS).
    sniff: sniff::Sniff,
    /// Where TLS secrets are learnt, to decrypt this connection if it speaks TLS.
    keys: Option<super::tls::SharedKeys>,
    /// The record layer, once the client opened with TLS.
    tls: Option<Box<super::tls::TlsStream>>,
    tls_scratch: Vec<super::tls::stream::Out>,
}

impl Connection {
    pub fn new(id: ConnId) -> Self {
        Connection {
            id,
            sides: [Side::new(Role::Request), Side::new(Role::Response)],
            upgrade: None,
            c2s_switch: None,
            early_101: None,
            http_scratch: Vec::new(),
            ws_scratch: Vec::new(),
            sniff: sniff::Sniff::Deciding,
            keys: None,
            tls: None,
            tls_scratch: Vec::new(),
        }
    }

    /// The key log to decrypt this connection with, should it speak TLS. Secrets may arrive in
    /// it later, up to the records they protect.
    pub fn set_keys(&mut self, keys: super::tls::SharedKeys) {
        self.keys = Some(keys);
    }

    pub fn id(&self) -> ConnId {
        self.id
    }

    /// The `tcp_open` event for this connection.
    pub fn open_event(&self, ts: Timestamp, open: TcpOpen) -> Event {
        self.event(ts, None, EventKind::TcpOpen(open))
    }

    /// The `tcp_close` event for this connection.
    pub fn close_event(&self, ts: Timestamp, close: TcpClose) -> Event {
        self.event(ts, None, EventKind::TcpClose(close))
    }

    /// A `ws_abnormal_close` for each direction of a WebSocket that sent no close frame before
    /// the TCP connection ended `close` (the side that ended it first, first). Call it after
    /// `end` on both directions, before the `tcp_close`. The end of a capture is no close.
    pub fn ws_abnormal_close(&self, ts: Timestamp, close: TcpClose, out: &mut Vec<Event>) {
        if close.how == CloseHow::Eof {
            return;
        }
        let first = close.by.unwrap_or(Dir::C2s);
        for dir in [first, first.flip()] {
            let side = &self.sides[dir.index()];
            if matches!(side.proto, Proto::Ws(_)) && !side.close_sent {
                let kind = EventKind::WsAbnormalClose(WsAbnormalClose {
                    how: close.how,
                    by: close.by,
                });
                out.push(self.event(ts, Some(dir), kind));
            }
        }
    }

    /// Bytes arrived in direction `dir` at `ts`.
    pub fn data(&mut self, dir: Dir, ts: Timestamp, data: &[u8], out: &mut Vec<Event>) {
        let side = &mut self.sides[dir.index()];
        side.bytes += data.len() as u64;
        if side.ended {
            return;
        }
        if self.sniffing() {
            return self.sniff_data(dir, ts, data, out);
        }
        if self.tls.is_some() {
            return self.tls_data(dir, ts, data, out);
        }
        self.plain_data(dir, ts, data, out);
    }

    /// Bytes of the HTTP/WebSocket layer: the TCP stream, or the plaintext TLS decrypted.
    fn plain_data(&mut self, dir: Dir, ts: Timestamp, data: &[u8], out: &mut Vec<Event>) {
        if self.sides[dir.index()].pending.is_empty() {
            // Fast path: decode straight from the caller's slice, keep only the leftover.
            let used = self.feed(dir, ts, data, out);
            if let Some(rest) = data.get(used..) {
                self.sides[dir.index()].pending.extend_from_slice(rest);
            }
        } else {
            let mut buf = std::mem::take(&mut self.sides[dir.index()].pending);
            buf.extend_from_slice(data);
            self.pump(dir, ts, buf, out);
        }
    }

    /// The capture lost `missing` bytes of direction `dir`: nothing after them can be framed.
    pub fn gap(&mut self, dir: Dir, ts: Timestamp, missing: u64, out: &mut Vec<Event>) {
        self.sniff_decide(ts, true, out);
        let side = &mut self.sides[dir.index()];
        let offset = side.offset() + side.pending.len() as u64;
        side.bytes += missing;
        if let Some(tls) = &mut self.tls {
            tls.gap(dir);
        }
        let side = &mut self.sides[dir.index()];
        if side.ended || matches!(side.proto, Proto::Opaque) {
            return;
        }
        side.proto = Proto::Opaque;
        side.pending = Vec::new();
        let what = format!(
            "the capture is missing {missing} bytes of this direction; the rest of it is not decoded"
        );
        out.push(self.error(ts, dir, Layer::Tcp, Some(offset), what));
    }

    /// Direction `dir` ended (FIN, RST or end of capture): flush its decoder.
    pub fn end(&mut self, dir: Dir, ts: Timestamp, out: &mut Vec<Event>) {
        if !self.sides[dir.index()].ended {
            self.sniff_decide(ts, true, out);
            self.tls_end(dir, ts, out);
        }
        let side = &mut self.sides[dir.index()];
        if side.ended {
            return;
        }
        side.ended = true;
        match &mut side.proto {
            Proto::Http(d) => {
                let mut evs = std::mem::take(&mut self.http_scratch);
                d.finish(&mut evs);
                self.http_events(dir, ts, &mut evs, out);
                self.http_scratch = evs;
            }
            Proto::Ws(d) => {
                let mut evs = std::mem::take(&mut self.ws_scratch);
                d.finish(&mut evs);
                self.ws_events(dir, ts, &mut evs, out);
                self.ws_scratch = evs;
            }
            Proto::Opaque => {}
        }
    }

    /// Decode `buf` (the pending bytes plus new ones) and keep what is left.
    fn pump(&mut self, dir: Dir, ts: Timestamp, mut buf: Vec<u8>, out: &mut Vec<Event>) {
        let used = self.feed(dir, ts, &buf, out);
        buf.drain(..used.min(buf.len()));
        // A switch during `feed` may already have left bytes here; ours come first.
        let side = &mut self.sides[dir.index()];
        if !side.pending.is_empty() {
            buf.extend_from_slice(&side.pending);
        }
        side.pending = buf;
    }

    /// Runs the decoders of `dir` over `buf`; returns how many bytes they consumed.
    fn feed(&mut self, dir: Dir, ts: Timestamp, buf: &[u8], out: &mut Vec<Event>) -> usize {
        let mut pos = 0;
        loop {
            let rest = buf.get(pos..).unwrap_or_default();
            let side = &mut self.sides[dir.index()];
            match &mut side.proto {
                Proto::Http(d) => {
                    if d.awaiting_upgrade()
                        && dir == Dir::C2s
                        && let Some(switch) = self.c2s_switch.take()
                    {
                        side.proto = switch.decoder(d.offset());
                        continue;
                    }
                    if d.awaiting_upgrade() || d.is_switched() {
                        return pos;
                    }
                    let mut evs = std::mem::take(&mut self.http_scratch);
                    let used = d.decode(rest, &mut evs);
                    pos += used;
                    let switched = self.http_events(dir, ts, &mut evs, out);
                    self.http_scratch = evs;
                    // Go round again if this side just switched, or will at its upgrade request.
                    let client_switch = dir == Dir::C2s && self.c2s_switch.is_some();
                    if !(switched || client_switch) || pos >= buf.len() || used == 0 {
                        return pos;
                    }
                }
                Proto::Ws(d) => {
                    let mut evs = std::mem::take(&mut self.ws_scratch);
                    pos += d.decode(rest, &mut evs);
                    self.ws_events(dir, ts, &mut evs, out);
                    self.ws_scratch = evs;
                    return pos;
                }
                Proto::Opaque => return buf.len(),
            }
        }
    }

    fn ws_events(&mut self, dir: Dir, ts: Timestamp, evs: &mut Vec<WsEvent>, out: &mut Vec<Event>) {
        for ev in evs.drain(..) {
            let kind = match ev {
                WsEvent::Frame(f) => {
                    // A close frame (opcode 8), whole or not: this side began or answered a close.
                    if f.opcode == 8 {
                        self.sides[dir.index()].close_sent = true;
                    }
                    EventKind::WsFrame(f)
                }
                WsEvent::Message(m) => EventKind::WsMessage(m),
                WsEvent::Counted(c) => EventKind::WsCounted(c),
                WsEvent::Error(e) => EventKind::Error(DecodeError {
                    layer: Layer::WebSocket,
                    offset: Some(e.offset),
                    what: e.kind.to_string(),
                }),
            };
            out.push(self.event(ts, Some(dir), kind));
        }
    }

    fn error(
        &self,
        ts: Timestamp,
        dir: Dir,
        layer: Layer,
        offset: Option<u64>,
        what: String,
    ) -> Event {
        let e = DecodeError {
            layer,
            offset,
            what,
        };
        self.event(ts, Some(dir), EventKind::Error(e))
    }

    fn event(&self, ts: Timestamp, dir: Option<Dir>, kind: EventKind) -> Event {
        Event {
            conn: self.id,
            ts,
            dir,
            kind,
        }
    }
}

#[path = "conn_http.rs"]
mod http;

#[path = "conn_stream.rs"]
mod stream;

#[path = "conn_upgrade.rs"]
mod upgrade;

#[path = "conn_sniff.rs"]
mod sniff;

#[path = "conn_tls.rs"]
mod tls_mode;

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "conn_causal_tests.rs"]
mod causal_tests;

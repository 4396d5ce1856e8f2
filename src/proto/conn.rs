//! One TCP connection: pairs requests with responses and switches to WebSocket after a 101.
//!
//! Fed byte chunks per direction (from a live tap or a reassembled capture), it runs the HTTP/1.x
//! decoder on each direction until the server answers an upgrade with `101 Switching Protocols`,
//! then hands the rest of both streams to WebSocket decoders configured by the handshake.

use super::event::{
    AcceptCheck, DecodeError, Event, EventKind, HttpMessage, Layer, TcpClose, TcpOpen,
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
    /// The head of the message whose body is still arriving.
    head: Option<Head>,
    /// The event stream whose body is arriving (its response already reported).
    sse: Option<SseParser>,
    /// Bytes carried in this direction, all protocols together.
    bytes: u64,
    ended: bool,
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
            sse: None,
            bytes: 0,
            ended: false,
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
    http_scratch: Vec<HttpEvent>,
    ws_scratch: Vec<WsEvent>,
    /// Whether the client's first bytes are told apart yet (HTTP/1, HTTP/2, TLS).
    sniff: sniff::Sniff,
}

impl Connection {
    pub fn new(id: ConnId) -> Self {
        Connection {
            id,
            sides: [Side::new(Role::Request), Side::new(Role::Response)],
            upgrade: None,
            c2s_switch: None,
            http_scratch: Vec::new(),
            ws_scratch: Vec::new(),
            sniff: sniff::Sniff::Deciding,
        }
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

    /// Turns decoder output into events; returns true when this direction switched protocols.
    fn http_events(
        &mut self,
        dir: Dir,
        ts: Timestamp,
        evs: &mut Vec<HttpEvent>,
        out: &mut Vec<Event>,
    ) -> bool {
        let mut switched = false;
        let mut evs = evs.drain(..).peekable();
        while let Some(ev) = evs.next() {
            match ev {
                // A 101's End comes just before Switched: the switch reports that message.
                HttpEvent::End(_) if matches!(evs.peek(), Some(HttpEvent::Switched { .. })) => {}
                HttpEvent::Head(head) if dir == Dir::S2c && sse::is_event_stream(&head) => {
                    self.stream_head(ts, head, out);
                }
                HttpEvent::Head(head) => {
                    if dir == Dir::C2s {
                        self.on_request_head(&head);
                    }
                    self.sides[dir.index()].head = Some(head);
                }
                HttpEvent::End(end) => {
                    // A streaming response was reported at its head.
                    self.sides[dir.index()].sse = None;
                    let Some(head) = self.sides[dir.index()].head.take() else {
                        continue;
                    };
                    let final_response = dir == Dir::S2c && head.status.is_some_and(|s| s >= 200);
                    let msg = HttpMessage {
                        head,
                        streaming: false,
                        body_bytes: end.body_bytes,
                        framing: end.framing,
                        trailers: end.trailers,
                        body_preview: end.body_preview,
                        ws_accept: None,
                    };
                    out.push(self.message_event(ts, dir, msg));
                    if final_response {
                        self.upgrade_declined(ts, out);
                    }
                }
                HttpEvent::Body { range, data } => self.stream_body(ts, dir, range, &data, out),
                HttpEvent::Switched { at } => {
                    if dir == Dir::S2c {
                        self.switch(ts, at, out);
                        switched = true;
                    }
                }
                HttpEvent::Error(e) => {
                    let what = self.http_error_text(dir, &e.kind);
                    out.push(self.error(ts, dir, Layer::Http, Some(e.offset), what));
                }
            }
        }
        switched
    }

    fn on_request_head(&mut self, head: &Head) {
        if let (Some(method), Proto::Http(resp)) = (
            head.method.as_deref(),
            &mut self.sides[Dir::S2c.index()].proto,
        ) {
            resp.expect_response_to(method);
        }
        if head.header("upgrade").is_some() {
            self.upgrade = Some(Upgrade {
                websocket: head.has_token("upgrade", "websocket"),
                key: head
                    .header("sec-websocket-key")
                    .map(|k| k.trim().to_owned()),
                rules: ws::UpgradeRequest {
                    minor: head.version,
                    key: head.header("sec-websocket-key").map(str::to_owned),
                    version: head.header("sec-websocket-version").map(str::to_owned),
                },
            });
        }
    }

    /// A final response other than 101 answered an upgrade request: the client's stream stays HTTP.
    fn upgrade_declined(&mut self, ts: Timestamp, out: &mut Vec<Event>) {
        let c2s = &mut self.sides[Dir::C2s.index()];
        if let Proto::Http(d) = &mut c2s.proto
            && d.awaiting_upgrade()
        {
            d.resume();
            self.upgrade = None;
            let buf = std::mem::take(&mut self.sides[Dir::C2s.index()].pending);
            if !buf.is_empty() {
                self.pump(Dir::C2s, ts, buf, out);
            }
        }
    }

    /// The server's 101 head is complete: report it, then switch both directions.
    fn switch(&mut self, ts: Timestamp, at: u64, out: &mut Vec<Event>) {
        let Some(head) = self.sides[Dir::S2c.index()].head.take() else {
            return;
        };
        let upgrade = self.upgrade.take();
        let websocket = head.status == Some(101)
            && (upgrade.as_ref().is_some_and(|u| u.websocket)
                || head.has_token("upgrade", "websocket"));
        let ws_accept = upgrade
            .as_ref()
            .and_then(|u| u.key.as_ref())
            .map(|key| AcceptCheck {
                key: key.clone(),
                expected: ws::accept_key(key),
                got: head
                    .header("sec-websocket-accept")
                    .map(|v| v.trim().to_owned()),
            });
        let deflate = match head.header("sec-websocket-extensions") {
            Some(ext) if websocket => match ws::negotiated_deflate(ext) {
                Ok(d) => d,
                Err(why) => {
                    let what = format!("Sec-WebSocket-Extensions: {why}");
                    out.push(self.error(ts, Dir::S2c, Layer::WebSocket, Some(at), what));
                    None
                }
            },
            _ => None,
        };
        let msg = HttpMessage {
            head,
            streaming: false,
            body_bytes: 0,
            framing: super::http1::Framing::None,
            trailers: Vec::new(),
            body_preview: Vec::new(),
            ws_accept: ws_accept.clone(),
        };
        out.push(self.message_event(ts, Dir::S2c, msg));
        if let Some(u) = upgrade.as_ref().filter(|u| u.websocket && websocket) {
            for b in ws::broken_rules(&u.rules) {
                let layer = if b.http {
                    Layer::Http
                } else {
                    Layer::WebSocket
                };
                out.push(self.error(ts, Dir::S2c, layer, Some(at), b.what));
            }
        }
        if let Some(check) = ws_accept.filter(|c| !c.ok()) {
            let what = format!(
                "Sec-WebSocket-Accept is {:?}, but SHA-1 of the key {:?} and the GUID gives {:?}",
                check.got.as_deref().unwrap_or("(missing)"),
                check.key,
                check.expected
            );
            out.push(self.error(ts, Dir::S2c, Layer::WebSocket, Some(at), what));
        }

        let (c2s_params, s2c_params) = match deflate {
            Some((c, s)) => (Some(c), Some(s)),
            None => (None, None),
        };
        self.sides[Dir::S2c.index()].proto = if websocket {
            Proto::Ws(WsDecoder::new(false, s2c_params, at))
        } else {
            Proto::Opaque
        };
        let c2s = &mut self.sides[Dir::C2s.index()];
        if let Proto::Http(d) = &c2s.proto {
            let switch = Switch {
                websocket,
                deflate: c2s_params,
            };
            if !d.awaiting_upgrade() {
                self.c2s_switch = Some(switch);
                return;
            }
            c2s.proto = switch.decoder(d.offset());
            let buf = std::mem::take(&mut c2s.pending);
            if !buf.is_empty() {
                self.pump(Dir::C2s, ts, buf, out);
            }
        }
    }

    fn ws_events(&mut self, dir: Dir, ts: Timestamp, evs: &mut Vec<WsEvent>, out: &mut Vec<Event>) {
        for ev in evs.drain(..) {
            let kind = match ev {
                WsEvent::Frame(f) => EventKind::WsFrame(f),
                WsEvent::Message(m) => EventKind::WsMessage(m),
                WsEvent::Error(e) => EventKind::Error(DecodeError {
                    layer: Layer::WebSocket,
                    offset: Some(e.offset),
                    what: e.kind.to_string(),
                }),
            };
            out.push(self.event(ts, Some(dir), kind));
        }
    }

    fn message_event(&self, ts: Timestamp, dir: Dir, msg: HttpMessage) -> Event {
        let kind = match dir {
            Dir::C2s => EventKind::HttpRequest(Box::new(msg)),
            Dir::S2c => EventKind::HttpResponse(Box::new(msg)),
        };
        self.event(ts, Some(dir), kind)
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

#[path = "conn_stream.rs"]
mod stream;

#[path = "conn_sniff.rs"]
mod sniff;

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;

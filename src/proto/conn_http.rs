//! HTTP/1.x decoder output as events, in causal order: a message is reported when its head is
//! complete, and a message with a body gets an `http_body` when that body ends (or is cut).

use super::{Connection, Dir, Event, EventKind, Layer, Proto, Timestamp, Upgrade, sse, ws};
use crate::proto::event::{HttpBody, HttpMessage};
use crate::proto::http1::{Framing, Head, HttpErrorKind, HttpEvent, MessageEnd};

/// A message reported at its head whose body is still arriving.
#[derive(Debug, Clone, Copy)]
pub(super) struct BodyFollows {
    head_end: u64,
    /// As the head declares it; a body cut short keeps this one.
    framing: Framing,
    /// A response of 200 or more: its end answers an upgrade request for good.
    final_response: bool,
}

impl Connection {
    /// Turns decoder output into events; returns true when this direction switched protocols.
    pub(super) fn http_events(
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
                    // A message without a body ends with its head (End follows at once, in
                    // the same batch): reported whole. Any other is reported now, its body
                    // when it ends, whatever the batches: the order stays causal.
                    let bodyless = matches!(evs.peek(), Some(HttpEvent::End(e))
                        if matches!(e.framing, Framing::None | Framing::Length(0)));
                    if bodyless {
                        self.sides[dir.index()].head = Some(head);
                    } else {
                        self.report_head(ts, dir, head, out);
                    }
                }
                HttpEvent::End(end) => self.message_end(ts, dir, end, out),
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
                    self.body_cut(ts, dir, e.offset, &e.kind, out);
                }
            }
        }
        if dir == Dir::C2s {
            self.late_upgrade_checks(ts, out);
        }
        switched
    }

    /// Reports a message whose body is still to come.
    fn report_head(&mut self, ts: Timestamp, dir: Dir, head: Head, out: &mut Vec<Event>) {
        let side = &mut self.sides[dir.index()];
        side.body = Some(BodyFollows {
            head_end: head.range.end,
            framing: super::stream::declared_framing(&head),
            final_response: dir == Dir::S2c && head.status.is_some_and(|s| s >= 200),
        });
        let msg = HttpMessage {
            head,
            streaming: false,
            body_bytes: 0,
            framing: Framing::None,
            trailers: Vec::new(),
            body_preview: Vec::new(),
            body_follows: true,
            ws_accept: None,
        };
        out.push(self.message_event(ts, dir, msg));
    }

    fn message_end(&mut self, ts: Timestamp, dir: Dir, end: MessageEnd, out: &mut Vec<Event>) {
        // A streaming response was reported at its head.
        self.sides[dir.index()].sse = None;
        if let Some(body) = self.sides[dir.index()].body.take() {
            let b = HttpBody {
                bytes: end.body_bytes,
                wire_bytes: end.wire_body_bytes,
                framing: end.framing,
                complete: true,
                trailers: end.trailers,
                preview: end.body_preview,
            };
            out.push(self.event(ts, Some(dir), EventKind::HttpBody(Box::new(b))));
            if body.final_response {
                self.upgrade_declined(ts, out);
            }
            return;
        }
        let Some(head) = self.sides[dir.index()].head.take() else {
            return;
        };
        let final_response = dir == Dir::S2c && head.status.is_some_and(|s| s >= 200);
        let msg = HttpMessage {
            head,
            streaming: false,
            body_bytes: end.body_bytes,
            framing: end.framing,
            trailers: end.trailers,
            body_preview: end.body_preview,
            body_follows: false,
            ws_accept: None,
        };
        out.push(self.message_event(ts, dir, msg));
        if final_response {
            self.upgrade_declined(ts, out);
        }
    }

    /// An error while a body was arriving: that body ends here, cut short.
    fn body_cut(
        &mut self,
        ts: Timestamp,
        dir: Dir,
        at: u64,
        kind: &HttpErrorKind,
        out: &mut Vec<Event>,
    ) {
        let Some(body) = self.sides[dir.index()].body.take() else {
            return;
        };
        // Decoded bytes are known when the stream ended mid-body; after a framing error,
        // only the wire bytes are.
        let bytes = match kind {
            HttpErrorKind::Truncated { got, .. } | HttpErrorKind::TruncatedChunked { got } => *got,
            _ => 0,
        };
        let b = HttpBody {
            bytes,
            wire_bytes: at.saturating_sub(body.head_end),
            framing: body.framing,
            complete: false,
            trailers: Vec::new(),
            preview: Vec::new(),
        };
        out.push(self.event(ts, Some(dir), EventKind::HttpBody(Box::new(b))));
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
    pub(super) fn upgrade_declined(&mut self, ts: Timestamp, out: &mut Vec<Event>) {
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

    pub(super) fn message_event(&self, ts: Timestamp, dir: Dir, msg: HttpMessage) -> Event {
        let kind = match dir {
            Dir::C2s => EventKind::HttpRequest(Box::new(msg)),
            Dir::S2c => EventKind::HttpResponse(Box::new(msg)),
        };
        self.event(ts, Some(dir), kind)
    }
}

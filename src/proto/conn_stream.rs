//! Streaming responses on a connection: an event stream is reported at its head, then event
//! by event as its body arrives.

use super::{Connection, Dir, Event, EventKind, Timestamp};
use crate::proto::ByteRange;
use crate::proto::event::HttpMessage;
use crate::proto::http1::{Framing, Head, HttpErrorKind};
use crate::proto::sse::SseParser;

impl Connection {
    /// A `text/event-stream` response head: report the response now and parse its body.
    pub(super) fn stream_head(&mut self, ts: Timestamp, head: Head, out: &mut Vec<Event>) {
        let framing = declared_framing(&head);
        self.sides[Dir::S2c.index()].sse = Some(SseParser::new(head.range.end));
        let msg = HttpMessage {
            head,
            streaming: true,
            body_bytes: 0,
            framing,
            trailers: Vec::new(),
            body_preview: Vec::new(),
            body_follows: false,
            ws_accept: None,
        };
        out.push(self.message_event(ts, Dir::S2c, msg));
        self.upgrade_declined(ts, out);
    }

    /// Body bytes of a streaming response.
    pub(super) fn stream_body(
        &mut self,
        ts: Timestamp,
        dir: Dir,
        range: ByteRange,
        data: &[u8],
        out: &mut Vec<Event>,
    ) {
        let Some(parser) = self.sides[dir.index()].sse.as_mut() else {
            return;
        };
        let mut evs = Vec::new();
        parser.feed(range.start, data, &mut evs);
        for ev in evs {
            out.push(self.event(ts, Some(dir), EventKind::SseEvent(Box::new(ev))));
        }
    }

    /// An HTTP decode error in words, said for an event stream where that helps.
    pub(super) fn http_error_text(&mut self, dir: Dir, kind: &HttpErrorKind) -> String {
        let streaming = self.sides[dir.index()].sse.take().is_some();
        match kind {
            HttpErrorKind::TruncatedChunked { got } if streaming => format!(
                "the event stream ended without its last chunk: the connection closed \
                 {got} body bytes in, so the response is cut short (the events before are whole)"
            ),
            _ => kind.to_string(),
        }
    }
}

/// The framing a head announces: chunked, a length, or until the close.
pub(super) fn declared_framing(head: &Head) -> Framing {
    if head.has_token("transfer-encoding", "chunked") {
        Framing::Chunked
    } else {
        match head.header("content-length").map(|v| v.trim().parse()) {
            Some(Ok(n)) => Framing::Length(n),
            _ => Framing::UntilClose,
        }
    }
}

//! HTTP/1.x message decoder for one direction of a connection: bytes in, events out.
//!
//! Heads are parsed by httparse ([`head`]), the body length is decided by one function
//! ([`framing::body_plan`], RFC 9112 §6.3) and bodies are walked by [`body`]. Every `Head`
//! event is followed by an `End` (then `Switched` after a 101 or a 2xx to CONNECT) or an `Error`;
//! between them come `Body` events when the caller asked to stream that message's body.

mod body;
mod error;
mod framing;
#[cfg(test)]
mod framing_tests;
mod head;
#[cfg(test)]
mod lean_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use body::{BodyDecoder, BodySink, Chunked};
use framing::BodyPlan;

use super::ByteRange;

pub use body::CHUNK_LINE_LIMIT;
pub use error::{HttpError, HttpErrorKind};
pub use head::Head;

/// Longest head (start line, headers, blank line) we wait for.
pub const HEAD_LIMIT: usize = 64 * 1024;
/// Most header (or trailer) fields in one message.
pub const MAX_HEADERS: usize = 512;
/// Decoded body bytes kept in `MessageEnd::body_preview`.
pub const PREVIEW_LIMIT: usize = 4096;

/// Which kind of message a direction carries: the client sends requests, the server responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Request,
    Response,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HttpEvent {
    Head(Head),
    /// Decoded (de-chunked) body bytes of a message picked by [`Http1Decoder::stream_bodies`];
    /// `range` is where they sit on the wire, chunk framing excluded. How the data is cut into
    /// `Body` events depends on how the input was split; their concatenation does not.
    Body {
        range: ByteRange,
        data: Vec<u8>,
    },
    /// The message (head + body) is complete.
    End(MessageEnd),
    /// A response 101 head (or 2xx to CONNECT) was decoded: this direction now carries another
    /// protocol. The decoder stops consuming; bytes from `at` on belong to the new protocol.
    Switched {
        at: u64,
    },
    Error(HttpError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageEnd {
    /// Decoded body length (de-chunked).
    pub body_bytes: u64,
    /// Bytes on the wire after the head (chunk sizes and trailers included).
    pub wire_body_bytes: u64,
    pub framing: Framing,
    pub trailers: Vec<(String, String)>,
    /// The first up to `PREVIEW_LIMIT` decoded body bytes.
    pub body_preview: Vec<u8>,
    /// The whole message, head included.
    pub range: ByteRange,
}

/// How a body is delimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Framing {
    /// No body at all (request without length headers, HEAD response, 1xx, 204, 304).
    None,
    Length(u64),
    Chunked,
    /// Until the sender closes the connection.
    UntilClose,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Head,
    Body,
    AwaitingUpgrade,
    Switched,
    /// After an error or `finish`: consume everything, report nothing.
    Dead,
}

/// What the decoder does once the current message ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum After {
    NextMessage,
    AwaitUpgrade,
}

/// The message whose body is being decoded.
#[derive(Debug)]
struct InFlight {
    head_range: ByteRange,
    framing: Framing,
    body: BodyDecoder,
    sink: BodySink,
    after: After,
}

/// Decodes one direction of an HTTP/1.x connection.
#[derive(Debug)]
pub struct Http1Decoder {
    role: Role,
    state: State,
    offset: u64,
    /// Response side: methods of requests not yet answered, oldest first.
    pending: VecDeque<String>,
    msg: Option<InFlight>,
    /// Bytes the last `decode` left unconsumed (a partial head or line), for `finish`.
    stalled: u64,
    /// Messages whose body is reported in `Body` events.
    stream: Option<fn(&Head) -> bool>,
    /// Counting mode ([`crate::proto::lean`]): heads keep only what the decoders read.
    lean: bool,
}

impl Http1Decoder {
    pub fn new(role: Role) -> Self {
        Http1Decoder {
            role,
            state: State::Head,
            offset: 0,
            pending: VecDeque::new(),
            msg: None,
            stalled: 0,
            stream: None,
            lean: crate::proto::lean::on(),
        }
    }

    /// From the next head on, the body of each message whose head satisfies `pick` is also
    /// reported as `Body` events (copies are made only for those). The choice is made here,
    /// not after the caller sees the `Head`, because one `decode` call runs on into the body.
    pub fn stream_bodies(&mut self, pick: Option<fn(&Head) -> bool>) {
        self.stream = pick;
    }

    /// Response side only: the method of a request sent on this connection, in order (needed
    /// for HEAD and CONNECT length rules).
    pub fn expect_response_to(&mut self, method: &str) {
        if self.role == Role::Response {
            self.pending.push_back(method.to_owned());
        }
    }

    /// Decodes as much of `buf` as possible; `buf` starts at stream offset `self.offset()`.
    /// Returns how many bytes were consumed. Unconsumed bytes are an incomplete head or a
    /// partial chunk-size line (or trailers) to present again with more bytes appended.
    pub fn decode(&mut self, buf: &[u8], out: &mut Vec<HttpEvent>) -> usize {
        let mut pos = 0;
        loop {
            let rest = buf.get(pos..).unwrap_or_default();
            let step = match self.state {
                State::Head => self.decode_head(rest, out),
                State::Body => self.decode_body(rest, out),
                State::AwaitingUpgrade | State::Switched => None,
                State::Dead => Some(rest.len()).filter(|&n| n > 0),
            };
            let Some(n) = step else { break };
            pos += n;
            self.offset = self.offset.saturating_add(n as u64);
        }
        self.stalled = (buf.len() - pos) as u64;
        pos
    }

    /// The stream ended: ends an until-close body, or reports a truncated message.
    pub fn finish(&mut self, out: &mut Vec<HttpEvent>) {
        let kind = match self.state {
            State::Head if self.stalled > 0 => {
                Some(HttpErrorKind::TruncatedHead { got: self.stalled })
            }
            State::Body => match self.msg.as_ref() {
                Some(m) => match &m.body {
                    BodyDecoder::UntilClose => None,
                    BodyDecoder::Length { remaining } => Some(HttpErrorKind::Truncated {
                        expected: m.sink.decoded.saturating_add(*remaining),
                        got: m.sink.decoded,
                    }),
                    BodyDecoder::Chunked(_) => Some(HttpErrorKind::TruncatedChunked {
                        got: m.sink.decoded,
                    }),
                },
                None => None,
            },
            _ => None,
        };
        match kind {
            Some(kind) => out.push(HttpEvent::Error(HttpError {
                offset: self.offset,
                kind,
            })),
            None if self.state == State::Body => self.end_message(self.offset, out),
            None => {}
        }
        if !matches!(self.state, State::Switched | State::AwaitingUpgrade) {
            self.state = State::Dead;
        }
        self.msg = None;
    }

    /// Total bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Request side: a request carrying `Upgrade` (or CONNECT) is complete; nothing more is
    /// consumed until `resume()`.
    pub fn awaiting_upgrade(&self) -> bool {
        self.state == State::AwaitingUpgrade
    }

    /// The server declined the upgrade: decode the following requests as HTTP again.
    pub fn resume(&mut self) {
        if self.state == State::AwaitingUpgrade {
            self.state = State::Head;
        }
    }

    pub fn is_switched(&self) -> bool {
        self.state == State::Switched
    }

    /// Bytes consumed from `buf`, or None to stop this `decode` call.
    fn decode_head(&mut self, buf: &[u8], out: &mut Vec<HttpEvent>) -> Option<usize> {
        // Empty lines between messages are allowed (RFC 9112 §2.2) and belong to no message.
        let skip = head::leading_empty_lines(buf);
        if skip > 0 {
            return Some(skip);
        }
        if buf.is_empty() {
            return None;
        }
        match head::parse_head(self.role, buf, self.offset, self.lean) {
            Ok(Some((_, len))) if len > HEAD_LIMIT => {
                self.fail(self.offset, HttpErrorKind::HeadTooLarge(HEAD_LIMIT), out)
            }
            Ok(Some((head, len))) => {
                self.start_message(head, out);
                Some(len)
            }
            Ok(None) if buf.len() >= HEAD_LIMIT => {
                self.fail(self.offset, HttpErrorKind::HeadTooLarge(HEAD_LIMIT), out)
            }
            Ok(None) => None,
            Err(kind) => self.fail(self.offset, kind, out),
        }
    }

    fn decode_body(&mut self, buf: &[u8], out: &mut Vec<HttpEvent>) -> Option<usize> {
        let msg = self.msg.as_mut()?;
        let result = msg.body.decode(buf, &mut msg.sink);
        for (at, data) in msg.sink.runs.drain(..) {
            let start = self.offset.saturating_add(at as u64);
            let range = ByteRange::new(start, start.saturating_add(data.len() as u64));
            out.push(HttpEvent::Body { range, data });
        }
        match result {
            Ok(p) if p.done => {
                self.end_message(self.offset.saturating_add(p.consumed as u64), out);
                Some(p.consumed)
            }
            Ok(p) => Some(p.consumed).filter(|&n| n > 0),
            Err(e) => {
                let at = self.offset.saturating_add(e.at as u64);
                self.fail(at, e.kind, out)
            }
        }
    }

    /// Emits `head` and sets up its body, or ends it at once when it has none.
    fn start_message(&mut self, head: Head, out: &mut Vec<HttpEvent>) {
        let answered;
        let request_method = match self.role {
            Role::Request => None,
            // Interim 1xx responses leave the request waiting for its final response.
            Role::Response if matches!(head.status, Some(100 | 102..=199)) => {
                self.pending.front().map(String::as_str)
            }
            Role::Response => {
                answered = self.pending.pop_front();
                answered.as_deref()
            }
        };
        let plan = framing::body_plan(self.role, &head, request_method);
        let after = if self.role == Role::Request
            && (head.header("upgrade").is_some() || head.method.as_deref() == Some("CONNECT"))
        {
            After::AwaitUpgrade
        } else {
            After::NextMessage
        };
        let head_range = head.range;
        let stream = self.stream.is_some_and(|pick| pick(&head));
        out.push(HttpEvent::Head(head));
        let (framing, switch) = match plan {
            Ok(BodyPlan::Body(f)) => (f, false),
            Ok(BodyPlan::Switch) => (Framing::None, true),
            Err(e) => {
                out.push(HttpEvent::Error(e));
                self.state = State::Dead;
                return;
            }
        };
        let body = match framing {
            Framing::None => BodyDecoder::Length { remaining: 0 },
            Framing::Length(n) => BodyDecoder::Length { remaining: n },
            Framing::Chunked => BodyDecoder::Chunked(Chunked::default()),
            Framing::UntilClose => BodyDecoder::UntilClose,
        };
        let preview = match framing {
            Framing::Length(n) => {
                usize::try_from(n).map_or(PREVIEW_LIMIT, |n| n.min(PREVIEW_LIMIT))
            }
            Framing::None => 0,
            _ => PREVIEW_LIMIT,
        };
        let preview = if self.lean { 0 } else { preview };
        let done = body.is_done();
        self.msg = Some(InFlight {
            head_range,
            framing,
            body,
            sink: BodySink {
                decoded: 0,
                preview: Vec::with_capacity(preview),
                preview_max: preview,
                stream,
                runs: Vec::new(),
            },
            after,
        });
        self.state = State::Body;
        if done {
            self.end_message(head_range.end, out);
        }
        if switch {
            out.push(HttpEvent::Switched { at: head_range.end });
            self.state = State::Switched;
        }
    }

    /// Emits `End` for the message in flight, which ends at stream offset `end`.
    fn end_message(&mut self, end: u64, out: &mut Vec<HttpEvent>) {
        let Some(msg) = self.msg.take() else { return };
        let trailers = match msg.body {
            BodyDecoder::Chunked(c) => c.trailers,
            _ => Vec::new(),
        };
        out.push(HttpEvent::End(MessageEnd {
            body_bytes: msg.sink.decoded,
            wire_body_bytes: end.saturating_sub(msg.head_range.end),
            framing: msg.framing,
            trailers,
            body_preview: msg.sink.preview,
            range: ByteRange::new(msg.head_range.start, end.max(msg.head_range.start)),
        }));
        self.state = match msg.after {
            After::NextMessage => State::Head,
            After::AwaitUpgrade => State::AwaitingUpgrade,
        };
    }

    /// Reports `kind` at `at` and stops decoding for good; the rest of the stream is skipped.
    fn fail(&mut self, at: u64, kind: HttpErrorKind, out: &mut Vec<HttpEvent>) -> Option<usize> {
        out.push(HttpEvent::Error(HttpError { offset: at, kind }));
        self.state = State::Dead;
        self.msg = None;
        Some(0)
    }
}

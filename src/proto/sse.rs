//! Server-Sent Events (`text/event-stream`, WHATWG HTML §9.2): the body of a streaming
//! response, parsed incrementally into events as its bytes arrive.

use super::ByteRange;
use super::http1::Head;

/// Longest line kept; the rest of a longer line is counted but dropped.
pub const LINE_LIMIT: usize = 64 * 1024;
/// Most data kept for one event; `bytes` stays exact.
pub const DATA_LIMIT: usize = 64 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// The `event:` field, or "message".
    pub event: String,
    /// The `data:` lines joined with "\n".
    pub data: String,
    /// The last event ID in force (as a browser's `lastEventId`), when not empty.
    pub id: Option<String>,
    /// A `retry:` field in this event's block, in milliseconds.
    pub retry: Option<u64>,
    /// Wire bytes from the end of the previous event (or the body's start) to the end of this
    /// one's blank line: chunk framing and skipped comment blocks included. So a chunk's closing
    /// CRLF, and the LF of a CRLF blank line, count towards the next event.
    pub range: ByteRange,
}

impl SseEvent {
    pub fn bytes(&self) -> u64 {
        self.range.len()
    }
}

/// Is this the head of an event stream: a final response with `Content-Type: text/event-stream`?
pub fn is_event_stream(head: &Head) -> bool {
    let status_ok = head
        .status
        .is_some_and(|s| (200..600).contains(&s) && s != 204 && s != 304);
    let media = head
        .header("content-type")
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    status_ok && media.is_some_and(|m| m.eq_ignore_ascii_case("text/event-stream"))
}

/// Parses one event stream; fed the body bytes with their wire offsets.
#[derive(Debug)]
pub struct SseParser {
    line: Vec<u8>,
    /// The last byte was a CR: a following LF ends nothing.
    after_cr: bool,
    /// No line has ended yet (a leading BOM is dropped from the first).
    first_line: bool,
    data: String,
    has_data: bool,
    event: String,
    last_id: String,
    retry: Option<u64>,
    /// Wire offset where the next event's bytes begin.
    start: u64,
}

impl SseParser {
    /// `start` is the wire offset of the body's first byte.
    pub fn new(start: u64) -> Self {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            first_line: true,
            data: String::new(),
            has_data: false,
            event: String::new(),
            last_id: String::new(),
            retry: None,
            start,
        }
    }

    /// Body bytes `data`, which sit on the wire from offset `at`.
    pub fn feed(&mut self, at: u64, data: &[u8], out: &mut Vec<SseEvent>) {
        let mut from = 0;
        for (i, &b) in data.iter().enumerate() {
            if b != b'\r' && b != b'\n' {
                continue;
            }
            self.keep(data.get(from..i).unwrap_or_default());
            from = i + 1;
            let lf_after_cr = b == b'\n' && self.after_cr;
            self.after_cr = b == b'\r';
            if !lf_after_cr {
                let end = at.saturating_add(from as u64);
                self.line_done(end, out);
            }
        }
        if let Some(rest) = data.get(from..)
            && !rest.is_empty()
        {
            self.after_cr = false;
            self.keep(rest);
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = LINE_LIMIT.saturating_sub(self.line.len());
        self.line
            .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
    }

    /// A line ended at wire offset `end` (just after its line break).
    fn line_done(&mut self, end: u64, out: &mut Vec<SseEvent>) {
        let mut line = std::mem::take(&mut self.line);
        if std::mem::take(&mut self.first_line) && line.starts_with(b"\xEF\xBB\xBF") {
            line.drain(..3);
        }
        if line.is_empty() {
            self.dispatch(end, out);
            return;
        }
        if line.first() == Some(&b':') {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(c) => {
                let v = line.get(c + 1..).unwrap_or_default();
                (
                    line.get(..c).unwrap_or_default(),
                    v.strip_prefix(b" ").unwrap_or(v),
                )
            }
            None => (line.as_slice(), &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => self.event = value.into_owned(),
            b"data" => {
                if self.data.len() < DATA_LIMIT {
                    self.data.push_str(&value);
                    self.data.push('\n');
                }
                self.has_data = true;
            }
            b"id" if !value.contains('\0') => self.last_id = value.into_owned(),
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
    }

    /// A blank line: emit the event if it has data (otherwise its bytes go to the next one).
    fn dispatch(&mut self, end: u64, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        let mut data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        if data.ends_with('\n') {
            data.pop();
        }
        out.push(SseEvent {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
            id: Some(self.last_id.clone()).filter(|s| !s.is_empty()),
            retry: self.retry.take(),
            range: ByteRange::new(self.start, end.max(self.start)),
        });
        self.start = end.max(self.start);
    }
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;

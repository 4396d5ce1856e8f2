//! Message heads: httparse does the syntax, this file turns its borrowed view into an owned
//! `Head` with byte ranges back into the stream.

use super::{HttpErrorKind, MAX_HEADERS, Role};
use crate::proto::ByteRange;

#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// Requests only.
    pub method: Option<String>,
    /// Requests only, exactly as on the wire.
    pub target: Option<String>,
    /// Responses only.
    pub status: Option<u16>,
    /// Responses only.
    pub reason: Option<String>,
    /// Minor version: 0 => HTTP/1.0, 1 => HTTP/1.1.
    pub version: u8,
    /// In wire order; values lossily UTF-8 decoded.
    pub headers: Vec<(String, String)>,
    /// Stream range of each header line including its line end, parallel to `headers`.
    pub header_ranges: Vec<ByteRange>,
    /// The whole head including the blank line.
    pub range: ByteRange,
    /// The head's bytes exactly as on the wire, for the hex view.
    pub raw: Vec<u8>,
}

impl Head {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive), in wire order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether `token` is in the comma-separated lists of header `name` (case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.header_all(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim_matches([' ', '\t']).eq_ignore_ascii_case(token))
    }

    pub fn version_str(&self) -> &'static str {
        match self.version {
            0 => "HTTP/1.0",
            _ => "HTTP/1.1",
        }
    }

    /// Whether the connection closes after this message (RFC 9112 §9.3): HTTP/1.1 persists
    /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    pub fn wants_close(&self) -> bool {
        if self.has_token("connection", "close") {
            return true;
        }
        self.version == 0 && !self.has_token("connection", "keep-alive")
    }

    pub(super) fn header_index(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// Header slots tried first; most heads fit, so the common case needs no heap array.
const FIRST_TRY: usize = 32;

/// Number of bytes of empty lines (`\r\n` or a bare `\n`, RFC 9112 §2.2) at the start of `buf`.
/// A lone trailing `\r` is left alone: the `\n` may still arrive.
pub(super) fn leading_empty_lines(buf: &[u8]) -> usize {
    let mut n = 0;
    loop {
        match buf.get(n..) {
            Some([b'\r', b'\n', ..]) => n += 2,
            Some([b'\n', ..]) => n += 1,
            _ => return n,
        }
    }
}

/// The headers a decoder reads (framing, upgrade, WebSocket handshake, event streams): in
/// counting mode the only ones kept.
pub(super) const READ_BY_DECODERS: [&str; 9] = [
    "connection",
    "content-length",
    "content-type",
    "sec-websocket-accept",
    "sec-websocket-extensions",
    "sec-websocket-key",
    "sec-websocket-version",
    "transfer-encoding",
    "upgrade",
];

/// Parses one head at the start of `buf`, which sits at stream offset `start`.
/// `Ok(None)` means the head is not complete yet. `lean` (counting mode): the head keeps the
/// method, status, version, range and the headers of [`READ_BY_DECODERS`] only (counts and
/// errors come out the same; an HTTP head was ~25 allocations, most of them never read).
pub(super) fn parse_head(
    role: Role,
    buf: &[u8],
    start: u64,
    lean: bool,
) -> Result<Option<(Head, usize)>, HttpErrorKind> {
    let mut slots = [httparse::EMPTY_HEADER; FIRST_TRY];
    match parse_with(role, buf, start, lean, &mut slots) {
        Err(httparse::Error::TooManyHeaders) => {}
        other => return other.map_err(HttpErrorKind::BadHead),
    }
    // Rare: grow the array and parse again rather than guess a big size for every head.
    let mut size = FIRST_TRY * 4;
    loop {
        let mut slots = vec![httparse::EMPTY_HEADER; size];
        match parse_with(role, buf, start, lean, &mut slots) {
            Err(httparse::Error::TooManyHeaders) if size < MAX_HEADERS => {
                size = size.saturating_mul(4).min(MAX_HEADERS);
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(HttpErrorKind::TooManyHeaders(MAX_HEADERS));
            }
            other => return other.map_err(HttpErrorKind::BadHead),
        }
    }
}

fn parse_with<'b>(
    role: Role,
    buf: &'b [u8],
    start: u64,
    lean: bool,
    slots: &mut [httparse::Header<'b>],
) -> Result<Option<(Head, usize)>, httparse::Error> {
    let mut head = Head {
        method: None,
        target: None,
        status: None,
        reason: None,
        version: 1,
        headers: Vec::new(),
        header_ranges: Vec::new(),
        range: ByteRange::default(),
        raw: Vec::new(),
    };
    let (len, fields) = match role {
        Role::Request => {
            let mut req = httparse::Request::new(slots);
            let httparse::Status::Complete(len) = req.parse(buf)? else {
                return Ok(None);
            };
            head.method = req.method.map(str::to_owned);
            head.target = req.path.filter(|_| !lean).map(str::to_owned);
            head.version = req.version.unwrap_or(1);
            (len, req.headers)
        }
        Role::Response => {
            let mut res = httparse::Response::new(slots);
            let httparse::Status::Complete(len) = res.parse(buf)? else {
                return Ok(None);
            };
            head.status = res.code;
            head.version = res.version.unwrap_or(1);
            head.reason = (!lean).then(|| reason_phrase(buf));
            (len, res.headers)
        }
    };
    let bytes = buf.get(..len).unwrap_or(buf);
    if !lean {
        head.headers.reserve_exact(fields.len());
        head.header_ranges.reserve_exact(fields.len());
    }
    // httparse rejects obs-fold, so each header is exactly one line after the start line.
    let mut line_start = line_end(bytes, 0);
    for field in fields.iter() {
        let end = line_end(bytes, line_start);
        if lean
            && !READ_BY_DECODERS
                .iter()
                .any(|n| field.name.eq_ignore_ascii_case(n))
        {
            line_start = end;
            continue;
        }
        head.header_ranges.push(ByteRange::new(
            start + line_start as u64,
            start + end as u64,
        ));
        head.headers.push((
            field.name.to_owned(),
            String::from_utf8_lossy(field.value).into_owned(),
        ));
        line_start = end;
    }
    head.range = ByteRange::new(start, start + len as u64);
    if !lean {
        head.raw = bytes.to_vec();
    }
    Ok(Some((head, len)))
}

/// Index just past the `\n` ending the line that starts at `from` (or the end of `buf`).
fn line_end(buf: &[u8], from: usize) -> usize {
    let rest = buf.get(from..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\n') {
        Some(i) => from + i + 1,
        None => buf.len(),
    }
}

/// The reason phrase decoded lossily from the status line (httparse gives "" for obs-text).
/// httparse only accepted `HTTP/1.x SP 3DIGIT [SP reason]`, so the phrase starts at byte 13.
fn reason_phrase(buf: &[u8]) -> String {
    let line = buf.get(..line_end(buf, 0)).unwrap_or_default();
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line.get(13..).unwrap_or_default()).into_owned()
}

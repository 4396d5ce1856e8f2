//! Body framing: one state machine for Content-Length, chunked and until-close bodies.
//! Body bytes are counted and previewed, never buffered.

use super::{HEAD_LIMIT, HttpErrorKind, MAX_HEADERS};

/// Longest chunk-size line (size, extensions, CRLF excluded) we wait for before giving up.
pub const CHUNK_LINE_LIMIT: usize = 4096;

/// Where decoded body bytes go: a count, the first `PREVIEW_LIMIT` bytes and, when streaming,
/// a copy of each run of data with its offset in the buffer given to `decode`.
#[derive(Debug, Default)]
pub(super) struct BodySink {
    pub decoded: u64,
    pub preview: Vec<u8>,
    /// PREVIEW_LIMIT, or 0 in counting mode.
    pub preview_max: usize,
    pub stream: bool,
    pub runs: Vec<(usize, Vec<u8>)>,
}

impl BodySink {
    fn push(&mut self, at: usize, data: &[u8]) {
        if self.stream && !data.is_empty() {
            self.runs.push((at, data.to_vec()));
        }
        self.decoded = self.decoded.saturating_add(data.len() as u64);
        let room = self.preview_max.saturating_sub(self.preview.len());
        if let Some(head) = data.get(..room.min(data.len())) {
            self.preview.extend_from_slice(head);
        }
    }
}

#[derive(Debug)]
pub(super) enum BodyDecoder {
    Length { remaining: u64 },
    Chunked(Chunked),
    UntilClose,
}

#[derive(Debug, Default)]
pub(super) struct Chunked {
    state: ChunkState,
    pub trailers: Vec<(String, String)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum ChunkState {
    #[default]
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// How far one `decode` call got.
#[derive(Debug, PartialEq)]
pub(super) struct Progress {
    pub consumed: usize,
    pub done: bool,
}

/// A framing error `at` bytes into the buffer given to `decode`.
#[derive(Debug, PartialEq)]
pub(super) struct BodyError {
    pub at: usize,
    pub kind: HttpErrorKind,
}

impl BodyDecoder {
    pub fn is_done(&self) -> bool {
        match self {
            BodyDecoder::Length { remaining } => *remaining == 0,
            BodyDecoder::Chunked(c) => c.state == ChunkState::Done,
            BodyDecoder::UntilClose => false,
        }
    }

    /// Consumes body bytes from `buf`. Stops early only at the end of the body, or before a
    /// chunk-size line or trailer section that is not complete yet.
    pub fn decode(&mut self, buf: &[u8], sink: &mut BodySink) -> Result<Progress, BodyError> {
        match self {
            BodyDecoder::Length { remaining } => {
                let take = take_len(*remaining, buf.len());
                sink.push(0, buf.get(..take).unwrap_or_default());
                *remaining -= take as u64;
                Ok(Progress {
                    consumed: take,
                    done: *remaining == 0,
                })
            }
            BodyDecoder::UntilClose => {
                sink.push(0, buf);
                Ok(Progress {
                    consumed: buf.len(),
                    done: false,
                })
            }
            BodyDecoder::Chunked(c) => c.decode(buf, sink),
        }
    }
}

/// `min(remaining, avail)` without lossy casts either way.
fn take_len(remaining: u64, avail: usize) -> usize {
    usize::try_from(remaining).map_or(avail, |r| r.min(avail))
}

impl Chunked {
    fn decode(&mut self, buf: &[u8], sink: &mut BodySink) -> Result<Progress, BodyError> {
        let mut pos = 0;
        loop {
            let rest = buf.get(pos..).unwrap_or_default();
            let fail = |kind| BodyError { at: pos, kind };
            match self.state {
                ChunkState::Size => {
                    let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                        if rest.len() > CHUNK_LINE_LIMIT {
                            return Err(fail(HttpErrorKind::ChunkLineTooLong(CHUNK_LINE_LIMIT)));
                        }
                        break;
                    };
                    if nl > CHUNK_LINE_LIMIT {
                        return Err(fail(HttpErrorKind::ChunkLineTooLong(CHUNK_LINE_LIMIT)));
                    }
                    let line = rest.get(..nl).unwrap_or_default();
                    let size = parse_chunk_size(line).map_err(fail)?;
                    pos += nl + 1;
                    self.state = match size {
                        0 => ChunkState::Trailers,
                        n => ChunkState::Data(n),
                    };
                }
                ChunkState::Data(remaining) => {
                    if rest.is_empty() {
                        break;
                    }
                    let take = take_len(remaining, rest.len());
                    sink.push(pos, rest.get(..take).unwrap_or_default());
                    pos += take;
                    self.state = match remaining - take as u64 {
                        0 => ChunkState::DataEnd,
                        n => ChunkState::Data(n),
                    };
                }
                // RFC 9112 §2.2 lets a recipient accept a bare LF as a line end.
                ChunkState::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        pos += 2;
                        self.state = ChunkState::Size;
                    }
                    [b'\n', ..] => {
                        pos += 1;
                        self.state = ChunkState::Size;
                    }
                    [] | [b'\r'] => break,
                    _ => return Err(fail(HttpErrorKind::MissingChunkCrlf)),
                },
                ChunkState::Trailers => match parse_trailers(rest).map_err(fail)? {
                    Some((len, _)) if len > HEAD_LIMIT => {
                        return Err(fail(HttpErrorKind::TrailersTooLarge(HEAD_LIMIT)));
                    }
                    Some((len, fields)) => {
                        pos += len;
                        self.trailers = fields;
                        self.state = ChunkState::Done;
                    }
                    None if rest.len() >= HEAD_LIMIT => {
                        return Err(fail(HttpErrorKind::TrailersTooLarge(HEAD_LIMIT)));
                    }
                    None => break,
                },
                ChunkState::Done => break,
            }
        }
        Ok(Progress {
            consumed: pos,
            done: self.state == ChunkState::Done,
        })
    }
}

/// `chunk-size [ BWS ";" chunk-ext ] [CR]` (RFC 9112 §7.1), the LF already removed.
fn parse_chunk_size(line: &[u8]) -> Result<u64, HttpErrorKind> {
    let bad = || HttpErrorKind::BadChunkSize(shown(line));
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(bad());
    }
    let mut size: u64 = 0;
    for &b in line.get(..digits).unwrap_or_default() {
        let d = char::from(b).to_digit(16).unwrap_or(0);
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(d)))
            .ok_or_else(|| HttpErrorKind::ChunkSizeOverflow(shown(line)))?;
    }
    let ext = line.get(digits..).unwrap_or_default();
    let ext = ext.trim_ascii_start();
    // Extensions are ignored, but control bytes in them (a stray CR) smell of smuggling.
    let ok = ext.is_empty()
        || (ext.first() == Some(&b';') && ext.iter().all(|&b| b == b'\t' || b >= 0x20));
    if ok { Ok(size) } else { Err(bad()) }
}

/// The trailer section after the last chunk, ending with an empty line.
/// `Ok(None)` means it is not complete yet.
fn parse_trailers(buf: &[u8]) -> Result<Option<Trailers>, HttpErrorKind> {
    let mut slots = [httparse::EMPTY_HEADER; 16];
    match parse_trailers_with(buf, &mut slots) {
        Err(httparse::Error::TooManyHeaders) => {}
        other => return other.map_err(HttpErrorKind::BadTrailers),
    }
    let mut size = 64;
    loop {
        let mut slots = vec![httparse::EMPTY_HEADER; size];
        match parse_trailers_with(buf, &mut slots) {
            Err(httparse::Error::TooManyHeaders) if size < MAX_HEADERS => {
                size = size.saturating_mul(4).min(MAX_HEADERS);
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(HttpErrorKind::TooManyHeaders(MAX_HEADERS));
            }
            other => return other.map_err(HttpErrorKind::BadTrailers),
        }
    }
}

/// Length of the trailer section and its fields.
type Trailers = (usize, Vec<(String, String)>);

fn parse_trailers_with<'b>(
    buf: &'b [u8],
    slots: &mut [httparse::Header<'b>],
) -> Result<Option<Trailers>, httparse::Error> {
    let httparse::Status::Complete((len, fields)) = httparse::parse_headers(buf, slots)? else {
        return Ok(None);
    };
    let fields = fields
        .iter()
        .map(|f| {
            let value = String::from_utf8_lossy(f.value).into_owned();
            (f.name.to_owned(), value)
        })
        .collect();
    Ok(Some((len, fields)))
}

/// A short, printable rendering of bad input for an error message.
fn shown(bytes: &[u8]) -> String {
    let cut = bytes.get(..40).unwrap_or(bytes);
    let mut s = cut.escape_ascii().to_string();
    if cut.len() < bytes.len() {
        s.push('…');
    }
    s
}

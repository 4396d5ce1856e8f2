//! The `--json` lines of the hot event kinds (TCP, HTTP, WebSocket, SSE) written straight into a
//! buffer: keys as literal bytes, numbers by `itoa` and `zmij` (serde_json's own formatters),
//! strings by an escaper identical to serde_json's. serde_json spent most of `--json`'s time
//! escaping constant keys through a writer per piece. The bytes are serde's, proved by
//! `json_line_tests` and `tests/replay_json_lines.rs`; the rare kinds keep serde.

use crate::proto::Timestamp;
use crate::proto::event::{ABNORMAL_CLOSE_CODE, Event, EventKind, HttpMessage};

use super::json::{cut, framing_name};
use super::json_num::{int, seconds};

/// Writes `ev`'s line (newline included) and answers true, or writes nothing and answers false
/// for a kind left to serde.
pub(super) fn write_hot(buf: &mut Vec<u8>, ev: &Event, origin: Timestamp) -> bool {
    let kind = &ev.kind;
    if matches!(
        kind,
        EventKind::Error(_)
            | EventKind::WsCounted(_)
            | EventKind::Skipped(_)
            | EventKind::H2Preface
            | EventKind::TlsHandshake(_)
            | EventKind::TlsRecord(_)
            | EventKind::TlsKeys(_)
    ) {
        return false;
    }
    buf.extend_from_slice(b"{\"kind\":");
    word(buf, kind.name());
    key(buf, b"conn");
    int(buf, ev.conn);
    key(buf, b"t");
    seconds(buf, ev.ts, origin);
    if let Some(dir) = ev.dir {
        key(buf, b"dir");
        word(buf, dir.as_str());
    }
    match kind {
        EventKind::TcpOpen(o) => {
            key_str(buf, b"client", &o.client);
            key_str(buf, b"server", &o.server);
            key(buf, b"handshake");
            boolean(buf, o.handshake);
            if o.live {
                buf.extend_from_slice(b",\"live\":true");
            }
        }
        EventKind::TcpClose(c) => {
            key_word(buf, b"how", c.how.as_str());
            if let Some(by) = c.by {
                key_word(buf, b"by", by.as_str());
            }
            if let Some(why) = c.why {
                key_word(buf, b"why", why.as_str());
            }
        }
        EventKind::TcpFin => {}
        EventKind::HttpRequest(r) => {
            key_str(buf, b"method", r.head.method.as_deref().unwrap_or(""));
            key_str(buf, b"target", r.head.target.as_deref().unwrap_or(""));
            http_common(buf, r);
        }
        EventKind::HttpResponse(r) => {
            key(buf, b"status");
            int(buf, r.head.status.unwrap_or(0));
            key_str(buf, b"reason", r.head.reason.as_deref().unwrap_or(""));
            http_common(buf, r);
            if let Some(a) = &r.ws_accept {
                // serde_json's `json!` map sorts its keys.
                buf.extend_from_slice(b",\"ws_accept\":{\"expected\":");
                string(buf, &a.expected);
                key_str(buf, b"key", &a.key);
                key(buf, b"ok");
                boolean(buf, a.ok());
                buf.push(b'}');
            }
        }
        EventKind::HttpBody(b) => {
            key(buf, b"bytes");
            int(buf, b.bytes);
            key(buf, b"wire_bytes");
            int(buf, b.wire_bytes);
            key_word(buf, b"framing", framing_name(b.framing));
            key(buf, b"complete");
            boolean(buf, b.complete);
            pairs_if_any(buf, b"trailers", &b.trailers);
        }
        EventKind::WsAbnormalClose(a) => {
            key(buf, b"code");
            int(buf, ABNORMAL_CLOSE_CODE);
            key_word(buf, b"how", a.how.as_str());
            if let Some(by) = a.by {
                key_word(buf, b"by", by.as_str());
            }
        }
        EventKind::WsFrame(f) => {
            key(buf, b"fin");
            boolean(buf, f.fin);
            key(buf, b"rsv");
            int(buf, f.rsv);
            key(buf, b"opcode");
            int(buf, f.opcode);
            key(buf, b"masked");
            boolean(buf, f.masked);
            // As `json::fields`: the 7-bit field, then the extended length when there is one.
            let (field, ext) = match f.len_range.len() {
                0 => (f.payload_len, None),
                2 => (126, Some(f.payload_len)),
                _ => (127, Some(f.payload_len)),
            };
            key(buf, b"payload_len");
            int(buf, field);
            if let Some(ext) = ext {
                key(buf, b"payload_len_ext");
                int(buf, ext);
            }
            key(buf, b"payload_bytes");
            int(buf, f.payload_len);
            key(buf, b"header_bytes");
            int(buf, f.header_len);
            if let Some(k) = f.mask_key {
                key(buf, b"mask_key");
                buf.push(b'"');
                for b in k {
                    buf.extend_from_slice(&[HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
                }
                buf.push(b'"');
            }
            if let Some(c) = &f.close {
                key(buf, b"close_code");
                int(buf, c.code);
                key_str(buf, b"close_reason", &c.reason);
            }
            if let Some(text) = f.text() {
                key(buf, b"text");
                payload_text(buf, cut(text));
            }
        }
        EventKind::WsMessage(w) => {
            key(buf, b"opcode");
            int(buf, w.opcode);
            key(buf, b"len");
            int(buf, w.len);
            key(buf, b"frames");
            int(buf, w.frames);
            key(buf, b"compressed");
            boolean(buf, w.compressed);
            if let Some(text) = &w.text {
                key(buf, b"text");
                payload_text(buf, cut(text));
            }
        }
        EventKind::SseEvent(e) => {
            key_str(buf, b"event", &e.event);
            key_str(buf, b"data", cut(&e.data));
            if let Some(id) = &e.id {
                key_str(buf, b"id", id);
            }
            if let Some(retry) = e.retry {
                key(buf, b"retry");
                int(buf, retry);
            }
            key(buf, b"bytes");
            int(buf, e.bytes());
            key(buf, b"offset");
            int(buf, e.range.start);
        }
        EventKind::Error(_)
        | EventKind::WsCounted(_)
        | EventKind::Skipped(_)
        | EventKind::H2Preface
        | EventKind::TlsHandshake(_)
        | EventKind::TlsRecord(_)
        | EventKind::TlsKeys(_) => unreachable!("left to serde above"),
    }
    buf.extend_from_slice(b"}\n");
    true
}

fn http_common(buf: &mut Vec<u8>, r: &HttpMessage) {
    key_str(buf, b"version", r.head.version_str());
    key(buf, b"headers");
    pairs(buf, &r.head.headers);
    key(buf, b"header_bytes");
    int(buf, r.head.range.len());
    key(buf, b"body_bytes");
    int(buf, r.body_bytes);
    if r.streaming {
        buf.extend_from_slice(b",\"streaming\":true");
    }
    if r.body_follows {
        buf.extend_from_slice(b",\"body_follows\":true");
    }
    pairs_if_any(buf, b"trailers", &r.trailers);
}

thread_local! {
    /// The last payload text escaped, and what it became.
    static LAST_TEXT: std::cell::RefCell<(Vec<u8>, Vec<u8>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// A frame's or message's text, quoted and escaped. A single-frame message repeats its frame's
/// text; escaping JSON in JSON stops at every quote, so the second is copied from the first
/// (short texts are escaped again: keeping them cost more than it saved).
fn payload_text(buf: &mut Vec<u8>, s: &str) {
    const WORTH: usize = 48;
    if s.len() < WORTH {
        return string(buf, s);
    }
    LAST_TEXT.with(|last| {
        let Ok(mut last) = last.try_borrow_mut() else {
            return string(buf, s);
        };
        let (source, escaped) = &mut *last;
        if source.as_slice() == s.as_bytes() {
            buf.extend_from_slice(escaped);
            return;
        }
        let at = buf.len();
        string(buf, s);
        source.clear();
        source.extend_from_slice(s.as_bytes());
        escaped.clear();
        escaped.extend_from_slice(&buf[at..]);
    });
}

/// `,"name":` after the entries before it (never the first: `kind` is). Inlined, each name's
/// length is known where it is written: stores, not a call to `memcpy` for a few bytes.
#[inline(always)]
fn key(buf: &mut Vec<u8>, name: &[u8]) {
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(name);
    buf.extend_from_slice(b"\":");
}

/// A name of duplex's own (an event kind, a direction): quoted, with nothing to escape.
#[inline]
fn word(buf: &mut Vec<u8>, w: &'static str) {
    debug_assert!(w.bytes().all(|b| ESCAPE[b as usize] == 0), "{w}");
    buf.push(b'"');
    buf.extend_from_slice(w.as_bytes());
    buf.push(b'"');
}

#[inline]
fn key_word(buf: &mut Vec<u8>, name: &[u8], w: &'static str) {
    key(buf, name);
    word(buf, w);
}

#[inline]
fn key_str(buf: &mut Vec<u8>, name: &[u8], value: &str) {
    key(buf, name);
    string(buf, value);
}

#[inline]
fn boolean(buf: &mut Vec<u8>, b: bool) {
    buf.extend_from_slice(if b { b"true" } else { b"false" });
}

/// A `Vec<(String, String)>` as serde writes it: an array of two-element arrays.
fn pairs(buf: &mut Vec<u8>, list: &[(String, String)]) {
    buf.push(b'[');
    for (i, (name, value)) in list.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'[');
        string(buf, name);
        buf.push(b',');
        string(buf, value);
        buf.push(b']');
    }
    buf.push(b']');
}

fn pairs_if_any(buf: &mut Vec<u8>, name: &[u8], list: &[(String, String)]) {
    if !list.is_empty() {
        key(buf, name);
        pairs(buf, list);
    }
}

const HEX: [u8; 16] = *b"0123456789abcdef";

/// serde_json's table: 0 for a byte copied as is, else the letter after the backslash (`u` for
/// `\u00XX`). Only controls, `"` and `\` are escaped; non-ASCII is copied.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// `s` quoted and escaped as serde_json escapes it. Eight bytes are looked at a time and stored
/// whole; at an escape the store is cut back to it.
pub(super) fn string(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    buf.reserve(bytes.len() + 10);
    buf.push(b'"');
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let chunk: [u8; 8] = chunk.try_into().unwrap_or_default();
        let flags = to_escape(u64::from_le_bytes(chunk));
        let at = buf.len();
        buf.extend_from_slice(&chunk);
        if flags == 0 {
            i += 8;
            continue;
        }
        let k = (flags.trailing_zeros() / 8) as usize;
        buf.truncate(at + k);
        escape(buf, chunk[k]);
        i += k + 1;
    }
    for &b in &bytes[i..] {
        if ESCAPE[b as usize] == 0 {
            buf.push(b);
        } else {
            escape(buf, b);
        }
    }
    buf.push(b'"');
}

/// The high bit of each byte of `w` (little-endian) that is a control, `"` or `\`. Exact up
/// to the lowest flagged byte; a borrow may flag bytes above it, which are looked at again.
#[inline]
fn to_escape(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    control | zero(w ^ (ONES * b'"' as u64)) | zero(w ^ (ONES * b'\\' as u64))
}

#[inline]
fn escape(buf: &mut Vec<u8>, b: u8) {
    match ESCAPE[b as usize] {
        b'u' => {
            let hex = [HEX[(b >> 4) as usize], HEX[(b & 15) as usize]];
            buf.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]);
        }
        esc => buf.extend_from_slice(&[b'\\', esc]),
    }
}

//! In words, what the lesson screen's inspector shows of an event, for the plain transcript and
//! a screen reader: an HTTP head line by line with the size of each line, a WebSocket frame's
//! first two bytes as bits with each field named, the masking key, and how the
//! `Sec-WebSocket-Accept` of a 101 is derived from the key.

use crate::proto::event::{Event, EventKind, HttpMessage, opcode_name};
use crate::proto::ws::{Frame, GUID};

/// The event's details, one sentence each; none for events a line already says in full.
pub fn details(ev: &Event) -> Vec<String> {
    match &ev.kind {
        EventKind::HttpRequest(m) | EventKind::HttpResponse(m) => head(m),
        EventKind::WsFrame(f) => frame(f),
        _ => Vec::new(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "byte" } else { "bytes" }
}

fn head(m: &HttpMessage) -> Vec<String> {
    let h = &m.head;
    let mut out = Vec::new();
    // The start line: what comes before the first header line (or the blank line).
    let first_end = h
        .header_ranges
        .first()
        .map_or(h.range.end.saturating_sub(2), |r| r.start);
    let start_len = first_end.saturating_sub(h.range.start);
    let raw = &h.raw;
    let start_text = raw
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .map_or_else(String::new, |i| {
            String::from_utf8_lossy(&raw[..i]).into_owned()
        });
    let what = if h.method.is_some() {
        "request line"
    } else {
        "status line"
    };
    if start_text.is_empty() {
        out.push(format!(
            "{what}: {start_len} {} with its line end",
            plural(start_len)
        ));
    } else {
        out.push(format!(
            "{what} \"{start_text}\": {start_len} {} with its line end",
            plural(start_len)
        ));
    }
    for ((name, value), r) in h.headers.iter().zip(&h.header_ranges) {
        let n = r.len();
        out.push(format!("header {name}: {value} — {n} {}", plural(n)));
    }
    let listed: u64 = start_len + h.header_ranges.iter().map(|r| r.len()).sum::<u64>();
    let blank = h.range.len().saturating_sub(listed);
    out.push(format!(
        "a blank line ends the head: {blank} {}; the head is {} bytes in all",
        plural(blank),
        h.range.len()
    ));
    if let Some(a) = &m.ws_accept {
        let got = a.got.as_deref().unwrap_or("(none)");
        let verdict = if a.ok() {
            "they match: the server read this key"
        } else {
            "they do NOT match: a client must refuse this upgrade"
        };
        out.push(format!(
            "Sec-WebSocket-Accept derivation: the key {} plus the GUID {GUID}, hashed with \
             SHA-1, in base64, gives {}; the server sent {got}; {verdict}",
            a.key, a.expected
        ));
    }
    out
}

fn bits(b: u8) -> String {
    format!("{:04b} {:04b}", b >> 4, b & 0x0f)
}

fn frame(f: &Frame) -> Vec<String> {
    // The first two bytes, rebuilt from the decoded fields exactly as they were on the wire.
    let b0 = (u8::from(f.fin) << 7) | ((f.rsv & 7) << 4) | (f.opcode & 0x0f);
    let len7: u8 = match f.len_range.len() {
        0 => f.payload_len.min(125) as u8,
        2 => 126,
        _ => 127,
    };
    let b1 = (u8::from(f.masked) << 7) | len7;
    let fin = if f.fin {
        "final frame of its message"
    } else {
        "more frames follow"
    };
    let mut out = vec![
        format!(
            "first byte {}: FIN {} ({fin}), RSV {:03b}, opcode {:04b} ({})",
            bits(b0),
            u8::from(f.fin),
            f.rsv & 7,
            f.opcode & 0x0f,
            opcode_name(f.opcode)
        ),
        format!(
            "second byte {}: MASK {} ({}), length field {len7}",
            bits(b1),
            u8::from(f.masked),
            if f.masked { "masked" } else { "not masked" }
        ),
    ];
    match len7 {
        126 => out.push(format!(
            "length 126 means the next 2 bytes hold the real length: {}",
            f.payload_len
        )),
        127 => out.push(format!(
            "length 127 means the next 8 bytes hold the real length: {}",
            f.payload_len
        )),
        _ => {}
    }
    if let Some(k) = f.mask_key {
        out.push(format!(
            "masking key {:02x} {:02x} {:02x} {:02x}: each payload byte is XORed with one of \
             these in turn",
            k[0], k[1], k[2], k[3]
        ));
    }
    out.push(format!(
        "header {} bytes, payload {} {}",
        f.header_len,
        f.payload_len,
        plural(f.payload_len)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ws::{WsDecoder, WsEvent};

    #[test]
    fn a_masked_text_frame_in_bits() {
        // RFC 6455 5.7: a masked "Hello".
        let bytes = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let mut d = WsDecoder::new(true, None, 0);
        let mut out = Vec::new();
        assert_eq!(d.decode(&bytes, &mut out), bytes.len());
        let Some(WsEvent::Frame(f)) = out.first() else {
            panic!("no frame: {out:?}");
        };
        let lines = frame(f);
        assert_eq!(
            lines[0],
            "first byte 1000 0001: FIN 1 (final frame of its message), RSV 000, opcode 0001 (text)"
        );
        assert_eq!(
            lines[1],
            "second byte 1000 0101: MASK 1 (masked), length field 5"
        );
        assert!(lines[2].starts_with("masking key 37 fa 21 3d"), "{lines:?}");
        assert_eq!(lines[3], "header 6 bytes, payload 5 bytes");
    }
}

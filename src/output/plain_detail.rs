//! In words, what the lesson screen's inspector shows of an event, for the plain transcript and
//! a screen reader: an HTTP head line by line with the size of each line, a WebSocket frame's
//! first two bytes as bits with each field named, the masking key, and how the
//! `Sec-WebSocket-Accept` of a 101 is derived from the key.

use crate::proto::event::{Event, EventKind, HttpMessage, opcode_name};
use crate::proto::ws::{Frame, GUID};
use crate::tr;

/// The event's details, one sentence each; none for events a line already says in full.
pub fn details(ev: &Event) -> Vec<String> {
    match &ev.kind {
        EventKind::HttpRequest(m) | EventKind::HttpResponse(m) => head(m),
        EventKind::WsFrame(f) => frame(f),
        _ => Vec::new(),
    }
}

fn plural(n: u64) -> String {
    if n == 1 {
        tr!("plain.unit_byte")
    } else {
        tr!("plain.unit_bytes")
    }
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
        tr!("plain.detail.request_line")
    } else {
        tr!("plain.detail.status_line")
    };
    if start_text.is_empty() {
        out.push(tr!(
            "plain.detail.start",
            what = what,
            n = start_len,
            unit = plural(start_len)
        ));
    } else {
        out.push(tr!(
            "plain.detail.start_text",
            what = what,
            text = start_text,
            n = start_len,
            unit = plural(start_len)
        ));
    }
    for ((name, value), r) in h.headers.iter().zip(&h.header_ranges) {
        let n = r.len();
        out.push(tr!(
            "plain.detail.header",
            name = name,
            value = value,
            n = n,
            unit = plural(n)
        ));
    }
    let listed: u64 = start_len + h.header_ranges.iter().map(|r| r.len()).sum::<u64>();
    let blank = h.range.len().saturating_sub(listed);
    out.push(tr!(
        "plain.detail.blank",
        n = blank,
        unit = plural(blank),
        total = h.range.len()
    ));
    if let Some(a) = &m.ws_accept {
        let got = a
            .got
            .clone()
            .unwrap_or_else(|| tr!("plain.detail.accept_none"));
        let verdict = if a.ok() {
            tr!("plain.detail.accept_match")
        } else {
            tr!("plain.detail.accept_mismatch")
        };
        out.push(tr!(
            "plain.detail.accept",
            key = a.key,
            guid = GUID,
            expected = a.expected,
            got = got,
            verdict = verdict
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
        tr!("plain.detail.fin_final")
    } else {
        tr!("plain.detail.fin_more")
    };
    let masked = if f.masked {
        tr!("plain.detail.masked")
    } else {
        tr!("plain.detail.not_masked")
    };
    let mut out = vec![
        tr!(
            "plain.detail.first_byte",
            bits = bits(b0),
            fin = u8::from(f.fin),
            fin_words = fin,
            rsv = format!("{:03b}", f.rsv & 7),
            opcode = format!("{:04b}", f.opcode & 0x0f),
            name = opcode_name(f.opcode)
        ),
        tr!(
            "plain.detail.second_byte",
            bits = bits(b1),
            mask = u8::from(f.masked),
            masked = masked,
            len = len7
        ),
    ];
    match len7 {
        126 => out.push(tr!(
            "plain.detail.len_ext",
            len7 = 126,
            k = 2,
            n = f.payload_len
        )),
        127 => out.push(tr!(
            "plain.detail.len_ext",
            len7 = 127,
            k = 8,
            n = f.payload_len
        )),
        _ => {}
    }
    if let Some(k) = f.mask_key {
        out.push(tr!(
            "plain.detail.mask_key",
            key = format!("{:02x} {:02x} {:02x} {:02x}", k[0], k[1], k[2], k[3])
        ));
    }
    out.push(tr!(
        "plain.detail.sizes",
        header = f.header_len,
        n = f.payload_len,
        unit = plural(f.payload_len)
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

//! A frame bit by bit, field by field, one field a line (a screen reader reads it in order),
//! then the bytes on the wire and what a server would say about them.

use crate::lesson::wrap::{cols, wrap};
use crate::proto::event::opcode_name;
use crate::proto::ws::build::FrameSpec;
use crate::proto::ws::{WsDecoder, WsEvent};
use crate::tr;

use super::words;

/// Payload bytes shown per row kind (unmasked, key, masked); the rest is counted.
const PAYLOAD_SHOWN: usize = 64;
/// Bytes of the whole frame shown as hex.
const WIRE_SHOWN: usize = 1024;
/// Characters of text quoted.
const QUOTE_MAX: usize = 80;

/// Every frame, then the bytes together (when more than one), then the server's verdict.
pub fn describe(specs: &[FrameSpec], width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, f) in specs.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        out.extend(frame(f, i + 1, specs.len(), width));
    }
    let wire: Vec<u8> = specs.iter().flat_map(FrameSpec::encode).collect();
    if specs.len() > 1 {
        out.push(String::new());
        out.push(tr!("frame.all_frames", n = wire.len()));
        out.extend(hex_rows(&wire, WIRE_SHOWN, "  "));
    }
    out.push(String::new());
    out.extend(verdict(specs, &wire, width));
    out
}

/// `label` padded to `w` display columns.
fn pad(label: &str, w: usize) -> String {
    format!("{label}{}", " ".repeat(w.saturating_sub(cols(label))))
}

fn bits(b: u8) -> String {
    format!("{:04b} {:04b}", b >> 4, b & 0x0f)
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `bytes` as rows of 16, at most `max` of them, then how many more.
fn hex_rows(bytes: &[u8], max: usize, indent: &str) -> Vec<String> {
    let mut out: Vec<String> = bytes[..bytes.len().min(max)]
        .chunks(16)
        .map(|c| format!("{indent}{}", hex(c)))
        .collect();
    if bytes.len() > max {
        out.push(format!(
            "{indent}{}",
            tr!("frame.more_bytes", n = bytes.len() - max)
        ));
    }
    out
}

/// `text` in quotes, control characters escaped, cut to QUOTE_MAX characters.
pub fn quote(text: &str) -> String {
    let mut s = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == QUOTE_MAX {
            s.push('…');
            break;
        }
        s.extend(c.escape_debug());
    }
    s.push('"');
    s
}

/// The opcode's name, or that it is reserved.
pub fn op_words(op: u8) -> String {
    match op {
        0..=2 | 8..=10 => opcode_name(op).to_owned(),
        3..=7 => tr!("frame.op_reserved_data"),
        _ => tr!("frame.op_reserved_control"),
    }
}

fn frame(f: &FrameSpec, i: usize, n: usize, width: usize) -> Vec<String> {
    let header = f.header_bytes();
    let (b0, b1) = (header[0], header[1]);
    let len7 = b1 & 0x7f;
    let mut out = vec![tr!(
        "frame.title",
        i = i,
        n = n,
        op = op_words(f.opcode),
        len = f.payload.len()
    )];
    let field = |name: &str, value: String, words: String| {
        let line = format!("    {}{}  {}", pad(name, 13), pad(&value, 9), words);
        line.trim_end().to_owned()
    };
    out.push(format!("  {}", tr!("frame.byte0", bits = bits(b0))));
    let fin = if f.fin {
        tr!("plain.detail.fin_final")
    } else {
        tr!("plain.detail.fin_more")
    };
    out.push(field("FIN", u8::from(f.fin).to_string(), fin));
    for (name, bit, words) in [
        ("RSV1", 4, tr!("frame.rsv1_words")),
        ("RSV2", 2, String::new()),
        ("RSV3", 1, String::new()),
    ] {
        let set = f.rsv & bit != 0;
        let words = if set { words } else { String::new() };
        out.push(field(name, u8::from(set).to_string(), words));
    }
    out.push(field(
        "opcode",
        format!("{:04b}", f.opcode & 0xf),
        format!("{} = {}", f.opcode, op_words(f.opcode)),
    ));
    out.push(format!("  {}", tr!("frame.byte1", bits = bits(b1))));
    let masked = if f.mask.is_some() {
        tr!("plain.detail.masked")
    } else {
        tr!("plain.detail.not_masked")
    };
    out.push(field(
        "MASK",
        u8::from(f.mask.is_some()).to_string(),
        masked,
    ));
    let len_words = match len7 {
        126 => tr!("frame.len_next", k = 2),
        127 => tr!("frame.len_next", k = 8),
        n => n.to_string(),
    };
    out.push(field("Payload len", format!("{len7:07b}"), len_words));
    if len7 >= 126 {
        let ext = &header[2..if len7 == 126 { 4 } else { 10 }];
        out.push(format!(
            "  {}",
            tr!(
                "frame.ext_len",
                k = ext.len(),
                bytes = hex(ext),
                n = f.announced_len()
            )
        ));
    }
    if let Some(k) = f.mask {
        out.push(format!("  {}", tr!("frame.mask_key", key = hex(&k))));
    }
    out.extend(payload(f, width));
    if f.lies() {
        let text = tr!(
            "frame.lies",
            announced = f.announced_len(),
            real = f.payload.len()
        );
        out.extend(wrap(&text, width, "  ", "    "));
    }
    let wire = f.encode();
    out.push(format!(
        "  {}",
        tr!(
            "frame.on_wire",
            n = wire.len(),
            header = header.len(),
            payload = f.payload.len()
        )
    ));
    out.extend(hex_rows(&wire, WIRE_SHOWN, "    "));
    out
}

fn payload(f: &FrameSpec, width: usize) -> Vec<String> {
    let p = &f.payload;
    if p.is_empty() {
        return vec![format!("  {}", tr!("frame.payload_empty"))];
    }
    let mut out = Vec::new();
    let shown = &p[..p.len().min(PAYLOAD_SHOWN)];
    let labels = [
        tr!("frame.row_unmasked"),
        tr!("frame.row_key"),
        tr!("frame.row_masked"),
    ];
    let w = labels.iter().map(|l| cols(l)).max().unwrap_or(0) + 2;
    match f.mask {
        Some(key) => {
            out.push(format!("  {}", tr!("frame.payload_masked", n = p.len())));
            let keyrow: Vec<u8> = (0..shown.len()).map(|i| key[i % 4]).collect();
            let masked: Vec<u8> = shown.iter().zip(&keyrow).map(|(b, k)| b ^ k).collect();
            // Rows of 16 bytes, the three kinds stacked so each byte sits over its XOR.
            for (c, start) in (0..shown.len()).step_by(16).enumerate() {
                let end = (start + 16).min(shown.len());
                if c > 0 {
                    out.push(String::new());
                }
                for (label, row) in labels.iter().zip([shown, &keyrow[..], &masked[..]]) {
                    out.push(format!("    {}{}", pad(label, w), hex(&row[start..end])));
                }
            }
        }
        None => {
            out.push(format!("  {}", tr!("frame.payload_plain", n = p.len())));
            out.extend(hex_rows(shown, PAYLOAD_SHOWN, "    "));
        }
    }
    if p.len() > shown.len() {
        out.push(format!(
            "    {}",
            tr!("frame.more_bytes", n = p.len() - shown.len())
        ));
    }
    if f.opcode == 8 && p.len() >= 2 {
        let code = u16::from_be_bytes([p[0], p[1]]);
        let reason = String::from_utf8_lossy(&p[2..]);
        let text = tr!(
            "frame.close_payload",
            code = code,
            meaning = words::close_meaning(code),
            reason = quote(&reason)
        );
        out.extend(wrap(&text, width, "  ", "    "));
    } else if let Ok(text) = std::str::from_utf8(p) {
        out.push(format!("  {}", tr!("frame.as_text", text = quote(text))));
    }
    out
}

/// What a server's decoder finds in the bytes, and the close it must answer with.
pub fn verdict(specs: &[FrameSpec], wire: &[u8], width: usize) -> Vec<String> {
    let mut d = WsDecoder::new(true, None, 0);
    let mut ev = Vec::new();
    d.decode(wire, &mut ev);
    d.finish(&mut ev);
    // Where each frame starts, to name the frame an offset falls in.
    let mut starts = Vec::new();
    let mut at = 0u64;
    for f in specs {
        starts.push(at);
        at += f.encode().len() as u64;
    }
    let frame_of = |off: u64| starts.iter().rposition(|&s| s <= off).map_or(1, |i| i + 1);
    let mut out = wrap(&tr!("frame.verdict_heading"), width, "", "  ");
    let mut close = None;
    let mut any = false;
    for e in &ev {
        let WsEvent::Error(e) = e else { continue };
        any = true;
        let text = tr!(
            "frame.finding",
            i = frame_of(e.offset),
            offset = e.offset,
            rule = words::rule(&e.kind)
        );
        out.extend(wrap(&text, width, "  ", "    "));
        close = close.or(words::prescribed_close(&e.kind));
    }
    let last = match close {
        Some(code) => tr!(
            "frame.verdict_close",
            code = code,
            meaning = words::close_meaning(code)
        ),
        None if any => tr!("frame.verdict_waits"),
        None => tr!("frame.verdict_ok"),
    };
    out.extend(wrap(&last, width, "  ", "  "));
    out
}

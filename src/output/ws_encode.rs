//! Encoding side of WebSocket, for writing captures: frames and the handshake's accept key.
//! The decoders live in `proto::ws`; this is the minimum needed to produce valid traffic.

/// Appends one WebSocket frame (RFC 6455 section 5.2) with the shortest length form, masking
/// the payload for real when a key is given.
pub fn encode_frame(
    out: &mut Vec<u8>,
    fin: bool,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) {
    out.push(u8::from(fin) << 7 | opcode);
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n <= 0xFFFF => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        let body = &mut out[start..];
        let word = u32::from_ne_bytes(key);
        let mut chunks = body.chunks_exact_mut(4);
        for c in &mut chunks {
            let v = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]) ^ word;
            c.copy_from_slice(&v.to_ne_bytes());
        }
        for (b, k) in chunks.into_remainder().iter_mut().zip(key) {
            *b ^= k;
        }
    }
}

pub use crate::proto::ws::accept_key;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_use_the_shortest_length_form() {
        for (len, header, marker) in [
            (0, 2, 0),
            (125, 2, 125),
            (126, 4, 126),
            (65_535, 4, 126),
            (65_536, 10, 127),
        ] {
            let mut out = Vec::new();
            encode_frame(&mut out, true, 2, None, &vec![7; len]);
            assert_eq!(
                (out.len(), out[0], out[1]),
                (header + len, 0x82, marker),
                "payload {len}"
            );
            let declared = match marker {
                126 => u64::from(u16::from_be_bytes([out[2], out[3]])),
                127 => u64::from_be_bytes(out[2..10].try_into().unwrap()),
                n => u64::from(n),
            };
            assert_eq!(declared, len as u64);
        }
    }

    #[test]
    fn masking_is_applied_and_reversible() {
        // RFC 6455 section 5.7: a masked "Hello".
        let mut out = Vec::new();
        encode_frame(&mut out, true, 1, Some([0x37, 0xfa, 0x21, 0x3d]), b"Hello");
        assert_eq!(
            out,
            [
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );
        let mut out = Vec::new();
        encode_frame(&mut out, false, 0, None, b"lo");
        assert_eq!(out, [0x00, 0x02, b'l', b'o']);
    }
}

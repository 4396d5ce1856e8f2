//! Strangers on the plain HTTP/1.1 port: clients that open with another protocol's first bytes.
//! The server and the replay decoder both read the first bytes of a client's stream with
//! [`sniff`], so what one answers and the other shows agree.

use super::tls;

/// What every HTTP/2 client sends first over cleartext with prior knowledge (RFC 9113 §3.4).
pub const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// HTTP/2's error code HTTP_1_1_REQUIRED (RFC 9113 §7).
pub const HTTP_1_1_REQUIRED: u32 = 0xd;

/// What the first bytes of a client's stream are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Too few bytes to tell.
    NeedMore,
    /// Anything else: HTTP/1.x, or bytes the HTTP decoder will call broken.
    Http1,
    H2Preface,
    /// A TLS handshake record: a client that wanted `https://`.
    Tls,
}

/// Looks at the first bytes of a client's stream. An HTTP/1 request line never starts with
/// byte 0x16, and one starting `PRI * HTTP/2.0` is the preface: ordinary requests are told
/// apart at their first or second byte.
pub fn sniff(first: &[u8]) -> Sniffed {
    match first.first() {
        None => Sniffed::NeedMore,
        Some(0x16) if !tls::looks_like_record(first) => Sniffed::Http1,
        Some(0x16) if first.len() < 3 => Sniffed::NeedMore,
        Some(0x16) => Sniffed::Tls,
        Some(_) => {
            let n = first.len().min(H2_PREFACE.len());
            if first[..n] != H2_PREFACE[..n] {
                Sniffed::Http1
            } else if n < H2_PREFACE.len() {
                Sniffed::NeedMore
            } else {
                Sniffed::H2Preface
            }
        }
    }
}

/// The server's answer to the preface: its own (empty) SETTINGS, as every HTTP/2 endpoint's
/// first frame must be, then GOAWAY with HTTP_1_1_REQUIRED and no stream processed.
pub fn h2_refusal(debug: &str) -> Vec<u8> {
    let mut out = frame_header(0, 0x4);
    let mut payload = 0u32.to_be_bytes().to_vec();
    payload.extend(HTTP_1_1_REQUIRED.to_be_bytes());
    payload.extend_from_slice(debug.as_bytes());
    out.extend(frame_header(payload.len(), 0x7));
    out.extend(payload);
    out
}

/// A 9-byte frame header on stream 0 with no flags.
fn frame_header(len: usize, kind: u8) -> Vec<u8> {
    let len = (len as u32).min(0xff_ffff).to_be_bytes();
    vec![len[1], len[2], len[3], kind, 0, 0, 0, 0, 0]
}

/// The fatal alert the server answers a ClientHello with: handshake_failure (40), in a record
/// of version TLS 1.2 as TLS 1.3 servers send too. Not protocol_version (70): that would have
/// the learner try other TLS versions, when no TLS at all is spoken here.
pub const TLS_ALERT: [u8; 7] = [21, 3, 3, 0, 2, 2, 40];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_requests_are_told_at_once() {
        assert_eq!(sniff(b"G"), Sniffed::Http1);
        assert_eq!(sniff(b"PO"), Sniffed::Http1);
        assert_eq!(sniff(b"PUT /"), Sniffed::Http1);
        assert_eq!(sniff(b"PRI * HTTP/1.1\r\n"), Sniffed::Http1);
        assert_eq!(sniff(b""), Sniffed::NeedMore);
        assert_eq!(sniff(b"P"), Sniffed::NeedMore);
        assert_eq!(sniff(b"PRI * HTTP/2.0\r\n\r\nSM\r\n"), Sniffed::NeedMore);
    }

    #[test]
    fn the_preface_and_a_tls_record() {
        assert_eq!(sniff(H2_PREFACE), Sniffed::H2Preface);
        let mut more = H2_PREFACE.to_vec();
        more.extend([0, 0, 0, 4, 0, 0, 0, 0, 0]);
        assert_eq!(sniff(&more), Sniffed::H2Preface);
        assert_eq!(sniff(&[0x16]), Sniffed::NeedMore);
        assert_eq!(sniff(&[0x16, 3, 1, 2, 0]), Sniffed::Tls);
        assert_eq!(sniff(&[0x16, 9]), Sniffed::Http1);
    }

    #[test]
    fn the_refusal_is_settings_then_goaway() {
        let out = h2_refusal("HTTP/1.1 only");
        assert_eq!(&out[..9], &[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        assert_eq!(&out[9..18], &[0, 0, 21, 7, 0, 0, 0, 0, 0]);
        assert_eq!(&out[18..26], &[0, 0, 0, 0, 0, 0, 0, 0xd]);
        assert_eq!(&out[26..], b"HTTP/1.1 only");
    }
}

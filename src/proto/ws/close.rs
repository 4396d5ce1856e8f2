//! Close frame payloads (RFC 6455 §5.5.1, §7.4).

use super::decoder::error;
use super::utf8::preview_text;
use super::{Close, WsErrorKind, WsEvent};

/// RFC 6455 §7.4: codes an endpoint may put on the wire (1012-1014 registered with IANA since).
pub fn close_code_valid(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// RFC 6455 §5.5.1: empty, or a 2-byte code then a UTF-8 reason.
pub(super) fn close_payload(
    payload: &[u8],
    len: u64,
    at: u64,
    out: &mut Vec<WsEvent>,
) -> Option<Close> {
    let (code, reason) = match payload {
        [] => return None,
        [_] => {
            out.push(error(at, WsErrorKind::CloseFrameOneByte));
            return None;
        }
        [a, b, reason @ ..] => (u16::from_be_bytes([*a, *b]), reason),
    };
    if !close_code_valid(code) {
        out.push(error(at, WsErrorKind::InvalidCloseCode(code)));
    }
    let cut = len > payload.len() as u64;
    let reason = match preview_text(reason, cut) {
        Some(text) => text,
        None => {
            let valid = std::str::from_utf8(reason).map_or_else(|e| e.valid_up_to(), |s| s.len());
            let bad_at = at.saturating_add(2).saturating_add(valid as u64);
            out.push(error(bad_at, WsErrorKind::InvalidUtf8CloseReason));
            String::from_utf8_lossy(reason).into_owned()
        }
    };
    Some(Close { code, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_cut_by_the_preview_is_kept_to_a_char_boundary() {
        let mut out = Vec::new();
        let payload = [0x03, 0xe8, b'a', 0xe2, 0x82];
        let close = close_payload(&payload, 6, 10, &mut out);
        assert!(out.is_empty());
        assert_eq!(
            close,
            Some(Close {
                code: 1000,
                reason: "a".into()
            })
        );
        // The same bytes as the whole payload: the cut char is invalid, at byte 10 + 3.
        let close = close_payload(&payload, 5, 10, &mut out);
        assert_eq!(close.map(|c| c.reason), Some("a\u{fffd}".into()));
        assert!(matches!(&out[..], [WsEvent::Error(e)] if e.offset == 13));
    }
}

//! Protocol violations: each rule of RFC 6455 broken, reported as an error at its offset, with
//! decoding going on wherever the framing is still intact.

use super::tests::{
    DEFLATE, DEFLATE_HELLO, HELLO_FRAGMENTED, HELLO_MASKED, HELLO_UNMASKED, PING_UNMASKED, decode,
    errors, frames, messages, only_error, shape,
};
use super::*;
use crate::proto::ByteRange;
use WsErrorKind as K;

#[test]
fn mask_rules() {
    assert_eq!(
        only_error(&decode(true, None, HELLO_UNMASKED)),
        (1, K::UnmaskedClientFrame)
    );
    assert_eq!(
        only_error(&decode(false, None, HELLO_MASKED)),
        (1, K::MaskedServerFrame)
    );
    // Still decoded, and unmasked.
    let ev = decode(false, None, HELLO_MASKED);
    assert_eq!(shape(&ev), "EFM");
    assert_eq!(frames(&ev)[0].payload, b"Hello");
}

#[test]
fn control_frame_rules() {
    let mut long_ping = vec![0x89, 0x7e, 0x00, 0x7e];
    long_ping.extend([b'x'; 126]);
    long_ping.extend(PING_UNMASKED);
    let ev = decode(false, None, &long_ping);
    assert_eq!(only_error(&ev), (1, K::ControlFrameTooLong(126)));
    assert_eq!(shape(&ev), "EFF");
    assert_eq!(frames(&ev)[1].payload, b"Hello");

    let ev = decode(false, None, &[0x09, 0x00, 0x8a, 0x00]);
    assert_eq!(only_error(&ev), (0, K::FragmentedControlFrame));
    assert_eq!(shape(&ev), "EFF");
}

#[test]
fn reserved_opcode_and_rsv_bits_still_yield_frames() {
    let mut bytes = vec![0x83, 0x01, 0xaa];
    bytes.extend(HELLO_UNMASKED);
    let ev = decode(false, None, &bytes);
    assert_eq!(only_error(&ev), (0, K::ReservedOpcode(3)));
    assert_eq!(shape(&ev), "EFFM");
    assert_eq!(frames(&ev)[0].payload, [0xaa]);
    assert_eq!(frames(&ev)[1].range, ByteRange::new(3, 10));

    let ev = decode(false, None, &[0x8b, 0x00]);
    assert_eq!(only_error(&ev), (0, K::ReservedOpcode(0xb)));

    // Not inflated: the compressed bytes are taken as text, which they are not.
    let ev = decode(false, None, DEFLATE_HELLO);
    assert_eq!(
        errors(&ev),
        [(0, K::RsvWithoutExtension(4)), (2, K::InvalidUtf8)]
    );
    assert_eq!(shape(&ev), "EEFM");
    assert!(!messages(&ev)[0].compressed);

    let ev = decode(false, DEFLATE, &[0xa1, 0x00, 0x91, 0x00]);
    assert_eq!(
        errors(&ev),
        [
            (0, K::RsvWithoutExtension(2)),
            (2, K::RsvWithoutExtension(1))
        ]
    );
    let err = WsError {
        offset: 0,
        kind: K::RsvWithoutExtension(5),
    };
    assert!(err.to_string().contains("RSV1+RSV3"), "{err}");
}

#[test]
fn rsv1_misplaced_under_deflate() {
    let ev = decode(false, DEFLATE, &[0xc9, 0x00]);
    assert_eq!(only_error(&ev), (0, K::CompressedControlFrame));
    let frag = [
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ];
    let ev = decode(false, DEFLATE, &frag);
    assert_eq!(only_error(&ev), (5, K::Rsv1OnContinuation));
    assert_eq!(messages(&ev)[0].text.as_deref(), Some("Hello"));
}

#[test]
fn fragmentation_rules() {
    let ev = decode(false, None, &[0x80, 0x02, 0x6c, 0x6f]);
    assert_eq!(only_error(&ev), (0, K::ContinuationWithoutStart));
    assert_eq!(shape(&ev), "EF");

    let mut bytes = HELLO_FRAGMENTED[..5].to_vec();
    bytes.extend([0x81, 0x02, b'h', b'i']);
    let ev = decode(false, None, &bytes);
    assert_eq!(only_error(&ev), (5, K::DataFrameInsideFragmentedMessage));
    assert_eq!(shape(&ev), "FEFM");
    let m = messages(&ev)[0];
    assert_eq!(
        (m.frames, m.text.as_deref(), m.range),
        (1, Some("hi"), ByteRange::new(5, 9))
    );

    let ev = decode(false, None, &HELLO_FRAGMENTED[..5]);
    assert_eq!(only_error(&ev), (0, K::UnfinishedMessage { frames: 1 }));
}

#[test]
fn utf8_rules() {
    // C3 28: a lead byte followed by a non-continuation, at payload offset 2.
    let ev = decode(false, None, &[0x81, 0x02, 0xc3, 0x28]);
    assert_eq!(only_error(&ev), (2, K::InvalidUtf8));
    assert_eq!(shape(&ev), "EFM");
    assert_eq!(
        (frames(&ev)[0].text(), messages(&ev)[0].text.as_ref()),
        (None, None)
    );

    // "€" split across fragments is valid; neither fragment is text on its own.
    let ev = decode(false, None, &[0x01, 0x01, 0xe2, 0x80, 0x02, 0x82, 0xac]);
    assert!(errors(&ev).is_empty());
    assert_eq!(messages(&ev)[0].text.as_deref(), Some("€"));
    assert_eq!(frames(&ev)[0].text(), None);

    // Found in the middle of the first fragment: reported before that frame.
    let ev = decode(false, None, &[0x01, 0x02, 0xff, b'a', 0x80, 0x01, b'b']);
    assert_eq!(only_error(&ev), (2, K::InvalidUtf8));
    assert_eq!(shape(&ev), "EFFM");

    // A sequence cut by the message end, reported at its first byte, once.
    let ev = decode(false, None, &[0x01, 0x01, b'a', 0x80, 0x02, 0xe2, 0x82]);
    assert_eq!(only_error(&ev), (5, K::InvalidUtf8));
    assert_eq!(shape(&ev), "FEFM");

    // Binary messages are not text.
    assert!(errors(&decode(false, None, &[0x82, 0x01, 0xff])).is_empty());
}

#[test]
fn close_frames() {
    let ev = decode(false, None, &[0x88, 0x00]);
    assert_eq!(
        (shape(&ev), frames(&ev)[0].close.clone()),
        ("F".into(), None)
    );

    let ev = decode(false, None, &[0x88, 0x01, 0x03]);
    assert_eq!(only_error(&ev), (2, K::CloseFrameOneByte));
    assert_eq!(frames(&ev)[0].close, None);

    let ev = decode(false, None, &[0x88, 0x04, 0x03, 0xe8, b'o', b'k']);
    assert!(errors(&ev).is_empty());
    let want = Close {
        code: 1000,
        reason: "ok".into(),
    };
    assert_eq!(frames(&ev)[0].close, Some(want));

    let ev = decode(false, None, &[0x88, 0x04, 0x03, 0xe8, b'o', 0xff]);
    assert_eq!(only_error(&ev), (5, K::InvalidUtf8CloseReason));
    assert_eq!(frames(&ev)[0].close.as_ref().map(|c| c.code), Some(1000));

    for code in [1000u16, 1001, 1003, 1007, 1011, 1012, 1014, 3000, 4999] {
        let [a, b] = code.to_be_bytes();
        assert!(
            errors(&decode(false, None, &[0x88, 0x02, a, b])).is_empty(),
            "{code}"
        );
    }
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        let [a, b] = code.to_be_bytes();
        let ev = decode(false, None, &[0x88, 0x02, a, b]);
        assert_eq!(only_error(&ev), (2, K::InvalidCloseCode(code)));
        assert_eq!(frames(&ev)[0].close.as_ref().map(|c| c.code), Some(code));
    }
}

#[test]
fn length_encoding_rules() {
    let ev = decode(false, None, &[0x82, 0x7e, 0x00, 0x05, 1, 2, 3, 4, 5]);
    assert_eq!(only_error(&ev), (2, K::NonMinimalLength));
    assert_eq!(frames(&ev)[0].payload, [1, 2, 3, 4, 5]);

    let mut bytes = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
    bytes.extend(vec![0; 0xffff]);
    let ev = decode(false, None, &bytes);
    assert_eq!(only_error(&ev), (2, K::NonMinimalLength));

    let ev = decode(false, None, &[0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
    let missing = (1u64 << 63) - 2;
    assert_eq!(
        errors(&ev),
        [(2, K::LengthMsbSet), (0, K::Truncated { missing })]
    );
    assert_eq!(shape(&ev), "EE");
}

#[test]
fn huge_length_consumes_without_allocating() {
    let mut d = WsDecoder::new(false, None, 1000);
    let mut out = Vec::new();
    let mut bytes = vec![0x82, 0x7f, 0x40, 0, 0, 0, 0, 0, 0, 0];
    bytes.extend([7u8; 20]);
    assert_eq!(d.decode(&bytes, &mut out), bytes.len());
    assert_eq!(d.decode(&[7; 5000], &mut out), 5000);
    assert!(out.is_empty());
    assert_eq!(d.offset(), 1000 + 30 + 5000);
    d.finish(&mut out);
    let missing = (1u64 << 62) - 5020;
    assert_eq!(errors(&out), [(1000, K::Truncated { missing })]);
    d.finish(&mut out);
    assert_eq!(out.len(), 1, "finish twice reports once");
}

#[test]
fn truncated_header_and_payload() {
    let ev = decode(false, None, &HELLO_UNMASKED[..4]);
    assert_eq!(errors(&ev), [(0, K::Truncated { missing: 3 })]);
    // Header cut after the mask bit: 4 key bytes and 5 payload bytes are still due.
    let mut d = WsDecoder::new(true, None, 0);
    let mut out = Vec::new();
    assert_eq!(d.decode(&HELLO_MASKED[..2], &mut out), 0);
    d.finish(&mut out);
    assert_eq!(errors(&out), [(0, K::Truncated { missing: 9 })]);
    // A complete frame, then a cut header.
    let mut bytes = HELLO_UNMASKED.to_vec();
    bytes.extend([0x82, 0x7e, 0x01]);
    let ev = decode(false, None, &bytes);
    assert_eq!(shape(&ev), "FME");
    assert_eq!(errors(&ev), [(7, K::Truncated { missing: 1 })]);
}

#[test]
fn base_offset_shifts_every_range() {
    let mut d = WsDecoder::new(true, None, 500);
    let mut out = Vec::new();
    assert_eq!(d.decode(&[0x81, 0x02, 0xc3, 0x28], &mut out), 4);
    let f = frames(&out)[0];
    assert_eq!(
        (f.range, f.payload_range),
        (ByteRange::new(500, 504), ByteRange::new(502, 504))
    );
    assert_eq!(
        errors(&out),
        [(501, K::UnmaskedClientFrame), (502, K::InvalidUtf8)]
    );
}

#[test]
fn error_messages_name_the_place_and_rule() {
    let e = WsError {
        offset: 42,
        kind: K::ControlFrameTooLong(200),
    };
    assert_eq!(
        e.to_string(),
        "WebSocket at byte 42: control frame carries 200 payload bytes; control frames carry at most 125 (RFC 6455 §5.5)"
    );
    let e = WsError {
        offset: 0,
        kind: K::MessageTooLarge,
    };
    assert!(e.to_string().contains("64 MiB"), "{e}");
}

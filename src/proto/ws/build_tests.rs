use super::*;
use crate::proto::ws::{WsDecoder, WsErrorKind, WsEvent};

fn decode(bytes: &[u8]) -> Vec<WsEvent> {
    let mut d = WsDecoder::new(true, None, 0);
    let mut out = Vec::new();
    let used = d.decode(bytes, &mut out);
    assert_eq!(used, bytes.len());
    out
}

fn errors(ev: &[WsEvent]) -> Vec<WsErrorKind> {
    ev.iter()
        .filter_map(|e| match e {
            WsEvent::Error(e) => Some(e.kind.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn rfc_examples_encode_byte_for_byte() {
    // RFC 6455 §5.7: a single-frame unmasked text message, then the masked one.
    assert_eq!(
        FrameSpec::new(1, "Hello").encode(),
        [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
    );
    let mut f = FrameSpec::new(1, "Hello");
    f.mask = Some([0x37, 0xfa, 0x21, 0x3d]);
    assert_eq!(
        f.encode(),
        [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
        ]
    );
    // 256 bytes binary: 16-bit length; 64 KiB: 64-bit length.
    assert_eq!(
        FrameSpec::new(2, vec![0; 256]).header_bytes(),
        [0x82, 0x7e, 0x01, 0x00]
    );
    assert_eq!(
        FrameSpec::new(2, vec![0; 65536]).header_bytes(),
        [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]
    );
}

#[test]
fn the_decoder_reads_back_every_field() {
    let mut f = FrameSpec::client(2, vec![1, 2, 3]);
    f.fin = false;
    f.rsv = 0;
    let ev = decode(&f.encode());
    let WsEvent::Frame(fr) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert!(!fr.fin && fr.masked && fr.opcode == 2);
    assert_eq!(fr.mask_key, f.mask);
    assert_eq!(fr.payload, [1, 2, 3]);
}

#[test]
fn a_long_form_for_a_short_payload_is_flagged_not_minimal() {
    let mut f = FrameSpec::client(1, "hi");
    f.len = LenForm::Sixteen(2);
    assert!(!f.lies());
    assert_eq!(f.header_bytes()[1], 0x80 | 126);
    assert!(errors(&decode(&f.encode())).contains(&WsErrorKind::NonMinimalLength));
}

#[test]
fn a_length_that_lies_is_announced_as_written() {
    let mut f = FrameSpec::client(1, "hi");
    f.len = LenForm::Seven(100);
    assert!(f.lies());
    assert_eq!(f.announced_len(), 100);
    assert_eq!(f.header_bytes()[1], 0x80 | 100);
    // The decoder waits for the 98 bytes that never come.
    let ev = decode(&f.encode());
    assert!(ev.is_empty(), "{ev:?}");
}

#[test]
fn out_of_range_fields_are_refused() {
    let mut f = FrameSpec::new(16, "");
    assert_eq!(f.check(), Err(SpecError::Opcode(16)));
    f.opcode = 1;
    f.rsv = 8;
    assert_eq!(f.check(), Err(SpecError::Rsv(8)));
    f.rsv = 0;
    f.len = LenForm::Seven(126);
    assert_eq!(f.check(), Err(SpecError::Seven(126)));
}

#[test]
fn fragments_split_evenly_and_only_the_last_has_fin() {
    let v = fragments(1, b"abcdefgh", 3, true);
    let parts: Vec<&[u8]> = v.iter().map(|f| f.payload.as_slice()).collect();
    assert_eq!(parts, [&b"abc"[..], b"def", b"gh"]);
    assert_eq!(v.iter().map(|f| f.opcode).collect::<Vec<_>>(), [1, 0, 0]);
    assert_eq!(
        v.iter().map(|f| f.fin).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert!(v.iter().all(|f| f.mask.is_some()));
    let bytes: Vec<u8> = v.iter().flat_map(|f| f.encode()).collect();
    let ev = decode(&bytes);
    let msg = ev.iter().find_map(|e| match e {
        WsEvent::Message(m) => Some(m),
        _ => None,
    });
    assert_eq!(msg.map(|m| m.text.as_deref()), Some(Some("abcdefgh")));
}

#[test]
fn each_preset_breaks_the_rule_it_names() {
    use WsErrorKind as K;
    let want = |p: Preset| -> Option<fn(&K) -> bool> {
        Some(match p {
            Preset::Unmasked => |k| *k == K::UnmaskedClientFrame,
            Preset::Ping126 => |k| matches!(k, K::ControlFrameTooLong(126)),
            Preset::FragmentedPing => |k| *k == K::FragmentedControlFrame,
            Preset::InvalidUtf8 => |k| *k == K::InvalidUtf8,
            Preset::ReservedOpcode => |k| *k == K::ReservedOpcode(3),
            Preset::Close999 => |k| *k == K::InvalidCloseCode(999),
            Preset::OrphanContinuation => |k| *k == K::ContinuationWithoutStart,
            Preset::Rsv1 => |k| matches!(k, K::RsvWithoutExtension(4)),
            Preset::PingBetweenFragments => return None,
        })
    };
    for p in Preset::ALL {
        let bytes: Vec<u8> = p.frames().iter().flat_map(|f| f.encode()).collect();
        let errs = errors(&decode(&bytes));
        match want(p) {
            Some(is) => assert!(errs.iter().any(is), "{}: {errs:?}", p.id()),
            None => assert!(errs.is_empty(), "{}: {errs:?}", p.id()),
        }
        assert_eq!(p.expected_close().is_none(), errs.is_empty(), "{}", p.id());
        assert_eq!(Preset::from_id(p.id()), Some(p));
    }
}

#[test]
fn opcodes_and_hex_parse_as_typed() {
    assert_eq!(parse_opcode("Ping"), Some(9));
    assert_eq!(parse_opcode("cont"), Some(0));
    assert_eq!(parse_opcode("0xB"), Some(11));
    assert_eq!(parse_opcode("15"), Some(15));
    assert_eq!(parse_opcode("16"), None);
    assert_eq!(parse_opcode("pang"), None);
    assert_eq!(parse_hex("0x81 05:ff"), Some(vec![0x81, 0x05, 0xff]));
    assert_eq!(parse_hex("8"), None);
    assert_eq!(parse_hex("zz"), None);
    assert_eq!(
        close_payload(Some(1000), b"bye"),
        [0x03, 0xe8, b'b', b'y', b'e']
    );
    assert_eq!(close_payload(None, b"ignored"), Vec::<u8>::new());
}

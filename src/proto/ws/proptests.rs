//! Properties: frames encoded by tungstenite decode back to the same fields, and any bytes cut
//! anywhere neither panic nor change the events.

use super::tests::decode_chunks;
use super::*;
use proptest::prelude::*;
use tungstenite::protocol::frame::{Frame as TFrame, FrameHeader, coding::OpCode};

#[derive(Debug, Clone)]
struct Spec {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: Vec<u8>,
}

fn spec() -> impl Strategy<Value = Spec> {
    let payload = prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..300),
        1 => (0usize..70_000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
    ];
    (
        any::<bool>(),
        0u8..8,
        0u8..16,
        any::<Option<[u8; 4]>>(),
        payload,
    )
        .prop_map(|(fin, rsv, opcode, mask, payload)| Spec {
            fin,
            rsv,
            opcode,
            mask,
            payload,
        })
}

fn encode(s: &Spec) -> Vec<u8> {
    let header = FrameHeader {
        is_final: s.fin,
        rsv1: s.rsv & 4 != 0,
        rsv2: s.rsv & 2 != 0,
        rsv3: s.rsv & 1 != 0,
        opcode: OpCode::from(s.opcode),
        mask: s.mask,
    };
    let mut out = Vec::new();
    TFrame::from_payload(header, s.payload.clone().into())
        .format(&mut out)
        .expect("writing to a Vec cannot fail");
    out
}

/// Splits `bytes` at the given points (taken modulo the length).
fn cut<'a>(bytes: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
    at.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for p in at.into_iter().chain([bytes.len()]) {
        chunks.push(&bytes[start..p]);
        start = p;
    }
    chunks
}

const DEFLATE: Option<DeflateParams> = Some(DeflateParams {
    no_context_takeover: false,
    window_bits: 15,
});

proptest! {
    #[test]
    fn tungstenite_frames_decode_to_the_same_fields(
        specs in proptest::collection::vec(spec(), 1..6),
        points in proptest::collection::vec(any::<usize>(), 0..6),
        from_client in any::<bool>(),
    ) {
        let wire: Vec<Vec<u8>> = specs.iter().map(encode).collect();
        let stream = wire.concat();
        let events = decode_chunks(from_client, None, &[&stream]);
        let frames: Vec<&Frame> = events
            .iter()
            .filter_map(|e| match e {
                WsEvent::Frame(f) => Some(&**f),
                _ => None,
            })
            .collect();
        prop_assert_eq!(frames.len(), specs.len());
        let mut start = 0u64;
        for ((f, s), w) in frames.iter().zip(&specs).zip(&wire) {
            let keep = s.payload.len().min(PREVIEW_MAX);
            let header_len = w.len() - s.payload.len();
            prop_assert_eq!((f.fin, f.rsv, f.opcode), (s.fin, s.rsv, s.opcode));
            prop_assert_eq!((f.masked, f.mask_key), (s.mask.is_some(), s.mask));
            prop_assert_eq!(f.payload_len, s.payload.len() as u64);
            prop_assert_eq!(usize::from(f.header_len), header_len);
            prop_assert_eq!(&f.payload[..], &s.payload[..keep]);
            prop_assert_eq!(&f.masked_preview()[..], &w[header_len..header_len + keep]);
            prop_assert_eq!(f.range, ByteRange::new(start, start + w.len() as u64));
            prop_assert_eq!(f.payload_range.start, start + header_len as u64);
            start += w.len() as u64;
        }
        prop_assert_eq!(decode_chunks(from_client, None, &cut(&stream, &points)), events);
    }

    #[test]
    fn arbitrary_bytes_any_split_no_panic_same_events(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        points in proptest::collection::vec(any::<usize>(), 0..10),
        from_client in any::<bool>(),
        deflate in any::<bool>(),
    ) {
        let deflate = if deflate { DEFLATE } else { None };
        // decode_chunks asserts consumed <= presented and that offsets add up.
        let whole = decode_chunks(from_client, deflate, &[&bytes]);
        prop_assert_eq!(decode_chunks(from_client, deflate, &cut(&bytes, &points)), whole);
    }

    #[test]
    fn damaged_frames_any_split_no_panic_same_events(
        specs in proptest::collection::vec(spec(), 1..5),
        damage in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        points in proptest::collection::vec(any::<usize>(), 0..6),
        from_client in any::<bool>(),
        deflate in any::<bool>(),
    ) {
        let deflate = if deflate { DEFLATE } else { None };
        let mut bytes: Vec<u8> = specs.iter().flat_map(encode).collect();
        for (at, b) in damage {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        let whole = decode_chunks(from_client, deflate, &[&bytes]);
        prop_assert_eq!(decode_chunks(from_client, deflate, &cut(&bytes, &points)), whole);
    }
}

/// Compresses messages like a permessage-deflate sender with context takeover and frames them
/// in fragments of the given sizes.
fn deflated_stream(messages: &[(String, Vec<usize>)], mask: Option<[u8; 4]>) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new(Compression::fast(), false);
    let mut stream = Vec::new();
    for (text, sizes) in messages {
        let mut z = Vec::with_capacity(text.len() + 64);
        c.compress_vec(text.as_bytes(), &mut z, FlushCompress::Sync)
            .expect("compressing into a Vec");
        z.truncate(z.len() - 4); // RFC 7692 §7.2.1: strip 00 00 ff ff
        let mut rest = &z[..];
        let mut first = true;
        for (i, size) in sizes.iter().enumerate() {
            let last = i + 1 == sizes.len();
            let n = if last {
                rest.len()
            } else {
                (*size).min(rest.len())
            };
            let (part, tail) = rest.split_at(n);
            rest = tail;
            let header = FrameHeader {
                is_final: last,
                rsv1: first,
                opcode: OpCode::from(if first { 1 } else { 0 }),
                mask,
                ..FrameHeader::default()
            };
            TFrame::from_payload(header, part.to_vec().into())
                .format(&mut stream)
                .expect("writing to a Vec cannot fail");
            first = false;
        }
    }
    stream
}

proptest! {
    #[test]
    fn deflated_messages_inflate_back_at_any_split(
        messages in proptest::collection::vec(
            ("(héllo|wörld|€|[a-z ]{0,40}){0,200}", proptest::collection::vec(0usize..40, 1..4)),
            1..4,
        ),
        mask in any::<Option<[u8; 4]>>(),
        points in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let stream = deflated_stream(&messages, mask);
        let events = decode_chunks(mask.is_some(), DEFLATE, &[&stream]);
        let got: Vec<&Message> = events
            .iter()
            .filter_map(|e| match e {
                WsEvent::Message(m) => Some(&**m),
                _ => None,
            })
            .collect();
        prop_assert!(!events.iter().any(|e| matches!(e, WsEvent::Error(_))), "{:?}", events);
        prop_assert_eq!(got.len(), messages.len());
        for (m, (text, _)) in got.iter().zip(&messages) {
            let keep = text.len().min(PREVIEW_MAX);
            prop_assert!(m.compressed);
            prop_assert_eq!(m.len, text.len() as u64);
            prop_assert_eq!(&m.preview[..], &text.as_bytes()[..keep]);
            prop_assert!(m.text.as_ref().is_some_and(|t| text.starts_with(t.as_str())));
        }
        prop_assert_eq!(decode_chunks(mask.is_some(), DEFLATE, &cut(&stream, &points)), events);
    }
}

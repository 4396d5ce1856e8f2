use super::*;
use crate::proto::ByteRange;
use WsErrorKind as K;

pub(super) const DEFLATE: Option<DeflateParams> = Some(DeflateParams {
    no_context_takeover: false,
    window_bits: 15,
});
const DEFLATE_NCT: Option<DeflateParams> = Some(DeflateParams {
    no_context_takeover: true,
    window_bits: 15,
});

/// Feeds like the caller does: unconsumed bytes are presented again with the next chunk.
pub(super) fn decode_chunks(
    from_client: bool,
    deflate: Option<DeflateParams>,
    chunks: &[&[u8]],
) -> Vec<WsEvent> {
    let mut d = WsDecoder::new(from_client, deflate, 0);
    let mut out = Vec::new();
    let mut held: Vec<u8> = Vec::new();
    let mut fed = 0u64;
    for chunk in chunks {
        held.extend_from_slice(chunk);
        fed += chunk.len() as u64;
        let used = d.decode(&held, &mut out);
        assert!(used <= held.len());
        held.drain(..used);
        assert_eq!(d.offset() + held.len() as u64, fed);
    }
    d.finish(&mut out);
    out
}

pub(super) fn decode(
    from_client: bool,
    deflate: Option<DeflateParams>,
    bytes: &[u8],
) -> Vec<WsEvent> {
    decode_chunks(from_client, deflate, &[bytes])
}

pub(super) fn frames(events: &[WsEvent]) -> Vec<&Frame> {
    events
        .iter()
        .filter_map(|e| match e {
            WsEvent::Frame(f) => Some(&**f),
            _ => None,
        })
        .collect()
}

pub(super) fn messages(events: &[WsEvent]) -> Vec<&Message> {
    events
        .iter()
        .filter_map(|e| match e {
            WsEvent::Message(m) => Some(&**m),
            _ => None,
        })
        .collect()
}

pub(super) fn errors(events: &[WsEvent]) -> Vec<(u64, WsErrorKind)> {
    events
        .iter()
        .filter_map(|e| match e {
            WsEvent::Error(e) => Some((e.offset, e.kind.clone())),
            _ => None,
        })
        .collect()
}

/// "F" frame, "M" message, "E" error, "C" frames counted: the event order at a glance.
pub(super) fn shape(events: &[WsEvent]) -> String {
    events
        .iter()
        .map(|e| match e {
            WsEvent::Frame(_) => 'F',
            WsEvent::Message(_) => 'M',
            WsEvent::Error(_) => 'E',
            WsEvent::Counted(_) => 'C',
        })
        .collect()
}

pub(super) fn only_error(events: &[WsEvent]) -> (u64, WsErrorKind) {
    let errs = errors(events);
    assert_eq!(errs.len(), 1, "{errs:?}");
    errs[0].clone()
}

pub(super) const HELLO_UNMASKED: &[u8] = &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
pub(super) const HELLO_MASKED: &[u8] = &[
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];
pub(super) const HELLO_FRAGMENTED: &[u8] = &[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
pub(super) const PING_UNMASKED: &[u8] = &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const PONG_MASKED: &[u8] = &[
    0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];
pub(super) const DEFLATE_HELLO: &[u8] = &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
const DEFLATE_HELLO_AGAIN: &[u8] = &[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];

fn binary(len: usize) -> Vec<u8> {
    let mut v = vec![0x82];
    match len {
        0..=125 => v.push(len as u8),
        126..=0xffff => {
            v.push(126);
            v.extend((len as u16).to_be_bytes());
        }
        _ => {
            v.push(127);
            v.extend((len as u64).to_be_bytes());
        }
    }
    v.extend((0..len).map(|i| (i % 253) as u8));
    v
}

#[test]
fn rfc6455_unmasked_hello() {
    let ev = decode(false, None, HELLO_UNMASKED);
    assert_eq!(shape(&ev), "FM");
    let f = frames(&ev)[0];
    assert_eq!((f.fin, f.rsv, f.opcode, f.masked), (true, 0, 1, false));
    assert_eq!((f.payload_len, f.header_len), (5, 2));
    assert_eq!(f.range, ByteRange::new(0, 7));
    assert_eq!(f.len_range, ByteRange::new(2, 2));
    assert_eq!(f.mask_range, None);
    assert_eq!(f.payload_range, ByteRange::new(2, 7));
    assert_eq!(f.payload, b"Hello");
    assert_eq!(f.masked_preview(), b"Hello");
    assert_eq!(f.text(), Some("Hello"));
    let m = messages(&ev)[0];
    assert_eq!(
        (m.opcode, m.len, m.wire_len, m.frames, m.compressed),
        (1, 5, 5, 1, false)
    );
    assert_eq!(m.text.as_deref(), Some("Hello"));
    assert_eq!(m.range, ByteRange::new(0, 7));
}

#[test]
fn rfc6455_masked_hello() {
    let ev = decode(true, None, HELLO_MASKED);
    assert_eq!(shape(&ev), "FM");
    let f = frames(&ev)[0];
    assert!(f.masked);
    assert_eq!(f.mask_key, Some([0x37, 0xfa, 0x21, 0x3d]));
    assert_eq!(f.mask_range, Some(ByteRange::new(2, 6)));
    assert_eq!(f.payload_range, ByteRange::new(6, 11));
    assert_eq!(f.payload, b"Hello");
    assert_eq!(f.masked_preview(), [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    assert_eq!(messages(&ev)[0].text.as_deref(), Some("Hello"));
}

#[test]
fn rfc6455_fragmented_hello() {
    let ev = decode(false, None, HELLO_FRAGMENTED);
    assert_eq!(shape(&ev), "FFM");
    let f = frames(&ev);
    assert_eq!(
        (f[0].fin, f[0].opcode, f[0].text()),
        (false, 1, Some("Hel"))
    );
    assert_eq!((f[1].fin, f[1].opcode, f[1].text()), (true, 0, Some("lo")));
    let m = messages(&ev)[0];
    assert_eq!((m.frames, m.len, m.text.as_deref()), (2, 5, Some("Hello")));
    assert_eq!(m.range, ByteRange::new(0, 9));
}

#[test]
fn rfc6455_ping_pong_are_not_messages() {
    let ev = decode(false, None, PING_UNMASKED);
    assert_eq!(shape(&ev), "F");
    assert_eq!(frames(&ev)[0].opcode, 9);
    assert_eq!(frames(&ev)[0].payload, b"Hello");
    assert_eq!(frames(&ev)[0].text(), None);
    let ev = decode(true, None, PONG_MASKED);
    assert_eq!(shape(&ev), "F");
    assert_eq!(
        (frames(&ev)[0].opcode, &frames(&ev)[0].payload[..]),
        (10, &b"Hello"[..])
    );
}

#[test]
fn control_frame_between_fragments() {
    let mut bytes = HELLO_FRAGMENTED[..5].to_vec();
    bytes.extend(PING_UNMASKED);
    bytes.extend(&HELLO_FRAGMENTED[5..]);
    let ev = decode(false, None, &bytes);
    assert_eq!(shape(&ev), "FFFM");
    assert_eq!(messages(&ev)[0].text.as_deref(), Some("Hello"));
    assert_eq!(messages(&ev)[0].range, ByteRange::new(0, 16));
}

#[test]
fn rfc6455_16_and_64_bit_lengths() {
    let ev = decode(false, None, &binary(256));
    assert_eq!(shape(&ev), "FM");
    let f = frames(&ev)[0];
    assert_eq!((f.payload_len, f.header_len), (256, 4));
    assert_eq!(f.len_range, ByteRange::new(2, 4));
    assert_eq!(f.payload.len(), 256);
    assert_eq!(&f.payload[..4], [0, 1, 2, 3]);

    let ev = decode(false, None, &binary(65536));
    assert_eq!(shape(&ev), "FM");
    let f = frames(&ev)[0];
    assert_eq!((f.payload_len, f.header_len), (65536, 10));
    assert_eq!(f.len_range, ByteRange::new(2, 10));
    assert_eq!(f.payload.len(), PREVIEW_MAX);
    assert_eq!(f.masked_preview().len(), PREVIEW_MAX);
    let m = messages(&ev)[0];
    assert_eq!(
        (m.len, m.wire_len, m.preview.len(), m.text.as_ref()),
        (65536, 65536, PREVIEW_MAX, None)
    );
}

#[test]
fn masked_large_payload_preview_and_text() {
    let key = [0xa1, 0xb2, 0xc3, 0xd4];
    let text = "αβγ".repeat(3000); // 18000 bytes, 2-byte chars
    let mut bytes = vec![0x81, 0xfe];
    bytes.extend((text.len() as u16).to_be_bytes());
    bytes.extend(key);
    bytes.extend(text.bytes().enumerate().map(|(i, b)| b ^ key[i % 4]));
    let chunks: Vec<&[u8]> = bytes.chunks(777).collect();
    let ev = decode_chunks(true, None, &chunks);
    assert_eq!(shape(&ev), "FM");
    let f = frames(&ev)[0];
    assert_eq!(f.payload, &text.as_bytes()[..PREVIEW_MAX]);
    assert_eq!(f.text(), Some(&text[..PREVIEW_MAX]));
    let m = messages(&ev)[0];
    assert_eq!(m.len, text.len() as u64);
    assert_eq!(m.text.as_deref(), Some(&text[..PREVIEW_MAX]));
}

fn all_sample_streams() -> Vec<(bool, Option<DeflateParams>, Vec<u8>)> {
    let mut client = HELLO_MASKED.to_vec();
    client.extend(PONG_MASKED);
    let mut server = HELLO_UNMASKED.to_vec();
    server.extend(HELLO_FRAGMENTED);
    server.extend(PING_UNMASKED);
    server.extend(binary(300));
    server.extend([0x83, 0x00, 0x88, 0x02, 0x03, 0xed, 0x81, 0x02, 0xc3, 0x28]);
    server.extend([
        0x01, 0x01, 0xe2, 0x80, 0x02, 0x82, 0xac, 0x82, 0x7e, 0x00, 0x01, 0x00,
    ]);
    let mut deflated = DEFLATE_HELLO.to_vec();
    deflated.extend(DEFLATE_HELLO_AGAIN);
    deflated.extend([
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ]);
    deflated.extend([0xc1, 0x02, 0xff, 0xff, 0x81, 0x01]);
    vec![
        (true, None, client),
        (false, None, server),
        (false, DEFLATE, deflated),
    ]
}

#[test]
fn every_split_gives_identical_events() {
    for (from_client, deflate, bytes) in all_sample_streams() {
        let whole = decode(from_client, deflate, &bytes);
        assert!(!errors(&whole).is_empty() || from_client);
        for cut in 0..=bytes.len() {
            let (a, b) = bytes.split_at(cut);
            assert_eq!(
                decode_chunks(from_client, deflate, &[a, b]),
                whole,
                "cut at {cut}"
            );
        }
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode_chunks(from_client, deflate, &bytewise), whole);
    }
}

#[test]
fn rfc7692_compressed_hello_with_context_takeover() {
    let mut bytes = DEFLATE_HELLO.to_vec();
    bytes.extend(DEFLATE_HELLO_AGAIN);
    let ev = decode(false, DEFLATE, &bytes);
    assert_eq!(shape(&ev), "FMFM");
    let f = frames(&ev)[0];
    assert_eq!((f.rsv, f.text()), (4, None));
    assert_eq!(f.payload, &DEFLATE_HELLO[2..]);
    for (m, wire) in messages(&ev).into_iter().zip([7, 5]) {
        assert_eq!((m.compressed, m.len, m.wire_len), (true, 5, wire));
        assert_eq!(m.text.as_deref(), Some("Hello"));
    }
}

#[test]
fn rfc7692_no_context_takeover_resets_per_message() {
    let mut bytes = DEFLATE_HELLO.to_vec();
    bytes.extend(DEFLATE_HELLO);
    let ev = decode(false, DEFLATE_NCT, &bytes);
    assert_eq!(shape(&ev), "FMFM");
    assert!(
        messages(&ev)
            .iter()
            .all(|m| m.text.as_deref() == Some("Hello"))
    );
    // A back-reference into the previous message finds nothing after the reset: zlib rejects
    // it, so the second message is not "Hello".
    let mut bytes = DEFLATE_HELLO.to_vec();
    bytes.extend(DEFLATE_HELLO_AGAIN);
    let ev = decode(false, DEFLATE_NCT, &bytes);
    assert_eq!(messages(&ev)[0].preview, b"Hello");
    assert_ne!(messages(&ev)[1].preview, b"Hello");
    assert!(
        ev.iter().any(|e| matches!(e, WsEvent::Error(WsError { kind: WsErrorKind::Inflate(m), .. }) if m.contains("too far back"))),
        "{ev:?}"
    );
}

#[test]
fn rfc7692_fragmented_stored_and_final_block() {
    let frag = [
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ];
    let stored = [
        0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    let bfinal = [0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    for (bytes, frames_n) in [(&frag[..], 2), (&stored[..], 1), (&bfinal[..], 1)] {
        let ev = decode(false, DEFLATE, bytes);
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let m = messages(&ev)[0];
        assert_eq!(
            (m.frames, m.compressed, m.text.as_deref()),
            (frames_n, true, Some("Hello"))
        );
    }
}

#[test]
fn inflated_content_is_streamed_and_validated() {
    use flate2::{Compress, Compression, FlushCompress};
    let text = "déjà vu ".repeat(20_000);
    let mut z = Vec::with_capacity(text.len());
    let mut c = Compress::new(Compression::fast(), false);
    c.compress_vec(text.as_bytes(), &mut z, FlushCompress::Sync)
        .unwrap();
    assert!(z.ends_with(&[0, 0, 0xff, 0xff]));
    z.truncate(z.len() - 4);
    let mut bytes = vec![0xc1, 0x7e];
    bytes.extend((z.len() as u16).to_be_bytes());
    bytes.extend(&z);
    let ev = decode(false, DEFLATE, &bytes);
    let m = messages(&ev)[0];
    assert_eq!((m.len, m.wire_len), (text.len() as u64, z.len() as u64));
    assert_eq!(m.preview, &text.as_bytes()[..PREVIEW_MAX]);
    assert!(
        m.text
            .as_ref()
            .is_some_and(|t| text.starts_with(t.as_str()))
    );

    // The same but with an invalid byte deep inside: found after inflation.
    let mut bad = text.into_bytes();
    bad[100_000] = 0xff;
    let mut z = Vec::with_capacity(bad.len());
    let mut c = Compress::new(Compression::fast(), false);
    c.compress_vec(&bad, &mut z, FlushCompress::Sync).unwrap();
    z.truncate(z.len() - 4);
    let mut bytes = vec![0xc1, 0x7e];
    bytes.extend((z.len() as u16).to_be_bytes());
    bytes.extend(&z);
    let ev = decode(false, DEFLATE, &bytes);
    assert_eq!(only_error(&ev), (0, K::InvalidUtf8));
    assert_eq!(shape(&ev), "EFM");
    assert_eq!(messages(&ev)[0].text, None);
}

#[test]
fn compression_bomb_stops_at_limit() {
    let mut z = crate::proto::deflate::zero_bomb();
    z.truncate(z.len() - 4);
    let mut bytes = vec![0xc2, 0x7f];
    bytes.extend((z.len() as u64).to_be_bytes());
    bytes.extend(&z);
    let ev = decode(false, DEFLATE, &bytes);
    assert_eq!(only_error(&ev), (0, K::MessageTooLarge));
    let m = messages(&ev)[0];
    assert_eq!((m.len, m.wire_len), (MESSAGE_MAX, z.len() as u64));
}

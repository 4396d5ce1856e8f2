//! One direction of WebSocket frames: client or server, permessage-deflate on or off (with or
//! without context takeover) from the first byte; the second byte says how many of the
//! following bytes are chunk sizes, used in turn to cut the rest into arbitrary pieces.
#![no_main]

use duplex::proto::ws::{DeflateParams, WsDecoder, WsEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, nsizes, rest @ ..] = data else {
        return;
    };
    let from_client = flags & 1 != 0;
    let deflate = (flags & 2 != 0).then_some(DeflateParams {
        no_context_takeover: flags & 4 != 0,
        window_bits: 8 + (flags >> 3 & 7),
    });
    let n = usize::from(nsizes % 8).min(rest.len());
    let (sizes, stream) = rest.split_at(n);
    let base = u64::from(flags >> 6) * 1000;
    let mut d = WsDecoder::new(from_client, deflate, base);
    let mut out = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < stream.len() {
        let size = match sizes.get(i % sizes.len().max(1)) {
            Some(&s) => usize::from(s) + 1,
            None => stream.len(),
        };
        i += 1;
        let piece = &stream[at..(at + size).min(stream.len())];
        at += piece.len();
        pending.extend_from_slice(piece);
        let before = d.offset();
        let used = d.decode(&pending, &mut out);
        assert!(
            used <= pending.len(),
            "consumed {used} of {}",
            pending.len()
        );
        assert_eq!(d.offset() - before, used as u64);
        pending.drain(..used);
    }
    d.finish(&mut out);
    // How the stream was cut must not change what is decoded.
    let mut whole = WsDecoder::new(from_client, deflate, base);
    let mut once = Vec::new();
    whole.decode(stream, &mut once);
    whole.finish(&mut once);
    assert_eq!(out, once, "pieces of {sizes:?}");
    let end = d.offset();
    for ev in &out {
        match ev {
            WsEvent::Frame(f) => {
                assert!(base <= f.range.start && f.range.end <= end);
                assert_eq!(f.payload.len(), f.masked_preview().len());
                assert!(f.payload_range.end == f.range.end);
            }
            WsEvent::Message(m) => assert!(base <= m.range.start && m.range.end <= end),
            WsEvent::Error(e) => assert!(e.offset <= end),
            // Counting mode's only: these decoders are full ones.
            WsEvent::Counted(_) => {}
        }
    }
});

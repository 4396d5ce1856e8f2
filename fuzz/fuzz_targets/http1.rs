//! One direction of HTTP/1.x: the role (and, for responses, the request method) from the first
//! byte, the rest cut in two at a point chosen by the second byte and fed the way `Connection`
//! feeds it (unconsumed bytes are presented again with the next ones), then `finish`.
#![no_main]

use duplex::proto::http1::{Http1Decoder, HttpEvent, Role};
use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 4] = ["GET", "HEAD", "CONNECT", "POST"];

fuzz_target!(|data: &[u8]| {
    let [flags, split, body @ ..] = data else {
        return;
    };
    let role = if flags & 1 == 0 {
        Role::Request
    } else {
        Role::Response
    };
    let mut d = Http1Decoder::new(role);
    // Up to three requests the responses answer.
    for i in 0..(flags >> 1) & 3 {
        d.expect_response_to(METHODS[usize::from((flags >> (3 + i)) & 3)]);
    }
    let cut = if body.is_empty() {
        0
    } else {
        usize::from(*split) * body.len() / 255
    };
    let mut out = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut total = 0u64;
    for piece in [&body[..cut], &body[cut..]] {
        pending.extend_from_slice(piece);
        let before = d.offset();
        let used = d.decode(&pending, &mut out);
        assert!(
            used <= pending.len(),
            "consumed {used} of {} bytes",
            pending.len()
        );
        assert_eq!(
            d.offset() - before,
            used as u64,
            "offset moves by what is consumed"
        );
        total += used as u64;
        pending.drain(..used);
    }
    assert_eq!(total, d.offset());
    assert!(total <= body.len() as u64);
    d.finish(&mut out);
    check(&out, d.offset());
    // Where the bytes were cut must not change what is decoded.
    let mut whole = Http1Decoder::new(role);
    for i in 0..(flags >> 1) & 3 {
        whole.expect_response_to(METHODS[usize::from((flags >> (3 + i)) & 3)]);
    }
    let mut once = Vec::new();
    whole.decode(body, &mut once);
    whole.finish(&mut once);
    assert_eq!(out, once, "cut at {cut}");
    // After `finish` the decoder must stay quiet and still not panic.
    let used = d.decode(body, &mut Vec::new());
    assert!(used <= body.len());
});

/// Event ranges lie inside what was consumed.
fn check(events: &[HttpEvent], consumed: u64) {
    for ev in events {
        match ev {
            HttpEvent::Head(h) => assert!(h.range.start <= h.range.end && h.range.end <= consumed),
            HttpEvent::End(e) => assert!(e.range.start <= e.range.end && e.range.end <= consumed),
            HttpEvent::Body { range, data } => {
                assert!(range.start <= range.end && range.end <= consumed);
                assert_eq!(range.len(), data.len() as u64);
            }
            HttpEvent::Switched { at } => assert!(*at <= consumed),
            HttpEvent::Error(e) => assert!(e.offset <= consumed),
        }
    }
}

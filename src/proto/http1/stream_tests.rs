//! `Body` events: the same data, and the same other events, however the input is split.

use super::*;
use proptest::prelude::*;

fn always(_: &Head) -> bool {
    true
}

/// Feeds `chunks` as a caller would (keeping what is not consumed), then finishes.
fn run(chunks: &[&[u8]], stream: bool) -> Vec<HttpEvent> {
    let mut dec = Http1Decoder::new(Role::Response);
    dec.expect_response_to("GET");
    dec.expect_response_to("GET");
    if stream {
        dec.stream_bodies(Some(always));
    }
    let (mut buf, mut out) = (Vec::new(), Vec::new());
    for c in chunks {
        buf.extend_from_slice(c);
        let n = dec.decode(&buf, &mut out);
        buf.drain(..n);
    }
    dec.finish(&mut out);
    out
}

/// Events other than `Body`, and the `Body` data joined; checks each range fits its data.
fn split_body(evs: Vec<HttpEvent>) -> (Vec<HttpEvent>, Vec<u8>) {
    let (mut rest, mut data, mut last_end) = (Vec::new(), Vec::new(), 0);
    for ev in evs {
        match ev {
            HttpEvent::Body { range, data: d } => {
                assert_eq!(range.len(), d.len() as u64, "{range:?}");
                assert!(!d.is_empty() && range.start >= last_end, "{range:?}");
                last_end = range.end;
                data.extend_from_slice(&d);
            }
            other => rest.push(other),
        }
    }
    (rest, data)
}

fn check(input: &[u8]) -> Vec<u8> {
    let plain = run(&[input], false);
    let (whole, data) = split_body(run(&[input], true));
    assert_eq!(whole, plain, "streaming changes no other event");
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        let (evs, d) = split_body(run(&[a, b], true));
        assert_eq!((evs, d), (whole.clone(), data.clone()), "split at {i}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(split_body(run(&bytes, true)), (whole, data.clone()));
    data
}

#[test]
fn chunked_body_data_arrives_de_chunked() {
    let input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        1a;x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n5\r\nhello\r\n0\r\nT: 1\r\n\r\n";
    assert_eq!(check(input), b"abcdefghijklmnopqrstuvwxyzhello");
    // The ranges point at the data on the wire, not at the size lines.
    let evs = run(&[input], true);
    let ranges: Vec<ByteRange> = evs
        .iter()
        .filter_map(|e| match e {
            HttpEvent::Body { range, .. } => Some(*range),
            _ => None,
        })
        .collect();
    assert_eq!(ranges, [ByteRange::new(55, 81), ByteRange::new(86, 91)]);
}

#[test]
fn length_and_until_close_bodies_stream_too() {
    let two = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\n\r\nrest";
    assert_eq!(check(two), b"abcrest");
}

#[test]
fn a_body_cut_short_keeps_what_arrived() {
    let cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n3\r\nab";
    assert_eq!(check(cut), b"dataab");
}

fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Just(b"Content-Length: 3\r\n".to_vec()),
        Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"3;e=1\r\nabc\r\n".to_vec()),
        Just(b"0\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

proptest! {
    #[test]
    fn body_data_is_the_same_in_arbitrary_splits(
        input in proptest::collection::vec(fragment(), 0..20).prop_map(|v| v.concat()),
        cut in any::<usize>(),
    ) {
        let cut = cut % (input.len() + 1);
        let (a, b) = input.split_at(cut);
        let whole = split_body(run(&[&input], true));
        prop_assert_eq!(&whole.0, &run(&[&input], false));
        prop_assert_eq!(split_body(run(&[a, b], true)), whole);
    }
}

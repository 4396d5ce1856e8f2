//! Where a message's body ends (RFC 9112 §6.3: no body, length, chunked, until close, and the
//! errors of each) and where the connection switches protocols.

use super::tests::{Feeder, ends, errors, heads, r, run, split_invariant};
use super::*;

#[test]
fn head_response_has_no_body_despite_content_length() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    let f = split_invariant(Role::Response, &["HEAD", "GET"], input, true);
    let e = ends(&f.events);
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].framing, e[0].body_bytes), (Framing::None, 0));
    assert_eq!((e[1].framing, e[1].body_bytes), (Framing::Length(2), 2));
    assert!(errors(&f.events).is_empty());
}

#[test]
fn no_body_for_204_304_and_1xx() {
    let input = b"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n\
HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n\
HTTP/1.1 102 Processing\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    let f = split_invariant(Role::Response, &["GET", "GET", "GET"], input, true);
    let e = ends(&f.events);
    let framings: Vec<_> = e.iter().map(|m| m.framing).collect();
    assert_eq!(
        framings,
        [
            Framing::None,
            Framing::None,
            Framing::None,
            Framing::Length(1)
        ]
    );
    assert_eq!(f.dec.offset(), input.len() as u64);
}

#[test]
fn continue_then_final_response() {
    let input = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    let f = split_invariant(Role::Response, &["POST"], input, true);
    let statuses: Vec<_> = heads(&f.events).iter().map(|h| h.status).collect();
    assert_eq!(statuses, [Some(100), Some(200)]);
    assert_eq!(ends(&f.events)[1].body_preview, b"abc");
}

#[test]
fn interim_response_keeps_the_pending_method() {
    // The 103 must not use up HEAD, or the 200 would wait for 5 body bytes.
    let input = b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let f = split_invariant(Role::Response, &["HEAD", "GET"], input, true);
    let e = ends(&f.events);
    assert_eq!(e.len(), 3);
    assert_eq!(e[1].framing, Framing::None);
    assert_eq!(e[2].body_preview, b"ok");
}

const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
1a;name=val\r\nabcdefghijklmnopqrstuvwxyz\r\n5 ; x=\"y\"\r\nhello\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n";

#[test]
fn chunked_with_extensions_and_trailers() {
    let f = split_invariant(Role::Response, &["GET"], CHUNKED, true);
    let head_len = heads(&f.events)[0].range.len();
    assert_eq!(head_len, 47);
    let e = ends(&f.events)[0];
    assert_eq!(e.framing, Framing::Chunked);
    assert_eq!(e.body_bytes, 31);
    assert_eq!(e.body_preview, b"abcdefghijklmnopqrstuvwxyzhello");
    assert_eq!(e.wire_body_bytes, CHUNKED.len() as u64 - head_len);
    assert_eq!(e.range, r(0, CHUNKED.len() as u64));
    assert_eq!(
        e.trailers,
        vec![
            ("Expires".to_owned(), "never".to_owned()),
            ("X-Sum".to_owned(), "1".to_owned())
        ]
    );
}

#[test]
fn chunk_data_is_consumed_before_the_chunk_is_complete() {
    let mut f = Feeder::new(Role::Response, &["GET"]);
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    f.feed(head);
    assert_eq!(f.feed(b"5\r\nabc"), 6);
    assert_eq!(
        f.feed(b"de\r"),
        2,
        "a lone CR after the data waits for its LF"
    );
    assert_eq!(f.feed(b"\n"), 2);
    // A partial size line waits for its end.
    assert_eq!(f.feed(b"1"), 0);
    assert_eq!(f.buf, b"1");
}

#[test]
fn chunked_errors() {
    type Check = fn(&HttpErrorKind) -> bool;
    let cases: &[(&[u8], Check)] = &[
        (b"zz\r\n", |k| matches!(k, HttpErrorKind::BadChunkSize(_))),
        (b"5x\r\n", |k| matches!(k, HttpErrorKind::BadChunkSize(_))),
        (b"10000000000000000\r\n", |k| {
            matches!(k, HttpErrorKind::ChunkSizeOverflow(_))
        }),
        (b"3\r\nabcX", |k| {
            matches!(k, HttpErrorKind::MissingChunkCrlf)
        }),
        (b"0\r\nbad trailer\r\n\r\n", |k| {
            matches!(k, HttpErrorKind::BadTrailers(_))
        }),
    ];
    let head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (body, check) in cases {
        let input = [&head[..], body, b"GET / HTTP/1.1\r\n\r\n"].concat();
        let f = split_invariant(Role::Request, &[], &input, false);
        let errs = errors(&f.events);
        assert_eq!(errs.len(), 1, "{:?}", String::from_utf8_lossy(body));
        assert!(check(&errs[0].kind), "{:?}", errs[0]);
        // Failed: everything consumed, nothing more reported.
        assert_eq!(f.dec.offset(), input.len() as u64);
        assert_eq!(heads(&f.events).len(), 1);
    }
    let f = run(Role::Request, &[], &[head, b"3\r\nabcX"], false);
    assert_eq!(errors(&f.events)[0].offset, head.len() as u64 + 6);
}

#[test]
fn until_close_body_ends_at_finish() {
    let input = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nsome body";
    let mut f = run(Role::Response, &["GET"], &[input], false);
    assert_eq!(f.events.len(), 1, "no End before the stream ends");
    assert_eq!(f.dec.offset(), input.len() as u64);
    f.finish();
    let e = ends(&f.events)[0];
    assert_eq!(e.framing, Framing::UntilClose);
    assert_eq!(e.body_bytes, 9);
    assert_eq!(e.range, r(0, input.len() as u64));
    split_invariant(Role::Response, &["GET"], input, true);
}

#[test]
fn truncated_body_at_finish() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    let f = split_invariant(Role::Response, &["GET"], input, true);
    let errs = errors(&f.events);
    assert_eq!(
        errs[0].kind,
        HttpErrorKind::Truncated {
            expected: 10,
            got: 3
        }
    );
    assert_eq!(errs[0].offset, input.len() as u64);
    assert!(ends(&f.events).is_empty());

    let f = run(Role::Response, &["GET"], &[CHUNKED.split_at(60).0], true);
    assert!(matches!(
        errors(&f.events)[0].kind,
        HttpErrorKind::TruncatedChunked { .. }
    ));
    let f = run(Role::Request, &[], &[b"GET / HTTP/1.1\r\nHo"], true);
    assert_eq!(
        errors(&f.events)[0].kind,
        HttpErrorKind::TruncatedHead { got: 18 }
    );
}

#[test]
fn content_length_rules() {
    let input = b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!";
    let f = split_invariant(Role::Request, &[], input, false);
    let errs = errors(&f.events);
    assert_eq!(
        errs[0].kind,
        HttpErrorKind::ConflictingLengths {
            first: 5,
            second: 6
        }
    );
    assert_eq!(
        errs[0].offset, 36,
        "points at the second Content-Length line"
    );
    assert_eq!(f.dec.offset(), input.len() as u64);

    let same = b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nhi";
    let f = split_invariant(Role::Request, &[], same, true);
    assert_eq!(ends(&f.events)[0].framing, Framing::Length(2));

    let bad = b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n";
    let f = run(Role::Request, &[], &[bad], true);
    assert_eq!(
        errors(&f.events)[0].kind,
        HttpErrorKind::BadContentLength("-1".to_owned())
    );
}

#[test]
fn transfer_encoding_rules() {
    let req = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n";
    let f = run(Role::Request, &[], &[req], true);
    assert!(matches!(
        errors(&f.events)[0].kind,
        HttpErrorKind::TransferEncodingNotChunked(_)
    ));
    let res = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nzz";
    let f = run(Role::Response, &["GET"], &[res], true);
    assert_eq!(ends(&f.events)[0].framing, Framing::UntilClose);
    // Transfer-Encoding wins over Content-Length.
    let both = b"POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n";
    let f = split_invariant(Role::Request, &[], both, true);
    assert_eq!(ends(&f.events)[0].framing, Framing::Chunked);
    assert_eq!(ends(&f.events)[0].range.end, both.len() as u64);
}

#[test]
fn switching_protocols_stops_at_the_head() {
    let head =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    let input = [&head[..], b"\x81\x05hello"].concat();
    let mut f = Feeder::new(Role::Response, &["GET"]);
    assert_eq!(f.feed(&input), head.len());
    assert!(f.dec.is_switched());
    assert_eq!(f.dec.offset(), head.len() as u64);
    assert_eq!(f.buf, b"\x81\x05hello");
    assert_eq!(f.feed(b"more"), 0);
    assert_eq!(
        f.events.last(),
        Some(&HttpEvent::Switched {
            at: head.len() as u64
        })
    );
    assert_eq!(ends(&f.events)[0].range, r(0, head.len() as u64));
    f.finish();
    assert!(f.dec.is_switched());
    split_invariant(Role::Response, &["GET"], &input, true);
}

#[test]
fn connect_tunnels_only_on_success() {
    let ok = b"HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03";
    let f = run(Role::Response, &["CONNECT"], &[ok], false);
    assert!(f.dec.is_switched());
    assert_eq!(f.buf, b"\x16\x03");
    let denied = b"HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nno";
    let f = run(Role::Response, &["CONNECT"], &[denied], false);
    assert!(!f.dec.is_switched());
    assert_eq!(ends(&f.events)[0].body_bytes, 2);
}

#[test]
fn upgrade_request_waits_for_the_callers_decision() {
    let first =
        b"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    let second = b"GET /next HTTP/1.1\r\n\r\n";
    let mut f = Feeder::new(Role::Request, &[]);
    assert_eq!(f.feed(&[&first[..], second].concat()), first.len());
    assert!(f.dec.awaiting_upgrade());
    assert_eq!(f.feed(b""), 0);
    f.dec.resume();
    assert!(!f.dec.awaiting_upgrade());
    assert_eq!(f.feed(b""), second.len());
    assert_eq!(heads(&f.events)[1].target.as_deref(), Some("/next"));

    let connect = b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n";
    let f = run(Role::Request, &[], &[connect], false);
    assert!(f.dec.awaiting_upgrade());
}

//! The event-stream parser on its own: fields, line ends, comments and byte counts.

use super::*;
use crate::proto::http1::{Http1Decoder, HttpEvent, Role};

/// Parses `body` (wire offset 0) fed in `cuts`-sized pieces.
fn parse(body: &[u8], piece: usize) -> Vec<SseEvent> {
    let mut p = SseParser::new(0);
    let mut out = Vec::new();
    for (i, c) in body.chunks(piece.max(1)).enumerate() {
        p.feed((i * piece.max(1)) as u64, c, &mut out);
    }
    out
}

fn all_ways(body: &[u8]) -> Vec<SseEvent> {
    let whole = parse(body, body.len());
    for piece in 1..body.len() {
        assert_eq!(parse(body, piece), whole, "pieces of {piece}");
    }
    whole
}

#[test]
fn fields_and_defaults() {
    let evs = all_ways(b"data: a\n\nevent: tick\nid: 7\ndata:b\ndata:  c\nretry: 300\n\ndata\n\n");
    let got: Vec<_> = evs
        .iter()
        .map(|e| (e.event.as_str(), e.data.as_str(), e.id.as_deref(), e.retry))
        .collect();
    assert_eq!(
        got,
        [
            ("message", "a", None, None),
            ("tick", "b\n c", Some("7"), Some(300)),
            // The last event ID stays in force; a bare `data` line is empty data.
            ("message", "", Some("7"), None),
        ]
    );
    let ranges: Vec<_> = evs.iter().map(|e| (e.range.start, e.range.end)).collect();
    assert_eq!(ranges, [(0, 9), (9, 55), (55, 61)]);
}

#[test]
fn crlf_lf_and_cr_line_ends_all_count() {
    for body in [
        &b"data: x\r\ndata: y\r\n\r\n"[..],
        b"data: x\ndata: y\n\n",
        b"data: x\rdata: y\r\r",
    ] {
        let evs = all_ways(body);
        assert_eq!(evs.len(), 1, "{body:?}");
        assert_eq!(evs[0].data, "x\ny");
    }
    // A CRLF blank line dispatches at its CR; the LF counts towards the next event.
    let evs = all_ways(b"data: x\r\n\r\ndata: y\r\n\r\n");
    assert_eq!(evs[0].bytes() + evs[1].bytes(), 21);
    assert_eq!(evs[0].bytes(), 10);
}

#[test]
fn comments_and_empty_blocks_count_in_the_next_event() {
    let evs = all_ways(b"\xEF\xBB\xBF: hi\n\nevent: x\n\n:ping\ndata: d\n\n");
    assert_eq!(evs.len(), 1);
    assert_eq!(
        (evs[0].event.as_str(), evs[0].data.as_str()),
        ("message", "d")
    );
    assert_eq!(evs[0].bytes(), 34);
    // An unfinished event is not dispatched.
    assert!(all_ways(b"data: never ends\n").is_empty());
}

#[test]
fn content_type_picks_event_streams() {
    let head = |status: &str, ct: &str| {
        let raw = format!("HTTP/1.1 {status} X\r\nContent-Type: {ct}\r\n\r\n");
        let mut dec = Http1Decoder::new(Role::Response);
        let mut out = Vec::new();
        dec.decode(raw.as_bytes(), &mut out);
        match out.into_iter().next() {
            Some(HttpEvent::Head(h)) => h,
            other => panic!("{other:?}"),
        }
    };
    assert!(is_event_stream(&head("200", "text/event-stream")));
    assert!(is_event_stream(&head(
        "200",
        "Text/Event-Stream ; charset=utf-8"
    )));
    assert!(!is_event_stream(&head("200", "text/event-streams")));
    assert!(!is_event_stream(&head("204", "text/event-stream")));
    assert!(!is_event_stream(&head("101", "text/event-stream")));
}

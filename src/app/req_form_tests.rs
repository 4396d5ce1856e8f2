use super::*;
use crate::proto::http1::{Framing, Head};
use crate::session::Row;

fn form() -> Form {
    Form::new("127.0.0.1:8080")
}

#[test]
fn a_get_is_its_head_exactly() {
    assert_eq!(
        form().bytes().unwrap(),
        b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
    );
}

#[test]
fn a_body_gets_its_length_unless_removed_or_written() {
    let mut f = form();
    f.method = "POST".into();
    f.minor = 0;
    f.body = "héllo".into();
    assert_eq!(
        f.bytes().unwrap(),
        "POST /echo HTTP/1.0\r\nHost: 127.0.0.1:8080\r\nContent-Length: 6\r\n\r\nhéllo".as_bytes()
    );
    f.body.clear();
    assert_eq!(f.auto_length(), Some(0), "a POST says it has no body");
    f.body = b"ab".to_vec();
    f.headers.push(("content-length".into(), "9".into()));
    assert_eq!(
        f.bytes().unwrap(),
        b"POST /echo HTTP/1.0\r\nHost: 127.0.0.1:8080\r\ncontent-length: 9\r\n\r\nab"
    );
    f.headers.pop();
    f.auto_length = false;
    assert_eq!(
        f.bytes().unwrap(),
        b"POST /echo HTTP/1.0\r\nHost: 127.0.0.1:8080\r\n\r\nab"
    );
}

#[test]
fn raw_lines_go_out_byte_for_byte() {
    let mut f = form();
    f.fill_raw();
    assert_eq!(
        f.raw,
        vec![
            r"GET /echo HTTP/1.1\r\n",
            r"Host: 127.0.0.1:8080\r\n",
            r"\r\n"
        ]
    );
    f.how = How::Raw;
    f.raw = vec![
        r"GET  /x HTTP/1.1\n".into(),
        r"X: \x00\xffé\\\n".into(),
        r"\n".into(),
    ];
    assert_eq!(
        f.bytes().unwrap(),
        b"GET  /x HTTP/1.1\nX: \x00\xff\xc3\xa9\\\n\n"
    );
    f.raw[1] = r"bad \q".into();
    let e = f.bytes().unwrap_err();
    assert!(e.contains("2") && e.contains(r"\q"), "{e}");
}

#[test]
fn escape_and_unescape_go_round() {
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(unescape(&escape(&all)).unwrap(), all);
    assert_eq!(escape(b"a\r\n\\"), r"a\r\n\\");
    assert!(unescape(r"\x4").is_err());
}

fn detail_of<'a>(head: &'a Head, body: &'a [u8]) -> HttpDetail<'a> {
    HttpDetail {
        row: Row::blank(crate::proto::Timestamp::default(), 1, None),
        head,
        raw: &[],
        raw_cut: false,
        framing: Framing::None,
        body_preview: body,
        accept: None,
    }
}

#[test]
fn a_decoded_request_fills_the_form_in_order() {
    let head = Head {
        method: Some("PUT".into()),
        target: Some("/api/x?y=1".into()),
        version: 0,
        headers: vec![
            ("Host".into(), "h".into()),
            ("X-B".into(), "2".into()),
            ("Content-Length".into(), "3".into()),
            ("X-A".into(), "1".into()),
        ],
        status: None,
        reason: None,
        header_ranges: Vec::new(),
        range: crate::proto::ByteRange::new(0, 0),
        raw: Vec::new(),
    };
    let f = Form::from_request(&detail_of(&head, b"abc"));
    assert_eq!(
        (f.method.as_str(), f.path.as_str(), f.minor),
        ("PUT", "/api/x?y=1", 0)
    );
    let names: Vec<_> = f.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Host", "X-B", "X-A"],
        "the length is computed again"
    );
    assert_eq!(
        f.bytes().unwrap(),
        b"PUT /api/x?y=1 HTTP/1.0\r\nHost: h\r\nX-B: 2\r\nX-A: 1\r\nContent-Length: 3\r\n\r\nabc"
    );
    // A preview shorter than the length said: the length stays as it was.
    let f = Form::from_request(&detail_of(&head, b"ab"));
    assert!(
        f.headers
            .iter()
            .any(|(n, v)| n == "Content-Length" && v == "3")
    );
    assert_eq!(f.auto_length(), None);
}

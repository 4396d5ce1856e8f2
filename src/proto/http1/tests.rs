use super::*;
use proptest::prelude::*;

/// Plays the caller: keeps unconsumed bytes and presents them again with the next chunk.
pub(super) struct Feeder {
    pub(super) dec: Http1Decoder,
    pub(super) buf: Vec<u8>,
    pub(super) events: Vec<HttpEvent>,
}

impl Feeder {
    pub(super) fn new(role: Role, methods: &[&str]) -> Self {
        let mut dec = Http1Decoder::new(role);
        for m in methods {
            dec.expect_response_to(m);
        }
        Feeder {
            dec,
            buf: Vec::new(),
            events: Vec::new(),
        }
    }

    pub(super) fn feed(&mut self, chunk: &[u8]) -> usize {
        self.buf.extend_from_slice(chunk);
        let before = self.dec.offset();
        let n = self.dec.decode(&self.buf, &mut self.events);
        assert!(n <= self.buf.len(), "consumed {n} of {}", self.buf.len());
        assert_eq!(self.dec.offset(), before + n as u64);
        self.buf.drain(..n);
        n
    }

    pub(super) fn finish(&mut self) {
        self.dec.finish(&mut self.events);
    }
}

pub(super) fn run(role: Role, methods: &[&str], chunks: &[&[u8]], finish: bool) -> Feeder {
    let mut f = Feeder::new(role, methods);
    for c in chunks {
        f.feed(c);
    }
    if finish {
        f.finish();
    }
    f
}

/// Decodes `input` whole, split at every point, and byte by byte; all must agree.
pub(super) fn split_invariant(role: Role, methods: &[&str], input: &[u8], finish: bool) -> Feeder {
    let whole = run(role, methods, &[input], finish);
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        let split = run(role, methods, &[a, b], finish);
        assert_eq!(split.events, whole.events, "split at {i}");
        assert_eq!(split.dec.offset(), whole.dec.offset(), "split at {i}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    let one_by_one = run(role, methods, &bytes, finish);
    assert_eq!(one_by_one.events, whole.events, "byte by byte");
    whole
}

pub(super) fn heads(events: &[HttpEvent]) -> Vec<&Head> {
    events
        .iter()
        .filter_map(|e| match e {
            HttpEvent::Head(h) => Some(h),
            _ => None,
        })
        .collect()
}

pub(super) fn ends(events: &[HttpEvent]) -> Vec<&MessageEnd> {
    events
        .iter()
        .filter_map(|e| match e {
            HttpEvent::End(m) => Some(m),
            _ => None,
        })
        .collect()
}

pub(super) fn errors(events: &[HttpEvent]) -> Vec<&HttpError> {
    events
        .iter()
        .filter_map(|e| match e {
            HttpEvent::Error(e) => Some(e),
            _ => None,
        })
        .collect()
}

pub(super) fn r(start: u64, end: u64) -> ByteRange {
    ByteRange::new(start, end)
}

#[test]
fn minimal_request_counts_exact_bytes() {
    let input = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let f = split_invariant(Role::Request, &[], input, true);
    assert_eq!(f.dec.offset(), 27);
    let h = heads(&f.events)[0];
    assert_eq!(h.method.as_deref(), Some("GET"));
    assert_eq!(h.target.as_deref(), Some("/"));
    assert_eq!(h.version_str(), "HTTP/1.1");
    assert_eq!(h.headers, vec![("Host".to_owned(), "a".to_owned())]);
    assert_eq!(h.header_ranges, vec![r(16, 25)]);
    assert_eq!(h.range, r(0, 27));
    assert_eq!(h.range.len(), 27);
    let e = ends(&f.events)[0];
    assert_eq!(e.framing, Framing::None);
    assert_eq!((e.body_bytes, e.wire_body_bytes), (0, 0));
    assert_eq!(e.range, r(0, 27));
    assert_eq!(f.events.len(), 2);
}

#[test]
fn response_head_fields_and_header_ranges() {
    let input = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-A:  b \r\n\r\n";
    let f = split_invariant(Role::Response, &["GET"], input, true);
    let h = heads(&f.events)[0];
    assert_eq!(h.status, Some(404));
    assert_eq!(h.reason.as_deref(), Some("Not Found"));
    assert_eq!(h.header_ranges, vec![r(24, 43), r(43, 53)]);
    assert_eq!(h.header("x-a"), Some("b"));
    assert_eq!(h.range, r(0, 55));
    assert_eq!(ends(&f.events)[0].framing, Framing::Length(0));
}

#[test]
fn leading_empty_lines_are_consumed_outside_the_head() {
    let input = b"\r\n\nGET / HTTP/1.1\r\n\r\n";
    let f = split_invariant(Role::Request, &[], input, true);
    assert_eq!(heads(&f.events)[0].range, r(3, 21));
    assert_eq!(f.dec.offset(), 21);
}

#[test]
fn pipelined_requests_decode_in_one_call() {
    let input = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\
POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
GET /c HTTP/1.1\r\n\r\n";
    let mut f = Feeder::new(Role::Request, &[]);
    assert_eq!(f.feed(input), input.len());
    let targets: Vec<_> = heads(&f.events)
        .iter()
        .map(|h| h.target.clone().unwrap())
        .collect();
    assert_eq!(targets, ["/a", "/b", "/c"]);
    let e = ends(&f.events);
    assert_eq!(e[0].range, r(0, 28));
    assert_eq!(e[1].range, r(28, 28 + 39 + 5));
    assert_eq!(e[1].body_preview, b"hello");
    assert_eq!(e[1].framing, Framing::Length(5));
    assert_eq!(e[2].range.end, input.len() as u64);
    // Strict order: Head, End, Head, End, ...
    assert!(matches!(
        f.events.as_slice(),
        [
            HttpEvent::Head(_),
            HttpEvent::End(_),
            HttpEvent::Head(_),
            HttpEvent::End(_),
            HttpEvent::Head(_),
            HttpEvent::End(_)
        ]
    ));
    split_invariant(Role::Request, &[], input, true);
}

#[test]
fn oversized_head_fails_once_and_then_swallows_everything() {
    let mut f = Feeder::new(Role::Request, &[]);
    f.feed(b"GET / HTTP/1.1\r\nX-Big: ");
    let filler = [b'a'; 1000];
    for _ in 0..100 {
        f.feed(&filler);
        assert!(
            f.buf.len() < HEAD_LIMIT + filler.len(),
            "caller buffer bounded"
        );
    }
    f.feed(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    assert_eq!(f.buf.len(), 0);
    assert_eq!(
        f.events,
        vec![HttpEvent::Error(HttpError {
            offset: 0,
            kind: HttpErrorKind::HeadTooLarge(HEAD_LIMIT)
        })]
    );
    // A complete head over the limit is refused the same way.
    let mut big = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    big.resize(HEAD_LIMIT + 10, b'a');
    big.extend_from_slice(b"\r\n\r\n");
    let f = run(Role::Request, &[], &[&big], false);
    assert_eq!(
        f.events,
        [HttpEvent::Error(HttpError {
            offset: 0,
            kind: HttpErrorKind::HeadTooLarge(HEAD_LIMIT)
        })]
    );
}

#[test]
fn header_array_grows_up_to_the_limit() {
    let mut input = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..200 {
        input.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    input.extend_from_slice(b"\r\n");
    let f = run(Role::Request, &[], &[&input], true);
    assert_eq!(heads(&f.events)[0].headers.len(), 200);
    assert_eq!(heads(&f.events)[0].header_ranges.len(), 200);

    let mut input = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..=MAX_HEADERS {
        input.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    input.extend_from_slice(b"\r\n");
    let f = run(Role::Request, &[], &[&input], true);
    assert_eq!(
        errors(&f.events)[0].kind,
        HttpErrorKind::TooManyHeaders(MAX_HEADERS)
    );
}

#[test]
fn garbage_is_one_error_then_silence() {
    let tls = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    let mut f = Feeder::new(Role::Request, &[]);
    assert_eq!(f.feed(tls), tls.len());
    assert_eq!(f.feed(b"GET / HTTP/1.1\r\n\r\n"), 18);
    assert_eq!(
        f.events,
        vec![HttpEvent::Error(HttpError {
            offset: 0,
            kind: HttpErrorKind::BadHead(httparse::Error::Token)
        })]
    );
    let f = run(Role::Response, &[], &[b"SSH-2.0-OpenSSH_9.6\r\n"], true);
    assert!(matches!(
        errors(&f.events)[0].kind,
        HttpErrorKind::BadHead(_)
    ));
}

#[test]
fn large_bodies_stream_without_buffering() {
    let mut f = Feeder::new(Role::Response, &["GET"]);
    f.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
    let block = vec![7u8; 100_000];
    for _ in 0..10 {
        assert_eq!(f.feed(&block), block.len());
    }
    let e = ends(&f.events)[0];
    assert_eq!(e.body_bytes, 1_000_000);
    assert_eq!(e.body_preview.len(), PREVIEW_LIMIT);
}

#[test]
fn head_helpers() {
    let f = run(
        Role::Request,
        &[],
        &[b"GET / HTTP/1.0\r\nConnection: Keep-Alive, Upgrade\r\nA: 1\r\na: 2\r\n\r\n"],
        false,
    );
    let h = heads(&f.events)[0];
    assert_eq!(h.header("A"), Some("1"));
    assert_eq!(h.header_all("a").collect::<Vec<_>>(), ["1", "2"]);
    assert!(h.has_token("connection", "upgrade"));
    assert!(!h.has_token("connection", "close"));
    assert_eq!(h.version_str(), "HTTP/1.0");
    assert!(!h.wants_close());
    let mut h = h.clone();
    h.headers.clear();
    assert!(h.wants_close(), "1.0 closes by default");
    h.version = 1;
    assert!(!h.wants_close(), "1.1 persists by default");
    h.headers.push(("Connection".into(), "close".into()));
    assert!(h.wants_close());
}

/// Byte strings that steer random input into deeper decoder states.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"GET / HTTP/1.1\r\n".to_vec()),
        Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Just(b"HTTP/1.1 101 S\r\n".to_vec()),
        Just(b"HTTP/1.1 100 C\r\n".to_vec()),
        Just(b"Content-Length: 3\r\n".to_vec()),
        Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        Just(b"Upgrade: x\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"3;e=1\r\nabc\r\n".to_vec()),
        Just(b"0\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        proptest::collection::vec(fragment(), 0..20).prop_map(|v| v.concat()),
    ]
}

proptest! {
    #[test]
    fn arbitrary_input_in_arbitrary_splits(
        input in input(),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
        response in any::<bool>(),
    ) {
        let role = if response { Role::Response } else { Role::Request };
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut at = 0;
        for c in cuts {
            chunks.push(&input[at..c]);
            at = c;
        }
        chunks.push(&input[at..]);
        // Feeder::feed asserts that consumed never exceeds what was presented.
        let split = run(role, &["GET", "HEAD"], &chunks, true);
        let whole = run(role, &["GET", "HEAD"], &[&input], true);
        prop_assert_eq!(split.events, whole.events);
        prop_assert!(split.dec.offset() <= input.len() as u64);
    }
}

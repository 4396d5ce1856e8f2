//! Bytes on screen: HTTP bodies in the hex dump with a text column, control payloads that are
//! not text shown as hex, an event stream's normal end, action labels on the ladder.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::Theme;
use super::inspector::{self, InspectorState};
use super::ladder::{self, LadderState};
use crate::proto::conn::Connection;
use crate::proto::{Dir, Timestamp};
use crate::session::{RowKind, Session};

const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

/// One connection fed `parts` in order, one millisecond apart.
fn session(parts: &[(Dir, &[u8])]) -> Session {
    let mut s = Session::new();
    let mut c = Connection::new(1);
    let mut out = Vec::new();
    for (i, (dir, bytes)) in parts.iter().enumerate() {
        c.data(*dir, Timestamp(i as u64 * 1_000_000), bytes, &mut out);
    }
    let end = Timestamp(parts.len() as u64 * 1_000_000);
    c.end(Dir::C2s, end, &mut out);
    c.end(Dir::S2c, end, &mut out);
    for ev in &out {
        s.push(ev);
    }
    s
}

fn text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn inspect(s: &Session, i: usize, scroll: u16, (w, h): (u16, u16)) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let st = InspectorState {
        event: Some(i),
        scroll,
        ..InspectorState::default()
    };
    t.draw(|f| inspector::render(f, f.area(), s, &st, &Theme::plain()))
        .expect("drawn");
    text(&t)
}

fn ladder_of(s: &Session, (w, h): (u16, u16)) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| ladder::render(f, f.area(), s, &LadderState::default(), &Theme::plain()))
        .expect("drawn");
    text(&t)
}

fn first(s: &Session, kind: RowKind) -> usize {
    (0..s.len())
        .find(|&i| s.row(i).kind == kind)
        .expect("a row of that kind")
}

const POST: &[u8] = b"POST /echo HTTP/1.1\r\nHost: duplex.test\r\nContent-Length: 8\r\n\r\n";
const BODY: &[u8] = &[0x00, 0xff, 0x01, 0xfe, 0x80, 0x7f, 0xc3, 0x28];

#[test]
fn an_http_body_follows_its_head_in_the_hex_dump_with_its_bytes_as_text() {
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n";
    let s = session(&[
        (Dir::C2s, POST),
        (Dir::C2s, BODY),
        (Dir::S2c, ok),
        (Dir::S2c, BODY),
    ]);
    let resp = first(&s, RowKind::HttpResponse);
    for size in SIZES {
        let shown = inspect(&s, resp, 0, size);
        assert!(shown.contains("00 ff 01 fe 80 7f c3 28"), "{shown}");
        assert!(
            shown.contains("│HTTP/1.1 200 OK."),
            "the text column:\n{shown}"
        );
        assert!(shown.contains(".......(│"), "the body as text:\n{shown}");
        assert!(shown.contains("body"), "{shown}");
        assert!(
            !shown.contains("not shown"),
            "a whole body has no note:\n{shown}"
        );
        insta::assert_snapshot!(
            format!("inspector_binary_body_{}x{}", size.0, size.1),
            shown
        );
    }
}

#[test]
fn a_long_body_is_cut_with_a_note_saying_how_many_bytes_are_not_shown() {
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    let body = vec![b'x'; 1000];
    let s = session(&[
        (Dir::C2s, b"GET /bytes/1000 HTTP/1.1\r\n\r\n"),
        (Dir::S2c, ok),
        (Dir::S2c, &body),
    ]);
    let resp = first(&s, RowKind::HttpResponse);
    let shown = inspect(&s, resp, 0, (100, 100));
    assert!(
        shown.contains("body is 1000 bytes: 256 shown, 744 not shown"),
        "{shown}"
    );
}

#[test]
fn control_payloads_that_are_not_text_show_as_hex_and_text_ones_as_text() {
    let upgrade = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let switched =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    // Server frames, unmasked: a ping of three binary bytes, a pong "ok", a close 1000 whose
    // reason is not UTF-8.
    let ping = [0x89, 0x03, 0x00, 0xff, 0xfe];
    let pong = [0x8a, 0x02, b'o', b'k'];
    let close = [0x88, 0x04, 0x03, 0xe8, 0xc3, 0x28];
    let s = session(&[
        (Dir::C2s, upgrade),
        (Dir::S2c, switched),
        (Dir::S2c, &ping),
        (Dir::S2c, &pong),
        (Dir::S2c, &close),
    ]);
    let shown = ladder_of(&s, (100, 30));
    assert!(shown.contains("ping 0x 00 ff fe"), "{shown}");
    assert!(shown.contains("pong \"ok\""), "{shown}");
    assert!(shown.contains("close 1000 0x c3 28"), "{shown}");
    assert!(
        !shown.contains('\u{fffd}'),
        "no replacement characters:\n{shown}"
    );
}

#[test]
fn an_event_stream_that_ends_with_its_connection_is_no_error() {
    let get = b"GET /api/price/events HTTP/1.1\r\nHost: x\r\n\r\n";
    let head =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    let s = session(&[
        (Dir::C2s, get),
        (Dir::S2c, head),
        (Dir::S2c, b"b\r\ndata: 1\n\n\r\n"),
    ]);
    let end = first(&s, RowKind::Error);
    let shown = ladder_of(&s, (100, 30));
    assert!(shown.contains("event stream ended"), "{shown}");
    assert!(!shown.contains('✗'), "{shown}");
    let inspected = inspect(&s, end, 0, (100, 30));
    assert!(
        inspected.contains("That is how Server-Sent Events end"),
        "{inspected}"
    );
    assert!(!inspected.contains('✗'), "{inspected}");
}

#[test]
fn the_ladder_and_inspector_show_the_action_label_the_narration_names() {
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let mut s = session(&[
        (Dir::C2s, b"GET /api/price HTTP/1.1\r\n\r\n"),
        (Dir::S2c, ok),
    ]);
    let labelled: Vec<_> = (0..s.len())
        .map(|i| (s.row(i).conn, s.row(i).ts, "poll"))
        .collect();
    s.label_rows(labelled);
    for size in SIZES {
        let shown = ladder_of(&s, size);
        assert!(shown.contains("GET /api/price [poll]"), "{shown}");
        insta::assert_snapshot!(format!("ladder_labels_{}x{}", size.0, size.1), shown);
    }
    let inspected = inspect(&s, 0, 0, (100, 30));
    assert!(inspected.contains("· [poll]"), "{inspected}");
}

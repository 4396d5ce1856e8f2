use super::*;
use crate::proto::ByteRange;
use crate::proto::event::{TcpClose, TcpOpen};

pub(crate) fn frame_event(conn: ConnId, ts: u64, dir: Dir, text: &str) -> Event {
    let payload = text.as_bytes().to_vec();
    let masked = dir == Dir::C2s;
    let header_len = if masked { 6 } else { 2 };
    let n = payload.len() as u64;
    Event {
        conn,
        ts: Timestamp(ts),
        dir: Some(dir),
        kind: EventKind::WsFrame(Box::new(Frame {
            fin: true,
            rsv: 0,
            opcode: 1,
            masked,
            mask_key: masked.then_some([0x37, 0xfa, 0x21, 0x3d]),
            payload_len: n,
            header_len,
            range: ByteRange::new(0, header_len as u64 + n),
            len_range: ByteRange::default(),
            mask_range: None,
            payload_range: ByteRange::new(header_len as u64, header_len as u64 + n),
            payload,
            close: None,
            is_text: true,
        })),
    }
}

pub(crate) fn open_event(conn: ConnId, ts: u64, port: u16) -> Event {
    Event {
        conn,
        ts: Timestamp(ts),
        dir: None,
        kind: EventKind::TcpOpen(TcpOpen {
            client: format!("127.0.0.1:{port}"),
            server: "127.0.0.1:8080".into(),
            handshake: true,
            live: false,
        }),
    }
}

pub(crate) fn close_event(conn: ConnId, ts: u64, by: Dir) -> Event {
    Event {
        conn,
        ts: Timestamp(ts),
        dir: None,
        kind: EventKind::TcpClose(TcpClose {
            how: CloseHow::Fin,
            by: Some(by),
            why: None,
        }),
    }
}

#[test]
fn rows_stay_small() {
    assert!(size_of::<Row>() <= 64, "Row is {} bytes", size_of::<Row>());
    assert_eq!(size_of::<Row>(), 40);
}

/// 2 million small frames: rows plus stored bytes stay far under the 200 MiB budget.
#[test]
fn two_million_frames_fit() {
    let mut s = Session::new();
    s.push(&open_event(1, 0, 51324));
    let hello = frame_event(1, 1_000, Dir::C2s, "hello");
    let echo = frame_event(1, 2_000, Dir::S2c, "hello");
    for i in 0..1_000_000u64 {
        let mut a = hello.clone();
        a.ts = Timestamp(i * 10_000);
        s.push(&a);
        let mut b = echo.clone();
        b.ts = Timestamp(i * 10_000 + 5_000);
        s.push(&b);
    }
    assert_eq!(s.len(), 2_000_001);
    let held = s.rows.capacity_bytes() + s.store.capacity_bytes();
    assert!(held < 120 << 20, "held {} MiB", held >> 20);
    let last = s.row(s.len() - 1);
    assert_eq!(s.bytes(&last), b"hello");
    assert_eq!(s.stats().kind(RowKind::WsFrame).count, 2_000_000);
    assert_eq!(s.conns()[0].frames, 2_000_000);
}

/// Frames fanned out with the same bytes keep one copy in the store; each row reads its own.
#[test]
fn equal_entries_are_stored_once() {
    let mut s = Session::new();
    s.push(&open_event(1, 0, 51324));
    for i in 0..100_000u64 {
        let text = if i % 2 == 0 {
            "same text for all"
        } else {
            "another one"
        };
        s.push(&frame_event(1, 1 + i, Dir::S2c, text));
    }
    assert_eq!(s.store.len(), 50_000 * 17 + 50_000 * 11);
    assert!(s.store.stored() < 100, "{} bytes stored", s.store.stored());
    assert_eq!(s.bytes(&s.row(100_000)), b"another one");
    assert_eq!(s.bytes(&s.row(99_999)), b"same text for all");
}

#[test]
fn frame_header_is_reencoded_exactly() {
    let mut s = Session::new();
    s.push(&frame_event(1, 0, Dir::C2s, "hello"));
    let Some(Detail::Frame(f)) = s.detail(0) else {
        panic!("not a frame detail");
    };
    assert_eq!(f.header_bytes(), &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]);
    assert_eq!(f.payload, b"hello");
    assert_eq!(f.wire_byte(0), Some(b'h' ^ 0x37));
    assert_eq!(s.mask_key(&f.row), Some([0x37, 0xfa, 0x21, 0x3d]));
}

#[test]
fn filter_and_find() {
    let mut s = Session::new();
    s.push(&open_event(1, 0, 1000));
    s.push(&open_event(2, 1, 1001));
    s.push(&frame_event(1, 2, Dir::C2s, "Hello"));
    s.push(&frame_event(2, 3, Dir::C2s, "bye"));
    s.push(&close_event(2, 4, Dir::S2c));
    let f = Filter {
        text: Some("hello".into()),
        ..Filter::default()
    };
    assert_eq!(s.matching(&f), vec![2]);
    let f = Filter {
        conn: Some(2),
        kinds: Kinds::of(&[RowKind::WsFrame, RowKind::TcpClose]),
        ..Filter::default()
    };
    assert_eq!(s.matching(&f), vec![3, 4]);
    assert_eq!(s.find_next(0, |r| r.kind == RowKind::TcpClose), Some(4));
    assert_eq!(s.find_prev(4, |r| r.kind == RowKind::TcpOpen), Some(1));
    assert_eq!(s.find_next(99, |_| true), None);
    let c = s.conn(2).expect("conn 2");
    assert_eq!(c.closed.map(|c| c.by), Some(Some(Dir::S2c)));
    assert_eq!(c.client_port(), ":1001");
}

#[test]
fn out_of_range_is_harmless() {
    let s = Session::new();
    assert_eq!(s.row(5).kind, RowKind::Error);
    assert!(s.detail(5).is_none());
    assert!(s.bytes(&s.row(5)).is_empty());
}

#[test]
fn activity_grid_widens() {
    let mut s = Session::new();
    s.push(&open_event(1, 0, 1000));
    s.push(&frame_event(1, 10_000_000_000, Dir::C2s, "late"));
    let g = s.grid().expect("grid");
    assert!(g.bucket_ns >= 10_000_000_000 / 128);
    let c = &s.conns()[0];
    assert!(g.active(c, Timestamp(0), Timestamp(1)));
    assert!(g.active(c, Timestamp(9_999_999_999), Timestamp(10_000_000_000)));
    assert!(!g.active(c, Timestamp(5_000_000_000), Timestamp(5_000_000_001)));
}

#[test]
fn replayed_upgrade_keeps_raw_head_and_accept() {
    let file = std::fs::File::open("assets/captures/ws-basic.pcap").expect("capture");
    let mut s = Session::new();
    crate::replay::replay(file, &mut |ev, _| s.push(ev)).expect("replay");
    let req = s
        .find_next(0, |r| r.kind == RowKind::HttpRequest)
        .expect("request");
    let Some(Detail::Http(h)) = s.detail(req) else {
        panic!("no http detail");
    };
    assert!(h.raw.starts_with(b"GET "));
    assert!(h.raw.ends_with(b"\r\n\r\n"));
    assert_eq!(h.raw.len() as u32, h.row.head_len);
    assert!(h.row.has(flags::UPGRADE));
    let resp = s
        .find_next(req, |r| r.kind == RowKind::HttpResponse)
        .expect("response");
    assert!(s.row(resp).has(flags::ACCEPT_OK));
    assert_eq!(s.conns()[0].kind, ConnKind::Ws);
}

//! The TLS rows, from events built by hand as a wss:// echo makes them: records, handshake
//! messages (the encrypted ones read with the keys), the keys, then the decrypted HTTP and
//! WebSocket events the records carried.

use super::*;
use crate::proto::conn::Connection;
use crate::proto::event::{
    ClientHello, ServerHello, TcpClose, TcpOpen, TlsHandshake, TlsKeys, TlsRecord,
};

const MS: u64 = 1_000_000;

pub(crate) const UPGRADE: &[u8] = b"GET /ws/echo HTTP/1.1\r\nHost: localhost:8443\r\n\
Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\nCookie: session=s3cr3t\r\n\r\n";
pub(crate) const SWITCHED: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// A client's `Hello`, masked with a fixed key: 11 bytes.
pub(crate) fn client_hello_frame() -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x81, 0x85];
    out.extend_from_slice(&key);
    out.extend(b"Hello".iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

fn ev(conn: u32, ms: u64, dir: Option<Dir>, kind: EventKind) -> Event {
    Event {
        conn,
        ts: Timestamp(ms * MS),
        dir,
        kind,
    }
}

fn open(conn: u32, ms: u64, port: u16) -> Event {
    ev(
        conn,
        ms,
        None,
        EventKind::TcpOpen(TcpOpen {
            client: format!("127.0.0.1:{port}"),
            server: "127.0.0.1:8443".into(),
            handshake: false,
            live: true,
        }),
    )
}

fn close(conn: u32, ms: u64) -> Event {
    ev(
        conn,
        ms,
        None,
        EventKind::TcpClose(TcpClose {
            how: CloseHow::Fin,
            by: Some(Dir::C2s),
            why: None,
        }),
    )
}

pub(crate) fn record(
    conn: u32,
    ms: u64,
    dir: Dir,
    content_type: u8,
    length: u16,
    inner: Option<(u8, u32)>,
) -> Event {
    let encrypted = content_type == 23;
    ev(
        conn,
        ms,
        Some(dir),
        EventKind::TlsRecord(Box::new(TlsRecord {
            content_type,
            version: 0x0303,
            length,
            offset: 0,
            encrypted,
            inner: inner.map(|i| i.0),
            plaintext: inner.map(|i| i.1),
        })),
    )
}

pub(crate) fn hello() -> ClientHello {
    ClientHello {
        sni: Some("localhost".into()),
        alpn: vec!["http/1.1".into()],
        versions: vec![0x0304, 0x0303],
        suites: vec![0x1302, 0x1301, 0x1303],
    }
}

pub(crate) fn handshake(conn: u32, ms: u64, dir: Dir, msg: &'static str, bytes: u64) -> Event {
    let server = (msg == "server_hello").then(|| ServerHello {
        version: 0x0304,
        suite: 0x1301,
        alpn: None,
    });
    ev(
        conn,
        ms,
        Some(dir),
        EventKind::TlsHandshake(Box::new(TlsHandshake {
            msg,
            hello: if msg == "client_hello" {
                hello()
            } else {
                ClientHello::default()
            },
            server,
            encrypted: !matches!(msg, "client_hello" | "server_hello"),
            bytes,
        })),
    )
}

pub(crate) fn keys(conn: u32, ms: u64, decrypting: bool) -> Event {
    ev(
        conn,
        ms,
        None,
        EventKind::TlsKeys(Box::new(TlsKeys {
            version: 0x0304,
            suite: 0x1301,
            decrypting,
            client_random: [0xab; 32],
            need: (!decrypting)
                .then(|| "CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0 abab…".to_owned()),
        })),
    )
}

/// `ws://` on connection 1 and `wss://` on 2, each sending `Hello` and getting it back.
pub(crate) fn wss_echo() -> Vec<Event> {
    let mut out = Vec::new();
    let mut plain = Connection::new(1);
    let mut inner = Connection::new(2);
    let data = |c: &mut Connection, ms: u64, dir: Dir, bytes: &[u8], out: &mut Vec<Event>| {
        c.data(dir, Timestamp(ms * MS), bytes, out);
    };
    out.push(open(1, 0, 51324));
    data(&mut plain, 1, Dir::C2s, UPGRADE, &mut out);
    data(&mut plain, 2, Dir::S2c, SWITCHED, &mut out);
    data(&mut plain, 3, Dir::C2s, &client_hello_frame(), &mut out);
    data(&mut plain, 4, Dir::S2c, b"\x81\x05Hello", &mut out);
    out.push(open(2, 10, 51330));
    out.push(record(2, 11, Dir::C2s, 22, 245, None));
    out.push(handshake(2, 11, Dir::C2s, "client_hello", 250));
    out.push(record(2, 12, Dir::S2c, 22, 90, None));
    out.push(handshake(2, 12, Dir::S2c, "server_hello", 95));
    out.push(keys(2, 12, true));
    out.push(record(2, 12, Dir::S2c, 23, 860, Some((22, 843))));
    for (msg, n) in [
        ("encrypted_extensions", 27),
        ("certificate", 680),
        ("certificate_verify", 80),
        ("finished", 56),
    ] {
        out.push(handshake(2, 12, Dir::S2c, msg, n));
    }
    out.push(record(2, 13, Dir::C2s, 23, 53, Some((22, 36))));
    out.push(handshake(2, 13, Dir::C2s, "finished", 58));
    let upgrade_len = UPGRADE.len() as u32;
    out.push(record(
        2,
        13,
        Dir::C2s,
        23,
        upgrade_len as u16 + 17,
        Some((23, upgrade_len)),
    ));
    data(&mut inner, 13, Dir::C2s, UPGRADE, &mut out);
    let switched_len = SWITCHED.len() as u32;
    out.push(record(
        2,
        14,
        Dir::S2c,
        23,
        switched_len as u16 + 17,
        Some((23, switched_len)),
    ));
    data(&mut inner, 14, Dir::S2c, SWITCHED, &mut out);
    out.push(record(2, 15, Dir::C2s, 23, 28, Some((23, 11))));
    data(&mut inner, 15, Dir::C2s, &client_hello_frame(), &mut out);
    out.push(record(2, 16, Dir::S2c, 23, 24, Some((23, 7))));
    data(&mut inner, 16, Dir::S2c, b"\x81\x05Hello", &mut out);
    out
}

/// A TLS client on a port that speaks only HTTP: its hello, the server's alert, the close.
pub(crate) fn stranger(conn: u32) -> Vec<Event> {
    vec![
        open(conn, 30, 51340),
        record(conn, 31, Dir::C2s, 22, 245, None),
        handshake(conn, 31, Dir::C2s, "client_hello", 250),
        record(conn, 32, Dir::S2c, 21, 2, None),
        close(conn, 33),
    ]
}

fn session(events: &[Event]) -> Session {
    let mut s = Session::new();
    for e in events {
        s.push(e);
    }
    s
}

#[test]
fn records_handshake_messages_and_keys_become_rows() {
    let s = session(&wss_echo());
    let kinds = |k: RowKind| (0..s.len()).filter(|&i| s.row(i).kind == k).count();
    assert_eq!(kinds(RowKind::TlsRecord), 8);
    assert_eq!(kinds(RowKind::TlsHandshake), 7);
    assert_eq!(kinds(RowKind::TlsKeys), 1);
    assert_eq!(kinds(RowKind::Error), 0, "a hello answered is no stranger");
    let hello = s.find_next(0, |r| r.kind == RowKind::TlsHandshake).unwrap();
    assert_eq!(s.handshake_msg(&s.row(hello)), Some("client_hello"));
    let (h, _) = s.handshake_hellos(&s.row(hello)).unwrap();
    assert_eq!(h.sni.as_deref(), Some("localhost"));
    assert_eq!(
        s.bytes(&s.row(hello)),
        b"localhost",
        "a search finds the host"
    );
    // The record that carried the client's Hello: 28 bytes, 11 of them plaintext.
    let rec = s
        .find_next(0, |r| r.kind == RowKind::TlsRecord && r.payload_len == 28)
        .map(|i| s.row(i))
        .unwrap();
    assert!(rec.has(flags::ENCRYPTED));
    assert_eq!(rec.tls_inner(), Some(23));
    assert_eq!(rec.tls_plaintext(), Some(11));
    assert_eq!(rec.wire_bytes(), 33);
    assert_eq!(s.bytes(&rec), [23, 3, 3, 0, 28]);
    let c = s.conn(2).unwrap().tls.unwrap();
    assert!(c.server_hello && !c.stranger);
    assert_eq!(
        (c.version, c.suite, c.decrypting),
        (Some(0x0304), Some(0x1301), Some(true))
    );
    assert_eq!(c.records, [4, 4]);
    assert!(s.conn(1).unwrap().tls.is_none());
    assert!(s.has_tls());
}

#[test]
fn stats_split_what_tls_adds_from_what_it_carries() {
    let s = session(&wss_echo());
    let st = s.stats();
    let [c2s, s2c] = st.tls_records;
    assert_eq!((c2s.count, s2c.count), (4, 4));
    // Client: hello 245 in clear (header only), Finished 53 (36 inside), upgrade, Hello 28 (11).
    let up = UPGRADE.len() as u64;
    assert_eq!(c2s.payload_bytes, 245 + 36 + up + 11);
    assert_eq!(c2s.head_bytes, 4 * 5 + 17 + 17 + 17);
    assert_eq!(st.tls_decrypted, [3, 3]);
}

#[test]
fn the_eavesdropper_sees_tcp_records_and_the_clear_handshake_only() {
    let s = session(&wss_echo());
    let f = Filter {
        outsider: true,
        ..Filter::default()
    };
    let seen: Vec<Row> = s.matching(&f).iter().map(|&i| s.row(i as usize)).collect();
    // All of ws:// is on the path.
    assert!(
        seen.iter()
            .any(|r| r.conn == 1 && r.kind == RowKind::WsFrame)
    );
    assert!(
        seen.iter()
            .any(|r| r.conn == 1 && r.kind == RowKind::HttpRequest)
    );
    // Of wss:// only TCP, records and the two hellos.
    for r in seen.iter().filter(|r| r.conn == 2) {
        assert!(
            matches!(
                r.kind,
                RowKind::TcpOpen | RowKind::TlsRecord | RowKind::TlsHandshake
            ),
            "{r:?}"
        );
        if r.kind == RowKind::TlsHandshake {
            assert!(!r.has(flags::ENCRYPTED));
        }
    }
    let hs = seen
        .iter()
        .filter(|r| r.kind == RowKind::TlsHandshake)
        .count();
    assert_eq!(hs, 2);
}

#[test]
fn a_hello_answered_by_an_alert_is_the_stranger_of_a_plain_port() {
    let s = crate::lang::scoped(crate::lang::Lang::En, || session(&stranger(3)));
    let i = s
        .find_next(0, |r| r.kind == RowKind::Error)
        .expect("the stranger");
    let row = s.row(i);
    assert_eq!(error_layer(row.code), Layer::Tls);
    let what = String::from_utf8_lossy(s.bytes(&row)).into_owned();
    assert_eq!(
        what,
        "a TLS ClientHello (TLS 1.3, TLS 1.2) for SNI localhost, ALPN http/1.1: this port speaks \
         plain HTTP/1.1, not TLS"
    );
    assert_eq!(s.find_next(0, |r| r.kind == RowKind::TlsHandshake), None);
    assert_eq!(s.stats().kind(RowKind::TlsHandshake).count, 0);
    assert_eq!(s.stats().kind(RowKind::Error).count, 1);
    assert!(s.conn(3).unwrap().tls.unwrap().stranger);
}

#[test]
fn a_hello_whose_connection_ends_unanswered_is_the_stranger_too() {
    let mut evs = stranger(4);
    evs.remove(3);
    let s = session(&evs);
    assert!(s.find_next(0, |r| r.kind == RowKind::Error).is_some());
    // Still open and unanswered: only a hello so far.
    let s = session(&evs[..3]);
    assert!(s.find_next(0, |r| r.kind == RowKind::Error).is_none());
    assert!(
        s.find_next(0, |r| r.kind == RowKind::TlsHandshake)
            .is_some()
    );
}

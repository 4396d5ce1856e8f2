//! Strangers on the HTTP/1.1 port, and 101s that break the upgrade rules.

use super::*;
use crate::proto::stranger::{H2_PREFACE, TLS_ALERT, h2_refusal};

fn one_byte_at_a_time(dir: Dir, bytes: &[u8]) -> Vec<(Dir, Vec<u8>)> {
    bytes.iter().map(|b| (dir, vec![*b])).collect()
}

#[test]
fn the_h2_preface_is_named_and_the_rest_not_decoded() {
    let mut c2s = H2_PREFACE.to_vec();
    c2s.extend([0, 0, 0, 4, 0, 0, 0, 0, 0]); // the client's SETTINGS
    let evs = run(&[(Dir::C2s, c2s), (Dir::S2c, h2_refusal("HTTP/1.1 only"))]);
    assert_eq!(kinds(&evs), ["h2_preface"]);
    // The server's answer may reach the decoder first (a live tap), and bytes one at a time.
    let mut chunks = vec![(Dir::S2c, h2_refusal("x"))];
    chunks.extend(one_byte_at_a_time(Dir::C2s, H2_PREFACE));
    assert_eq!(kinds(&run(&chunks)), ["h2_preface"]);
}

#[test]
fn a_tls_client_hello_is_named_with_its_server_and_protocols() {
    let msg =
        crate::proto::tls::tests::hello_msg(Some("x.example"), &["h2", "http/1.1"], &[0x0304]);
    let mut record = vec![22, 3, 1];
    record.extend((msg.len() as u16).to_be_bytes());
    record.extend(&msg);
    let mut chunks = one_byte_at_a_time(Dir::C2s, &record);
    chunks.push((Dir::S2c, TLS_ALERT.to_vec()));
    let evs = run(&chunks);
    // The client's record and its hello, then the server's record: the fatal alert.
    assert_eq!(kinds(&evs), ["tls_record", "tls_handshake", "tls_record"]);
    let EventKind::TlsHandshake(t) = &evs[1].kind else {
        unreachable!()
    };
    assert_eq!(t.hello.sni.as_deref(), Some("x.example"));
    assert_eq!(t.hello.alpn, ["h2", "http/1.1"]);
    assert_eq!(t.hello.suites, [0x1301, 0x1302]);
    assert_eq!(t.bytes, record.len() as u64);
    let EventKind::TlsRecord(alert) = &evs[2].kind else {
        unreachable!()
    };
    assert_eq!((alert.content_type, alert.encrypted), (21, false));
    // Cut short: said so, with no "malformed message head".
    let evs = run(&[(Dir::C2s, record[..20].to_vec())]);
    assert_eq!(evs.len(), 1);
    assert!(
        kinds(&evs)[0].contains("ended 20 bytes into a TLS ClientHello"),
        "{:?}",
        kinds(&evs)
    );
}

/// The plaintext of a TLS connection whose keys are known goes through the HTTP decoder, each
/// message after the record that carried it; without keys, the records only.
#[test]
fn a_decrypted_tls_connection_carries_http() {
    use crate::proto::tls::stream::tests::{hello, keys13, tls13};
    let (c, s) = tls13();
    let (c1, c2) = c.split_at(hello().len());
    let feed = |keys: bool| {
        let mut conn = Connection::new(1);
        if keys {
            conn.set_keys(keys13());
        }
        let mut out = Vec::new();
        conn.data(Dir::C2s, Timestamp(0), c1, &mut out);
        conn.data(Dir::S2c, Timestamp(0), &s, &mut out);
        conn.data(Dir::C2s, Timestamp(0), c2, &mut out);
        conn.end(Dir::C2s, Timestamp(0), &mut out);
        conn.end(Dir::S2c, Timestamp(0), &mut out);
        kinds(&out)
    };
    let k = feed(true);
    let resp = k
        .iter()
        .position(|x| x == "resp 200")
        .expect("the response");
    assert_eq!(k[resp - 1], "tls_record", "{k:?}");
    assert_eq!(k.last().map(String::as_str), Some("req GET"), "{k:?}");
    let k = feed(false);
    assert!(
        !k.iter()
            .any(|x| x.starts_with("req") || x.starts_with("resp")),
        "{k:?}"
    );
    assert!(k.contains(&"tls_keys".to_owned()), "{k:?}");
}

#[test]
fn ordinary_requests_still_decode_a_byte_at_a_time() {
    let post = b"POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
    let mut chunks = one_byte_at_a_time(Dir::C2s, post);
    chunks.push((
        Dir::S2c,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
    ));
    assert_eq!(kinds(&run(&chunks)), ["req POST", "http_body", "resp 200"]);
    // The server's answer before the client's bytes are told: held, then decoded in order.
    let evs = run(&[
        (Dir::C2s, b"P".to_vec()),
        (
            Dir::S2c,
            b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
    ]);
    let k = kinds(&evs);
    assert!(k.contains(&"resp 408".to_owned()), "{k:?}");
    assert!(
        k.iter().any(|e| e.contains("inside a message head")),
        "{k:?}"
    );
    // A preface cut short is a request head cut short, as before.
    let evs = run(&[(Dir::C2s, H2_PREFACE[..10].to_vec())]);
    assert!(
        kinds(&evs)[0].contains("inside a message head"),
        "{:?}",
        kinds(&evs)
    );
}

fn upgrade_with(request: &str) -> Vec<String> {
    let evs = run(&[
        (Dir::C2s, request.as_bytes().to_vec()),
        (Dir::S2c, switching(ACCEPT, "")),
    ]);
    kinds(&evs)
        .into_iter()
        .filter(|k| k.starts_with("error"))
        .collect()
}

#[test]
fn a_101_that_breaks_the_upgrade_rules_is_flagged() {
    let base = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    let ok = format!("{base}Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assert_eq!(upgrade_with(&ok), Vec::<String>::new());

    let http10 = ok.replace("HTTP/1.1", "HTTP/1.0");
    let e = upgrade_with(&http10);
    assert!(e.len() == 1 && e[0].contains("HTTP/1.0 request"), "{e:?}");

    let no_key = format!("{base}Sec-WebSocket-Version: 13\r\n\r\n");
    let e = upgrade_with(&no_key);
    assert!(
        e.len() == 1 && e[0].contains("without Sec-WebSocket-Key"),
        "{e:?}"
    );

    let short_key = ok.replace(KEY, "c2hvcnQ=");
    let e = upgrade_with(&short_key);
    assert!(e.iter().any(|e| e.contains("decodes to 5 bytes")), "{e:?}");

    let v8 = ok.replace("Version: 13", "Version: 8");
    let e = upgrade_with(&v8);
    assert!(
        e.len() == 1 && e[0].contains("Sec-WebSocket-Version \"8\""),
        "{e:?}"
    );
}

#[test]
fn the_rule_errors_name_their_layer() {
    let req = format!(
        "GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    let evs = run(&[
        (Dir::C2s, req.into_bytes()),
        (Dir::S2c, switching(ACCEPT, "")),
    ]);
    let layers: Vec<Layer> = evs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Error(err) => Some(err.layer),
            _ => None,
        })
        .collect();
    assert_eq!(layers, [Layer::Http]);
}

#[test]
fn a_tls_record_header_without_a_client_hello_is_broken_http() {
    // What the server answers it with too: hyper's 400, not TLS's alert.
    let evs = run(&[
        (Dir::C2s, b"\x16\x03\x01 this is not HTTP\r\n\r\n".to_vec()),
        (
            Dir::S2c,
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
    ]);
    let k = kinds(&evs);
    assert!(k[0].contains("malformed message head"), "{k:?}");
    assert!(k.contains(&"resp 400".to_owned()), "{k:?}");
}

mod cuts {
    use proptest::prelude::*;

    use super::*;

    fn starts() -> impl Strategy<Value = Vec<u8>> {
        let hello = crate::proto::tls::tests::hello_msg(Some("p.example"), &["h2"], &[0x0304]);
        let mut record = vec![22, 3, 1];
        record.extend((hello.len() as u16).to_be_bytes());
        record.extend(hello);
        prop_oneof![
            Just(record),
            Just(H2_PREFACE.to_vec()),
            Just(b"PUT /x HTTP/1.1\r\nContent-Length: 1\r\n\r\nx".to_vec()),
            Just(vec![22, 3, 3, 0, 9]),
        ]
    }

    proptest! {
        /// Where the client's bytes are cut, and what follows them, changes nothing told.
        #[test]
        fn the_cut_does_not_matter(
            start in starts(),
            tail in proptest::collection::vec(any::<u8>(), 0..40),
            at in 0usize..400,
            keep in 1usize..400,
        ) {
            let mut bytes = start;
            bytes.extend(tail);
            let bytes = &bytes[..keep.min(bytes.len())];
            let at = at % (bytes.len() + 1);
            let whole = run(&[(Dir::C2s, bytes.to_vec())]);
            let cut = run(&[(Dir::C2s, bytes[..at].to_vec()), (Dir::C2s, bytes[at..].to_vec())]);
            prop_assert_eq!(kinds(&whole), kinds(&cut));
        }
    }
}

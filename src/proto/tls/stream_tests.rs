//! A TLS 1.3 and a TLS 1.2 connection made up here (records sealed with the RustCrypto AEADs as
//! RFC 8446 §5.2 and RFC 5288 say), read back through `TlsStream`.

use std::sync::{Arc, RwLock};

use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use proptest::prelude::*;

use super::*;
use crate::proto::tls::KeyLog;
use crate::proto::tls::crypt::{Hash, expand_label, prf};

const CR: [u8; 32] = [7; 32];
const SR: [u8; 32] = [9; 32];

fn record(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![kind, 3, 3];
    r.extend((body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

fn msg(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn server_hello(version: u16, suite: u16, alpn: Option<&str>) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend(SR);
    b.push(0);
    b.extend(suite.to_be_bytes());
    b.push(0);
    let mut exts = Vec::new();
    if version == 0x0304 {
        exts.extend([0, 43, 0, 2, 3, 4]);
    }
    if let Some(p) = alpn {
        let mut list = vec![p.len() as u8];
        list.extend_from_slice(p.as_bytes());
        let mut data = (list.len() as u16).to_be_bytes().to_vec();
        data.extend(list);
        exts.extend([0, 16]);
        exts.extend((data.len() as u16).to_be_bytes());
        exts.extend(data);
    }
    b.extend((exts.len() as u16).to_be_bytes());
    b.extend(exts);
    msg(2, &b)
}

/// A TLS 1.3 record sealed with `secret`'s keys at sequence `seq`.
fn seal13(secret: &[u8], seq: u64, inner: u8, plain: &[u8]) -> Vec<u8> {
    let key = expand_label(Hash::Sha256, secret, b"key", 16).unwrap();
    let iv = expand_label(Hash::Sha256, secret, b"iv", 12).unwrap();
    let mut nonce: [u8; 12] = iv.try_into().unwrap();
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    let mut inner_plain = plain.to_vec();
    inner_plain.push(inner);
    inner_plain.extend([0; 3]);
    let len = (inner_plain.len() + 16) as u16;
    let header = [23, 3, 3, (len >> 8) as u8, len as u8];
    let a = Aes128Gcm::new_from_slice(&key).unwrap();
    let sealed = a
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: &inner_plain,
                aad: &header,
            },
        )
        .unwrap();
    [header.to_vec(), sealed].concat()
}

/// TLS 1.2 AES-128-GCM record from the key block of master [3; 48].
fn seal12(client: bool, seq: u64, kind: u8, plain: &[u8]) -> Vec<u8> {
    let block = prf(
        Hash::Sha256,
        &[3; 48],
        b"key expansion",
        &[SR, CR].concat(),
        40,
    );
    let (key, iv) = if client {
        (&block[..16], &block[32..36])
    } else {
        (&block[16..32], &block[36..40])
    };
    let explicit = seq.to_be_bytes();
    let nonce = [iv, &explicit].concat();
    let mut aad = seq.to_be_bytes().to_vec();
    aad.extend([kind, 3, 3]);
    aad.extend((plain.len() as u16).to_be_bytes());
    let a = Aes128Gcm::new_from_slice(key).unwrap();
    let n: &[u8; 12] = nonce.as_slice().try_into().unwrap();
    let sealed = a
        .encrypt(
            n.into(),
            Payload {
                msg: plain,
                aad: &aad,
            },
        )
        .unwrap();
    record(kind, &[explicit.to_vec(), sealed].concat())
}

pub(crate) fn hello() -> Vec<u8> {
    let m = crate::proto::tls::tests::hello_msg(Some("x.example"), &["http/1.1"], &[0x0304]);
    record(22, &m)
}

/// (client bytes, server bytes) of a TLS 1.3 exchange carrying `GET /` and its answer.
pub(crate) fn tls13() -> (Vec<u8>, Vec<u8>) {
    let mut ee_body = vec![0, 15, 0, 16, 0, 11, 0, 9, 8];
    ee_body.extend(b"http/1.1");
    let flight = [
        msg(8, &ee_body),
        msg(11, &[0; 20]),
        msg(15, &[0; 10]),
        msg(20, &[1; 32]),
    ]
    .concat();
    let s = [
        record(22, &server_hello(0x0304, 0x1301, None)),
        record(20, &[1]),
        seal13(&[2; 32], 0, 22, &flight),
        seal13(
            &[4; 32],
            0,
            23,
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        ),
    ]
    .concat();
    let c = [
        hello(),
        record(20, &[1]),
        seal13(&[1; 32], 0, 22, &msg(20, &[5; 32])),
        seal13(&[3; 32], 0, 23, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]
    .concat();
    (c, s)
}

pub(crate) fn keys13() -> SharedKeys {
    let mut k = KeyLog::new();
    k.insert("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &CR, &[1; 32]);
    k.insert("SERVER_HANDSHAKE_TRAFFIC_SECRET", &CR, &[2; 32]);
    k.insert("CLIENT_TRAFFIC_SECRET_0", &CR, &[3; 32]);
    k.insert("SERVER_TRAFFIC_SECRET_0", &CR, &[4; 32]);
    Arc::new(RwLock::new(k))
}

/// Feeds the client's bytes, then the server's handshake, in `cuts` pieces; returns what came.
fn run(c: &[u8], s: &[u8], keys: Option<&SharedKeys>, cut: usize) -> Vec<Out> {
    let mut t = TlsStream::new();
    let mut out = Vec::new();
    let (c1, c2) = c.split_at(hello().len());
    for (dir, bytes) in [(Dir::C2s, c1), (Dir::S2c, s), (Dir::C2s, c2)] {
        for piece in bytes.chunks(cut.max(1)) {
            t.feed(dir, piece, keys, &mut out);
        }
        t.end(dir, &mut out);
    }
    out
}

fn names(out: &[Out]) -> Vec<String> {
    out.iter()
        .map(|o| match o {
            Out::Event(EventKind::TlsHandshake(h)) => h.msg.to_string(),
            Out::Event(EventKind::TlsRecord(r)) => format!("rec{}{:?}", r.content_type, r.inner),
            Out::Event(e) => e.name().to_string(),
            Out::Plain(p) => String::from_utf8_lossy(p)
                .lines()
                .next()
                .unwrap_or("")
                .into(),
            Out::Stop => "stop".into(),
        })
        .collect()
}

#[test]
fn tls13_with_keys_names_every_message_and_hands_back_the_plaintext() {
    let (c, s) = tls13();
    let out = run(&c, &s, Some(&keys13()), 100_000);
    let n = names(&out);
    assert_eq!(
        n,
        [
            "rec22None",
            "client_hello",
            "rec22None",
            "server_hello",
            "tls_keys",
            "rec20None",
            "rec23Some(22)",
            "encrypted_extensions",
            "certificate",
            "certificate_verify",
            "finished",
            "rec23Some(23)",
            "HTTP/1.1 200 OK",
            "rec20None",
            "rec23Some(22)",
            "finished",
            "rec23Some(23)",
            "GET / HTTP/1.1"
        ]
    );
    let ee = out.iter().find_map(|o| match o {
        Out::Event(EventKind::TlsHandshake(h)) if h.msg == "encrypted_extensions" => Some(h),
        _ => None,
    });
    assert_eq!(
        ee.unwrap().server.as_ref().unwrap().alpn.as_deref(),
        Some("http/1.1")
    );
    let Some(Out::Event(EventKind::TlsKeys(k))) = out
        .iter()
        .find(|o| matches!(o, Out::Event(EventKind::TlsKeys(_))))
    else {
        panic!("no tls_keys");
    };
    assert!(k.decrypting && k.need.is_none());
}

#[test]
fn tls13_without_keys_lists_records_and_says_what_it_needs() {
    let (c, s) = tls13();
    let out = run(&c, &s, None, 100_000);
    let n = names(&out);
    assert!(
        !n.iter().any(|x| x.contains("HTTP") || x == "finished"),
        "{n:?}"
    );
    let k = out.iter().find_map(|o| match o {
        Out::Event(EventKind::TlsKeys(k)) => Some(k),
        _ => None,
    });
    let need = k.unwrap().need.clone().unwrap();
    assert_eq!(
        need,
        format!(
            "CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0 {}",
            "07".repeat(32)
        )
    );
}

#[test]
fn tls13_with_traffic_secrets_only_still_reads_the_application_data() {
    let (c, s) = tls13();
    let mut k = KeyLog::new();
    k.insert("CLIENT_TRAFFIC_SECRET_0", &CR, &[3; 32]);
    k.insert("SERVER_TRAFFIC_SECRET_0", &CR, &[4; 32]);
    let out = run(&c, &s, Some(&Arc::new(RwLock::new(k))), 100_000);
    let n = names(&out);
    assert!(n.contains(&"GET / HTTP/1.1".to_string()), "{n:?}");
    assert!(n.contains(&"HTTP/1.1 200 OK".to_string()), "{n:?}");
    assert!(!n.contains(&"error".to_string()), "{n:?}");
}

#[test]
fn wrong_keys_are_an_error_naming_the_record_and_the_plaintext_stops() {
    let (c, s) = tls13();
    let mut k = KeyLog::new();
    for l in ["SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"] {
        k.insert(l, &CR, &[0x55; 32]);
    }
    let out = run(&c, &s, Some(&Arc::new(RwLock::new(k))), 100_000);
    let err = out.iter().find_map(|o| match o {
        Out::Event(EventKind::Error(e)) => Some(e),
        _ => None,
    });
    let err = err.expect("an error");
    assert!(err.what.contains("does not decrypt"), "{}", err.what);
    // The server's first protected record, after its ServerHello and ChangeCipherSpec.
    let at = record(22, &server_hello(0x0304, 0x1301, None)).len() + 6;
    assert_eq!(err.offset, Some(at as u64));
    assert!(names(&out).contains(&"stop".to_string()));
}

#[test]
fn tls12_decrypts_after_change_cipher_spec_with_the_client_random_line() {
    let s = [
        record(
            22,
            &[server_hello(0x0303, 0xc02f, Some("http/1.1")), msg(14, &[])].concat(),
        ),
        record(20, &[1]),
        seal12(false, 0, 22, &msg(20, &[0; 12])),
        seal12(false, 1, 23, b"HTTP/1.1 204 No Content\r\n\r\n"),
    ]
    .concat();
    let c = [
        hello(),
        record(22, &msg(16, &[0; 33])),
        record(20, &[1]),
        seal12(true, 0, 22, &msg(20, &[0; 12])),
        seal12(true, 1, 23, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]
    .concat();
    let mut k = KeyLog::new();
    k.insert("CLIENT_RANDOM", &CR, &[3; 48]);
    let keys = Arc::new(RwLock::new(k));
    for cut in [1, 7, 100_000] {
        let n = names(&run(&c, &s, Some(&keys), cut));
        assert!(n.contains(&"GET /a HTTP/1.1".to_string()), "{n:?}");
        assert!(n.contains(&"HTTP/1.1 204 No Content".to_string()), "{n:?}");
        assert_eq!(n.iter().filter(|x| *x == "finished").count(), 2, "{n:?}");
        assert_eq!(n.iter().filter(|x| *x == "tls_keys").count(), 1, "{n:?}");
    }
    let n = names(&run(&c, &s, None, 100_000));
    assert!(!n.iter().any(|x| x.contains("HTTP")), "{n:?}");
}

#[test]
fn a_record_past_the_limit_is_an_error_not_an_allocation() {
    let mut t = TlsStream::new();
    let mut out = Vec::new();
    t.feed(Dir::C2s, &[23, 3, 3, 0xff, 0xff, 1, 2, 3], None, &mut out);
    let Some(Out::Event(EventKind::Error(e))) = out.first() else {
        panic!("{out:?}");
    };
    assert!(e.what.contains("65535 bytes, past the 16640"), "{}", e.what);
    assert_eq!(e.offset, Some(0));
    // Not a record at all.
    let mut out = Vec::new();
    TlsStream::new().feed(Dir::S2c, b"HTTP/1.1 400", None, &mut out);
    assert!(
        matches!(&out[0], Out::Event(EventKind::Error(e)) if e.what.contains("not a TLS record"))
    );
}

proptest! {
    /// Any split of the same bytes gives the same events.
    #[test]
    fn any_split_gives_the_same_events(cut in 1usize..300) {
        let (c, s) = tls13();
        let keys = keys13();
        prop_assert_eq!(run(&c, &s, Some(&keys), cut), run(&c, &s, Some(&keys), 100_000));
    }

    /// Any bytes, in any pieces, with or without keys: events, never a panic.
    #[test]
    fn any_bytes_never_panic(
        c in proptest::collection::vec(any::<u8>(), 0..600),
        s in proptest::collection::vec(any::<u8>(), 0..600),
        cut in 1usize..64,
    ) {
        let keys = keys13();
        let mut t = TlsStream::new();
        let mut out = Vec::new();
        for (dir, bytes) in [(Dir::C2s, &hello()), (Dir::C2s, &c), (Dir::S2c, &s)] {
            for piece in bytes.chunks(cut) {
                t.feed(dir, piece, Some(&keys), &mut out);
            }
        }
        t.end(Dir::C2s, &mut out);
        t.end(Dir::S2c, &mut out);
    }
}

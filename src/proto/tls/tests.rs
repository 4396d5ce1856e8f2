use proptest::prelude::*;

use super::*;

fn vec16(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut v = kind.to_be_bytes().to_vec();
    v.extend(vec16(data));
    v
}

/// A ClientHello as one handshake message (no record header).
pub(crate) fn hello_msg(sni: Option<&str>, alpn: &[&str], versions: &[u16]) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend([7; 32]);
    body.push(0);
    body.extend(vec16(&[0x13, 0x01, 0x13, 0x02]));
    body.extend([1, 0]);
    let mut exts = Vec::new();
    if let Some(name) = sni {
        let mut entry = vec![0];
        entry.extend(vec16(name.as_bytes()));
        exts.extend(ext(0, &vec16(&entry)));
    }
    if !alpn.is_empty() {
        let mut list = Vec::new();
        for p in alpn {
            list.push(p.len() as u8);
            list.extend_from_slice(p.as_bytes());
        }
        exts.extend(ext(16, &vec16(&list)));
    }
    if !versions.is_empty() {
        let mut list = vec![(versions.len() * 2) as u8];
        for v in versions {
            list.extend(v.to_be_bytes());
        }
        exts.extend(ext(43, &list));
    }
    body.extend(vec16(&exts));
    let mut msg = vec![1];
    msg.extend(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend(body);
    msg
}

/// `msg` cut into handshake records of at most `size` bytes each.
fn records(msg: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in msg.chunks(size) {
        out.extend([22, 3, 1]);
        out.extend(vec16(piece));
    }
    out
}

#[test]
fn a_hello_names_its_server_protocols_and_versions() {
    let msg = hello_msg(
        Some("x.example"),
        &["h2", "http/1.1"],
        &[0x0a0a, 0x0304, 0x0303],
    );
    let wire = records(&msg, 1 << 14);
    let HelloRead::Done { used, hello } = read_hello(&wire) else {
        panic!("one whole record is enough");
    };
    assert_eq!(used, wire.len());
    let hello = hello.expect("a well-formed hello");
    assert_eq!(hello.sni.as_deref(), Some("x.example"));
    assert_eq!(hello.alpn, ["h2", "http/1.1"]);
    assert_eq!(hello.versions, [0x0304, 0x0303], "GREASE is left out");
    assert_eq!(version_name(0x0304), "TLS 1.3");
    assert_eq!(version_name(0x0301), "TLS 1.0");
}

#[test]
fn without_supported_versions_the_legacy_version_counts() {
    let wire = records(&hello_msg(None, &[], &[]), 1 << 14);
    let HelloRead::Done { hello, .. } = read_hello(&wire) else {
        panic!("whole");
    };
    let hello = hello.expect("hello");
    assert_eq!((hello.sni, hello.versions), (None, vec![0x0303]));
}

#[test]
fn a_hello_across_records_and_byte_by_byte() {
    let msg = hello_msg(Some("a.example"), &["h2"], &[0x0304]);
    let wire = records(&msg, 40);
    for cut in 0..wire.len() {
        match read_hello(&wire[..cut]) {
            HelloRead::Partial { need } => assert!(need > cut && need <= wire.len()),
            other => panic!("{cut} bytes: {other:?}"),
        }
    }
    assert!(matches!(
        read_hello(&wire),
        HelloRead::Done { hello: Ok(h), used } if h.sni.as_deref() == Some("a.example") && used == wire.len()
    ));
    // In records of 10 bytes it needs more than 8 of them: a bound, not a hang.
    assert!(matches!(
        read_hello(&records(&msg, 10)),
        HelloRead::Done { hello: Err(_), .. }
    ));
}

#[test]
fn not_a_hello_says_why() {
    let alert = [22, 3, 3, 0, 0];
    assert!(matches!(
        read_hello(&alert),
        HelloRead::Done {
            used: 0,
            hello: Err(_)
        }
    ));
    let server_hello = records(&[2, 0, 0, 0], 100);
    let HelloRead::Done {
        hello: Err(why), ..
    } = read_hello(&server_hello)
    else {
        panic!("decided");
    };
    assert!(why.contains("type 2"), "{why}");
}

#[test]
fn the_record_sniff() {
    assert!(looks_like_record(&[]));
    assert!(looks_like_record(&[22, 3]));
    assert!(looks_like_record(&[22, 3, 1, 2]));
    assert!(!looks_like_record(&[22, 3, 9]));
    assert!(!looks_like_record(b"GET"));
}

proptest! {
    /// Any bytes at all: an answer, no panic, and `used`/`need` inside the bounds.
    #[test]
    fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        match read_hello(&bytes) {
            HelloRead::Partial { need } => prop_assert!(need > bytes.len() && need <= 8 * (5 + MAX_FRAGMENT)),
            HelloRead::Done { used, .. } => prop_assert!(used <= bytes.len()),
        }
    }

    /// A real hello with bytes changed anywhere: still an answer, never a panic.
    #[test]
    fn a_mutated_hello(at in 0usize..200, with in any::<u8>(), size in 5usize..300) {
        let mut wire = records(&hello_msg(Some("m.example"), &["h2", "http/1.1"], &[0x0304]), size);
        let i = at % wire.len();
        wire[i] = with;
        let _ = read_hello(&wire);
    }

    #[test]
    fn names_come_back(sni in "[a-z0-9.-]{1,60}", alpn in proptest::collection::vec("[a-z0-9/.]{1,20}", 0..5)) {
        let alpn: Vec<&str> = alpn.iter().map(String::as_str).collect();
        let wire = records(&hello_msg(Some(&sni), &alpn, &[0x0304]), 1 << 14);
        let HelloRead::Done { hello: Ok(h), .. } = read_hello(&wire) else {
            panic!("whole");
        };
        prop_assert_eq!(h.sni.as_deref(), Some(sni.as_str()));
        prop_assert_eq!(h.alpn, alpn);
    }
}

//! permessage-deflate (RFC 7692) on `duplex serve`: a client that offers it gets it in the 101,
//! its compressed messages come back compressed, and the tap shows the inflated text; without
//! the offer, with `?deflate=off` or `--no-deflate`, nothing is compressed; broken or
//! oversized compressed messages get the close the RFCs ask for.

mod support;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use support::{Server, kind, ws_recv as recv, ws_send as send, ws_upgrade as connect};

/// Deflates as a permessage-deflate sender: sync flush, the 00 00 ff ff tail stripped.
fn deflate(c: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 1024);
    c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
    out.truncate(out.len() - 4);
    out
}

fn inflate(d: &mut Decompress, data: &[u8]) -> Vec<u8> {
    let mut input = data.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(64 * 1024);
    d.decompress_vec(&input, &mut out, FlushDecompress::Sync)
        .unwrap();
    out
}

const TEXT: &str = "the same sentence, over and over: the same sentence, over and over";

/// Sends TEXT compressed twice; the sizes of the two compressed echoes.
fn echo_twice(s: &Server, offer: &str, expect_ext: &str) -> (usize, usize) {
    let (mut sock, head) = connect(s, "/ws/echo", offer);
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains(&format!("sec-websocket-extensions: {expect_ext}\r\n")),
        "{head}"
    );
    let mut c = Compress::new(Compression::default(), false);
    let mut d = Decompress::new(false);
    let mut sizes = Vec::new();
    for _ in 0..2 {
        send(&mut sock, 0xc1, &deflate(&mut c, TEXT.as_bytes()));
        let (b0, p) = recv(&mut sock);
        assert_eq!(b0, 0xc1, "FIN, RSV1 (compressed), text");
        assert_eq!(inflate(&mut d, &p), TEXT.as_bytes());
        sizes.push(p.len());
    }
    send(&mut sock, 0x88, &1000u16.to_be_bytes());
    assert_eq!(recv(&mut sock).0, 0x88);
    (sizes[0], sizes[1])
}

#[test]
fn an_offer_is_accepted_and_echoes_come_back_compressed() {
    let mut s = Server::start(&[]);
    let (first, second) = echo_twice(
        &s,
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate",
    );
    assert!(
        second < first / 2,
        "context takeover: {first} then {second}"
    );
    let (a, b) = echo_twice(
        &s,
        "x-unknown, permessage-deflate; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover",
    );
    assert_eq!(a, b, "no context takeover: each message alone");
    assert_eq!(a, first);
    let evs = s.wait_until("four compressed echoes", |evs| {
        kind(evs, "ws_message")
            .filter(|m| m["compressed"] == true)
            .count()
            >= 8
    });
    for m in kind(evs, "ws_message").filter(|m| m["opcode"] == 1) {
        assert_eq!(m["compressed"], true, "{m}");
        assert_eq!(m["text"], TEXT, "the tap inflates: {m}");
    }
    let rsv1 = kind(evs, "ws_frame").filter(|f| f["rsv"] == 4).count();
    assert_eq!(rsv1, 8, "every data frame both ways has RSV1");
}

#[test]
fn deflate_off_refuses_and_a_compressed_frame_then_gets_1002() {
    let s = Server::start(&[]);
    let offer = "permessage-deflate";
    let (mut sock, head) = connect(&s, "/ws/echo?deflate=off", offer);
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(!head.contains("sec-websocket-extensions"), "{head}");
    let mut c = Compress::new(Compression::default(), false);
    send(&mut sock, 0xc1, &deflate(&mut c, b"Hello"));
    let (b0, p) = recv(&mut sock);
    assert_eq!((b0, &p[..2]), (0x88, &1002u16.to_be_bytes()[..]));
    let (_, head) = connect(&s, "/ws/echo?deflate=maybe", offer);
    assert!(head.starts_with("http/1.1 400"), "{head}");
    let s = Server::start(&["--no-deflate"]);
    let (_, head) = connect(&s, "/ws/chat?name=ann", offer);
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(!head.contains("sec-websocket-extensions"), "{head}");
}

#[test]
fn rsv1_where_it_means_nothing_still_gets_1002() {
    let s = Server::start(&[]);
    for (b0, payload) in [(0xc9u8, &b""[..]), (0xc0, b"x")] {
        let (mut sock, head) = connect(&s, "/ws/echo", "permessage-deflate");
        assert!(head.contains("permessage-deflate"), "{head}");
        if b0 == 0xc0 {
            send(&mut sock, 0x01, b"open"); // a plain fragment to continue
        }
        send(&mut sock, b0, payload);
        let (got, p) = recv(&mut sock);
        assert_eq!(
            (got, &p[..2]),
            (0x88, &1002u16.to_be_bytes()[..]),
            "{b0:#x}"
        );
    }
}

#[test]
fn an_inflation_bomb_gets_1009_and_the_server_does_not_grow() {
    let s = Server::start(&[]);
    // 256 MiB of zeros in about 250 KiB: 16 times the echo's 16 MiB limit.
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut bomb = Vec::with_capacity(1 << 20);
    for _ in 0..256 {
        c.compress_vec(&zeros, &mut bomb, FlushCompress::None)
            .unwrap();
    }
    c.compress_vec(&[], &mut bomb, FlushCompress::Sync).unwrap();
    bomb.truncate(bomb.len() - 4);
    let (mut sock, _) = connect(&s, "/ws/echo", "permessage-deflate");
    send(&mut sock, 0xc2, &bomb);
    let (b0, p) = recv(&mut sock);
    assert_eq!((b0, &p[..2]), (0x88, &1009u16.to_be_bytes()[..]));
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.child.id()));
    if let Ok(status) = status {
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        // The 16 MiB message limit, once or twice over, and the program: far from 256 MiB.
        assert!(kb < 100 * 1024, "peak {} MiB", kb / 1024);
    }
}

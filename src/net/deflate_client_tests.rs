//! The client's role, against the server's in memory.

use tokio::io::ReadBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Deflate;
use super::read::{Reader, Run};
use super::write::Writer;
use crate::proto::ws::{Parsed, parse_header, unmask_into};

const KEY: [u8; 4] = [0x9a, 0x01, 0x5c, 0xe2];

/// A frame as tungstenite writes it: masked with `key` (the client) or not (the server).
fn frame(b0: u8, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
    let mask = if key.is_some() { 0x80 } else { 0 };
    let mut f = vec![b0, mask | payload.len() as u8];
    assert!(payload.len() < 126);
    if let Some(k) = key {
        f.extend_from_slice(&k);
        let start = f.len();
        f.resize(start + payload.len(), 0);
        unmask_into(payload, k, 0, &mut f[start..]);
    } else {
        f.extend_from_slice(payload);
    }
    f
}

/// (b0, mask key, unmasked payload) of each whole frame in `bytes`.
fn frames(mut bytes: &[u8]) -> Vec<(u8, Option<[u8; 4]>, Vec<u8>)> {
    let mut v = Vec::new();
    while let Parsed::Header(h) = parse_header(bytes) {
        let start = usize::from(h.header_len);
        let end = start + h.payload_len as usize;
        let mut p = vec![0; end - start];
        unmask_into(
            &bytes[start..end],
            h.mask_key.unwrap_or_default(),
            0,
            &mut p,
        );
        v.push((bytes[0], h.mask_key, p));
        bytes = &bytes[end..];
    }
    assert!(bytes.is_empty(), "whole frames");
    v
}

fn read_all(r: &mut Reader, input: &[u8]) -> Vec<u8> {
    r.push(input);
    let mut out = Vec::new();
    loop {
        let run = r.run(|| true);
        let mut buf = [0u8; 4096];
        let mut rb = ReadBuf::new(&mut buf);
        while r.take(&mut rb) > 0 {
            out.extend_from_slice(rb.filled());
            rb.clear();
        }
        assert!(!matches!(run, Err(_)), "{run:?}");
        if !matches!(run, Ok(Run::Output)) {
            return out;
        }
    }
}

const MSG: &[u8] = b"{\"user\":\"ada\",\"text\":\"hello, compression\"}";

#[test]
fn client_messages_go_out_masked_and_compressed_and_the_server_inflates_them() {
    let mut w = Writer::client(false, 15);
    let mut server = Reader::new(false, u64::MAX);
    let mut sizes = Vec::new();
    for _ in 0..3 {
        // Any split of tungstenite's writes gives the same bytes.
        for piece in frame(0x81, MSG, Some(KEY)).chunks(5) {
            w.accept(piece);
        }
        let wire = std::mem::take(&mut w.out);
        let fs = frames(&wire);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].0, 0xc1, "FIN, RSV1, text");
        assert_eq!(fs[0].1, Some(KEY), "masked with tungstenite's key");
        assert_ne!(&fs[0].2[..], MSG);
        assert!(
            !fs[0].2.ends_with(&[0, 0, 0xff, 0xff]),
            "the tail is removed"
        );
        sizes.push(fs[0].2.len());
        let plain = read_all(&mut server, &wire);
        assert_eq!(
            plain,
            frame(0x81, MSG, Some(KEY)),
            "the server reads the original"
        );
    }
    // Context takeover: the second copy refers back to the first.
    assert!(
        sizes[1] < sizes[0] / 3 && sizes[2] < sizes[0] / 3,
        "{sizes:?}"
    );
}

#[test]
fn no_context_takeover_compresses_each_message_alone() {
    let mut w = Writer::client(true, 10);
    let mut server = Reader::new(true, u64::MAX);
    let mut wires = Vec::new();
    for _ in 0..2 {
        w.accept(&frame(0x81, MSG, Some(KEY)));
        let wire = std::mem::take(&mut w.out);
        assert_eq!(read_all(&mut server, &wire), frame(0x81, MSG, Some(KEY)));
        wires.push(wire);
    }
    assert_eq!(wires[0], wires[1], "same key, same message: same bytes");
    // Controls pass as tungstenite wrote them.
    let ping = frame(0x89, b"p", Some(KEY));
    w.accept(&ping);
    assert_eq!(w.out, ping);
}

#[test]
fn the_servers_compressed_frames_inflate_to_unmasked_ones_for_the_client() {
    let mut server = Writer::new(false, 15);
    let mut client = Reader::client(false, u64::MAX);
    for _ in 0..2 {
        server.accept(&frame(0x81, MSG, None));
        let wire = std::mem::take(&mut server.out);
        assert_eq!(wire[0], 0xc1);
        assert_eq!(read_all(&mut client, &wire), frame(0x81, MSG, None));
    }
    // A masked frame from a server is not the client's to inflate: tungstenite refuses it.
    let odd = frame(0xc1, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], Some(KEY));
    assert_eq!(read_all(&mut Reader::client(false, u64::MAX), &odd), odd);
}

#[test]
fn the_101s_extensions_are_read_from_the_head() {
    let head = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\
        Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n\r\n";
    assert_eq!(
        super::client::extensions(head).as_deref(),
        Some("permessage-deflate; client_no_context_takeover")
    );
    assert_eq!(super::client::extensions(b"HTTP/1.1 101 OK\r\n\r\n"), None);
    let refused =
        b"HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
    assert_eq!(super::client::extensions(refused), None);
}

/// What `io` hands on, read to the end.
async fn read_to_end(io: &mut Deflate<tokio::io::DuplexStream>) -> Vec<u8> {
    let mut got = Vec::new();
    io.read_to_end(&mut got).await.unwrap();
    got
}

#[tokio::test]
async fn a_frame_in_the_same_read_as_the_101_is_inflated_and_writes_compress_after_it() {
    let head = b"HTTP/1.1 101 Switching Protocols\r\n\
        Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n";
    let mut server = Writer::new(true, 15);
    server.accept(&frame(0x81, MSG, None));
    let mut wire = head.to_vec();
    wire.extend_from_slice(&server.out);
    let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
    let mut io = Deflate::client(ours, true, u64::MAX);
    assert_eq!(io.extension(), None);
    // The request goes out as written.
    io.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut req = [0u8; 18];
    theirs.read_exact(&mut req).await.unwrap();
    assert_eq!(&req, b"GET / HTTP/1.1\r\n\r\n");
    theirs.write_all(&wire).await.unwrap();
    theirs.shutdown().await.unwrap();
    let mut got = read_to_end(&mut io).await;
    assert_eq!(
        io.extension(),
        Some("permessage-deflate; server_no_context_takeover")
    );
    let frames_in = got.split_off(head.len());
    assert_eq!(got, head);
    assert_eq!(frames_in, frame(0x81, MSG, None));
    io.write_all(&frame(0x81, MSG, Some(KEY))).await.unwrap();
    io.flush().await.unwrap();
    let mut out = vec![0u8; 256];
    let n = theirs.read(&mut out).await.unwrap();
    let fs = frames(&out[..n]);
    assert_eq!((fs[0].0, fs[0].1), (0xc1, Some(KEY)));
}

#[tokio::test]
async fn without_an_offer_or_an_answer_every_byte_passes() {
    for (offered, head) in [
        (false, &b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"[..]),
        (true, &b"HTTP/1.1 101 Switching Protocols\r\n\r\n"[..]),
    ] {
        let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
        let mut io = Deflate::client(ours, offered, u64::MAX);
        let mut wire = head.to_vec();
        wire.extend_from_slice(&frame(0xc1, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], None));
        theirs.write_all(&wire).await.unwrap();
        theirs.shutdown().await.unwrap();
        assert_eq!(read_to_end(&mut io).await, wire);
        assert_eq!(io.extension(), None);
        io.write_all(&frame(0x81, MSG, Some(KEY))).await.unwrap();
        let mut out = vec![0u8; 256];
        let n = theirs.read(&mut out).await.unwrap();
        assert_eq!(&out[..n], frame(0x81, MSG, Some(KEY)));
    }
}

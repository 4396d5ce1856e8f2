use flate2::{Compress, Compression, FlushCompress};
use tokio::io::ReadBuf;

use super::read::{CHUNK, Reader, Run};
use super::write::Writer;
use crate::proto::ws::{Parsed, parse_header, unmask_into};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A masked client frame.
fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![b0];
    match payload.len() {
        n @ 0..=125 => f.push(0x80 | n as u8),
        n @ 126..=0xffff => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&KEY);
    let start = f.len();
    f.resize(start + payload.len(), 0);
    unmask_into(payload, KEY, 0, &mut f[start..]);
    f
}

fn deflate(c: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
    out.truncate(out.len() - 4);
    out
}

/// Everything the reader hands on for `input`, and how it stopped.
fn read_all(r: &mut Reader, input: &[u8]) -> (Vec<u8>, Result<Run, super::Failure>) {
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
        if !matches!(run, Ok(Run::Output)) {
            return (out, run);
        }
    }
}

/// (b0, unmasked payload) of each frame in `bytes`.
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut v = Vec::new();
    while let Parsed::Header(h) = parse_header(bytes) {
        let start = usize::from(h.header_len);
        let end = start + h.payload_len as usize;
        let mut p = vec![0; end - start];
        match h.mask_key {
            Some(k) => unmask_into(&bytes[start..end], k, 0, &mut p),
            None => p.copy_from_slice(&bytes[start..end]),
        }
        v.push((bytes[0], p));
        bytes = &bytes[end..];
    }
    assert!(bytes.is_empty(), "whole frames");
    v
}

#[test]
fn the_rfc_hello_inflates_to_a_plain_text_frame() {
    let mut r = Reader::new(false, u64::MAX);
    let hello = frame(0xc1, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    let (out, run) = read_all(&mut r, &hello);
    assert_eq!(run.ok(), Some(Run::Input));
    assert_eq!(out, frame(0x81, b"Hello"), "masked again with the same key");
    // RFC 7692 §7.2.3.2: the second Hello refers back into the first.
    let (out, _) = read_all(&mut r, &frame(0xc1, &[0xf2, 0x00, 0x11, 0x00, 0x00]));
    assert_eq!(frames(&out), vec![(0x81, b"Hello".to_vec())]);
}

#[test]
fn fragments_controls_and_anything_unusual_pass_for_tungstenite_to_judge() {
    let mut c = Compress::new(Compression::default(), false);
    let z = deflate(&mut c, b"split across two frames");
    let (a, b) = z.split_at(5);
    let mut input = frame(0x41, a); // RSV1, text, FIN=0
    input.extend(frame(0x89, b"ping"));
    input.extend(frame(0x80, b)); // continuation, FIN
    input.extend(frame(0xc9, b"")); // RSV1 on a ping: stays
    input.extend(frame(0x42, b"x")); // RSV1 + binary: new compressed message
    let mut r = Reader::new(false, u64::MAX);
    let (out, _) = read_all(&mut r, &input);
    let fs = frames(&out);
    let text: Vec<u8> = [&fs[0].1[..], &fs[2].1[..]].concat();
    assert_eq!(
        (fs[0].0, fs[1].0, fs[2].0, fs[3].0),
        (0x01, 0x89, 0x80, 0xc9)
    );
    assert_eq!(text, b"split across two frames");
    let mut r = Reader::new(false, u64::MAX);
    // RSV1 on a continuation, or an unmasked compressed frame: unchanged.
    for odd in [
        [frame(0x01, b"a"), frame(0xc0, b"b")].concat(),
        vec![0xc1, 0x01, b'a'],
    ] {
        let (out, _) = read_all(&mut r, &odd);
        assert_eq!(out, odd);
    }
}

#[test]
fn a_bomb_comes_out_in_small_frames_as_it_is_read() {
    let z = crate::proto::deflate::zero_bomb();
    let input = frame(0xc2, &z[..z.len() - 4]);
    let mut r = Reader::new(false, u64::MAX);
    r.push(&input);
    let mut seen = 0usize;
    for _ in 0..100 {
        assert_eq!(r.run(|| true).ok(), Some(Run::Output));
        let mut buf = vec![0u8; 64 * 1024];
        let mut rb = ReadBuf::new(&mut buf);
        r.take(&mut rb);
        seen += rb.filled().len();
        assert!(rb.filled().len() <= CHUNK + 14);
    }
    assert!(seen >= 100 * CHUNK, "{seen}");
    assert!(r.total_inflated <= 100 * CHUNK as u64);
    // With no budget, nothing more is inflated.
    let mut r = Reader::new(false, u64::MAX);
    r.push(&input);
    assert_eq!(r.run(|| false).ok(), Some(Run::Budget));
}

#[test]
fn corrupt_data_fails_the_read() {
    let mut r = Reader::new(false, u64::MAX);
    let (_, run) = read_all(&mut r, &frame(0xc1, &[0xff, 0xff]));
    assert!(matches!(run, Err(super::Failure::Corrupt(_))), "{run:?}");
}

/// The server's frames for `msgs`, each written as tungstenite would: one unmasked frame.
fn write_all(w: &mut Writer, msgs: &[&[u8]]) -> Vec<Vec<u8>> {
    msgs.iter()
        .map(|m| {
            let mut f = vec![0x81, m.len() as u8];
            f.extend_from_slice(m);
            // Any split of tungstenite's writes gives the same bytes.
            for piece in f.chunks(3) {
                w.accept(piece);
            }
            std::mem::take(&mut w.out)
        })
        .collect()
}

#[test]
fn messages_out_are_compressed_with_and_without_context_takeover() {
    let mut w = Writer::new(false, 15);
    let out = write_all(&mut w, &[b"Hello", b"Hello"]);
    // RFC 7692 §7.2.3.1 and §7.2.3.2.
    assert_eq!(
        out[0],
        [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    );
    assert!(out[1].len() < out[0].len(), "{:x?}", out[1]);
    let mut w = Writer::new(true, 9);
    let out = write_all(&mut w, &[b"Hello", b"Hello"]);
    assert_eq!(out[0], out[1], "each message alone");
    // Controls pass, empty messages are one 0x00 byte (§7.2.3.6).
    w.accept(&[0x8a, 0x01, b'p']);
    w.accept(&[0x81, 0x00]);
    assert_eq!(w.out, [0x8a, 0x01, b'p', 0xc1, 0x01, 0x00]);
}

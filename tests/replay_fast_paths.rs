//! The fast paths of `duplex replay` against the general ones, on every shipped capture and on
//! generated traffic: counting mode (`--summary`: decoders keep no previews) must count exactly
//! what the full decoders count, and the Ethernet/IPv4/TCP fast path must read every packet as
//! etherparse does.

use std::path::{Path, PathBuf};

use duplex::capture::packet::{parse_tcp, parse_tcp_general};
use duplex::capture::pcap::CaptureReader;
use duplex::output::summary::Summary;
use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format};
use duplex::proto::lean;

include!("support/captures.rs");

fn captures() -> Vec<(String, Vec<u8>)> {
    shipped_and_synth_captures()
}

fn summary(bytes: &[u8]) -> (Summary, String) {
    let mut s = Summary::default();
    let outcome = match duplex::replay::replay(bytes, &mut |ev, _| s.add(ev)) {
        Ok(o) => o,
        Err(e) => return (s, format!("not a capture: {e}")),
    };
    s.packets = outcome.packets;
    s.bytes = outcome.bytes;
    for p in &outcome.problems {
        s.note_error(p.clone());
    }
    let text = s.to_string();
    (s, text)
}

#[test]
fn counting_mode_counts_what_the_full_decoders_count() {
    let mut frames = 0;
    for (name, bytes) in captures() {
        let full = summary(&bytes);
        let lean = lean::scoped(|| summary(&bytes));
        assert_eq!(lean.1, full.1, "{name}");
        assert_eq!(lean.0, full.0, "{name}");
        frames += full.0.ws_frames_total();
    }
    // Not a vacuous comparison: the set holds many frames (closes, fragments, deflate).
    assert!(frames > 10_000, "{frames} frames");
}

#[test]
fn the_ethernet_ipv4_fast_path_reads_packets_as_the_general_path() {
    let mut compared = 0;
    for (name, bytes) in captures() {
        let Ok(mut reader) = CaptureReader::new(&bytes[..]) else {
            continue;
        };
        loop {
            let p = match reader.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(_) => continue,
            };
            let fast = parse_tcp(p.linktype, p.data).map_err(|e| e.to_string());
            let general = parse_tcp_general(p.linktype, p.data).map_err(|e| e.to_string());
            assert_eq!(fast, general, "{name}: packet {}", p.number);
            compared += 1;
        }
    }
    assert!(compared > 10_000, "{compared} packets");
}

/// Packets the fast path must leave to the general one, cut and bent from a real one.
#[test]
fn odd_ethernet_ipv4_packets_read_as_the_general_path_reads_them() {
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    let (c, s) = (
        "10.0.0.1:40000".parse().unwrap(),
        "10.0.0.2:80".parse().unwrap(),
    );
    w.open(1, c, s, duplex::proto::Timestamp(1)).unwrap();
    w.data(
        1,
        duplex::proto::Dir::C2s,
        duplex::proto::Timestamp(2),
        b"GET / HTTP/1.1\r\n\r\n",
    )
    .unwrap();
    let file = w.finish().unwrap();
    let mut reader = CaptureReader::new(&file[..]).unwrap();
    let mut packet = None;
    while let Ok(Some(p)) = reader.next_packet() {
        if p.data.len() > 54 {
            packet = Some(p.data.to_vec());
        }
    }
    let base = packet.expect("a data packet");
    let mut variants = vec![base.clone()];
    for cut in [13, 14, 20, 33, 34, 40, 53, 54, 60] {
        variants.push(base[..cut].to_vec());
    }
    let edits: [(usize, u8); 12] = [
        (12, 0x86), // not IPv4 ethertype
        (14, 0x46), // IP options announced
        (14, 0x55), // version 5
        (16, 0x00), // total length < 256: shorter than the packet
        (17, 0x10), // total length 16: shorter than the headers
        (17, 0xff), // total length beyond the capture
        (20, 0x20), // more fragments
        (21, 0x01), // fragment offset
        (20, 0x40), // don't fragment: still the fast path
        (23, 17),   // UDP
        (46, 0x40), // TCP data offset 4
        (46, 0xf0), // TCP data offset 15, past the payload
    ];
    for (at, v) in edits {
        let mut p = base.clone();
        p[at] = v;
        variants.push(p);
    }
    for (i, p) in variants.iter().enumerate() {
        let fast = parse_tcp(1, p).map_err(|e| e.to_string());
        let general = parse_tcp_general(1, p).map_err(|e| e.to_string());
        assert_eq!(fast, general, "variant {i}");
    }
}

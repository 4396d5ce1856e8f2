//! `--json`'s direct lines against serde's on every shipped capture (and the shared oracle set,
//! when present) and on generated chat, bulk, tiny-frame and HTTP keep-alive traffic.

#[path = "../benches/replay_gen.rs"]
#[allow(dead_code)]
mod replay_gen;

use std::path::{Path, PathBuf};

use duplex::output::json::{push_line, write_event_serde};
use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format, WriterClose};
use duplex::proto::{Dir, Timestamp};

include!("support/captures.rs");

fn captures() -> Vec<(String, Vec<u8>)> {
    let mut all = shipped_and_synth_captures();
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    replay_gen::tiny(&mut w, 1_000_000).unwrap();
    all.push(("bench tiny".into(), w.finish().unwrap()));
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    replay_gen::http(&mut w, 2_000_000).unwrap();
    all.push(("bench http".into(), w.finish().unwrap()));
    all.push(("event stream".into(), event_stream()));
    all
}

/// A `text/event-stream` response whose events carry quotes, controls and non-ASCII text.
fn event_stream() -> Vec<u8> {
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    let (client, server) = (
        "127.0.0.1:40000".parse().unwrap(),
        "127.0.0.1:8080".parse().unwrap(),
    );
    let ts = |ms: u64| Timestamp(1_700_000_000_000_000_000 + ms * 1_000_000);
    w.open(1, client, server, ts(0)).unwrap();
    let req = "GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
    w.data(1, Dir::C2s, ts(1), req.as_bytes()).unwrap();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
    w.data(1, Dir::S2c, ts(2), head.as_bytes()).unwrap();
    for i in 0..50u64 {
        let ev = format!(
            "event: tick\x07\nid: {i}\"\nretry: {i}\ndata: {{\"n\":{i},\"s\":\"\\u00e9 é 😀\t\"}}\ndata: \\\x01\n\n"
        );
        w.data(1, Dir::S2c, ts(3 + i), ev.as_bytes()).unwrap();
    }
    w.close(1, WriterClose::Fin, Dir::S2c, ts(60)).unwrap();
    w.finish().unwrap()
}

const HOT: [&str; 10] = [
    "tcp_open",
    "tcp_close",
    "tcp_fin",
    "http_request",
    "http_response",
    "http_body",
    "ws_frame",
    "ws_message",
    "ws_abnormal_close",
    "sse_event",
];

#[test]
fn direct_json_lines_are_serdes_on_every_capture() {
    let mut kinds = std::collections::BTreeMap::<&str, u64>::new();
    for (name, bytes) in captures() {
        let (mut direct, mut serde) = (Vec::new(), Vec::new());
        let _ = duplex::replay::replay(&bytes[..], &mut |ev, origin| {
            let (d, s) = (direct.len(), serde.len());
            push_line(&mut direct, ev, origin);
            write_event_serde(&mut serde, ev, origin).unwrap();
            if direct[d..] != serde[s..] {
                panic!(
                    "{name}: {ev:?}\ndirect {}\nserde  {}",
                    String::from_utf8_lossy(&direct[d..]),
                    String::from_utf8_lossy(&serde[s..])
                );
            }
            *kinds.entry(ev.kind.name()).or_default() += 1;
        });
        assert!(direct == serde, "{name}");
    }
    // Not a vacuous comparison: the set holds many events, of every kind written directly.
    let lines: u64 = kinds.values().sum();
    assert!(lines > 30_000, "{kinds:?}");
    for kind in HOT {
        assert!(kinds.contains_key(kind), "no {kind}: {kinds:?}");
    }
}

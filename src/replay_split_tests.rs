//! The split itself, called directly (`worth` keeps big-packet files on one thread, so the
//! end-to-end test in `tests/replay_split.rs` does not always reach it).

use super::*;
use crate::capture::mapped::Mapped;
use crate::capture::pcap::Feed;
use crate::output::synth::{Mix, SynthOptions, generate};
use crate::output::{CaptureWriter, Format};

fn synth(mix: Mix) -> Vec<u8> {
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    let opts = SynthOptions {
        bytes: 2_000_000,
        seed: 5,
        ws_conns: 3,
        mix,
    };
    generate(&mut w, &opts).unwrap();
    w.finish().unwrap()
}

fn split(bytes: &[u8]) -> Vec<(Event, Timestamp)> {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut f, bytes).unwrap();
    let map = Mapped::map_from(f.as_file(), 1).unwrap();
    let capture = CaptureReader::with_feed(std::io::empty(), Some(Feed::Mapped(map))).unwrap();
    let mut out = Vec::new();
    replay(capture, SharedKeys::default(), &mut |e, t| {
        out.push((e.clone(), t))
    });
    out
}

fn one(bytes: &[u8]) -> Vec<(Event, Timestamp)> {
    let mut out = Vec::new();
    crate::replay::replay(bytes, &mut |e, t| out.push((e.clone(), t))).unwrap();
    out
}

#[test]
fn small_and_big_packets_split_give_the_events_of_one_thread() {
    for mix in [Mix::Chat, Mix::Bulk] {
        let bytes = synth(mix);
        for lean in [false, true] {
            let (want, got) = if lean {
                crate::proto::lean::scoped(|| (one(&bytes), split(&bytes)))
            } else {
                (one(&bytes), split(&bytes))
            };
            assert!(want.len() > 1000, "{mix:?}: {} events", want.len());
            assert!(
                want == got,
                "{mix:?}, counting mode {lean}: the split differs"
            );
        }
    }
}

#[test]
fn big_packets_are_told_from_small_ones_by_the_first_thousands() {
    let chat = synth(Mix::Chat);
    let bulk = synth(Mix::Bulk);
    assert!(!big_packets(&chat, false));
    assert!(big_packets(&bulk, false));
    // Cut anywhere, or nothing but a header: no panic, no claim.
    for cut in [0, 10, 24, 30, 4000] {
        let _ = big_packets(&bulk[..cut], false);
    }
    assert!(!big_packets(&bulk[..24], false));
}

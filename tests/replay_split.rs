//! A mapped classic pcap is replayed on two threads (one reads and reassembles, the other
//! decodes): the events, their order and the outcome must be those of one thread, for every
//! shipped and generated capture, whole and cut, in full and in counting mode.

use std::path::{Path, PathBuf};

use duplex::capture::mapped::Mapped;
use duplex::capture::pcap::Feed;
use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format};
use duplex::proto::Timestamp;
use duplex::proto::event::Event;
use duplex::replay::{self, Outcome};

include!("support/captures.rs");

type Played = (Vec<(Event, Timestamp)>, String);

fn outcome_text(o: Result<Outcome, duplex::capture::pcap::CaptureError>) -> String {
    match o {
        Ok(o) => format!(
            "{} packets, {} bytes, {} readable, origin {:?}, problems {:?} (+{})",
            o.packets, o.bytes, o.readable_packets, o.origin, o.problems, o.problems_dropped
        ),
        Err(e) => format!("not read: {e}"),
    }
}

/// The same bytes replayed from a slice: the one-thread path.
fn one_thread(bytes: &[u8]) -> Played {
    let mut events = Vec::new();
    let o = replay::replay(bytes, &mut |e, t| events.push((e.clone(), t)));
    (events, outcome_text(o))
}

/// From the file mapped: two threads where the machine has two cores.
fn mapped(path: &Path) -> Played {
    let file = std::fs::File::open(path).unwrap();
    let map = Mapped::map_from(&file, 1).expect("a regular file maps");
    let mut events = Vec::new();
    let o = replay::replay_fed(
        std::io::empty(),
        Some(Feed::Mapped(map)),
        Default::default(),
        &mut |e, t| events.push((e.clone(), t)),
    );
    (events, outcome_text(o))
}

fn first_difference(want: &Played, got: &Played) -> String {
    if want.1 != got.1 {
        return format!("outcome {} against {}", want.1, got.1);
    }
    let at = want.0.iter().zip(&got.0).position(|(a, b)| a != b);
    match at {
        Some(i) => format!("event {i}: {:?} against {:?}", want.0[i], got.0[i]),
        None => format!("{} events against {}", want.0.len(), got.0.len()),
    }
}

#[test]
fn two_threads_give_the_events_of_one_for_every_capture_whole_and_cut() {
    let dir = std::env::temp_dir().join(format!("duplex-split-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.pcap");
    let mut events = 0;
    for (name, bytes) in shipped_and_synth_captures() {
        let mut variants = vec![("whole".to_string(), bytes.clone())];
        for cut in [bytes.len() / 3, bytes.len() - 1] {
            variants.push((format!("cut at {cut}"), bytes[..cut].to_vec()));
        }
        for (what, b) in variants {
            std::fs::write(&path, &b).unwrap();
            for lean in [false, true] {
                let (want, got) = if lean {
                    duplex::proto::lean::scoped(|| (one_thread(&b), mapped(&path)))
                } else {
                    (one_thread(&b), mapped(&path))
                };
                assert!(
                    want == got,
                    "{name}, {what}, counting mode {lean}: {}",
                    first_difference(&want, &got)
                );
                events += want.0.len();
            }
        }
    }
    // The generated captures (3 MB each) cross dozens of batches.
    assert!(events > 100_000, "{events} events compared");
    let _ = std::fs::remove_dir_all(dir);
}

/// A sink that panics (a bug) ends the replay with that panic: the reading thread, blocked on
/// a full hand-over, must not keep it waiting forever.
#[test]
fn a_panicking_sink_ends_the_replay_instead_of_hanging_it() {
    let dir = std::env::temp_dir().join(format!("duplex-split-panic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chat.pcap");
    let (_, bytes) = shipped_and_synth_captures().pop().unwrap();
    std::fs::write(&path, bytes).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.clone();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(|| {
            let file = std::fs::File::open(&p).unwrap();
            let map = Mapped::map_from(&file, 1).unwrap();
            let mut n = 0;
            let _ = replay::replay_fed(
                std::io::empty(),
                Some(Feed::Mapped(map)),
                Default::default(),
                &mut |_, _| {
                    n += 1;
                    assert!(n < 50, "the sink gives up");
                },
            );
        });
        let _ = tx.send(r.is_err());
    });
    let panicked = rx.recv_timeout(std::time::Duration::from_secs(60));
    assert_eq!(panicked, Ok(true), "the replay hung or did not panic");
    let _ = std::fs::remove_dir_all(dir);
}

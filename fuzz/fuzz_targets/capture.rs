//! The whole replay of a capture file held in memory, with every event written out in each
//! output format (JSON, plain transcript, summary).
#![no_main]

use std::io::{Cursor, Write};

use duplex::output::{json, plain, summary::Summary};
use duplex::replay;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = std::io::sink();
    let mut summary = Summary::default();
    let mut step = 0;
    let result = replay::replay(Cursor::new(data), &mut |ev, origin| {
        step += 1;
        json::write_event(&mut sink, ev, origin).unwrap();
        plain::write_step(&mut sink, step, ev, origin).unwrap();
        summary.add(ev);
    });
    if let Ok(outcome) = result {
        for p in outcome.problems {
            summary.note_error(p);
        }
        write!(sink, "{summary}").unwrap();
    }
});

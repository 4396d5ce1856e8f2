//! A lesson file: any bytes (as text when they are UTF-8) through the loader, which must give a
//! lesson or problems with positions inside the text, never a panic.
#![no_main]

use duplex::lesson::load::parse_lesson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.lines().count().max(1) as u32 + 1;
    if let Err(problems) = parse_lesson("fuzz.toml", text, &|name| name == "ws-basic.pcap") {
        assert!(!problems.is_empty(), "an error with no problem in it");
        for p in problems {
            assert!(p.pos.line >= 1 && p.pos.line <= lines, "{p} is outside the text");
        }
    }
});

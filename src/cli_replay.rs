//! `duplex replay FILE`: a capture's events as JSON, a plain transcript, or counts.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use super::{ReplayArgs, err};
use crate::output::{json, plain, summary::Summary};
use crate::replay;
use crate::tr;

/// JSON lines written at a time: the size of `out`'s buffer, which a block this big skips.
const JSON_BLOCK: usize = 1 << 16;

enum Format {
    Json,
    Plain,
    Summary,
}

pub(super) fn run(args: &ReplayArgs) -> ExitCode {
    let name = args.file.display();
    let file = match File::open(&args.file) {
        Ok(f) => f,
        Err(e) => {
            let error = err::io_text(&e);
            eprintln!(
                "duplex: {}",
                tr!("cli.err.open", file = name, error = error)
            );
            return ExitCode::FAILURE;
        }
    };
    let keys = crate::proto::tls::SharedKeys::default();
    if let Some(path) = &args.keylog {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) => {
                let error = err::io_text(&e);
                let file = path.display();
                eprintln!(
                    "duplex: {}",
                    tr!("cli.err.open", file = file, error = error)
                );
                return ExitCode::FAILURE;
            }
        };
        let (log, problems) = crate::proto::tls::KeyLog::parse(&String::from_utf8_lossy(&text));
        for p in problems.iter().take(5) {
            let file = path.display();
            eprintln!(
                "duplex: {}",
                tr!("cli.err.keylog_line", file = file, what = p)
            );
        }
        if let Ok(mut k) = keys.write() {
            k.extend(&log);
        }
    }
    // A regular file is mapped (no copy at all); anything else is read on a second core where
    // there is one.
    use crate::capture::pcap::Feed;
    let (file, feed): (Box<dyn std::io::Read>, _) = match crate::capture::mapped::Mapped::map(&file)
    {
        Some(m) => (Box::new(io::empty()), Some(Feed::Mapped(m))),
        None => match crate::capture::prefetch::Prefetch::spawn(file) {
            Ok(p) => (Box::new(io::empty()), Some(Feed::Prefetch(p))),
            Err(file) => (Box::new(file), None),
        },
    };
    let format = if args.json {
        Format::Json
    } else if args.summary {
        Format::Summary
    } else {
        Format::Plain
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(JSON_BLOCK, stdout.lock());
    let mut summary = Summary::default();
    let mut step = 0u64;
    let mut write_failed: Option<io::Error> = None;
    // A ClientHello's line waits for the server's answer (see `plain_hold`).
    let mut hold = crate::output::plain_hold::Hold::new();
    let mut told = Vec::new();
    let mut last_origin = crate::proto::Timestamp::default();
    // JSON lines gather here and leave in blocks: no writer call per line.
    let mut lines: Vec<u8> = Vec::new();
    if let Format::Json = format {
        lines.reserve(JSON_BLOCK + (4 << 10));
    }
    let mut sink = |ev: &crate::proto::event::Event, origin| {
        if write_failed.is_some() {
            return;
        }
        let r = match format {
            Format::Summary => {
                summary.add(ev);
                Ok(())
            }
            Format::Json => {
                json::push_line(&mut lines, ev, origin);
                if lines.len() < JSON_BLOCK {
                    return;
                }
                let r = out.write_all(&lines);
                lines.clear();
                r
            }
            Format::Plain => {
                last_origin = origin;
                told.clear();
                hold.push(ev, &mut told);
                told.iter().try_for_each(|(ev, stranger)| {
                    step += 1;
                    plain::write_told(&mut out, step, ev, origin, *stranger)
                })
            }
        };
        if let Err(e) = r {
            write_failed = Some(e);
        }
    };
    // Counts read no previews: the decoders keep none.
    let result = match format {
        Format::Summary => {
            crate::proto::lean::scoped(|| replay::replay_fed(file, feed, keys, &mut sink))
        }
        _ => replay::replay_fed(file, feed, keys, &mut sink),
    };
    if write_failed.is_none() {
        write_failed = out.write_all(&lines).err();
    }
    // Hellos still waiting at the end got no ServerHello.
    told.clear();
    hold.finish(true, &mut told);
    for (ev, stranger) in &told {
        if write_failed.is_none() {
            step += 1;
            write_failed = plain::write_told(&mut out, step, ev, last_origin, *stranger).err();
        }
    }
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            let _ = out.flush();
            eprintln!("duplex: {name}: {}", err::capture_text(&e));
            return ExitCode::FAILURE;
        }
    };
    if let Format::Summary = format {
        summary.packets = outcome.packets;
        summary.bytes = outcome.bytes;
        for p in &outcome.problems {
            summary.note_error(p.clone());
        }
        summary.errors += outcome.problems_dropped;
        let _ = write!(out, "{summary}");
    }
    if let Some(e) = write_failed.or_else(|| out.flush().err())
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("duplex: {}", tr!("cli.err.writing", error = e));
        return ExitCode::FAILURE;
    }
    let (first, last) = outcome
        .problems
        .split_at(outcome.problems.len().min(replay::PROBLEMS_KEPT));
    for p in first {
        eprintln!("duplex: {name}: {p}");
    }
    if outcome.problems_dropped > 0 {
        let n = outcome.problems_dropped;
        eprintln!("duplex: {name}: {}", tr!("cli.err.more_problems", n = n));
    }
    for p in last {
        eprintln!("duplex: {name}: {p}");
    }
    if outcome.nothing_read() {
        return ExitCode::FAILURE;
    }
    if outcome.packets == 0 {
        eprintln!("duplex: {}", tr!("cli.err.no_packets", file = name));
    }
    ExitCode::SUCCESS
}

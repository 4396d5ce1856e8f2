//! The command line: `duplex replay FILE`, and the commands still to come.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::output::{json, plain, summary::Summary};
use crate::replay;

#[derive(Parser, Debug)]
#[command(
    name = "duplex",
    version,
    about = "See HTTP and WebSocket on the wire, byte by byte"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Decode a pcap or pcapng capture: HTTP/1.x messages, the WebSocket upgrade, every frame
    Replay(ReplayArgs),
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The capture file (pcap or pcapng)
    pub file: PathBuf,
    /// Print one JSON event per line
    #[arg(long, group = "format")]
    pub json: bool,
    /// Print a numbered transcript in plain words (the default for now)
    #[arg(long, group = "format")]
    pub plain: bool,
    /// Print only the counts: connections, requests, responses, frames, close codes, errors
    #[arg(long, group = "format")]
    pub summary: bool,
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Replay(args)) => replay_cmd(&args),
        None => {
            println!(
                "duplex: see HTTP and WebSocket on the wire.\n\n\
                 The guided lessons and the terminal UI are on their way. Today you can decode a capture:\n\
                 \n  duplex replay assets/captures/ws-basic.pcap            a transcript in plain words\
                 \n  duplex replay --json assets/captures/ws-basic.pcap     one JSON event per line\
                 \n  duplex replay --summary assets/captures/ws-basic.pcap  the counts\n\n\
                 Run `duplex --help` for every command."
            );
            ExitCode::SUCCESS
        }
    }
}

enum Format {
    Json,
    Plain,
    Summary,
}

fn replay_cmd(args: &ReplayArgs) -> ExitCode {
    let name = args.file.display();
    let file = match File::open(&args.file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("duplex: cannot open {name}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let format = if args.json {
        Format::Json
    } else if args.summary {
        Format::Summary
    } else {
        Format::Plain
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut summary = Summary::default();
    let mut step = 0u64;
    let mut write_failed: Option<io::Error> = None;
    let result = replay::replay(
        BufReader::with_capacity(1 << 20, file),
        &mut |ev, origin| {
            if write_failed.is_some() {
                return;
            }
            let r = match format {
                Format::Summary => {
                    summary.add(ev);
                    Ok(())
                }
                Format::Json => json::write_event(&mut out, ev, origin),
                Format::Plain => {
                    step += 1;
                    plain::write_step(&mut out, step, ev, origin)
                }
            };
            if let Err(e) = r {
                write_failed = Some(e);
            }
        },
    );
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            let _ = out.flush();
            eprintln!("duplex: {name}: {e}");
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
    if let Some(e) = write_failed.or_else(|| out.flush().err()) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("duplex: writing output: {e}");
            return ExitCode::FAILURE;
        }
    }
    let (first, last) = outcome
        .problems
        .split_at(outcome.problems.len().min(replay::PROBLEMS_KEPT));
    for p in first {
        eprintln!("duplex: {name}: {p}");
    }
    if outcome.problems_dropped > 0 {
        let n = outcome.problems_dropped;
        eprintln!("duplex: {name}: … and {n} more problems like these, not listed");
    }
    for p in last {
        eprintln!("duplex: {name}: {p}");
    }
    if outcome.packets == 0 && !outcome.problems.is_empty() {
        return ExitCode::FAILURE;
    }
    if outcome.packets == 0 {
        eprintln!("duplex: {name} holds no packets");
    }
    ExitCode::SUCCESS
}

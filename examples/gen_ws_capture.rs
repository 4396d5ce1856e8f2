//! Writes the benchmark capture: a long WebSocket conversation plus some plain HTTP.
//!
//! cargo run --release --example gen_ws_capture -- OUT.pcap --mb 200 [--pcapng] [--seed N] [--conns N] [--mix chat|bulk]

use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format};
use duplex::proto::event::opcode_name;

const USAGE: &str =
    "usage: gen_ws_capture OUT [--mb N] [--pcapng] [--seed N] [--conns N] [--mix chat|bulk]";

fn main() -> Result<()> {
    let mut out = None;
    let defaults = SynthOptions::default();
    let (mut mb, mut format) = (defaults.bytes / 1_000_000, Format::Pcap);
    let (mut seed, mut conns, mut mix) = (defaults.seed, defaults.ws_conns, defaults.mix);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64> {
            let v = args
                .next()
                .with_context(|| format!("{name} needs a number\n{USAGE}"))?;
            v.parse()
                .with_context(|| format!("{name}: {v:?} is not a number\n{USAGE}"))
        };
        match arg.as_str() {
            "--mb" => mb = value("--mb")?,
            "--seed" => seed = value("--seed")?,
            "--conns" => conns = u32::try_from(value("--conns")?)?,
            "--pcapng" => format = Format::Pcapng,
            "--mix" => {
                mix = match args.next().as_deref() {
                    Some("chat") => Mix::Chat,
                    Some("bulk") => Mix::Bulk,
                    other => bail!("--mix takes chat or bulk, not {other:?}\n{USAGE}"),
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if out.is_none() && !arg.starts_with('-') => out = Some(arg),
            _ => bail!("unexpected argument {arg:?}\n{USAGE}"),
        }
    }
    let Some(path) = out else { bail!("{USAGE}") };

    let started = Instant::now();
    let file = File::create(&path).with_context(|| format!("cannot create {path}"))?;
    let mut writer = CaptureWriter::new(BufWriter::with_capacity(1 << 20, file), format)?;
    let opts = SynthOptions {
        bytes: mb * 1_000_000,
        seed,
        ws_conns: conns,
        mix,
    };
    let stats = generate(&mut writer, &opts).with_context(|| format!("writing {path}"))?;
    let (packets, bytes) = (writer.packets(), writer.bytes_written());
    writer.finish().with_context(|| format!("writing {path}"))?;
    let secs = started.elapsed().as_secs_f64();

    println!(
        "{path}: {bytes} bytes, {packets} packets, {} connections",
        stats.connections
    );
    println!("http exchanges (incl. upgrades): {}", stats.http_exchanges);
    println!("websocket frames: {}", stats.ws_frames());
    for (opcode, &n) in stats
        .frames_by_opcode
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
    {
        println!("  opcode {opcode:>2} {:<12} {n}", opcode_name(opcode as u8));
    }
    println!("{secs:.2} s, {:.0} MB/s", bytes as f64 / 1e6 / secs);
    Ok(())
}

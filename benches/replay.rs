//! Replay throughput: `duplex replay --summary` against tshark, on the same generated capture.
//!
//!     cargo bench --bench replay [-- --mb N] [--mix chat|bulk|both]
//!
//! The captures (the generator's, seed 1) are cached as `target/bench/ws-<mix>-<N>mb.pcap`, with its
//! WebSocket frame count beside it in `.frames`. Each tool runs as a child process.
//!
//! Peak RSS: `/usr/bin/time -f %M` when present: the kernel's own maximum for the child, exact.
//! Otherwise `VmHWM` from `/proc/<pid>/status`, polled every 5 ms while the child runs (the
//! high-water mark only grows, so at worst the last few ms of growth are missed).

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format};

const TIME: &str = "/usr/bin/time";
const DUPLEX_RUNS: usize = 5;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("replay bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    // cargo passes `--bench`; anything but `--mb N` and `--mix M` is ignored.
    let mut mb = 200u64;
    let mut mixes = vec![Mix::Chat, Mix::Bulk];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--mb" {
            let v = args.next().unwrap_or_default();
            mb = v
                .parse()
                .map_err(|_| invalid(format!("--mb needs a number, not {v:?}")))?;
        } else if arg == "--mix" {
            mixes = match args.next().as_deref() {
                Some("chat") => vec![Mix::Chat],
                Some("bulk") => vec![Mix::Bulk],
                Some("both") => vec![Mix::Chat, Mix::Bulk],
                other => {
                    return Err(invalid(format!(
                        "--mix takes chat, bulk or both, not {other:?}"
                    )));
                }
            };
        }
    }
    for (i, mix) in mixes.into_iter().enumerate() {
        if i > 0 {
            println!("\n");
        }
        compare(mb, mix)?;
    }
    Ok(())
}

/// Both tools on the capture of `mb` MB with this mix, in one run.
fn compare(mb: u64, mix: Mix) -> io::Result<()> {
    let (path, frames) = capture(mb, mix)?;
    let size = fs::metadata(&path)?.len();
    let file = path.to_string_lossy().into_owned();
    println!(
        "capture ({} mix): {file} ({:.1} MB, {frames} WebSocket frames)",
        mix.name(),
        size as f64 / 1e6
    );

    // duplex takes well under a second, so one busy moment of a shared machine can double it:
    // take the median of DUPLEX_RUNS. tshark runs for many seconds, which averages the noise out.
    let mut runs = (0..DUPLEX_RUNS)
        .map(|_| {
            measure(
                env!("CARGO_BIN_EXE_duplex"),
                &["replay", "--summary", &file],
            )
        })
        .collect::<io::Result<Vec<_>>>()?;
    runs.sort_by_key(|r| r.wall);
    let walls: Vec<String> = runs
        .iter()
        .map(|r| format!("{:.3}", r.wall.as_secs_f64()))
        .collect();
    println!("duplex runs (s): {}", walls.join(" "));
    let duplex = runs.swap_remove(DUPLEX_RUNS / 2);
    let tshark_args = [
        "-r",
        &file,
        "-Y",
        "websocket",
        "-T",
        "fields",
        "-e",
        "websocket.opcode",
    ];
    let tshark = if Command::new("tshark").arg("--version").output().is_ok() {
        Some(measure("tshark", &tshark_args)?)
    } else {
        println!("tshark is not installed: only duplex is measured");
        None
    };

    let duplex_ok = duplex.works("duplex replay --summary");
    let tshark_ok = tshark.as_ref().is_some_and(|t| t.works("tshark"));
    println!(
        "\n{:<8} {:>8} {:>9} {:>12} {:>12} {:>12}",
        "tool", "wall s", "MB/s", "frames/s", "peak RSS MB", "frames seen"
    );
    let row = |name: &str, r: &Measured| {
        let secs = r.wall.as_secs_f64();
        let rss = r
            .peak_kb
            .map_or("?".into(), |kb| format!("{:.1}", kb as f64 / 1024.0));
        let seen = if name == "tshark" {
            r.opcodes.to_string()
        } else {
            "-".into()
        };
        println!(
            "{name:<8} {secs:>8.2} {:>9.1} {:>12.0} {rss:>12} {seen:>12}",
            size as f64 / 1e6 / secs,
            frames as f64 / secs
        );
    };
    if duplex_ok {
        row("duplex", &duplex);
    }
    if let Some(t) = &tshark
        && tshark_ok
    {
        row("tshark", t);
        if t.opcodes != frames {
            println!(
                "note: tshark decoded {} frames, the generator wrote {frames}",
                t.opcodes
            );
        }
    }
    if let (true, true, Some(t)) = (duplex_ok, tshark_ok, &tshark) {
        let speed = t.wall.as_secs_f64() / duplex.wall.as_secs_f64();
        print!("\nduplex/tshark: {speed:.1}x the throughput");
        if let (Some(d), Some(t)) = (duplex.peak_kb, t.peak_kb) {
            print!(", {:.2}x the peak memory", d as f64 / t as f64);
        }
        println!();
    }
    if !duplex.tail.is_empty() {
        println!("\nduplex said:\n{}", duplex.tail.join("\n"));
    }
    Ok(())
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// The cached capture and its frame count, generated first when either is missing.
fn capture(mb: u64, mix: Mix) -> io::Result<(PathBuf, u64)> {
    // The bench runs from target/<profile>/deps/, so this honours CARGO_TARGET_DIR too.
    let target = std::env::current_exe()?
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("bench");
    let path = dir.join(format!("ws-{}-{mb}mb.pcap", mix.name()));
    let count = dir.join(format!("ws-{}-{mb}mb.pcap.frames", mix.name()));
    if path.exists()
        && let Ok(text) = fs::read_to_string(&count)
        && let Ok(frames) = text.trim().parse()
    {
        return Ok((path, frames));
    }
    fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let partial = dir.join(format!("ws-{}-{mb}mb.pcap.partial", mix.name()));
    let out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
    let mut writer = CaptureWriter::new(out, Format::Pcap)?;
    let opts = SynthOptions {
        bytes: mb * 1_000_000,
        mix,
        ..SynthOptions::default()
    };
    let stats = generate(&mut writer, &opts)?;
    let bytes = writer.bytes_written();
    writer.finish()?;
    // Renamed only when complete, so an interrupted run never leaves a short capture behind.
    fs::rename(&partial, &path)?;
    fs::write(&count, format!("{}\n", stats.ws_frames()))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "generated {} in {secs:.2} s ({:.0} MB/s)",
        path.display(),
        bytes as f64 / 1e6 / secs
    );
    Ok((path, stats.ws_frames()))
}

struct Measured {
    wall: Duration,
    peak_kb: Option<u64>,
    success: bool,
    stderr: String,
    /// Comma-separated values summed over output lines: tshark's decoded opcodes.
    opcodes: u64,
    /// The last lines of stdout, for a human to look at.
    tail: Vec<String>,
}

impl Measured {
    /// Says why a run does not count, if it does not.
    fn works(&self, what: &str) -> bool {
        let lines = self
            .stderr
            .lines()
            .filter(|l| !l.contains("Running as user \"root\""));
        if !self.success {
            println!("{what} failed: {}", lines.collect::<Vec<_>>().join(" / "));
        } else if self.tail.is_empty() {
            println!("{what} printed nothing: is the command implemented in this build?");
        }
        self.success && !self.tail.is_empty()
    }
}

fn measure(program: &str, args: &[&str]) -> io::Result<Measured> {
    let rss_file = std::env::temp_dir().join(format!("duplex-bench-rss-{}", std::process::id()));
    let use_time = Path::new(TIME).exists();
    let mut cmd = if use_time {
        let mut c = Command::new(TIME);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(program);
        c
    } else {
        Command::new(program)
    };
    let started = Instant::now();
    let mut child = cmd
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let (stdout, mut stderr) = (child.stdout.take(), child.stderr.take());
    let out_reader = thread::spawn(move || read_stdout(stdout));
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let mut polled = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if !use_time {
            polled = vm_hwm_kb(child.id()).or(polled);
        }
        thread::sleep(Duration::from_millis(5));
    };
    let wall = started.elapsed();
    let (opcodes, tail) = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let peak_kb = if use_time {
        let text = fs::read_to_string(&rss_file).unwrap_or_default();
        let _ = fs::remove_file(&rss_file);
        // time appends "Command exited with non-zero status" lines before the value.
        text.lines().last().and_then(|l| l.trim().parse().ok())
    } else {
        polled
    };
    Ok(Measured {
        wall,
        peak_kb,
        success: status.success(),
        stderr,
        opcodes,
        tail,
    })
}

fn read_stdout(stdout: Option<impl Read>) -> (u64, Vec<String>) {
    let (mut opcodes, mut tail) = (0u64, Vec::new());
    let Some(out) = stdout else { return (0, tail) };
    for line in BufReader::new(out).lines().map_while(Result::ok) {
        if !line.is_empty() {
            opcodes += line.split(',').count() as u64;
        }
        if tail.len() == 20 {
            tail.remove(0);
        }
        tail.push(line);
    }
    (opcodes, tail)
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

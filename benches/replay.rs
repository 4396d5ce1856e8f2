//! Replay throughput: `duplex replay --summary` and `--json` against the read floor (`cat`),
//! `tcpdump -nn -q` and tshark, on the same generated captures, in one run.
//!
//!     cargo bench --bench replay [-- --mb N] [--mix chat,tiny,http,bulk] [--tshark-mb N]
//!
//! Captures (deterministic, seed 1): `chat` and `bulk` are the synth's mixes; `tiny` is
//! WebSockets of 11-byte frames, one per segment; `http` is HTTP/1.1 keep-alive (see
//! `replay_gen.rs`). They are cached in `$DUPLEX_BENCH_DIR` (default `/tmp/duplex-bench`) as
//! `<mix>-<N>mb.pcap`, never in the repository. tshark is slow, so it reads a capture of the
//! same mix of `--tshark-mb` MB (default 20); its MB/s is of that file.
//!
//! Every tool runs as a child process with stdout to /dev/null (duplex --summary's to a pipe, to
//! check it); each figure is the median of RUNS runs, taken in turns (cat, duplex, cat, ...) so
//! a busy moment of the shared machine hits all tools alike. Ratios are of wall times.
//! Wall time from the spawn to the child's end, as `wait4` reports it. Peak RSS: GNU time's
//! `%M` when `/usr/bin/time` is there (it runs the tool), else the child's own `ru_maxrss`,
//! which on Linux also counts this process's peak (a spawned child's count starts from its
//! parent's at `exec`).

#[path = "replay_gen.rs"]
mod replay_gen;

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format};

const TIME: &str = "/usr/bin/time";
const RUNS: usize = 5;

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
    // cargo passes `--bench`; anything but the options above is ignored.
    let (mut mb, mut tshark_mb) = (200u64, 20u64);
    let mut mixes = vec!["chat", "tiny", "http"];
    let mut args = std::env::args().skip(1);
    let number = |v: Option<String>, name: &str| -> io::Result<u64> {
        let v = v.unwrap_or_default();
        v.parse()
            .map_err(|_| invalid(format!("{name} needs a number, not {v:?}")))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mb" => mb = number(args.next(), "--mb")?,
            "--tshark-mb" => tshark_mb = number(args.next(), "--tshark-mb")?,
            "--mix" => {
                let v = args.next().unwrap_or_default();
                mixes = v.split(',').map(|m| leak(m.to_string())).collect();
                if let Some(bad) = mixes.iter().find(|m| !MIXES.contains(m)) {
                    return Err(invalid(format!("--mix takes {MIXES:?}, not {bad:?}")));
                }
            }
            _ => {}
        }
    }
    let tshark = Command::new("tshark").arg("--version").output().is_ok();
    let tcpdump = Command::new("tcpdump").arg("--version").output().is_ok();
    if !tcpdump {
        println!("tcpdump is not installed: its rows are left out");
    }
    if !tshark {
        println!("tshark is not installed: its rows are left out");
    }
    let mut rows = Vec::new();
    for mix in mixes {
        let (path, units) = capture(mb, mix)?;
        let size = fs::metadata(&path)?.len();
        let file = path.to_string_lossy().into_owned();
        println!(
            "capture {mix}: {file} ({:.1} MB, {units} {})",
            size as f64 / 1e6,
            unit_name(mix)
        );
        let mut tools: Vec<(String, String, Vec<String>, bool)> = vec![
            ("cat".into(), "cat".into(), vec![file.clone()], false),
            (
                "duplex --summary".into(),
                env!("CARGO_BIN_EXE_duplex").into(),
                vec!["replay".into(), "--summary".into(), file.clone()],
                true,
            ),
            (
                "duplex --json".into(),
                env!("CARGO_BIN_EXE_duplex").into(),
                vec!["replay".into(), "--json".into(), file.clone()],
                false,
            ),
        ];
        if tcpdump {
            let args = ["-nn", "-q", "-r", &file].map(String::from).to_vec();
            tools.push(("tcpdump -nn -q".into(), "tcpdump".into(), args, false));
        }
        let mut measured: Vec<Vec<Measured>> = tools.iter().map(|_| Vec::new()).collect();
        for _ in 0..RUNS {
            for (i, (_, prog, args, keep)) in tools.iter().enumerate() {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                measured[i].push(measure(prog, &args, *keep)?);
            }
        }
        let mut medians: Vec<(String, Measured, u64)> = Vec::new();
        for ((name, ..), mut runs) in tools.into_iter().zip(measured) {
            runs.sort_by_key(|r| r.wall);
            let m = runs.swap_remove(RUNS / 2);
            if m.works(&name) {
                medians.push((name, m, size));
            }
        }
        if tshark {
            let (small, _) = capture(tshark_mb, mix)?;
            let small_size = fs::metadata(&small)?.len();
            let s = small.to_string_lossy().into_owned();
            let m = measure("tshark", &["-r", &s, "-q", "-z", "io,stat,0"], false)?;
            if m.works("tshark") {
                medians.push((format!("tshark ({tshark_mb} MB)"), m, small_size));
            }
        }
        rows.push((mix, medians));
    }
    println!(
        "\n{:<6} {:<20} {:>8} {:>9} {:>9} {:>12}",
        "mix", "tool", "wall s", "MB/s", "x cat", "peak RSS MB"
    );
    for (mix, medians) in &rows {
        let cat = medians
            .iter()
            .find(|(n, ..)| n == "cat")
            .map(|(_, m, size)| m.wall.as_secs_f64() / *size as f64);
        for (name, m, size) in medians {
            let secs = m.wall.as_secs_f64();
            let per_byte = secs / *size as f64;
            let ratio = cat.map_or("-".into(), |c| format!("{:.2}", per_byte / c));
            let rss = m
                .peak_kb
                .map_or("?".into(), |kb| format!("{:.1}", kb as f64 / 1024.0));
            println!(
                "{mix:<6} {name:<20} {secs:>8.3} {:>9.1} {ratio:>9} {rss:>12}",
                *size as f64 / 1e6 / secs
            );
        }
    }
    for (mix, medians) in &rows {
        if let Some((_, m, _)) = medians.iter().find(|(n, ..)| n == "duplex --summary") {
            println!("\nduplex --summary on {mix}:\n{}", m.tail.join("\n"));
        }
    }
    Ok(())
}

const MIXES: [&str; 4] = ["chat", "tiny", "http", "bulk"];

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn unit_name(mix: &str) -> &'static str {
    if mix == "http" {
        "HTTP exchanges"
    } else {
        "WebSocket frames"
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// The cached capture and its frame (or exchange) count, generated first when missing.
fn capture(mb: u64, mix: &str) -> io::Result<(PathBuf, u64)> {
    let dir = std::env::var_os("DUPLEX_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("duplex-bench"));
    let path = dir.join(format!("{mix}-{mb}mb.pcap"));
    let count = dir.join(format!("{mix}-{mb}mb.pcap.count"));
    if path.exists()
        && let Ok(text) = fs::read_to_string(&count)
        && let Ok(n) = text.trim().parse()
    {
        return Ok((path, n));
    }
    fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let partial = dir.join(format!("{mix}-{mb}mb.pcap.partial"));
    let out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
    let mut writer = CaptureWriter::new(out, Format::Pcap)?;
    let bytes = mb * 1_000_000;
    let n = match mix {
        "tiny" => replay_gen::tiny(&mut writer, bytes)?,
        "http" => replay_gen::http(&mut writer, bytes)?,
        _ => {
            let mix = if mix == "bulk" { Mix::Bulk } else { Mix::Chat };
            let opts = SynthOptions {
                bytes,
                mix,
                ..SynthOptions::default()
            };
            generate(&mut writer, &opts)?.ws_frames()
        }
    };
    let written = writer.bytes_written();
    writer.finish()?;
    // Renamed only when complete, so an interrupted run never leaves a short capture behind.
    fs::rename(&partial, &path)?;
    fs::write(&count, format!("{n}\n"))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "generated {} in {secs:.2} s ({:.0} MB/s)",
        path.display(),
        written as f64 / 1e6 / secs
    );
    Ok((path, n))
}

struct Measured {
    wall: Duration,
    peak_kb: Option<u64>,
    success: bool,
    stderr: String,
    /// The last lines of stdout, for a human to look at (when kept).
    tail: Vec<String>,
    keep: bool,
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
        } else if self.keep && self.tail.is_empty() {
            println!("{what} printed nothing: is the command implemented in this build?");
        }
        self.success && (!self.keep || !self.tail.is_empty())
    }
}

/// Runs `program`; its stdout goes to /dev/null unless `keep`, then its last lines are kept.
/// The child is reaped with `wait4` the moment it ends (a 5 ms poll added up to 5 ms to every
/// figure, a sixth of `cat`'s time). Under `/usr/bin/time`, which forks the tool from its own
/// small process, so that the peak is the tool's alone.
fn measure(program: &str, args: &[&str], keep: bool) -> io::Result<Measured> {
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
        .stdout(if keep { Stdio::piped() } else { Stdio::null() })
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
    let (status, own_peak) = reap(child.id())?;
    let wall = started.elapsed();
    let tail = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let peak_kb = if use_time {
        let text = fs::read_to_string(&rss_file).unwrap_or_default();
        let _ = fs::remove_file(&rss_file);
        // time appends "Command exited with non-zero status" lines before the value.
        text.lines().last().and_then(|l| l.trim().parse().ok())
    } else {
        Some(own_peak)
    };
    Ok(Measured {
        wall,
        peak_kb,
        success: status.success(),
        stderr,
        tail,
        keep,
    })
}

/// Waits for the child `pid` to end: its exit status and peak resident set in KiB.
fn reap(pid: u32) -> io::Result<(std::process::ExitStatus, u64)> {
    use std::os::unix::process::ExitStatusExt;
    let mut status = 0;
    // SAFETY: all-zero bytes are a valid rusage (plain integers).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals; `pid` is our own child, not yet reaped.
        let got = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if got == pid as libc::pid_t {
            let peak = u64::try_from(usage.ru_maxrss).unwrap_or(0);
            return Ok((std::process::ExitStatus::from_raw(status), peak));
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn read_stdout(stdout: Option<impl Read>) -> Vec<String> {
    let mut tail = Vec::new();
    let Some(out) = stdout else { return tail };
    for line in BufReader::new(out).lines().map_while(Result::ok) {
        if tail.len() == 20 {
            tail.remove(0);
        }
        tail.push(line);
    }
    tail
}

//! The terminal UI's costs: time to the first drawn home screen, the time to draw one screen
//! while scrolling a capture of 2 million WebSocket frames (target: under 1 ms), the load speed
//! (target: 500 MB/s) and peak memory with that capture loaded (target: under 150 MiB).
//!
//!     cargo bench --bench tui [-- --frames N]
//!
//! The capture (the generator's chat mix, seed 1, about 290 bytes a frame) is cached as
//! `target/bench/tui-<N>frames.pcap`. The capture is read the way the replay screen reads it:
//! the background loader, its batches handed to the app. Draws run on this one thread.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use duplex::app::{App, Msg};
use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::unbounded_channel;

/// Capture bytes per WebSocket frame of the chat mix (702,615 frames in 200 MB).
const BYTES_PER_FRAME: u64 = 285;
const SCROLL_STEPS: usize = 500;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tui bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let mut frames = 2_000_000u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--frames" {
            let v = args.next().unwrap_or_default();
            frames = v.parse().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("--frames N, not {v:?}"),
                )
            })?;
        }
    }
    let (path, got) = capture(frames)?;
    let (tx, mut rx) = unbounded_channel();

    // 1. The home screen, from nothing to its first frame.
    let start = Instant::now();
    let mut app = App::new(tx, None);
    let mut term = Terminal::new(TestBackend::new(100, 30)).map_err(io::Error::other)?;
    term.draw(|f| app.draw(f)).map_err(io::Error::other)?;
    let first_frame = start.elapsed();

    // 2. The capture, read by the replay screen's loader.
    let start = Instant::now();
    app.open_replay(path.clone());
    while app.player.as_ref().is_some_and(|p| p.loading()) {
        match rx.blocking_recv() {
            Some(m) => app.update(m),
            None => break,
        }
    }
    let load = start.elapsed();
    let events = app.player.as_ref().map_or(0, |p| p.traffic.len());

    // 3. Scrolling: one key, one draw, timed together.
    let mut draws = Vec::with_capacity(SCROLL_STEPS);
    for _ in 0..SCROLL_STEPS {
        let t = Instant::now();
        app.update(Msg::Key(KeyEvent::from(KeyCode::PageDown)));
        term.draw(|f| app.draw(f)).map_err(io::Error::other)?;
        draws.push(t.elapsed());
    }
    // And jumps across the whole capture: the end, the start.
    for code in [KeyCode::End, KeyCode::Home, KeyCode::End] {
        let t = Instant::now();
        app.update(Msg::Key(KeyEvent::from(code)));
        term.draw(|f| app.draw(f)).map_err(io::Error::other)?;
        draws.push(t.elapsed());
    }
    draws.sort_unstable();
    let median = draws[draws.len() / 2];
    let p99 = draws[draws.len() * 99 / 100];
    let worst = draws[draws.len() - 1];
    let peak = vm_hwm_kib().map_or("?".to_string(), |k| format!("{:.0} MiB", k as f64 / 1024.0));

    println!(
        "tui bench: {} ({got} WebSocket frames, {events} events)",
        path.display()
    );
    println!("{:<44} {:>12}", "measure", "value");
    println!(
        "{:<44} {:>12}",
        "first home frame (100x30)",
        ms(first_frame)
    );
    println!("{:<44} {:>12}", "capture read into the session", ms(load));
    let size = fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "{:<44} {:>12}",
        "load speed (target >= 500 MB/s)",
        format!("{:.0} MB/s", size as f64 / 1e6 / load.as_secs_f64())
    );
    println!(
        "{:<44} {:>12}",
        "scroll step + draw, median (target < 1 ms)",
        ms(median)
    );
    println!("{:<44} {:>12}", "scroll step + draw, p99", ms(p99));
    println!("{:<44} {:>12}", "scroll step + draw, worst", ms(worst));
    println!("{:<44} {:>12}", "peak RSS, VmHWM (target < 150 MiB)", peak);
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// The process's peak resident memory so far.
fn vm_hwm_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The cached capture and its frame count, generated when missing.
fn capture(frames: u64) -> io::Result<(PathBuf, u64)> {
    let target = std::env::current_exe()?
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("bench");
    let path = dir.join(format!("tui-{frames}frames.pcap"));
    let count = dir.join(format!("tui-{frames}frames.pcap.frames"));
    if path.exists()
        && let Ok(text) = fs::read_to_string(&count)
        && let Ok(n) = text.trim().parse()
    {
        return Ok((path, n));
    }
    fs::create_dir_all(&dir)?;
    let partial = dir.join(format!("tui-{frames}frames.pcap.partial"));
    let out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
    let mut writer = CaptureWriter::new(out, Format::Pcap)?;
    let opts = SynthOptions {
        bytes: frames * BYTES_PER_FRAME,
        mix: Mix::Chat,
        ..SynthOptions::default()
    };
    let stats = generate(&mut writer, &opts)?;
    writer.finish()?;
    fs::rename(&partial, &path)?;
    fs::write(&count, stats.ws_frames().to_string())?;
    Ok((path, stats.ws_frames()))
}

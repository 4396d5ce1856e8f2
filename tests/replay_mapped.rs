//! `duplex replay` maps a regular capture file rather than reading it: the mapped reader must
//! hand out exactly the packets and errors the stream reader does (whole, cut and damaged
//! files), the output must not change, the resident set must stay small however big the file,
//! and a file cut short by another program while it is read must give a message, not a crash.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use duplex::capture::mapped::Mapped;
use duplex::capture::pcap::{CaptureReader, Feed};
use duplex::output::synth::{Mix, SynthOptions, generate};
use duplex::output::{CaptureWriter, Format};

include!("support/captures.rs");

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duplex-mapped-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every packet (or error) a reader hands out, as text.
fn read_all<R: Read>(
    made: Result<CaptureReader<R>, duplex::capture::pcap::CaptureError>,
) -> Vec<String> {
    let mut reader = match made {
        Ok(r) => r,
        Err(e) => return vec![format!("not read: {e}")],
    };
    let mut out = Vec::new();
    for _ in 0..10_000_000 {
        match reader.next_packet() {
            Ok(Some(p)) => out.push(format!(
                "{} {} {} {} {:?}",
                p.number, p.ts.0, p.linktype, p.orig_len, p.data
            )),
            Ok(None) => return out,
            Err(e) => out.push(format!("error: {e}")),
        }
    }
    panic!("the reader never ended");
}

fn mapped(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let map = Mapped::map_from(&file, 1).expect("a regular file maps");
    read_all(CaptureReader::with_feed(
        std::io::empty(),
        Some(Feed::Mapped(map)),
    ))
}

#[test]
fn the_mapped_reader_reads_every_capture_as_the_stream_reader_whole_cut_and_damaged() {
    let dir = temp_dir("same");
    let path = dir.join("c.pcap");
    let mut compared = 0;
    for (name, bytes) in shipped_and_synth_captures() {
        let mut variants = vec![("whole".to_string(), bytes.clone())];
        for cut in [25, 40, bytes.len() / 3, bytes.len() - 1] {
            if cut < bytes.len() {
                variants.push((format!("cut at {cut}"), bytes[..cut].to_vec()));
            }
        }
        // A record length bent to nonsense, and one a little too long.
        for at in [24 + 8, 24 + 9] {
            if at < bytes.len() {
                let mut b = bytes.clone();
                b[at] ^= 0x5a;
                variants.push((format!("byte {at} bent"), b));
            }
        }
        for (what, b) in variants {
            std::fs::write(&path, &b).unwrap();
            let want = read_all(CaptureReader::new(&b[..]));
            let got = mapped(&path);
            assert!(want == got, "{name}, {what}: the mapped reader differs");
            compared += want.len();
        }
    }
    assert!(compared > 50_000, "{compared} packets compared");
    let _ = std::fs::remove_dir_all(dir);
}

/// A chat capture of about `bytes` bytes, written to `path`.
fn synth(path: &Path, bytes: u64) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut w = CaptureWriter::new(file, Format::Pcap).unwrap();
    let opts = SynthOptions {
        bytes,
        seed: 11,
        ws_conns: 3,
        mix: Mix::Chat,
    };
    generate(&mut w, &opts).unwrap();
    w.finish().unwrap().flush().unwrap();
}

fn duplex() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_duplex"));
    c.env("DUPLEX_LANG", "en");
    c
}

#[test]
fn a_mapped_file_and_the_same_bytes_through_a_pipe_give_the_same_json() {
    let dir = temp_dir("pipe");
    let path = dir.join("chat.pcap");
    synth(&path, 8 << 20);
    let file = duplex()
        .args(["replay", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        file.status.success(),
        "{}",
        String::from_utf8_lossy(&file.stderr)
    );
    // A pipe cannot be mapped: it is read as a stream.
    let mut child = duplex()
        .args(["replay", "--json", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&bytes));
    let piped = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(piped.status.success());
    assert!(
        file.stdout.len() > 1 << 20,
        "{} bytes of JSON",
        file.stdout.len()
    );
    assert!(file.stdout == piped.stdout, "the outputs differ");
    let _ = std::fs::remove_dir_all(dir);
}

/// Peak resident set of `duplex args`, in KiB, with `input` streamed to its stdin; None without
/// GNU time. Measured by `/usr/bin/time`, which forks from its own small process: a child spawned
/// from this test would inherit the test process's peak in its `ru_maxrss`.
fn peak_rss_kib(dir: &Path, args: &[&OsStr], input: Option<&Path>) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let report = dir.join("time.out");
    let mut cmd = Command::new(time);
    cmd.env("DUPLEX_LANG", "en")
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_duplex"))
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let feeder = input.zip(child.stdin.take()).map(|(path, mut stdin)| {
        let mut file = std::fs::File::open(path).unwrap();
        std::thread::spawn(move || std::io::copy(&mut file, &mut stdin))
    });
    assert!(child.wait().unwrap().success());
    if let Some(f) = feeder {
        f.join().unwrap().unwrap();
    }
    let text = std::fs::read_to_string(&report).unwrap();
    Some(text.trim().parse().unwrap())
}

#[test]
fn a_big_mapped_file_costs_no_more_memory_than_reading_it_through_a_pipe() {
    let dir = temp_dir("rss");
    let path = dir.join("chat.pcap");
    synth(&path, 96 << 20);
    let summary = OsStr::new("--summary");
    let args = [OsStr::new("replay"), summary, path.as_os_str()];
    let Some(mapped) = peak_rss_kib(&dir, &args, None) else {
        eprintln!("SKIP: /usr/bin/time (GNU time) is not installed");
        return;
    };
    let stdin = [OsStr::new("replay"), summary, OsStr::new("/dev/stdin")];
    let piped = peak_rss_kib(&dir, &stdin, Some(&path)).unwrap();
    eprintln!("peak RSS mapped {mapped} KiB, piped {piped} KiB");
    // Every mapped page counts: the window the decoders read through stays about a MiB, what
    // the stream reader's buffers cost.
    assert!(
        mapped < piped + 1536,
        "peak RSS {mapped} KiB mapped against {piped} KiB through a pipe (96 MiB capture)"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_file_cut_short_while_it_is_read_is_named_not_a_crash() {
    let dir = temp_dir("cut");
    let path = dir.join("chat.pcap");
    synth(&path, 32 << 20);
    // The JSON goes into a pipe nobody reads yet: duplex stops mid-file, with the file mapped.
    let mut child = duplex()
        .args(["replay", "--json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 4096];
    out.read_exact(&mut first).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(4096)
        .unwrap();
    let drain = std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "duplex did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = drain.join();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "killed by a signal? {status:?} {err}"
    );
    assert!(
        err.contains("capture file became shorter while it was being read"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

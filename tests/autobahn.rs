//! Autobahn|Testsuite against `duplex serve`'s `/ws/echo`: the standard WebSocket conformance
//! cases 1-7 and 10 (framing, pings, reserved bits, opcodes, fragmentation, UTF-8, close,
//! misc), and 12-13 (permessage-deflate: payloads, then each offer and answer), in a test of
//! their own so that each can be timed. Case 9 (performance, minutes long) is left to a run by
//! hand:
//!     bash tests/tools/autobahn.sh ws://127.0.0.1:PORT/ws/echo '["9.*"]'
//!
//! wstest needs Python 2.7 (pyenv's 2.7.18 here and on CI) and a pip install on first use. When
//! either is missing the test prints a SKIP line saying why and passes; it never passes silently.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The whole suite, install included, must be done within this.
const SUITE_BOUND: Duration = Duration::from_secs(15 * 60);
/// Cases 12 and 13 send 216,000 messages of up to 128 KiB, compressed both ways, through a
/// Python 2 client that takes most of the time: 26 and 24 minutes, run side by side on a
/// two-core machine busy with other builds.
const COMPRESSION_BOUND: Duration = Duration::from_secs(90 * 60);
const CASES: &str = r#"["1.*","2.*","3.*","4.*","5.*","6.*","7.*","10.*"]"#;

/// Every data set of 12 and every offer/answer pair of 13, at the sizes 16 B to 4 KiB and at
/// 8 KiB sent in 256-byte fragments: each negotiation and framing path, in minutes. The whole
/// of 12 and 13 (sizes to 128 KiB) with `DUPLEX_AUTOBAHN_FULL=1`.
fn compression_cases() -> String {
    if std::env::var_os("DUPLEX_AUTOBAHN_FULL").is_some() {
        return r#"["12.*","13.*"]"#.to_string();
    }
    let sizes = [1, 2, 3, 4, 5, 11];
    let ids: Vec<String> = (1..=5)
        .flat_map(|set| sizes.map(|i| format!("\"12.{set}.{i}\"")))
        .chain((1..=7).flat_map(|pair| sizes.map(|i| format!("\"13.{pair}.{i}\""))))
        .collect();
    format!("[{}]", ids.join(","))
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> (Killed, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["serve", "--port", "0", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn duplex serve");
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("duplex serve: listening on ") {
                let _ = tx.send(rest.trim_end_matches('/').to_owned());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("duplex serve printed no listening line");
    let port = url.rsplit(':').next().unwrap().parse().unwrap();
    (child, port)
}

#[test]
fn autobahn_cases_1_to_7_and_10() {
    suite(CASES, SUITE_BOUND, false);
}

#[test]
fn autobahn_compression_cases_12_and_13() {
    suite(&compression_cases(), COMPRESSION_BOUND, false);
}

/// Cases 1-7 and 10 again with permessage-deflate negotiated: messages both ways are
/// compressed, and every verdict must hold all the same. Three cases test wstest, not the
/// server, once compression is on: 6.4.3 and 6.4.4 write raw bytes into a frame wstest marked
/// compressed (RSV1), and 10.1.1 counts the fragments of the uncompressed message.
#[test]
fn autobahn_cases_1_to_7_and_10_with_compression_negotiated() {
    suite(CASES, SUITE_BOUND, true);
}

/// `offer_deflate`: every case offers permessage-deflate (autobahn.sh's AUTOBAHN_OFFER_DEFLATE),
/// less the cases that then test wstest.
fn suite(cases: &str, bound: Duration, offer_deflate: bool) {
    let (_server, port) = start_server();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/autobahn.sh");
    let url = format!("ws://127.0.0.1:{port}/ws/echo");
    let started = Instant::now();
    let mut run = Command::new("bash")
        .args([script, &url, cases])
        .env(
            "AUTOBAHN_OFFER_DEFLATE",
            if offer_deflate { "1" } else { "" },
        )
        .env(
            "AUTOBAHN_EXCLUDE",
            if offer_deflate {
                r#"["6.4.3","6.4.4","10.1.1"]"#
            } else {
                "[]"
            },
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bash");
    let mut out = run.stdout.take().unwrap();
    let mut err = run.stderr.take().unwrap();
    let read_out = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let read_err = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut run = Killed(run);
    let status = loop {
        if let Some(status) = run.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < bound,
            "autobahn.sh still running after {bound:?}"
        );
        thread::sleep(Duration::from_millis(200));
    };
    let (stdout, stderr) = (read_out.join().unwrap(), read_err.join().unwrap());
    let took = started.elapsed().as_secs_f64();
    if status.code() == Some(2) {
        // The script's own message says what is missing (Python 2.7, or what pip could not get).
        // Written to the real stderr: the test harness hides what eprintln! says in a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "SKIP autobahn: the conformance suite could not run here: {}",
            stderr.trim()
        );
        return;
    }
    // The verdict line, visible in CI's log whether the test passes or not.
    let _ = writeln!(
        std::io::stderr(),
        "{stdout}{stderr}autobahn {cases} took {took:.1} s"
    );
    assert!(
        status.success() && !stdout.contains("FAILED"),
        "Autobahn found failures (exit {status}):\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("autobahn: "),
        "no verdict line:\n{stdout}\n{stderr}"
    );
}

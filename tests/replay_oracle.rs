//! `duplex replay --json` against Wireshark's own dissection of real captures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn duplex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(args)
        .output()
        .expect("run duplex")
}

fn capture(name: &str) -> String {
    root()
        .join("assets/captures")
        .join(name)
        .display()
        .to_string()
}

/// Runs the oracle comparator shipped from ../shared/tools on one capture.
fn compare_with_tshark(name: &str) {
    let out = duplex(&["replay", "--json", &capture(name)]);
    let stdout = String::from_utf8(out.stdout).expect("JSON output is UTF-8");
    let dir = std::env::temp_dir().join(format!("duplex-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join(format!("{name}.jsonl"));
    std::fs::write(&events, &stdout).unwrap();
    let oracle = root()
        .join("tests/oracle")
        .join(format!("{name}.tshark.json"));
    let cmp = Command::new("python3")
        .arg(root().join("tests/tools/tshark_compare.py"))
        .arg(&oracle)
        .arg(&events)
        .output()
        .expect("python3 runs the comparator");
    let report = String::from_utf8_lossy(&cmp.stdout);
    assert!(
        cmp.status.success(),
        "{name}: duplex differs from tshark:\n{report}\nstderr of duplex:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("diffs 0"), "{name}: {report}");
}

#[test]
fn http10_ten_connections_match_tshark() {
    compare_with_tshark("http10-curl-10req.pcap");
}

#[test]
fn http11_keepalive_matches_tshark() {
    compare_with_tshark("http11-keepalive-curl-10req.pcap");
}

#[test]
fn ws_basic_pcap_matches_tshark() {
    compare_with_tshark("ws-basic.pcap");
}

#[test]
fn ws_basic_pcapng_matches_tshark() {
    compare_with_tshark("ws-basic.pcapng");
}

#[test]
fn websocat_nanosecond_pcap_matches_tshark() {
    compare_with_tshark("ws-websocat-nano.pcap");
}

#[test]
fn websocat_server_pcapng_matches_tshark() {
    compare_with_tshark("ws-websocat-server.pcapng");
}

#[test]
fn autobahn_fuzzing_cases_match_tshark() {
    compare_with_tshark("autobahn-1-4.pcap");
}

#[test]
fn truncated_capture_keeps_what_came_before_and_names_the_packet() {
    compare_with_tshark("ws-basic-truncated.pcap");
    let out = duplex(&["replay", "--json", &capture("ws-basic-truncated.pcap")]);
    assert!(
        out.status.success(),
        "something was read, so the exit code is 0"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ws-basic-truncated.pcap"), "{stderr}");
    assert!(stderr.contains("packet 18"), "{stderr}");
}

#[test]
fn garbage_is_not_a_capture() {
    let out = duplex(&["replay", &capture("garbage.pcap")]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("garbage.pcap"), "{stderr}");
    assert!(stderr.contains("not a pcap or pcapng"), "{stderr}");
}

#[test]
fn header_only_capture_is_empty_not_an_error() {
    let out = duplex(&["replay", "--json", &capture("header-only.pcap")]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no packets"));
}

#[test]
fn missing_file_is_named() {
    let out = duplex(&["replay", "/nonexistent/x.pcap"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.pcap"));
}

/// The counts of `--summary` are the counts tshark gives (from `X.summary.json`).
#[test]
fn summary_counts_match_tshark() {
    for name in [
        "http10-curl-10req.pcap",
        "http11-keepalive-curl-10req.pcap",
        "ws-basic.pcap",
        "ws-basic.pcapng",
        "ws-websocat-nano.pcap",
        "ws-websocat-server.pcapng",
        "autobahn-1-4.pcap",
    ] {
        let oracle: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                root()
                    .join("tests/oracle")
                    .join(format!("{name}.summary.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let out = duplex(&["replay", "--summary", &capture(name)]);
        assert!(out.status.success(), "{name}");
        let text = String::from_utf8(out.stdout).unwrap();
        let line = |label: &str| -> String {
            text.lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("{name}: no line {label:?} in\n{text}"))
                .to_owned()
        };
        assert!(
            line("packets").ends_with(&format!(" {}", oracle["packets"])),
            "{name}\n{text}"
        );
        assert!(
            line("TCP connections").ends_with(&format!(" {}", oracle["tcp_connections"])),
            "{name}\n{text}"
        );
        let frames = line("WS frames");
        assert!(
            frames.contains(&format!(" {} (", oracle["ws_frames_total"])),
            "{name}: {frames}"
        );
        for (op, n) in oracle["ws_frames"].as_object().unwrap() {
            assert!(
                frames.contains(&format!("{op}: {n}")),
                "{name}: {op} {n} in {frames}"
            );
        }
        let masked = line("WS masked");
        assert!(
            masked.starts_with(&format!("WS masked        {},", oracle["ws_frames_masked"])),
            "{name}: {masked}"
        );
        let reqs = line("HTTP requests");
        for (m, n) in oracle["http_requests"].as_object().unwrap() {
            assert!(reqs.contains(&format!("{m}: {n}")), "{name}: {reqs}");
        }
        let resps = line("HTTP responses");
        for (s, n) in oracle["http_responses"].as_object().unwrap() {
            assert!(resps.contains(&format!("{s}: {n}")), "{name}: {resps}");
        }
        let closes = line("WS close codes");
        let mut codes = std::collections::BTreeMap::<String, u64>::new();
        for c in oracle["ws_close_codes"].as_array().unwrap() {
            *codes.entry(c.as_str().unwrap().to_owned()).or_default() += 1;
        }
        for (c, n) in codes {
            assert!(closes.contains(&format!("{c}: {n}")), "{name}: {closes}");
        }
    }
}

#[test]
fn plain_transcript_reads_like_sentences() {
    let out = duplex(&["replay", "--plain", &capture("ws-basic.pcap")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "client → server: WebSocket text frame, FIN, masked, 17 bytes: \"Hello, WebSocket!\""
        ),
        "{text}"
    );
    assert!(
        text.contains("HTTP response 101 Switching Protocols"),
        "{text}"
    );
    assert!(text.contains("Sec-WebSocket-Accept is correct"), "{text}");
    assert!(text.contains("close code 1000"), "{text}");
    assert!(Path::new(&capture("ws-basic.pcap")).exists());
}

#[test]
fn an_unsupported_link_type_is_named_in_a_few_lines_and_fails() {
    let mut bytes = std::fs::read(capture("ws-basic.pcap")).unwrap();
    bytes[20..24].copy_from_slice(&147u32.to_le_bytes()); // LINKTYPE_USER0
    let path = std::env::temp_dir().join(format!("duplex-lt147-{}.pcap", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let out = duplex(&["replay", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    assert_eq!(out.status.code(), Some(1), "no packet could be read");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("packet 1: link type 147 is not supported"),
        "{stderr}"
    );
    assert!(stderr.lines().count() <= 21, "{stderr}");
    assert!(stderr.contains("34 more"), "{stderr}");
}

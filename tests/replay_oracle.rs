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

/// Captures made for duplex (tests/oracle/CAPTURES.md, "Captures made for duplex").
const MADE_FOR_DUPLEX: [&str; 10] = [
    "autobahn-13-7-1-deflate.pcap",
    "ws-deflate.pcap",
    "ws-basic-deflate.pcap",
    "ws-deflate-nctx.pcapng",
    "ws-abrupt-kill.pcap",
    "ws-cut-midstream.pcap",
    "http11-chunked-pipelined.pcap",
    "ws-ipv6.pcap",
    "ws-any-sll.pcap",
    "ws-any-sll2.pcapng",
];

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
    ]
    .into_iter()
    .chain(MADE_FOR_DUPLEX)
    {
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
        // tshark sets websocket.pmc only once permessage-deflate was negotiated, so its
        // RSV1 count is comparable only for the captures that negotiated it (and had no
        // deliberately invalid RSV bits, unlike autobahn-1-4.pcap).
        if MADE_FOR_DUPLEX.contains(&name) {
            assert!(
                masked.contains(&format!(
                    "RSV1 set {},",
                    oracle["ws_frames_compressed_rsv1"]
                )),
                "{name}: {masked}"
            );
        }
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
            "client → server: WebSocket text frame, FIN, masked (key d0 59 0a 42), 17 bytes: \"Hello, WebSocket!\""
        ),
        "{text}"
    );
    assert!(
        text.contains("HTTP response 101 Switching Protocols"),
        "{text}"
    );
    assert!(
        text.contains("Sec-WebSocket-Key utyrrwINpny8uLgm5QXO6A=="),
        "{text}"
    );
    assert!(
        text.contains("Sec-WebSocket-Accept EvxXZf7beBov/yp+kcx5O06mkI0= is correct"),
        "{text}"
    );
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
    assert!(stderr.lines().count() <= 22, "{stderr}");
    assert!(stderr.contains("33 more"), "{stderr}");
}

// ---- Captures made for duplex: tshark agreement, then what tshark does not check ----

/// `duplex replay --json` of one capture, parsed.
fn events(name: &str) -> Vec<serde_json::Value> {
    let out = duplex(&["replay", "--json", &capture(name)]);
    assert!(out.status.success(), "{name}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn of_kind<'a>(
    evs: &'a [serde_json::Value],
    kind: &'a str,
) -> impl Iterator<Item = &'a serde_json::Value> + 'a {
    evs.iter().filter(move |e| e["kind"] == kind)
}

/// Each message reported at its head (`body_follows`) given the size and trailers of the
/// `http_body` that ends it, as the lesson log does; the `http_body` events left out.
fn with_bodies(evs: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = Vec::new();
    let mut open = std::collections::HashMap::new();
    for e in evs {
        let key = (e["conn"].as_u64(), e["dir"].as_str().map(str::to_owned));
        if e["kind"] == "http_body" {
            let i = open.remove(&key).expect("an http_body follows its message");
            let m: &mut serde_json::Value = &mut out[i];
            m["body_bytes"] = e["bytes"].clone();
            if let Some(t) = e.get("trailers") {
                m["trailers"] = t.clone();
            }
            continue;
        }
        if e["body_follows"] == true {
            open.insert(key, out.len());
        }
        out.push(e);
    }
    out
}

/// (conn, how, by) of every `tcp_close`, `by` "" when absent.
fn closes(evs: &[serde_json::Value]) -> Vec<(u64, String, String)> {
    of_kind(evs, "tcp_close")
        .map(|e| {
            (
                e["conn"].as_u64().unwrap(),
                e["how"].as_str().unwrap().to_owned(),
                e["by"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn close(conn: u64, how: &str, by: &str) -> (u64, String, String) {
    (conn, how.to_owned(), by.to_owned())
}

/// Data messages (`ws_message`) of one connection and direction.
fn messages<'a>(evs: &'a [serde_json::Value], conn: u64, dir: &str) -> Vec<&'a serde_json::Value> {
    of_kind(evs, "ws_message")
        .filter(|e| e["conn"] == conn && e["dir"] == dir)
        .collect()
}

/// Data frames that start a message (opcode 1 or 2) of one connection and direction.
fn first_frames<'a>(
    evs: &'a [serde_json::Value],
    conn: u64,
    dir: &str,
) -> Vec<&'a serde_json::Value> {
    of_kind(evs, "ws_frame")
        .filter(|e| e["conn"] == conn && e["dir"] == dir)
        .filter(|e| e["opcode"] == 1 || e["opcode"] == 2)
        .collect()
}

fn text(e: &serde_json::Value) -> &str {
    e["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {e}"))
}

#[test]
fn ws_deflate_matches_tshark() {
    compare_with_tshark("ws-deflate.pcap");
}

#[test]
fn ws_deflate_messages_are_inflated() {
    let evs = events("ws-deflate.pcap");
    let repeat = "duplex decodes WebSocket traffic. ".repeat(40);
    for dir in ["c2s", "s2c"] {
        let msgs = messages(&evs, 1, dir);
        assert_eq!(msgs.len(), 12, "{dir}: {msgs:?}");
        assert!(msgs.iter().all(|m| m["compressed"] == true), "{dir}");
        let lens: Vec<u64> = msgs.iter().map(|m| m["len"].as_u64().unwrap()).collect();
        // the last two: "server-ping" / "server-fragmented" out, "pong received" /
        // "server fragmented reply" back
        let last = if dir == "c2s" { [11, 17] } else { [13, 23] };
        let mut want = vec![1360, 1360, 2, 0, 102, 2048, 300, 491, 1000, 80000];
        want.extend(last);
        assert_eq!(lens, want, "{dir}");
        assert!(repeat.starts_with(text(msgs[0])) && text(msgs[0]).len() >= 1000);
        assert_eq!(text(msgs[1]), text(msgs[0]));
        assert_eq!(text(msgs[2]), "hi");
        assert_eq!(text(msgs[3]), "");
        assert_eq!(text(msgs[4]), "héllo wörld — 你好 — 🚀 ".repeat(3));
        assert!(text(msgs[7]).starts_with("comp-frag-1 comp-frag-1 "));
        // Context takeover: the second copy of the 1360-byte text refers back to the first.
        let frames = first_frames(&evs, 1, dir);
        assert_eq!(frames[0]["rsv"], 4);
        assert!(
            frames[1]["payload_len"].as_u64() < frames[0]["payload_len"].as_u64(),
            "{dir}: {} then {}",
            frames[0],
            frames[1]
        );
    }
    // The client sent the fragmented text as 4 frames (RSV1 only on the first), the echo as 1.
    assert_eq!(messages(&evs, 1, "c2s")[7]["frames"], 4);
    assert_eq!(messages(&evs, 1, "s2c")[7]["frames"], 1);
    let s2c = messages(&evs, 1, "s2c");
    assert_eq!(text(s2c[11]), "server fragmented reply");
    assert_eq!(s2c[11]["frames"], 4);
    assert_eq!(closes(&evs), [close(1, "fin", "s2c")]);
    assert_eq!(of_kind(&evs, "error").count(), 0);
}

#[test]
fn ws_basic_deflate_matches_tshark() {
    compare_with_tshark("ws-basic-deflate.pcap");
}

#[test]
fn ws_basic_deflate_messages_are_inflated() {
    let evs = events("ws-basic-deflate.pcap");
    for dir in ["c2s", "s2c"] {
        let msgs = messages(&evs, 1, dir);
        assert!(msgs.iter().all(|m| m["compressed"] == true), "{dir}");
        assert_eq!(text(msgs[0]), "Hello, WebSocket!");
        assert_eq!(text(msgs[2]), "héllo wörld — 你好 — 🚀");
        assert_eq!(msgs[5]["opcode"], 2);
        assert_eq!(msgs[5]["len"], 100_000, "{dir}");
        assert_eq!(text(msgs[6]), "frag-1 frag-2 frag-3");
    }
    assert_eq!(closes(&evs), [close(1, "fin", "s2c")]);
}

#[test]
fn ws_deflate_no_context_takeover_matches_tshark() {
    compare_with_tshark("ws-deflate-nctx.pcapng");
}

#[test]
fn ws_deflate_no_context_takeover_messages_are_inflated() {
    let evs = events("ws-deflate-nctx.pcapng");
    for dir in ["c2s", "s2c"] {
        let msgs = messages(&evs, 1, dir);
        assert_eq!(msgs.len(), 12);
        assert!(msgs.iter().all(|m| m["compressed"] == true), "{dir}");
        assert_eq!(text(msgs[1]), text(msgs[0]));
        assert_eq!(msgs[9]["len"], 80000);
        // No context takeover: the same message compresses to the same size twice.
        let frames = first_frames(&evs, 1, dir);
        assert_eq!(frames[0]["payload_len"], frames[1]["payload_len"], "{dir}");
        // Connection 2: the server declined the offer, nothing is compressed.
        let plain = messages(&evs, 2, dir);
        assert_eq!(plain.len(), 2);
        assert!(plain.iter().all(|m| m["compressed"] == false), "{dir}");
        assert_eq!(text(plain[0]), "hello from python websockets");
    }
    assert_eq!(
        closes(&evs),
        [close(1, "fin", "s2c"), close(2, "fin", "s2c")]
    );
}

#[test]
fn ws_abrupt_kill_matches_tshark() {
    compare_with_tshark("ws-abrupt-kill.pcap");
}

#[test]
fn ws_abrupt_kill_endings() {
    let evs = events("ws-abrupt-kill.pcap");
    assert_eq!(
        closes(&evs),
        [
            // server killed: its FIN, then the client's late frame is answered with RST
            close(1, "rst", "s2c"),
            // server killed with unread data: RST only
            close(2, "rst", "s2c"),
            // client killed after reading everything: FIN, then the server's FIN
            close(3, "fin", "c2s"),
            // client killed with an unread echo: RST
            close(4, "rst", "c2s"),
            // server killed in the middle of a 300000-byte frame: RST
            close(5, "rst", "s2c"),
        ]
    );
    assert_eq!(
        of_kind(&evs, "ws_frame")
            .filter(|e| e["opcode"] == 8)
            .count(),
        0
    );
    let late = messages(&evs, 1, "c2s");
    assert_eq!(text(late.last().unwrap()), "anyone-there?");
    let cut: Vec<_> = of_kind(&evs, "error").collect();
    assert_eq!(cut.len(), 1, "{cut:?}");
    assert_eq!(cut[0]["conn"], 5);
    assert_eq!(cut[0]["layer"], "websocket");
    assert!(
        cut[0]["what"]
            .as_str()
            .unwrap()
            .contains("ended inside a frame"),
        "{}",
        cut[0]
    );
}

#[test]
fn ws_cut_midstream_matches_tshark() {
    compare_with_tshark("ws-cut-midstream.pcap");
}

#[test]
fn ws_cut_midstream_ends_with_eof() {
    let evs = events("ws-cut-midstream.pcap");
    let opens: Vec<_> = of_kind(&evs, "tcp_open").collect();
    assert_eq!(opens.len(), 2);
    assert_eq!(opens[0]["handshake"], false, "no SYN in the file");
    assert_eq!(opens[0]["server"].as_str().unwrap(), "127.0.0.1:8114");
    assert_eq!(opens[1]["handshake"], true);
    assert_eq!(closes(&evs), [close(1, "eof", ""), close(2, "eof", "")]);
    assert!(messages(&evs, 2, "c2s").len() >= 10);
}

#[test]
fn http11_chunked_pipelined_matches_tshark() {
    compare_with_tshark("http11-chunked-pipelined.pcap");
}

#[test]
fn http11_chunked_pipelined_bodies() {
    let evs = with_bodies(events("http11-chunked-pipelined.pcap"));
    let reqs: Vec<(String, String, u64)> = of_kind(&evs, "http_request")
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
                e["body_bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String, u64)> = [
        ("GET", "/chunked", 0),
        ("GET", "/json", 0),
        ("HEAD", "/file", 0),
        ("POST", "/submit", 23),
        ("GET", "/empty", 0),
        ("GET", "/etag", 0),
        ("POST", "/upload", 31),
        ("GET", "/big-chunked", 0),
        ("GET", "/close", 0),
        ("POST", "/submit", 2000),
    ]
    .into_iter()
    .map(|(m, t, n)| (m.to_owned(), t.to_owned(), n))
    .collect();
    assert_eq!(reqs, want);
    let resps: Vec<(u64, u64)> = of_kind(&evs, "http_response")
        .map(|e| {
            (
                e["status"].as_u64().unwrap(),
                e["body_bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        resps,
        [
            (200, 22), // chunked, with a trailer
            (200, 38),
            (200, 0), // HEAD: Content-Length 5000, no body
            (201, 37),
            (204, 0),
            (304, 0), // Content-Length 5000, no body
            (200, 22),
            (200, 60123), // chunked, 3 chunks across segments
            (200, 82),    // no length: the body ends with the server's FIN
            (100, 0),
            (201, 80),
        ]
    );
    let chunked = of_kind(&evs, "http_response").next().unwrap();
    assert_eq!(
        chunked["trailers"],
        serde_json::json!([["X-Checksum", "9f3c"]])
    );
    assert_eq!(
        closes(&evs),
        [close(1, "fin", "s2c"), close(2, "fin", "c2s")]
    );
}

#[test]
fn ws_ipv6_matches_tshark() {
    compare_with_tshark("ws-ipv6.pcap");
    let evs = events("ws-ipv6.pcap");
    let open = of_kind(&evs, "tcp_open").next().unwrap();
    assert_eq!(open["server"], "[::1]:8116");
    assert!(
        messages(&evs, 1, "s2c")
            .iter()
            .all(|m| m["compressed"] == true)
    );
}

#[test]
fn ws_linux_cooked_v1_matches_tshark() {
    compare_with_tshark("ws-any-sll.pcap");
}

#[test]
fn ws_linux_cooked_v2_pcapng_matches_tshark() {
    compare_with_tshark("ws-any-sll2.pcapng");
    let evs = events("ws-any-sll2.pcapng");
    let servers: Vec<_> = of_kind(&evs, "tcp_open")
        .map(|e| e["server"].clone())
        .collect();
    assert_eq!(
        servers,
        [
            serde_json::json!("[::1]:8118"),
            serde_json::json!("127.0.0.1:8119")
        ]
    );
}

/// What a connection carried, in the terms both `X.expected.jsonl` (tshark's dissection
/// restated as events) and duplex's `--json` use: requests, statuses, frames per direction.
#[derive(Debug, Default, PartialEq)]
struct Carried {
    requests: Vec<(String, String)>,
    statuses: Vec<u64>,
    c2s: Vec<(u64, bool, bool, u64, Option<u64>)>,
    s2c: Vec<(u64, bool, bool, u64, Option<u64>)>,
}

/// Connections keyed by their sorted pair of addresses.
fn carried(evs: &[serde_json::Value]) -> std::collections::BTreeMap<Vec<String>, Carried> {
    let mut ends = std::collections::HashMap::new();
    let mut out = std::collections::BTreeMap::<Vec<String>, Carried>::new();
    for e in evs {
        let conn = e["conn"].as_u64().unwrap();
        if e["kind"] == "tcp_open" {
            let mut pair = vec![
                e["client"].as_str().unwrap().to_owned(),
                e["server"].as_str().unwrap().to_owned(),
            ];
            pair.sort();
            ends.insert(conn, pair.clone());
            out.entry(pair).or_default();
            continue;
        }
        let Some(c) = ends.get(&conn).and_then(|k| out.get_mut(k)) else {
            continue;
        };
        match e["kind"].as_str().unwrap() {
            "http_request" => c.requests.push((
                e["method"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
            )),
            "http_response" => c.statuses.push(e["status"].as_u64().unwrap()),
            "ws_frame" => {
                let f = (
                    e["opcode"].as_u64().unwrap(),
                    e["fin"].as_bool().unwrap(),
                    e["masked"].as_bool().unwrap(),
                    e["payload_len"].as_u64().unwrap(),
                    e["close_code"].as_u64(),
                );
                if e["dir"] == "c2s" {
                    c.c2s.push(f)
                } else {
                    c.s2c.push(f)
                }
            }
            _ => {}
        }
    }
    out
}

/// For captures whose `X.tshark.json` is too big to keep in the repository: compares with
/// `X.expected.jsonl`, the same dissection restated by `tshark_to_events.py`.
fn compare_with_expected_events(name: &str) {
    let expected: Vec<serde_json::Value> = std::fs::read_to_string(
        root()
            .join("tests/oracle")
            .join(format!("{name}.expected.jsonl")),
    )
    .unwrap()
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let want = carried(&expected);
    let got = carried(&events(name));
    assert_eq!(want.len(), got.len(), "{name}: connections");
    for (k, w) in &want {
        let g = got
            .get(k)
            .unwrap_or_else(|| panic!("{name}: no connection {k:?}"));
        assert_eq!(w.requests, g.requests, "{name} {k:?}");
        assert_eq!(w.statuses, g.statuses, "{name} {k:?}");
        assert_eq!(w.c2s.len(), g.c2s.len(), "{name} {k:?} c2s frames");
        assert_eq!(w.s2c.len(), g.s2c.len(), "{name} {k:?} s2c frames");
        assert!(w == g, "{name} {k:?}: frames differ");
    }
}

#[test]
fn autobahn_deflate_13_7_1_matches_tshark() {
    compare_with_expected_events("autobahn-13-7-1-deflate.pcap");
    let evs = events("autobahn-13-7-1-deflate.pcap");
    for dir in ["c2s", "s2c"] {
        let msgs = messages(&evs, 1, dir);
        assert_eq!(msgs.len(), 1000, "{dir}");
        assert!(
            msgs.iter()
                .all(|m| m["compressed"] == true && m["len"] == 16 && m["opcode"] == 1),
            "{dir}"
        );
    }
    assert_eq!(of_kind(&evs, "error").count(), 0);
    assert_eq!(closes(&evs), [close(1, "fin", "s2c")]);
}

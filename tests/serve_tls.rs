//! `duplex serve --tls`: https:// and wss:// beside plain HTTP on one port, with a certificate
//! made at start that curl, Python and Chromium trust once told to; the tap below rustls sees
//! the ciphertext and decrypts it with rustls's own secrets.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::chromium::Browser;
use support::{BOUND, Server, count, have, kind};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duplex-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `duplex serve --json --tls --cert-dir DIR` with `extra`; the certificate's path and its
/// SPKI hash, as printed.
fn start(dir: &Path, extra: &[&str]) -> (Server, PathBuf, String) {
    let mut args = vec!["--tls", "--cert-dir", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let s = Server::start(&args);
    let deadline = Instant::now() + BOUND;
    let mut said = Vec::new();
    let spki = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = s
            .stderr
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no SPKI line in {said:#?}"));
        if let Some(h) = line.split("--ignore-certificate-errors-spki-list=").nth(1) {
            break h.trim().to_owned();
        }
        said.push(line);
    };
    let cert = dir.join("cert.pem");
    let text = said.join("\n");
    assert!(
        text.contains(&format!("--cacert {}", cert.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("https://localhost:{}/", s.port)),
        "{text}"
    );
    (s, cert, spki)
}

fn curl(cert: &Path, port: u16, extra: &[&str]) -> (bool, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(cert)
        .args(extra)
        .arg(format!("https://localhost:{port}/echo"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// A plain HTTP/1.0 request on the same port, to its close.
fn plain(port: u16) -> Vec<u8> {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(b"GET /echo HTTP/1.0\r\n\r\n").unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).unwrap();
    resp
}

#[test]
fn curl_trusts_the_printed_certificate_in_tls_1_3_and_1_2_and_plain_http_still_works() {
    if !have("curl") {
        return;
    }
    let dir = temp_dir("curl");
    let (mut s, cert, _) = start(&dir, &[]);
    let pem = std::fs::read_to_string(&cert).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for extra in [
        &["--http1.1", "--tlsv1.3"][..],
        &["--http1.1", "--tls-max", "1.2"],
        &[],
    ] {
        let (ok, text) = curl(&cert, s.port, extra);
        assert!(ok, "curl {extra:?}: {text}");
        assert!(
            text.contains("GET /echo HTTP/1.1"),
            "curl {extra:?}: {text}"
        );
    }
    // Without the certificate curl refuses: the check is real.
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .arg(format!("https://localhost:{}/echo", s.port))
        .env("CURL_CA_BUNDLE", "/nonexistent")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(plain(s.port).starts_with(b"HTTP/1.0 200 OK"));
    s.wait_until("five closes", |e| count(e, "tcp_close") == 5);
    // Three TLS connections and a plain one (curl's refused attempt is the fifth): the tap
    // decrypts the three with the server's own keys, so all four requests are read.
    let gets = kind(&s.seen, "http_request").count();
    assert_eq!(gets, 4, "three decrypted requests and the plain one");
    let decrypting = kind(&s.seen, "tls_keys")
        .filter(|e| e["decrypting"] == true)
        .count();
    // curl's refused attempt completes the server's side too: three or four.
    assert!(
        decrypting >= 3,
        "keys for each TLS connection: {decrypting}"
    );
    let versions: Vec<_> = kind(&s.seen, "tls_handshake")
        .filter(|e| e["msg"] == "server_hello")
        .map(|e| e["version"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(versions.iter().any(|v| v == "TLS 1.2"), "{versions:?}");
    assert!(versions.iter().any(|v| v == "TLS 1.3"), "{versions:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

const WSS: &str = r#"
import ssl, sys
from websockets.sync.client import connect
ctx = ssl.create_default_context(cafile=sys.argv[1]) if sys.argv[1] else ssl.create_default_context()
try:
    with connect(sys.argv[2], ssl=ctx, open_timeout=10, close_timeout=5) as ws:
        ws.send("hello over wss")
        print("echo:", ws.recv(timeout=10))
except ssl.SSLCertVerificationError as e:
    print("refused:", e)
    sys.exit(3)
"#;

fn python_wss(cert: Option<&Path>, port: u16) -> (i32, String) {
    let out = Command::new("python3")
        .args(["-c", WSS])
        .arg(cert.map_or(String::new(), |c| c.display().to_string()))
        .arg(format!("wss://localhost:{port}/ws/echo"))
        .env("SSL_CERT_FILE", "/nonexistent")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

fn python_has_websockets() -> bool {
    have("python3")
        && Command::new("python3")
            .args(["-c", "import websockets.sync.client"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

#[test]
fn python_websockets_speaks_wss_with_a_real_certificate_check() {
    if !python_has_websockets() {
        eprintln!("note: python3 websockets is not installed; skipping");
        return;
    }
    let dir = temp_dir("wss");
    let (mut s, cert, _) = start(&dir, &[]);
    let (code, text) = python_wss(Some(&cert), s.port);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("echo: hello over wss"), "{text}");
    let (code, text) = python_wss(None, s.port);
    assert_eq!(code, 3, "without the certificate: {text}");
    s.wait_until("two closes", |e| count(e, "tcp_close") == 2);
    // The frames are inside TLS records, read with the server's keys.
    let texts: Vec<_> = kind(&s.seen, "ws_message")
        .filter_map(|e| e["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(texts, ["hello over wss", "hello over wss"], "both ways");
    assert!(count(&s.seen, "tls_record") >= 6);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn headless_chromium_opens_the_page_over_https_and_its_socket_over_wss() {
    if !Browser::installed() {
        return;
    }
    let dir = temp_dir("chromium");
    let (mut s, _, spki) = start(&dir, &[]);
    let opened = format!("open: wss://localhost:{}", s.port);
    // `--dump-dom` fires when the virtual-time budget is spent, which an idle page spends at
    // once: on a loaded machine (the whole suite at work) the socket's handshake was once still
    // on its way. Three tries, each with a fresh profile; the page must show the socket open.
    let trust = [format!("--ignore-certificate-errors-spki-list={spki}")];
    let mut dom = String::new();
    for attempt in 0..3 {
        let profile = dir.join(format!("profile-{attempt}"));
        dom = Browser::open(&format!("https://localhost:{}/", s.port), profile, &trust).dom();
        if dom.contains(&opened) {
            break;
        }
    }
    assert!(dom.contains(&opened), "{dom}");
    s.wait_until("the page's connections", |e| count(e, "tcp_open") >= 2);
}

#[test]
fn hostile_tls_clients_meet_the_usual_limits_and_others_are_served_meanwhile() {
    let dir = temp_dir("hostile");
    let (mut s, cert, _) = start(&dir, &["--head-timeout", "1", "--first-byte-timeout", "1"]);
    // Garbage after the handshake byte: rustls refuses at once.
    let mut junk = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    junk.set_read_timeout(Some(BOUND)).unwrap();
    junk.write_all(&[0x16, 3, 1, 0, 8, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4])
        .unwrap();
    let mut rest = Vec::new();
    let began = Instant::now();
    let _ = junk.read_to_end(&mut rest);
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    // A ClientHello that never finishes: closed by the head limit, not waited for forever.
    let mut stalled = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    stalled.set_read_timeout(Some(BOUND)).unwrap();
    stalled
        .write_all(&[0x16, 3, 1, 0, 200, 1, 0, 0, 196])
        .unwrap();
    let began = Instant::now();
    if have("curl") {
        let (ok, text) = curl(&cert, s.port, &[]);
        assert!(ok, "served while another stalls: {text}");
    }
    assert!(plain(s.port).starts_with(b"HTTP/1.0 200 OK"));
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    let took = began.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(4),
        "{took:?}"
    );
    let evs = s.wait_until("the stalled close", |e| {
        kind(e, "tcp_close").any(|c| c["why"] == "head")
    });
    assert!(kind(evs, "tcp_close").count() >= 2);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tshark(dir: &Path, args: &[&str]) -> String {
    let config = dir.join("wireshark-config");
    std::fs::create_dir_all(&config).unwrap();
    let out = Command::new("tshark")
        .args(args)
        .env("WIRESHARK_CONFIG_DIR", &config)
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `--record` writes the secrets into the capture (a Decryption Secrets Block before the
/// packets they open), so tshark decrypts it with no key log option; `--keylog` writes the same
/// secrets as SSLKEYLOGFILE lines.
#[test]
fn the_recording_carries_its_keys_and_tshark_decrypts_it_unasked() {
    if !have("curl") || !have("tshark") || !python_has_websockets() {
        return;
    }
    let dir = temp_dir("record");
    let file = dir.join("live.pcapng");
    let keylog = dir.join("keys.log");
    let (f, k) = (file.to_str().unwrap(), keylog.to_str().unwrap());
    let (mut s, cert, _) = start(&dir, &["--record", f, "--keylog", k]);
    for extra in [
        &["--http1.1", "--tlsv1.3"][..],
        &["--http1.1", "--tls-max", "1.2"],
    ] {
        let (ok, text) = curl(&cert, s.port, extra);
        assert!(ok, "{text}");
    }
    let (code, text) = python_wss(Some(&cert), s.port);
    assert_eq!(code, 0, "{text}");
    assert!(plain(s.port).starts_with(b"HTTP/1.0 200 OK"));
    s.wait_until("four closes", |e| count(e, "tcp_close") == 4);
    s.interrupt();
    let lines = tshark(
        &dir,
        &[
            "-r",
            f,
            "-Y",
            "http || websocket",
            "-T",
            "fields",
            "-e",
            "http.request.uri",
            "-e",
            "http.response.code",
            "-e",
            "websocket.opcode",
        ],
    );
    let rows: Vec<&str> = lines.lines().map(str::trim).collect();
    let gets = rows.iter().filter(|r| **r == "/echo").count();
    assert_eq!(gets, 3, "two over TLS 1.3 and 1.2, one plain: {rows:?}");
    assert!(rows.contains(&"/ws/echo"), "{rows:?}");
    assert!(rows.contains(&"101"), "{rows:?}");
    let texts = rows.iter().filter(|r| **r == "1").count();
    assert_eq!(texts, 2, "the text and its echo: {rows:?}");
    // The key log: TLS 1.3's traffic secrets and TLS 1.2's master secret, one per line.
    let log = std::fs::read_to_string(&keylog).unwrap();
    for label in [
        "CLIENT_TRAFFIC_SECRET_0 ",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
        "CLIENT_RANDOM ",
    ] {
        assert!(
            log.lines().any(|l| l.starts_with(label)),
            "{label} in {log}"
        );
    }
    assert!(log.lines().all(|l| l.split(' ').count() == 3), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

const TLS_LESSON: &str = r#"
id = "tls-clients"
title = "The lesson clients over TLS"
summary = "https:// and wss:// to the lesson's own server."
order = 99
part = "WebSocket"

[[step]]
id = "both"
title = "The same port, with and without TLS"
claims = ["C13"]
text = "An https:// request, a wss:// echo, and a plain request."

[[step.action]]
do = "http"
path = "/echo"
tls = true
connection = "new"
repeat = 2
label = "https"

[[step.action]]
do = "ws_connect"
conn = "secure"
path = "/ws/echo"
tls = true
label = "wss"

[[step.action]]
do = "ws_send"
conn = "secure"
text = "hello over wss"
label = "wss"

[[step.action]]
do = "ws_recv"
conn = "secure"
label = "wss"

[[step.action]]
do = "http"
path = "/echo"
label = "plain"

[[step.expect]]
says = "two https:// requests on two connections"
count = { kind = "tcp_open", label = "https" }
equals = 2

[[step.expect]]
says = "the plain request is decoded on the same port"
count = { kind = "http_request", label = "plain" }
equals = 1
"#;

/// `tls = true` on `http` and `ws_connect`: the lesson clients speak TLS to the lesson server,
/// which offers it beside plain HTTP; `duplex check` refuses a `tls` that is no boolean.
#[test]
fn lesson_actions_speak_tls_to_the_lesson_server() {
    let dir = temp_dir("lesson");
    let file = dir.join("tls.toml");
    std::fs::write(&file, TLS_LESSON).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["--lang", "en", "check", "--run"])
        .arg(&file)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    std::fs::write(&file, TLS_LESSON.replacen("tls = true", "tls = \"yes\"", 1)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["--lang", "en", "check"])
        .arg(&file)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("tls.toml:") && text.contains("tls"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The live `--json` of a `--tls` server agrees with tshark's decryption of its recording:
/// the tap decrypts with rustls's own secrets what tshark decrypts with the capture's.
#[test]
fn live_json_agrees_with_tshark_on_the_decrypted_recording() {
    if !have("curl") || !have("tshark") || !python_has_websockets() {
        return;
    }
    let dir = temp_dir("compare");
    let file = dir.join("live.pcapng");
    let f = file.to_str().unwrap();
    let (mut s, cert, _) = start(&dir, &["--record", f]);
    for extra in [
        &["--http1.1", "--tlsv1.3"][..],
        &["--http1.1", "--tls-max", "1.2"],
    ] {
        let (ok, text) = curl(&cert, s.port, extra);
        assert!(ok, "{text}");
    }
    let (code, text) = python_wss(Some(&cert), s.port);
    assert_eq!(code, 0, "{text}");
    assert!(plain(s.port).starts_with(b"HTTP/1.0 200 OK"));
    s.wait_until("four closes", |e| count(e, "tcp_close") == 4);
    s.interrupt();
    let live = s.seen.clone();
    assert_eq!(count(&live, "error"), 0, "{live:#?}");
    let json = tshark(&dir, &["-r", f, "-T", "json", "-Y", "http || websocket"]);
    let tshark_json = dir.join("tshark.json");
    std::fs::write(&tshark_json, json).unwrap();
    let live_jsonl = dir.join("live.jsonl");
    let lines: Vec<String> = live.iter().map(|v| v.to_string()).collect();
    std::fs::write(&live_jsonl, lines.join("\n") + "\n").unwrap();
    let cmp = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/tshark_compare.py"))
        .arg(&tshark_json)
        .arg(&live_jsonl)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&cmp.stdout);
    assert!(report.contains("diffs 0"), "{report}");
    assert!(report.contains("streams 4,"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

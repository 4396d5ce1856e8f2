//! `duplex frame` end to end: each preset against a live `duplex serve` gets the close RFC 6455
//! prescribes; the printed fields agree with tshark's dissection of the same bytes; zh-CN
//! output is Chinese within 100 columns.

mod support;

use std::net::SocketAddr;
use std::process::{Command, Output};

use duplex::output::{CaptureWriter, Format};
use duplex::proto::ws::accept_key;
use duplex::proto::ws::build::Preset;
use duplex::proto::{Dir, Timestamp};
use support::Server;
use unicode_width::UnicodeWidthStr;

const BIN: &str = env!("CARGO_BIN_EXE_duplex");

fn duplex(args: &[&str], lang: &str) -> Output {
    Command::new(BIN)
        .env_clear()
        .env("DUPLEX_LANG", lang)
        .arg("frame")
        .args(args)
        .output()
        .expect("run duplex frame")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The words as read, the wrapping undone.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn each_preset_gets_its_close_from_a_live_server() {
    let s = Server::start(&[]);
    let url = format!("ws://127.0.0.1:{}/ws/echo", s.port);
    for p in Preset::ALL {
        let o = duplex(&["--preset", p.id(), &url, "--wait", "2"], "en");
        let out = flat(&text(&o));
        assert!(o.status.success(), "{p:?}: {out}");
        assert!(out.contains("← HTTP/1.1 101 Switching Protocols"), "{out}");
        assert!(out.contains("is right for our key"), "{out}");
        match p.expected_close() {
            Some(code) => {
                let meaning = if code == 1007 {
                    "invalid payload"
                } else {
                    "protocol error"
                };
                let want = format!("← close, FIN 1");
                assert!(out.contains(&want), "{p:?}: {out}");
                assert!(out.contains(&format!("close code {code} ")), "{p:?}: {out}");
                assert!(out.contains(meaning), "{p:?}: {out}");
            }
            None => assert!(
                out.contains("← text, FIN 1, payload 11 bytes: \"hello world\""),
                "{out}"
            ),
        }
    }
}

#[test]
fn a_valid_text_comes_back_and_failures_say_why() {
    let s = Server::start(&[]);
    let url = format!("ws://localhost:{}/ws/echo", s.port);
    let o = duplex(&["--text", "héllo", &url, "--wait", "1"], "en");
    assert!(o.status.success());
    assert!(
        text(&o).contains("← text, FIN 1, payload 6 bytes: \"héllo\""),
        "{}",
        text(&o)
    );
    // Not a WebSocket route: the refusal, and a failure status.
    let o = duplex(
        &["--text", "x", &format!("ws://127.0.0.1:{}/nowhere", s.port)],
        "en",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("refused the upgrade"),
        "{err}"
    );
    // Nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = duplex(&["--text", "x", &format!("ws://127.0.0.1:{port}/")], "en");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("cannot connect"),
        "{err}"
    );
    let o = duplex(&["wss://127.0.0.1/"], "en");
    assert!(!o.status.success());
}

/// The field lines duplex prints for each frame: (FIN, RSV as a number, opcode, MASK, 7-bit len).
fn printed_fields(out: &str) -> Vec<[u64; 5]> {
    let mut v: Vec<[u64; 5]> = Vec::new();
    let field = |l: &str, name: &str| -> Option<u64> {
        let rest = l.trim_start().strip_prefix(name)?.trim_start();
        let word = rest.split_whitespace().next()?;
        u64::from_str_radix(word, 2).ok()
    };
    for l in out.lines() {
        if l.starts_with("Frame ") {
            v.push([0; 5]);
        }
        let Some(f) = v.last_mut() else { continue };
        if let Some(b) = field(l, "FIN") {
            f[0] = b;
        }
        for (name, bit) in [("RSV1", 4), ("RSV2", 2), ("RSV3", 1)] {
            if field(l, name) == Some(1) {
                f[1] |= bit;
            }
        }
        if let Some(b) = field(l, "opcode") {
            f[2] = b;
        }
        if let Some(b) = field(l, "MASK") {
            f[3] = b;
        }
        if let Some(b) = field(l, "Payload len") {
            f[4] = b;
        }
    }
    v
}

/// The bytes on the wire, from each frame's hex rows.
fn printed_bytes(out: &str) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    for l in out.lines() {
        if l.starts_with("  on the wire,") {
            cur = Some(Vec::new());
            continue;
        }
        if let Some(bytes) = cur.as_mut() {
            let hex: Vec<u8> = l
                .split_whitespace()
                .map_while(|w| u8::from_str_radix(w, 16).ok().filter(|_| w.len() == 2))
                .collect();
            if l.starts_with("    ") && !hex.is_empty() {
                bytes.extend(hex);
                continue;
            }
            frames.push(cur.take().unwrap());
        }
    }
    frames.extend(cur);
    frames
}

#[test]
fn the_printed_fields_agree_with_tshark() {
    if !support::have("tshark") {
        return;
    }
    let long = "ab".repeat(300);
    let mut cases: Vec<Vec<String>> = Preset::ALL
        .iter()
        .map(|p| vec!["--preset".to_owned(), p.id().to_owned()])
        .collect();
    for c in [
        &["--hex", &long][..],
        &["--hex", "0102", "--len", "64:2", "--no-mask"],
        &["--text", "sixteen", "--len", "16:7", "--mask", "01020304"],
        &["--text", "rsv", "--rsv", "7", "--no-mask"],
        &["--text", "a fragmented message", "--fragments", "3"],
        &["--opcode", "pong", "--text", "p", "--rsv2"],
        &["--close", "1000", "--reason", "bye"],
    ] {
        cases.push(c.iter().map(|s| s.to_string()).collect());
    }
    let dir = std::env::temp_dir().join(format!("duplex-frame-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    for (n, args) in cases.iter().enumerate() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = text(&duplex(&args, "en"));
        let fields = printed_fields(&out);
        let bytes = printed_bytes(&out);
        assert_eq!(fields.len(), bytes.len(), "{args:?}:\n{out}");
        // The bytes inside a TCP stream after an upgrade, one segment a frame.
        let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
        let c: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let s: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let ts = |i: u64| Timestamp(1_700_000_000_000_000_000 + i * 1_000_000);
        w.open(1, c, s, ts(0)).unwrap();
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let req = format!(
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        w.data(1, Dir::C2s, ts(1), req.as_bytes()).unwrap();
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            accept_key(key)
        );
        w.data(1, Dir::S2c, ts(2), resp.as_bytes()).unwrap();
        for (i, b) in bytes.iter().enumerate() {
            w.data(1, Dir::C2s, ts(3 + i as u64), b).unwrap();
        }
        let path = dir.join(format!("{n}.pcap"));
        std::fs::write(&path, w.finish().unwrap()).unwrap();
        let t = Command::new("tshark")
            .args([
                "-r",
                path.to_str().unwrap(),
                "-Y",
                "websocket",
                "-T",
                "fields",
            ])
            .args([
                "-e",
                "websocket.fin",
                "-e",
                "websocket.rsv",
                "-e",
                "websocket.opcode",
            ])
            .args(["-e", "websocket.mask", "-e", "websocket.payload_length"])
            .output()
            .unwrap();
        let rows = String::from_utf8_lossy(&t.stdout).into_owned();
        let got: Vec<[u64; 5]> = rows
            .lines()
            .map(|l| {
                let v: Vec<u64> = l
                    .split('\t')
                    .map(|f| {
                        let f = f.trim();
                        match f {
                            "True" => 1,
                            "False" => 0,
                            f => f
                                .strip_prefix("0x")
                                .map_or_else(|| f.parse(), |h| u64::from_str_radix(h, 16))
                                .unwrap_or_else(|_| panic!("{f:?} in {l:?}")),
                        }
                    })
                    .collect();
                [v[0], v[1], v[2], v[3], v[4]]
            })
            .collect();
        assert_eq!(
            got, fields,
            "{args:?}: tshark says\n{rows}\nduplex printed\n{out}"
        );
        checked += got.len();
    }
    assert!(checked >= 16, "{checked} frames checked");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The first run of three English words outside protocol tokens and quotes.
fn english_run(line: &str) -> Option<String> {
    const KEEP: &[&str] = &[
        "FIN",
        "RSV",
        "RSV1",
        "RSV2",
        "RSV3",
        "MASK",
        "opcode",
        "Payload",
        "len",
        "RFC",
        "UTF-8",
        "text",
        "binary",
        "close",
        "ping",
        "pong",
        "continuation",
        "permessage-deflate",
        "WebSocket",
        "HTTP",
        "TCP",
        "Switching",
        "Protocols",
        "Upgrade",
        "websocket",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Accept",
        "GET",
        "key",
        "mod",
        "IANA",
        "TLS",
        "ws",
        "echo",
    ];
    let mut s = String::new();
    let mut inside = false;
    for c in line.chars() {
        if c == '"' {
            inside = !inside;
        } else if !inside {
            s.push(c);
        }
    }
    let mut run = Vec::new();
    for w in s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let english = w.len() >= 2
            && w.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
            && !KEEP.contains(&w)
            // A key in base64 (FJvzMhMAq) is no word.
            && !w.chars().skip(1).any(|c| c.is_ascii_uppercase())
            && !(w.len() == 2 && w.chars().all(|c| c.is_ascii_hexdigit()));
        if english {
            run.push(w);
            if run.len() >= 3 {
                return Some(run.join(" "));
            }
        } else if !w.is_empty() {
            run.clear();
        }
    }
    None
}

#[test]
fn chinese_output_is_chinese_within_100_columns() {
    let s = Server::start(&[]);
    let url = format!("ws://127.0.0.1:{}/ws/echo", s.port);
    let mut outs = Vec::new();
    for p in Preset::ALL {
        outs.push(text(&duplex(&["--preset", p.id()], "zh-CN")));
        outs.push(text(&duplex(
            &["--preset", p.id(), &url, "--wait", "1"],
            "zh-CN",
        )));
    }
    outs.push(text(&duplex(
        &["--text", "hi", "--len", "100", "--rsv1"],
        "zh-CN",
    )));
    outs.push(text(&duplex(&["--preset", "list"], "zh-CN")));
    for out in &outs {
        assert!(out.contains('帧') || out.contains("预设"), "{out}");
        for l in out.lines() {
            assert!(l.width() <= 100, "{} columns: {l}", l.width());
            // The server's own close reason is English on the wire, quoted.
            assert_eq!(english_run(l), None, "in {l:?}");
        }
    }
    let out = text(&duplex(&["--preset", "unmasked"], "zh-CN"));
    assert!(
        out.contains("客户端帧没有掩码") && out.contains("1002"),
        "{out}"
    );
}

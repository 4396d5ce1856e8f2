//! `duplex learn ID --plain --auto --lang zh-CN` for every lesson of the course: the framing,
//! the event lines, the actions and the verdicts are Chinese, as the lesson text is. What stays
//! English is what was on the wire (header names and values, opcode names, status reasons,
//! payloads in quotes), code in backticks, URLs and the decoder's own error texts.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use unicode_width::UnicodeWidthStr;

const BIN: &str = env!("CARGO_BIN_EXE_duplex");
/// A lesson that takes longer than this is stuck.
const LESSON_MAX: Duration = Duration::from_secs(150);

/// Protocol tokens and names kept as they are on the wire, in any language.
const KEEP: &[&str] = &[
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "OPTIONS",
    "HTTP",
    "TCP",
    "IP",
    "FIN",
    "RST",
    "SYN",
    "ACK",
    "RSV",
    "MASK",
    "WebSocket",
    "WebSockets",
    "Server-Sent",
    "Event",
    "Events",
    "SSE",
    "Upgrade",
    "websocket",
    "opcode",
    "key",
    "GUID",
    "SHA",
    "base64",
    "socket",
    "ping",
    "pong",
    "close",
    "text",
    "binary",
    "continuation",
    "Switching",
    "Protocols",
    "OK",
    "Not",
    "Modified",
    "Moved",
    "Permanently",
    "File",
    "not",
    "found",
    "Found",
    "Connection",
    "keep-alive",
    "Keep-Alive",
    "timeout",
    "duplex",
    "recap",
    "learn",
    "ID",
    "ETag",
    "Cookie",
    "cookie",
    "JSON",
    "json",
    "Enter",
    "Esc",
    "Tab",
    "RFC",
    "UTF-8",
    "ws",
    "idle",
    "Ladder",
    "Inspector",
    "Lifetimes",
    "Bad",
    "Request",
    "No",
    "Content",
    "Partial",
];

/// English the zh-CN lessons themselves quote (the lessons' translators own it).
const LESSON_QUOTES: &[&str] = &[];

/// The lesson ids, from the course list.
fn lesson_ids(data: &std::path::Path) -> Vec<String> {
    let out = Command::new(BIN)
        .args(["learn", "--lang", "en"])
        .env("DUPLEX_DATA_DIR", data)
        .env_remove("DUPLEX_LESSONS")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let ids: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let _mark = w.next()?;
            let n = w.next()?;
            let id = w.next()?;
            (n.ends_with('.') && n.trim_end_matches('.').parse::<u32>().is_ok())
                .then(|| id.to_owned())
        })
        .collect();
    assert!(ids.len() >= 12, "{text}");
    ids
}

/// Runs `learn ID --plain --auto` in `lang`; the output, or a panic after LESSON_MAX.
fn play(id: &str, lang: &str, data: &std::path::Path) -> String {
    let mut child = Command::new(BIN)
        .args(["learn", id, "--plain", "--auto", "--lang", lang])
        .env("DUPLEX_DATA_DIR", data)
        .env_remove("DUPLEX_LESSONS")
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > LESSON_MAX {
            let _ = child.kill();
            panic!("learn {id} --plain --auto took more than {LESSON_MAX:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// `line` without what may stay English: code, quotes, URLs, a header's name and value, the
/// decoder's own words.
fn strip(line: &str) -> String {
    let mut s = line.to_owned();
    for q in LESSON_QUOTES {
        s = s.replace(q, " ");
    }
    // A header detail: `头部 name: value — 23 字节`.
    if let Some(i) = s.find("头部 ")
        && let Some(j) = s[i..].find(" — ")
        && s[i..i + j].contains(": ")
    {
        s.replace_range(i..i + j, " ");
    }
    // The decoder's problem, after its framing.
    if let Some(i) = s.find("解码器")
        && let Some(j) = s[i..].find("）：")
    {
        s.truncate(i + j);
    }
    for (open, close) in [('`', '`'), ('"', '"'), ('“', '”')] {
        s = cut_pairs(&s, open, close);
    }
    s.split_whitespace()
        .filter(|w| !w.contains("://"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` without each `open … close` span (an unclosed one runs to the end of the line).
fn cut_pairs(s: &str, open: char, close: char) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut escaped = false;
    for c in s.chars() {
        if inside {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == close {
                inside = false;
                out.push(' ');
            }
        } else if c == open {
            inside = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// The first run of three or more English words in `s` (words joined by spaces or commas),
/// protocol tokens not counting.
fn english_run(s: &str) -> Option<String> {
    let mut run: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut best: Option<String> = None;
    let end_word = |word: &mut String, run: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        let w = word.trim_matches(|c| c == '-' || c == '\'').to_owned();
        word.clear();
        // Two hex digits are a byte (a masking key), not a word.
        let byte = w.len() == 2 && w.chars().all(|c| c.is_ascii_hexdigit());
        if w.len() < 2 || byte || KEEP.contains(&w.as_str()) {
            run.clear();
        } else {
            run.push(w);
        }
    };
    for c in s.chars().chain([' ']) {
        if c.is_ascii_alphabetic() || (!word.is_empty() && (c == '-' || c == '\'')) {
            word.push(c);
            continue;
        }
        end_word(&mut word, &mut run);
        if run.len() >= 3 && best.is_none() {
            best = Some(run.join(" "));
        }
        if !(c == ' ' || c == ',') {
            run.clear();
        }
        // A token of code (`tcp_open`, `a.b`, `x/y`, a number) is no English word.
        if matches!(c, '_' | '.' | '/' | '=' | '0'..='9') {
            run.clear();
        }
    }
    best
}

/// The lines as written before wrapping: a line more indented than the one it follows goes on
/// with it, as do the lines of a paragraph of narration. A table of measures (metric names,
/// the lesson's labels) is left out.
fn logical_lines(out: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut table = false;
    let mut prev_empty = true;
    for l in out.lines() {
        if l.trim().is_empty() {
            table = false;
            prev_empty = true;
            continue;
        }
        if table {
            continue;
        }
        if l.contains("刚刚在这台机器上测得") {
            table = true;
        }
        let i = indent(l);
        let t = l.trim_start();
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        let item = (digits > 0 && t[digits..].starts_with(". "))
            || ["* ", "- ", "✓ ", "✗ ", "• "]
                .iter()
                .any(|m| t.starts_with(m));
        match lines.last_mut() {
            Some((first, text))
                if !prev_empty && !item && (i > *first || (i == 2 && *first == 2)) =>
            {
                text.push(' ');
                text.push_str(l.trim());
            }
            _ => lines.push((i, l.to_owned())),
        }
        prev_empty = false;
    }
    lines.into_iter().map(|(_, l)| l).collect()
}

#[test]
fn the_checker_finds_english_and_leaves_tokens() {
    assert_eq!(
        english_run("  What we did:").as_deref(),
        Some("What we did")
    );
    assert_eq!(
        english_run(&strip("  头部 date: Sun, 29 Nov GMT — 37 字节")),
        None
    );
    assert_eq!(
        english_run("HTTP 响应 101 Switching Protocols（HTTP/1.1）"),
        None
    );
    assert_eq!(english_run(&strip("发送了 `the quick brown fox`")), None);
}

#[test]
fn every_lesson_in_chinese_says_nothing_in_english_and_fits_100_columns() {
    let data = tempfile::tempdir().unwrap();
    let ids = lesson_ids(data.path());
    // Lessons on their own servers, a few at a time: the machine may have 2 cores.
    let mut outputs = Vec::new();
    for chunk in ids.chunks(4) {
        let handles: Vec<_> = chunk
            .iter()
            .map(|id| {
                let (id, dir) = (id.clone(), data.path().to_owned());
                std::thread::spawn(move || (id.clone(), play(&id, "zh-CN", &dir)))
            })
            .collect();
        outputs.extend(handles.into_iter().map(|h| h.join().unwrap()));
    }
    let mut bad = Vec::new();
    for (id, out) in &outputs {
        assert!(out.contains("第 1 步"), "{id}:\n{out}");
        // The interview recap after the last lesson is another part's text.
        let out = out.split("这是课程的最后一课。").next().unwrap_or_default();
        for line in out.lines() {
            let w = UnicodeWidthStr::width(line);
            if w > 100 {
                bad.push(format!("{id}: {w} columns: {line}"));
            }
        }
        for line in logical_lines(out) {
            if let Some(run) = english_run(&strip(&line)) {
                bad.push(format!("{id}: English \"{run}\" in: {line}"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

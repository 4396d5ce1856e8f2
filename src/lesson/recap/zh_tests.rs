//! The recap in Chinese: within 80 columns, no English prose left, and no number of the English
//! version lost.

use serde_json::json;
use unicode_width::UnicodeWidthStr;

use super::plain;
use crate::lang::{Lang, scoped};
use crate::lesson::progress::{Measured, Progress};

/// Every number measured, as the built-in course would measure them.
fn measured() -> Progress {
    let mut p = Progress::default();
    let values = [
        (
            "request_head_small",
            json!({ "bytes": 38, "what": "GET /" }),
        ),
        (
            "request_head_large",
            json!({ "bytes": 412, "what": "GET /1k" }),
        ),
        ("response_head", json!({ "bytes": 117, "status": 200 })),
        ("http10", json!({ "requests": 10, "connections": 10 })),
        ("http11", json!({ "requests": 10, "connections": 1 })),
        ("keepalive", json!({ "idle_secs": 5.02, "reopened": true })),
        (
            "upgrade",
            json!({ "key": "dGhlIHNhbXBsZSBub25jZQ==", "accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                    "ok": true, "request_head": 213, "response_head": 129, "conn": 1 }),
        ),
        (
            "masking",
            json!({ "key": "8333d570", "header_bytes": 6, "payload_bytes": 2,
                    "server_frames": 3, "server_masked": 0 }),
        ),
        (
            "bytes_per_update",
            json!({ "ws": 8, "poll": 243, "poll-new": 301, "long-poll": 250, "sse": 27 }),
        ),
    ];
    for (k, v) in values {
        p.measured.insert(
            k.into(),
            Measured {
                value: v,
                lesson: "x".into(),
                step: "y".into(),
            },
        );
    }
    p
}

/// The recap as `duplex recap` prints it, the course loaded in `lang`.
fn recap(lang: Lang, p: &Progress) -> String {
    scoped(lang, || {
        let cat = crate::lesson::load::catalog(None);
        plain(p, &cat.lessons, 80)
    })
}

/// ASCII words of `text` outside backticks, that are no protocol token, name or number.
fn english_words(text: &str) -> Vec<String> {
    const TOKENS: &[&str] = &[
        "HTTP",
        "WebSocket",
        "TCP",
        "GET",
        "GUID",
        "SHA",
        "base64",
        "keep",
        "alive",
        "ping",
        "SSE",
        "Sec",
        "Accept",
        "Key",
        "Upgrade",
        "websocket",
        "Switching",
        "Protocols",
        "key",
    ];
    let mut out = Vec::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            continue;
        }
        for w in part.split(|c: char| !c.is_ascii_alphanumeric()) {
            let word = w.chars().any(|c| c.is_ascii_alphabetic())
                && !w.chars().any(|c| c.is_ascii_digit())
                && w.len() > 1;
            if word && !TOKENS.contains(&w) {
                out.push(w.to_string());
            }
        }
    }
    out
}

/// Runs of digits (with a decimal point inside), as the text's numbers.
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !cur.is_empty()) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(cur.trim_end_matches('.').to_string());
            cur.clear();
        }
    }
    out
}

#[test]
fn the_chinese_recap_fits_80_columns_and_has_no_english_prose() {
    for p in [Progress::default(), measured()] {
        let text = recap(Lang::ZhCn, &p);
        assert!(text.contains("说说 WebSocket 和 HTTP 的区别"), "{text}");
        assert!(text.contains("全双工"), "{text}");
        for l in text.lines() {
            assert!(l.width() <= 80, "{} columns: {l}", l.width());
        }
        let english = english_words(&text);
        assert!(english.is_empty(), "English words {english:?} in:\n{text}");
    }
}

#[test]
fn nothing_the_english_recap_says_is_lost_in_chinese() {
    for p in [Progress::default(), measured()] {
        let en = recap(Lang::En, &p);
        let zh = recap(Lang::ZhCn, &p);
        assert_ne!(en, zh);
        for n in numbers(&en) {
            assert!(
                zh.contains(&n),
                "{n} of the English is not in:\n{zh}\n\n{en}"
            );
        }
        // Each lesson the English names is named in Chinese too.
        for l in en.lines().filter(|l| l.contains("duplex learn")) {
            let cmd = l.split('`').nth(1).unwrap_or_default();
            assert!(zh.contains(cmd), "{cmd} missing:\n{zh}");
        }
        assert_eq!(en.matches("[?]").count(), zh.matches("[?]").count());
    }
}

//! Text in any script fits its width and loses nothing: the one wrap (`lesson::wrap`) and the
//! styled one of the lesson screen (`app::narration::wrap`), then a Chinese lesson played as a
//! plain transcript by the real binary.

use std::process::Command;

use duplex::app::narration;
use duplex::lesson::wrap::wrap;
use ratatui::text::Span;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Characters that may not start a line (closing punctuation, full-width stops).
const NO_START: &str = "，。、；：！？）」』】》〉…,.;:!?)";

/// The lines of `text` at `width` by both wraps, each as plain text.
fn both(text: &str, width: usize, first: &str, indent: &str) -> [Vec<String>; 2] {
    let styled = narration::wrap(vec![Span::raw(text.to_string())], width, first, indent);
    [
        wrap(text, width, first, indent),
        styled.iter().map(|l| l.to_string()).collect(),
    ]
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every line within `width` columns, no line starting with closing punctuation or a
/// combining mark, and every character of `text` kept in order.
fn fits(text: &str, lines: &[String], width: usize, first: &str, indent: &str) {
    let mut kept = String::new();
    for (i, l) in lines.iter().enumerate() {
        assert!(
            l.width() <= width,
            "{l:?} is {} columns > {width}: {lines:#?}",
            l.width()
        );
        let mark = if i == 0 { first } else { indent };
        let body = l
            .strip_prefix(mark)
            .unwrap_or_else(|| panic!("{l:?} without {mark:?}"));
        let c = body.trim_start().chars().next();
        let bad = |c: char| NO_START.contains(c) || (c.width() == Some(0) && !c.is_whitespace());
        assert!(
            !c.is_some_and(bad),
            "line {i} starts with {c:?}: {lines:#?}"
        );
        kept.push_str(body);
    }
    assert_eq!(no_space(&kept), no_space(text), "{lines:#?}");
}

#[test]
fn chinese_alone_breaks_between_characters_and_fills_each_line() {
    let text = "客户端向服务器发送两个请求第二个请求复用了第一个请求打开的连接这就是默认的行为";
    for width in [10, 11, 21, 30] {
        for lines in both(text, width, "", "") {
            fits(text, &lines, width, "", "");
            // Each line but the last is full: a CJK character is two columns, any may end a line.
            for l in &lines[..lines.len() - 1] {
                assert!(
                    l.width() + 1 >= width,
                    "{l:?} is short of {width}: {lines:#?}"
                );
            }
        }
    }
}

#[test]
fn a_latin_word_in_chinese_stays_whole_unless_wider_than_the_line() {
    let text =
        "握手时服务器用Sec-WebSocket-Accept证明它读懂了密钥，连接保持keep-alive状态直到超时为止。";
    for width in 20..40 {
        for lines in both(text, width, "", "") {
            fits(text, &lines, width, "", "");
            for word in ["Sec-WebSocket-Accept", "keep-alive"] {
                assert!(
                    lines.iter().any(|l| l.contains(word)),
                    "{word} split at {width}: {lines:#?}"
                );
            }
        }
    }
    // Wider than the line: broken where the line ends, not lost and not overflowing.
    for lines in both("Sec-WebSocket-Accept", 8, "", "") {
        fits("Sec-WebSocket-Accept", &lines, 8, "", "");
        assert_eq!(lines.len(), 3, "{lines:#?}");
    }
}

#[test]
fn emoji_are_two_columns_and_break_between() {
    let text = "发送成功🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀了 then 👍👍👍 done";
    for width in [6, 7, 9, 12] {
        for lines in both(text, width, "", "") {
            fits(text, &lines, width, "", "");
        }
    }
}

#[test]
fn a_combining_mark_stays_with_its_letter() {
    // Ten e + U+0301, one word of 10 columns in 20 characters, and a café in Chinese.
    let long = "e\u{301}".repeat(10);
    for width in [3, 4, 5, 7] {
        for lines in both(&long, width, "", "") {
            fits(&long, &lines, width, "", "");
        }
    }
    let text = "组合字符cafe\u{301}的重音不能与字母分开组合字符cafe\u{301}的重音";
    for width in 8..20 {
        for lines in both(text, width, "", "") {
            fits(text, &lines, width, "", "");
        }
    }
}

#[test]
fn full_width_punctuation_never_starts_a_line() {
    // A break by count alone would fall before each mark.
    let text = "一二三四五六七八九，一二三四五六七八九。一二三四五六七八九！一二三四五六七八九？（一二三四五六七八）「一二三四五六七」";
    for width in 16..24 {
        for (first, indent) in [("", ""), ("? ", "  "), ("  1) ", "     ")] {
            for lines in both(text, width, first, indent) {
                fits(text, &lines, width, first, indent);
            }
        }
    }
}

/// The source texts of tests/lessons/chinese-wrap.toml a learner reads: title, summary, each
/// narration paragraph and list item, the expectation, the question, its choices, the
/// explanation.
fn source_texts() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/lessons/chinese-wrap.toml"
    );
    let doc: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let s = |v: &toml::Value| v.as_str().unwrap().to_string();
    let step = &doc["step"].as_array().unwrap()[0];
    let q = &step["question"].as_array().unwrap()[0];
    let mut out = vec![s(&doc["title"]), s(&doc["summary"]), s(&step["title"])];
    out.extend(s(&step["text"]).split("\n\n").flat_map(|p| {
        p.lines()
            .map(|l| l.trim_start_matches("- ").to_string())
            .collect::<Vec<_>>()
    }));
    out.push(s(&step["expect"].as_array().unwrap()[0]["says"]));
    out.push(s(&q["ask"]));
    out.extend(q["choices"].as_array().unwrap().iter().map(s));
    out.push(s(&q["explain"]));
    out
}

#[test]
fn a_chinese_lesson_played_plain_fits_100_columns_and_keeps_every_character() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let src = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/lessons/chinese-wrap.toml"
    );
    std::fs::copy(src, dir.path().join("chinese-wrap.toml")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["learn", "chinese-wrap", "--plain", "--auto", "--lessons"])
        .arg(dir.path())
        .env("DUPLEX_DATA_DIR", data.path())
        .env_remove("DUPLEX_LESSONS")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let widest = text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
    assert!(widest <= 100, "a line of {widest} columns:\n{text}");
    // The long Chinese lines use the room they have.
    assert!(widest > 90, "no line wider than {widest} columns:\n{text}");
    for l in text.lines() {
        let c = l.trim_start().chars().next();
        assert!(
            !c.is_some_and(|c| NO_START.contains(c)),
            "{l:?} starts with {c:?}:\n{text}"
        );
    }
    let all = no_space(&text);
    for piece in source_texts() {
        assert!(
            all.contains(&no_space(&piece)),
            "{piece:?} is not whole in:\n{text}"
        );
    }
}

#[test]
fn a_table_with_a_chinese_label_keeps_its_columns_aligned() {
    use duplex::lesson::model::Metric;
    use duplex::lesson::run::TableReport;
    let t = TableReport {
        metrics: vec![Metric::Requests, Metric::Bytes],
        rows: vec![
            ("回显请求".to_string(), vec![Some(2.0), Some(466.0)]),
            ("poll".to_string(), vec![Some(10.0), Some(12345.0)]),
        ],
    };
    let lines = duplex::lesson::transcript::table_lines(&t, 2);
    // Numbers are right-aligned: every line ends at the same column.
    let ends: Vec<usize> = lines.iter().map(|l| l.width()).collect();
    assert!(ends.iter().all(|&e| e == ends[0]), "{ends:?}: {lines:#?}");
}

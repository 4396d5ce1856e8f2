//! The one wrap: widths in display columns, breaks where the script allows, nothing lost.

use super::*;

#[test]
fn lines_fit_by_display_width_with_a_hanging_indent() {
    let text = "client → server: HTTP request GET /echo (HTTP/1.1, 3 headers, head 78 bytes) ✓ 中文字符 done";
    let lines = wrap(text, 30, "  1. ", "     ");
    assert!(lines.len() > 2, "{lines:?}");
    for l in &lines {
        assert!(l.width() <= 30, "{l:?} is {} wide", l.width());
    }
    assert!(lines[0].starts_with("  1. client →"));
    assert!(lines[1].starts_with("     ") && !lines[1].starts_with("      "));
    let joined: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
    assert_eq!(joined[1..].join(" "), text);
}

#[test]
fn a_word_longer_than_the_line_is_cut_not_lost() {
    let key = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    let lines = wrap(key, 20, "", "  ");
    assert!(lines.iter().all(|l| l.width() <= 20), "{lines:?}");
    let back: String = lines.iter().map(|l| l.trim()).collect();
    assert_eq!(back, key);
    assert_eq!(wrap("", 10, "> ", ""), vec!["> ".to_string()]);
    let code = wrap("then run `duplex learn keep-alive` now", 26, "", "");
    assert_eq!(code, ["then run", "`duplex learn keep-alive`", "now"]);
}

/// The text of each line, its ranges joined again.
fn texts(text: &str, first: usize, rest: usize) -> Vec<&str> {
    lines(text, first, rest)
        .into_iter()
        .map(|r| &text[r])
        .collect()
}

#[test]
fn chinese_breaks_between_characters_but_not_before_closing_punctuation() {
    let text = "一二三四五，六七八九十。";
    // Five characters make 10 columns; the comma may not start a line, so 四 goes with it.
    assert_eq!(texts(text, 10, 10), ["一二三四", "五，六七八", "九十。"]);
    assert_eq!(texts(text, 12, 12), ["一二三四五，", "六七八九十。"]);
}

#[test]
fn a_latin_word_between_chinese_characters_moves_whole() {
    let text = "用Sec-WebSocket-Accept证明";
    assert_eq!(texts(text, 10, 30), ["用", "Sec-WebSocket-Accept证明"]);
    assert_eq!(texts(text, 30, 30), [text]);
    // Wider than any line: broken where the line ends.
    assert_eq!(
        texts("Sec-WebSocket-Accept", 8, 8),
        ["Sec-WebS", "ocket-Ac", "cept"]
    );
}

#[test]
fn a_first_word_too_wide_for_the_first_line_fills_it_then_goes_on() {
    let text = "一二三四五六七八九十";
    assert_eq!(texts(text, 4, 8), ["一二", "三四五六", "七八九十"]);
    let key = "s3pPLMBiTxaQ9kYGzzhZRbK";
    assert_eq!(texts(key, 5, 10), ["s3pPL", "MBiTxaQ9kY", "GzzhZRbK"]);
}

#[test]
fn emoji_are_two_columns_and_combining_marks_none() {
    assert_eq!(cols("🚀é中a"), 6);
    assert_eq!(cols("e\u{301}"), 1);
    assert_eq!(texts("🚀🚀🚀🚀🚀", 4, 4), ["🚀🚀", "🚀🚀", "🚀"]);
    let accents = "e\u{301}".repeat(5);
    for l in cut(&accents, 2) {
        assert!(l.starts_with('e'), "{l:?}");
    }
    assert_eq!(cut(&accents, 2).len(), 3);
}

#[test]
fn code_keeps_its_spaces_when_cut() {
    assert_eq!(cut("a  b  c", 3), ["a  ", "b  ", "c"]);
    assert_eq!(cut("", 3), [""]);
    assert_eq!(cut("中文", 1), ["中", "文"]);
}

#[test]
fn whitespace_squeezes_but_a_no_break_space_holds() {
    assert_eq!(squeeze("  a \n\t b  "), "a b");
    assert_eq!(texts("100\u{a0}ms later", 6, 6), ["100\u{a0}ms", "later"]);
}

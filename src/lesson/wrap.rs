//! Words wrapped to a number of terminal columns, measured by display width (a `→` or `✓` is
//! one column, a CJK character two), for the plain transcript and the recap.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The transcript and the recap keep their lines within this many columns.
pub const COLUMNS: usize = 80;

/// Words of `text`; an inline code span (`duplex learn http10`) stays one word.
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for w in text.split_whitespace() {
        match out.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(w);
            }
            _ => out.push(w.to_string()),
        }
        if w.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    out
}

/// `text`'s words in lines of at most `width` columns: the first line starts with `first`, the
/// others with `indent`. A word longer than a line is cut where the line ends.
pub fn wrap(text: &str, width: usize, first: &str, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut col = first.width();
    let mut empty = true;
    for word in words(text) {
        let word = word.as_str();
        let w = word.width();
        if !empty && col + 1 + w > width {
            lines.push(std::mem::replace(&mut line, indent.to_string()));
            col = indent.width();
            empty = true;
        }
        if !empty {
            line.push(' ');
            col += 1;
        }
        if col + w <= width {
            line.push_str(word);
            col += w;
        } else {
            // Longer than a whole line: cut by columns.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if col + cw > width && col > indent.width() {
                    lines.push(std::mem::replace(&mut line, indent.to_string()));
                    col = indent.width();
                }
                line.push(c);
                col += cw;
            }
        }
        empty = false;
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
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
}

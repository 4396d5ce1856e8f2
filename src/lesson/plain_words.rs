//! Narration for the plain transcript, which has no panes: where a lesson points at the lesson
//! screen's ladder, inspector or lifetimes, the transcript points at what it prints below
//! instead; a sentence about a key of the screen (`Press m`) is left out.

use super::markdown;
use super::wrap::{cut, wrap};

/// Phrases of the screen and their transcript equivalents, longest first.
const PHRASES: &[(&str, &str)] = &[
    ("Look at the ladder:", "In the events below:"),
    (
        "Open the request in the inspector:",
        "In the request's details below:",
    ),
    (
        "Compare the two frames in the inspector:",
        "Compare the two frames below:",
    ),
    ("Watch the lifetimes pane:", "Watch the events below:"),
    ("In the lifetimes pane", "In the events below"),
    ("look at the lifetimes pane:", "look at the closes below:"),
    ("the lifetimes pane shows", "the events below show"),
    ("the lifetimes pane says", "the events below say"),
    ("The ladder shows", "The events below show"),
    ("on your ladder", "in the events below"),
    ("in the ladder", "in the events below"),
    ("the request's inspector", "the request's details below"),
    ("in the inspector", "in the details below"),
    ("the lifetimes pane", "the events below"),
    ("the ladder", "the events below"),
    ("the inspector", "the details below"),
];

/// Words that only make sense on the lesson screen.
const SCREEN_ONLY: &[&str] = &["ladder", "inspector", "pane", "press `", "press the"];

/// `text` with the screen's panes named as the transcript shows them.
pub fn plain_words(text: &str) -> String {
    let mut s = text.to_string();
    for (from, to) in PHRASES {
        s = s.replace(from, to);
    }
    let mut out = String::new();
    for x in sentences(&s) {
        let lower = x.to_lowercase();
        if SCREEN_ONLY.iter().any(|w| lower.contains(w)) {
            continue;
        }
        // Sentences ending in a full-width stop follow on with no space, as they were written.
        if !out.is_empty() && !out.ends_with(FULL_STOPS) {
            out.push(' ');
        }
        out.push_str(x);
    }
    out
}

/// Stops that end a sentence with no space after them (Chinese, Japanese).
const FULL_STOPS: [char; 3] = ['。', '！', '？'];

/// Sentences of `s`: each ends at `.`, `!` or `?` followed by a space, or at `。！？`.
fn sentences(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = s.as_bytes();
    for (i, c) in s.char_indices() {
        let end = i + c.len_utf8();
        let ascii = matches!(c, '.' | '!' | '?') && b.get(end) == Some(&b' ');
        if ascii || FULL_STOPS.contains(&c) {
            out.push(s[start..end].trim());
            start = end;
        }
    }
    let rest = s[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out.retain(|x| !x.is_empty());
    out
}

/// A step's narration as transcript lines within `width` columns: paragraphs and list items in
/// plain words and wrapped, code blocks as written.
pub fn narration(text: &str, width: usize) -> Vec<String> {
    let flat = markdown::to_plain(&markdown::parse(text), usize::MAX / 4);
    let mut out = Vec::new();
    for line in flat.lines() {
        if line.is_empty() {
            out.push(String::new());
            continue;
        }
        // Code as written, spaces and all; a line too wide goes on below.
        if let Some(code) = line.strip_prefix("    ") {
            let parts = cut(code, width.saturating_sub(4));
            out.extend(parts.into_iter().map(|p| format!("    {p}")));
            continue;
        }
        // A list item keeps its mark, and its lines after the first align under its text.
        let body = line.trim_start();
        let mark_len = if let Some(rest) = body.strip_prefix("• ") {
            line.len() - rest.len()
        } else {
            let digits = body.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && body[digits..].starts_with(". ") {
                line.len() - body.len() + digits + 2
            } else {
                0
            }
        };
        let (mark, rest) = line.split_at(mark_len);
        let words = plain_words(rest);
        if words.is_empty() {
            continue;
        }
        let indent = " ".repeat(super::wrap::cols(mark));
        out.extend(wrap(&words, width, mark, &indent));
    }
    // Paragraphs left empty leave no double blank lines.
    out.dedup_by(|a, b| a.is_empty() && b.is_empty());
    while out.first().is_some_and(String::is_empty) {
        out.remove(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_course_in_plain_words_names_no_pane() {
        let cat = crate::lesson::load::catalog(None);
        let mut said = Vec::new();
        for l in &cat.lessons {
            for s in &l.steps {
                said.extend(narration(&s.text, 78));
                said.extend(s.questions.iter().map(|q| plain_words(&q.explain)));
            }
        }
        let all = said.join("\n").to_lowercase();
        for w in ["ladder", "inspector", "pane", "press `m`"] {
            assert!(!all.contains(w), "the transcript says {w:?}:\n{all}");
        }
        // What the sentences were about is still said.
        assert!(
            all.contains("in the events below: the `http_request` line goes right"),
            "{all}"
        );
    }

    #[test]
    fn a_chinese_sentence_about_a_pane_goes_alone() {
        let text = "第一句。请在 ladder 中查看！第三句？最后一句";
        assert_eq!(plain_words(text), "第一句。第三句？最后一句");
        assert_eq!(plain_words("Two. Words"), "Two. Words");
    }

    #[test]
    fn sentences_about_keys_go_and_the_rest_stays_wrapped() {
        let text = "The mask is random. Press `m` in the inspector to unmask it. It is 4 bytes.\n\n- one\n- two long item that wraps around the narrow width here\n\n```\nGET / HTTP/1.1\n```";
        let lines = narration(text, 30);
        let all = lines.join("\n");
        assert!(!all.contains("Press"), "{all}");
        assert!(all.starts_with("The mask is random. It is 4"), "{all}");
        assert!(
            all.contains("  • two long item that wraps\n    around"),
            "{all}"
        );
        assert!(all.contains("    GET / HTTP/1.1"), "{all}");
    }
}

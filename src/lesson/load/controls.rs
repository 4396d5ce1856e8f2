//! Control characters in the text a learner reads. TOML escapes (`\u001b`, `\e`) can put ESC,
//! BEL or C1 codes into a string, and a terminal would obey them; the text of an action goes on
//! the wire instead, where any byte is allowed.

use toml::de::{DeTable, DeValue};

use super::fields::Ctx;

/// Reports every string of the lesson (outside its actions) that holds a control character
/// other than tab and newline.
pub(super) fn flag(cx: &mut Ctx<'_>, root: &DeTable<'_>) {
    for (k, v) in root.iter() {
        walk(cx, k.get_ref(), v.get_ref(), &v.span());
    }
}

fn walk(cx: &mut Ctx<'_>, key: &str, v: &DeValue<'_>, span: &std::ops::Range<usize>) {
    match v {
        DeValue::String(s) => {
            if let Some(c) = first_unsafe(s) {
                cx.err_hint(
                    span,
                    format!("`{key}` holds the control character U+{:04X}", c as u32),
                    "a terminal would obey it (ESC, BEL, C1 codes move the cursor or change the \
                     screen); remove it, or write what it stands for in words",
                );
            }
        }
        DeValue::Array(items) => {
            for item in items.iter() {
                walk(cx, key, item.get_ref(), &item.span());
            }
        }
        DeValue::Table(t) => {
            for (k, item) in t.iter() {
                // An action's strings are bytes for the wire, not text to read.
                if k.get_ref() == "action" {
                    continue;
                }
                walk(cx, k.get_ref(), item.get_ref(), &item.span());
            }
        }
        _ => {}
    }
}

/// The first unsafe character, a CR that ends a line (a file saved with CRLF) being fine.
fn first_unsafe(s: &str) -> Option<char> {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if is_unsafe(c) {
            return Some(c);
        }
    }
    None
}

/// C0 controls but tab and newline, DEL, and C1 controls.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

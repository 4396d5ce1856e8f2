//! Judging a learner's answer, the same way in the transcript and in the terminal UI: a choice
//! by its number (or its words), a typed answer after normalising what does not matter (case
//! where case means nothing, spaces, `0x` and separators between hex bytes).

use super::model::{Answer, Question};
use super::run::expect::{field, matches};
use super::run::log::Entry;

/// The right answer of a question, as text, read from the traffic when it says so.
pub fn right_answer(q: &Question, events: &[Entry]) -> Option<String> {
    match &q.answer {
        Answer::Choice { choices, correct } => choices.get(correct.checked_sub(1)?).cloned(),
        Answer::FromTraffic { event, field: f } => {
            let e = events.iter().find(|e| matches(e, event))?;
            Some(match field(e, f)? {
                serde_json::Value::String(s) => s,
                v => v.to_string(),
            })
        }
    }
}

/// Whether `given` answers `q`, whose right answer is `right`; `Err` says how to answer when
/// `given` is no answer at all (a choice out of range, nothing typed).
pub fn judge(q: &Question, given: &str, right: &str) -> Result<bool, String> {
    let given = given.trim();
    match &q.answer {
        Answer::Choice { choices, correct } => {
            let ask = || crate::tr!("learn.answer_with", n = choices.len());
            if let Ok(n) = given.parse::<usize>() {
                return if (1..=choices.len()).contains(&n) {
                    Ok(n == *correct)
                } else {
                    Err(ask())
                };
            }
            // The words of a choice count as choosing it.
            let words = normalise(Kind::Text, given);
            match choices
                .iter()
                .position(|c| normalise(Kind::Text, c) == words)
            {
                Some(i) => Ok(i + 1 == *correct),
                None => Err(ask()),
            }
        }
        Answer::FromTraffic { field, .. } => {
            if given.is_empty() {
                return Err(crate::tr!("learn.type_answer"));
            }
            Ok(same(field, given, right))
        }
    }
}

/// How a field's value is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Bytes in hex (a masking key): `83 33 d5 70`, `0x83333d570`, `83:33:D5:70` are one value.
    Hex,
    /// A number, with any unit after it: `130`, `130 bytes`.
    Number,
    /// Case counts (base64, an entity tag, a payload); spaces around it do not.
    Exact,
    /// Words where case means nothing (most header values, reasons, methods).
    Text,
}

/// Fields whose case is part of the value.
const CASE_COUNTS: &[&str] = &[
    "headers.sec-websocket-accept",
    "headers.sec-websocket-key",
    "ws_accept.key",
    "ws_accept.expected",
    "headers.etag",
    "headers.if-none-match",
    "headers.cookie",
    "headers.set-cookie",
    "headers.location",
    "target",
    "text",
    "data",
    "id",
    "close_reason",
];

fn kind(field: &str, right: &str) -> Kind {
    let f = field.to_ascii_lowercase();
    if f == "mask_key" || f.ends_with(".mask_key") {
        Kind::Hex
    } else if right.trim().parse::<f64>().is_ok() {
        Kind::Number
    } else if CASE_COUNTS.contains(&f.as_str()) {
        Kind::Exact
    } else {
        Kind::Text
    }
}

/// Whether the typed `given` is the value `right` of `field`.
pub fn same(field: &str, given: &str, right: &str) -> bool {
    let k = kind(field, right);
    if k == Kind::Number {
        return number(given).is_some() && number(given) == number(right);
    }
    let (g, r) = (normalise(k, given), normalise(k, right));
    !g.is_empty() && g == r
}

/// The leading number of `s` (`130 bytes` is 130).
fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

fn normalise(k: Kind, s: &str) -> String {
    match k {
        Kind::Hex => hex(s).unwrap_or_else(|| s.trim().to_ascii_lowercase()),
        Kind::Number => s.trim().to_string(),
        Kind::Exact => words(s),
        Kind::Text => words(s).to_lowercase(),
    }
}

/// Runs of spaces made one; none around commas (`a, b` is `a,b`); quotes around it dropped.
fn words(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .filter(|x| !x.contains('"'))
        .unwrap_or(s);
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.replace(", ", ",").replace(" ,", ",")
}

/// Hex digits of `s` without `0x` / `\x` prefixes and separators (space, `:`, `-`, `,`),
/// lowercase; None when something else is left or the digits make no whole bytes.
fn hex(s: &str) -> Option<String> {
    let mut out = String::new();
    for group in s.split(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | ',')) {
        let g = group
            .strip_prefix("0x")
            .or_else(|| group.strip_prefix("0X"))
            .or_else(|| group.strip_prefix("\\x"))
            .unwrap_or(group);
        if !g.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        out.push_str(&g.to_ascii_lowercase());
    }
    (!out.is_empty() && out.len().is_multiple_of(2)).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::model::{Matcher, Pos};

    fn typed(field: &str) -> Question {
        Question {
            ask: "?".into(),
            answer: Answer::FromTraffic {
                event: Matcher {
                    kind: "ws_frame".into(),
                    fields: Vec::new(),
                    pos: Pos::default(),
                },
                field: field.into(),
            },
            explain: String::new(),
            pos: Pos::default(),
        }
    }

    fn choice() -> Question {
        Question {
            ask: "?".into(),
            answer: Answer::Choice {
                choices: vec!["The server was slow".into(), "HTTP/1.0 closes".into()],
                correct: 2,
            },
            explain: String::new(),
            pos: Pos::default(),
        }
    }

    #[test]
    fn a_masking_key_typed_as_displayed_or_with_0x_or_colons_is_right() {
        let q = typed("mask_key");
        for given in [
            "83 33 d5 70",
            "8333d570",
            " 83 33 D5 70 ",
            "0x83 0x33 0xd5 0x70",
            "0x8333d570",
            "83:33:d5:70",
            "83-33-d5-70",
        ] {
            assert_eq!(judge(&q, given, "8333d570"), Ok(true), "{given:?}");
        }
        for given in ["83 33 d5 71", "8333d5", "83 33 d5 70 00", "key", "8 3"] {
            assert_eq!(judge(&q, given, "8333d570"), Ok(false), "{given:?}");
        }
    }

    #[test]
    fn case_counts_in_base64_and_not_in_a_header_token() {
        let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
        let q = typed("headers.sec-websocket-accept");
        assert_eq!(judge(&q, &format!("  {accept} "), accept), Ok(true));
        assert_eq!(judge(&q, &accept.to_lowercase(), accept), Ok(false));
        let q = typed("headers.upgrade");
        assert_eq!(judge(&q, "WebSocket", "websocket"), Ok(true));
        assert_eq!(judge(&q, "web socket", "websocket"), Ok(false));
        let q = typed("headers.connection");
        assert_eq!(
            judge(&q, "upgrade,  Keep-Alive", "Upgrade, keep-alive"),
            Ok(true)
        );
        let q = typed("headers.etag");
        assert_eq!(judge(&q, "\"v1-AbC\"", "\"v1-AbC\""), Ok(true));
        assert_eq!(judge(&q, "\"v1-abc\"", "\"v1-AbC\""), Ok(false));
    }

    #[test]
    fn numbers_compare_as_numbers_and_nothing_typed_is_no_answer() {
        let q = typed("header_bytes");
        assert_eq!(judge(&q, "130", "130"), Ok(true));
        assert_eq!(judge(&q, "130 bytes", "130"), Ok(true));
        assert_eq!(judge(&q, "131", "130"), Ok(false));
        assert_eq!(judge(&q, "many", "130"), Ok(false));
        assert!(judge(&q, "   ", "130").is_err());
    }

    #[test]
    fn a_choice_by_number_or_by_its_words() {
        let q = choice();
        assert_eq!(judge(&q, "2", "HTTP/1.0 closes"), Ok(true));
        assert_eq!(judge(&q, " 1 ", "HTTP/1.0 closes"), Ok(false));
        assert_eq!(judge(&q, "http/1.0  CLOSES", "HTTP/1.0 closes"), Ok(true));
        assert_eq!(
            judge(&q, "the server was slow", "HTTP/1.0 closes"),
            Ok(false)
        );
        assert_eq!(judge(&q, "5", "x"), Err("answer with 1-2".into()));
        assert_eq!(judge(&q, "0", "x"), Err("answer with 1-2".into()));
        assert!(judge(&q, "maybe", "x").is_err());
    }
}

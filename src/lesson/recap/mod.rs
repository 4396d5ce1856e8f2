//! The interview recap: a model answer to "what is the difference between WebSocket and
//! HTTP?" built from the numbers measured on the learner's own traffic, saying which numbers
//! are not measured yet and which lesson measures them. `duplex recap` prints it; the terminal
//! UI shows it on `i`.

mod observe;

pub use observe::observe;

use serde_json::Value as Json;

use super::model::Lesson;
use super::progress::Progress;
use super::wrap::wrap;

/// The question the recap answers, in the current language.
pub fn question() -> String {
    crate::tr!("recap.question")
}

/// Each number of the recap: its key in the progress, the catalog key saying what it is, and
/// the built-in lesson and step that measure it.
pub const SOURCES: &[(&str, &str, &str, &str)] = &[
    (
        "request_head_small",
        "recap.source.request_head_small",
        "http-anatomy",
        "head-sizes",
    ),
    (
        "request_head_large",
        "recap.source.request_head_large",
        "http-anatomy",
        "head-sizes",
    ),
    (
        "response_head",
        "recap.source.response_head",
        "http-anatomy",
        "first-request",
    ),
    ("http10", "recap.source.http10", "http10", "ten-requests"),
    ("http11", "recap.source.http11", "http10", "same-ten-http11"),
    (
        "keepalive",
        "recap.source.keepalive",
        "keep-alive",
        "idle-timeout",
    ),
    ("upgrade", "recap.source.upgrade", "ws-upgrade", "ask"),
    ("masking", "recap.source.masking", "frames", "mask"),
    (
        "bytes_per_update",
        "recap.source.bytes_per_update",
        "live-prices",
        "side-by-side",
    ),
];

/// A number not measured yet, in the text: one word, so wrapping never splits it.
const MISSING: &str = "[?]";
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The recap as paragraphs: the question, the model answer, then what is not measured yet.
/// The prose is the catalog's (`recap.*`), in the current language; the numbers are filled in.
pub fn paragraphs(p: &Progress, course: &[Lesson]) -> Vec<String> {
    let v = |key: &str, field: &str| -> Option<String> {
        match p.measured.get(key)?.value.get(field)? {
            Json::String(s) => Some(s.clone()),
            Json::Null => None,
            Json::Number(n) => Some(n.to_string()),
            other => Some(other.to_string()),
        }
    };
    let n = |key: &str, field: &str| v(key, field).unwrap_or_else(|| MISSING.to_string());
    let measured = SOURCES
        .iter()
        .filter(|s| p.measured.contains_key(s.0))
        .count();
    let note = if measured < SOURCES.len() {
        crate::tr!("recap.intro_note")
    } else {
        String::new()
    };
    let mut out = vec![
        crate::tr!("recap.heading", question = question()),
        crate::tr!(
            "recap.intro",
            measured = measured,
            total = SOURCES.len(),
            note = note
        ),
    ];
    out.push(crate::tr!(
        "recap.http",
        small = n("request_head_small", "bytes"),
        small_what = n("request_head_small", "what"),
        large = n("request_head_large", "bytes"),
        large_what = n("request_head_large", "what"),
        response = n("response_head", "bytes"),
    ));
    out.push(crate::tr!(
        "recap.connections",
        r10 = n("http10", "requests"),
        c10 = n("http10", "connections"),
        r11 = n("http11", "requests"),
        c11 = n("http11", "connections"),
    ));
    let reopened = match v("keepalive", "reopened").as_deref() {
        Some("true") => crate::tr!("recap.reopened.yes"),
        Some(_) => crate::tr!("recap.reopened.no"),
        None => crate::tr!("recap.reopened.unknown"),
    };
    out.push(crate::tr!(
        "recap.keepalive",
        secs = n("keepalive", "idle_secs"),
        reopened = reopened,
    ));
    let matched = match v("upgrade", "ok").as_deref() {
        Some("true") => crate::tr!("recap.matched.yes"),
        Some(_) => crate::tr!("recap.matched.no"),
        None => MISSING.to_string(),
    };
    out.push(crate::tr!(
        "recap.upgrade",
        key = n("upgrade", "key"),
        req = n("upgrade", "request_head"),
        res = n("upgrade", "response_head"),
        accept = n("upgrade", "accept"),
        guid = GUID,
        matched = matched,
    ));
    let key = v("masking", "key").map_or_else(|| MISSING.to_string(), |k| spaced(&k));
    let server = match (v("masking", "server_frames"), v("masking", "server_masked")) {
        (Some(f), Some(m)) if m == "0" && f == "1" => crate::tr!("recap.server.one_clear"),
        (Some(f), Some(m)) if m == "0" => crate::tr!("recap.server.none_of", f = f),
        (Some(f), Some(m)) => crate::tr!("recap.server.some", m = m, f = f),
        _ => crate::tr!("recap.server.unknown"),
    };
    out.push(crate::tr!(
        "recap.frames",
        header = n("masking", "header_bytes"),
        payload = n("masking", "payload_bytes"),
        key = key,
        server = server,
    ));
    let per = |via: &str| n("bytes_per_update", via);
    out.push(crate::tr!(
        "recap.push",
        ws = per("ws"),
        poll = per("poll"),
        poll_new = per("poll-new"),
        long_poll = per("long-poll"),
        sse = per("sse"),
    ));
    out.push(crate::tr!("recap.choose"));
    let missing: Vec<String> = SOURCES
        .iter()
        .filter(|s| !p.measured.contains_key(s.0))
        .map(|(_, what, lesson, step)| {
            crate::tr!(
                "recap.missing_item",
                what = crate::i18n::lookup(what, crate::lang::current()),
                place = where_(course, lesson, step),
            )
        })
        .collect();
    if missing.is_empty() {
        out.push(crate::tr!("recap.all_measured"));
    } else {
        out.push(crate::tr!("recap.missing_head", n = missing.len()));
        out.extend(missing);
    }
    out
}

/// `lesson 2, step "Ten requests" (`duplex learn http10`)`.
fn where_(course: &[Lesson], id: &str, step: &str) -> String {
    let Some(l) = course.iter().find(|l| l.id == id) else {
        return crate::tr!("recap.where.absent", id = id);
    };
    let n = course.iter().position(|x| x.id == id).unwrap_or(0) + 1;
    match l.steps.iter().find(|s| s.id == step) {
        Some(s) => crate::tr!("recap.where.step", n = n, title = s.title, id = id),
        None => crate::tr!("recap.where.lesson", n = n, id = id),
    }
}

/// `8333d570` as `83 33 d5 70`, as the frame's bytes are shown.
fn spaced(hex: &str) -> String {
    let b = hex.as_bytes();
    b.chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The recap as plain text, each line within `width` columns.
pub fn plain(p: &Progress, course: &[Lesson], width: usize) -> String {
    let mut out = Vec::new();
    for para in paragraphs(p, course) {
        let (first, indent) = if para.starts_with("- ") {
            ("", "  ")
        } else if para.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            ("", "   ")
        } else {
            ("", "")
        };
        if !para.starts_with("- ") {
            out.push(String::new());
        }
        out.extend(wrap(&para, width, first, indent));
    }
    let mut s = out.join("\n");
    s.push('\n');
    s.trim_start().to_string()
}

#[cfg(test)]
mod zh_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_is_a_step_of_the_built_in_course() {
        let cat = crate::lesson::load::catalog(None);
        for (key, _, lesson, step) in SOURCES {
            let l = cat.lessons.iter().find(|l| l.id == *lesson);
            let found = l.is_some_and(|l| l.steps.iter().any(|s| s.id == *step));
            assert!(
                found,
                "{key}: no step {lesson}/{step} in the built-in course"
            );
        }
    }

    #[test]
    fn with_nothing_measured_it_says_so_and_names_the_lessons() {
        let cat = crate::lesson::load::catalog(None);
        let text = plain(&Progress::default(), &cat.lessons, 80);
        assert!(text.contains("0 of 9 measured"), "{text}");
        assert!(text.contains("Not measured yet (9)"), "{text}");
        assert!(text.contains("`duplex learn http10`"), "{text}");
        assert!(text.contains("`duplex learn keep-alive`"), "{text}");
        use unicode_width::UnicodeWidthStr;
        assert!(text.lines().all(|l| l.width() <= 80), "{text}");
    }
}

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

pub const QUESTION: &str = "What is the difference between WebSocket and HTTP?";

/// Each number of the recap: its key in the progress, what it is, and the built-in lesson and
/// step that measure it.
pub const SOURCES: &[(&str, &str, &str, &str)] = &[
    (
        "request_head_small",
        "the size of a small request head",
        "http-anatomy",
        "head-sizes",
    ),
    (
        "request_head_large",
        "the size of a large request head",
        "http-anatomy",
        "head-sizes",
    ),
    (
        "response_head",
        "the size of a response head",
        "http-anatomy",
        "first-request",
    ),
    (
        "http10",
        "connections per request with HTTP/1.0",
        "http10",
        "ten-requests",
    ),
    (
        "http11",
        "connections per request with HTTP/1.1",
        "http10",
        "same-ten-http11",
    ),
    (
        "keepalive",
        "the keep-alive idle timeout",
        "keep-alive",
        "idle-timeout",
    ),
    (
        "upgrade",
        "the 101 and its Sec-WebSocket-Accept",
        "ws-upgrade",
        "ask",
    ),
    (
        "masking",
        "a client frame's header and mask",
        "frames",
        "mask",
    ),
    (
        "bytes_per_update",
        "bytes per price update",
        "live-prices",
        "side-by-side",
    ),
];

/// A number not measured yet, in the text: one word, so wrapping never splits it.
const MISSING: &str = "[?]";
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The recap as paragraphs: the question, the model answer, then what is not measured yet.
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
    let mut out = vec![
        format!("The interview recap: \"{QUESTION}\""),
        format!(
            "A model answer, in numbers measured on your own traffic ({measured} of {} measured \
             so far{}).",
            SOURCES.len(),
            if measured < SOURCES.len() {
                "; [?] marks a number not measured yet, and the end says which lesson measures it"
            } else {
                ""
            }
        ),
    ];
    out.push(format!(
        "1. HTTP is request and response: the client always speaks first, and every request and \
         every response starts with a head of text. Your smallest request head was {} bytes ({}), \
         your largest {} bytes ({}); the server's smallest response head was {} bytes.",
        n("request_head_small", "bytes"),
        n("request_head_small", "what"),
        n("request_head_large", "bytes"),
        n("request_head_large", "what"),
        n("response_head", "bytes"),
    ));
    out.push(format!(
        "2. A request does not need a connection of its own. With HTTP/1.0, {} requests opened {} \
         TCP connections; with HTTP/1.1, {} requests used {}: persistence is the default in 1.1, \
         with no header at all.",
        n("http10", "requests"),
        n("http10", "connections"),
        n("http11", "requests"),
        n("http11", "connections"),
    ));
    let reopened = match v("keepalive", "reopened").as_deref() {
        Some("true") => "the next request had to open a new connection",
        Some(_) => "a request after it would need a new connection",
        None => "the next request then needs a new connection",
    };
    out.push(format!(
        "3. A kept connection does not live for ever: the server closed an idle one after {} \
         seconds of silence (its keep-alive timeout), and {reopened}.",
        n("keepalive", "idle_secs"),
    ));
    let matched = match v("upgrade", "ok").as_deref() {
        Some("true") => "and it matched",
        Some(_) => "and it did NOT match",
        None => MISSING,
    };
    out.push(format!(
        "4. A WebSocket begins as one HTTP request on a TCP connection: a GET with `Upgrade: \
         websocket` and `Sec-WebSocket-Key: {}` ({} bytes of head). The server answered `101 \
         Switching Protocols` ({} bytes of head) with `Sec-WebSocket-Accept: {}`: the key plus the \
         GUID {GUID}, hashed with SHA-1, in base64, {matched}. After the 101 the same connection \
         carries WebSocket frames, not HTTP messages.",
        n("upgrade", "key"),
        n("upgrade", "request_head"),
        n("upgrade", "response_head"),
        n("upgrade", "accept"),
    ));
    let key = v("masking", "key").map_or_else(|| MISSING.to_string(), |k| spaced(&k));
    let server = match (v("masking", "server_frames"), v("masking", "server_masked")) {
        (Some(f), Some(m)) if m == "0" && f == "1" => "the server's frame was not".to_string(),
        (Some(f), Some(m)) if m == "0" => format!("none of the server's {f} frames was"),
        (Some(f), Some(m)) => format!("{m} of the server's {f} frames were"),
        _ => "the server's frames are not".to_string(),
    };
    out.push(format!(
        "5. Frames are small and say their own length: a client frame had {} bytes of header for \
         {} bytes of payload, masked with the key {key} (a client must mask every frame); {server}: a server never masks.",
        n("masking", "header_bytes"),
        n("masking", "payload_bytes"),
    ));
    let per = |via: &str| n("bytes_per_update", via);
    out.push(format!(
        "6. Both sides can send at any time (full duplex), so the server pushes: a price update cost \
         {} bytes over WebSocket, against {} polling on one kept connection and {} polling with a \
         new connection each time (long polling {}, Server-Sent Events {}).",
        per("ws"),
        per("poll"),
        per("poll-new"),
        per("long-poll"),
        per("sse"),
    ));
    out.push(
        "7. So: WebSocket for frequent updates in both directions (prices, games, chat); plain \
         HTTP for data fetched once or rarely, where one request and caching win. Either way an \
         idle connection can be closed by the server or by a proxy in between, which is why \
         WebSocket applications send pings as heartbeats."
            .to_string(),
    );
    let missing: Vec<String> = SOURCES
        .iter()
        .filter(|s| !p.measured.contains_key(s.0))
        .map(|(_, what, lesson, step)| format!("- {what}: {}", where_(course, lesson, step)))
        .collect();
    if missing.is_empty() {
        out.push("Every number above was measured on your machine.".to_string());
    } else {
        out.push(format!(
            "Not measured yet ({}), and the lesson step that measures each:",
            missing.len()
        ));
        out.extend(missing);
    }
    out
}

/// `lesson 2 "HTTP/1.0: one connection per request", step "Ten requests" (duplex learn http10)`.
fn where_(course: &[Lesson], id: &str, step: &str) -> String {
    let Some(l) = course.iter().find(|l| l.id == id) else {
        return format!("lesson `{id}` (not in this course)");
    };
    let n = course.iter().position(|x| x.id == id).unwrap_or(0) + 1;
    match l.steps.iter().find(|s| s.id == step) {
        Some(s) => format!("lesson {n}, step \"{}\" (`duplex learn {id}`)", s.title),
        None => format!("lesson {n} (`duplex learn {id}`)"),
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

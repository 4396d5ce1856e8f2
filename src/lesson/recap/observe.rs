//! The numbers of the interview recap, read from a step's own live traffic (never a replayed
//! capture) as the step runs, and kept with the progress.

use serde_json::{Value as Json, json};

use crate::lesson::model::{ActionKind, Lesson, TickerVia};
use crate::lesson::progress::{Measured, Progress};
use crate::lesson::run::StepReport;
use crate::lesson::run::log::Entry;

/// Reads what step `i` of `lesson` measured into `p.measured`; true when something changed.
pub fn observe(lesson: &Lesson, i: usize, r: &StepReport, p: &mut Progress) -> bool {
    let Some(step) = lesson.steps.get(i) else {
        return false;
    };
    let live: Vec<&Entry> = r.events.iter().filter(|e| !e.replayed).collect();
    let mut found: Vec<(&str, Json)> = Vec::new();
    heads(&live, &mut found);
    versions(&live, &mut found);
    upgrade(&live, &mut found);
    masking(&live, &mut found);
    timeout(&live, &mut found);
    per_update(lesson, r, &mut found);
    let before = p.measured.clone();
    for (key, value) in found {
        let keep = match (key, p.measured.get(key)) {
            (_, None) => true,
            ("request_head_small" | "response_head", Some(old)) => {
                num(&value, "bytes") <= num(&old.value, "bytes")
            }
            ("request_head_large", Some(old)) => num(&value, "bytes") >= num(&old.value, "bytes"),
            // The best reuse seen: 1.1 can reuse, a client may still choose not to.
            ("http11", Some(old)) => per_conn(&value) >= per_conn(&old.value),
            ("bytes_per_update", Some(old)) => {
                let mut merged = old.value.clone();
                if let (Some(m), Some(new)) = (merged.as_object_mut(), value.as_object()) {
                    m.extend(new.clone());
                }
                p.measured.insert(key.into(), at(lesson, &step.id, merged));
                continue;
            }
            _ => true,
        };
        if keep {
            p.measured.insert(key.into(), at(lesson, &step.id, value));
        }
    }
    p.measured != before
}

fn at(lesson: &Lesson, step: &str, value: Json) -> Measured {
    Measured {
        value,
        lesson: lesson.id.clone(),
        step: step.to_string(),
    }
}

fn num(v: &Json, k: &str) -> f64 {
    v.get(k).and_then(Json::as_f64).unwrap_or(f64::NAN)
}

fn per_conn(v: &Json) -> f64 {
    num(v, "requests") / num(v, "connections").max(1.0)
}

fn kind(e: &Entry) -> &str {
    e.json.get("kind").and_then(Json::as_str).unwrap_or("")
}

fn header<'a>(e: &'a Entry, name: &str) -> Option<&'a str> {
    e.json.get("headers")?.as_array()?.iter().find_map(|h| {
        let (n, v) = (h.get(0)?.as_str()?, h.get(1)?.as_str()?);
        n.eq_ignore_ascii_case(name).then_some(v)
    })
}

fn has_token(e: &Entry, name: &str, token: &str) -> bool {
    header(e, name).is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

fn u(e: &Entry, k: &str) -> u64 {
    e.json.get(k).and_then(Json::as_u64).unwrap_or(0)
}

fn s<'a>(e: &'a Entry, k: &str) -> &'a str {
    e.json.get(k).and_then(Json::as_str).unwrap_or("")
}

/// The smallest and the largest request head, the smallest 2xx response head.
fn heads(live: &[&Entry], found: &mut Vec<(&str, Json)>) {
    let requests: Vec<&&Entry> = live.iter().filter(|e| kind(e) == "http_request").collect();
    let what = |e: &Entry| {
        let n = e
            .json
            .get("headers")
            .and_then(Json::as_array)
            .map_or(0, Vec::len);
        json!({ "bytes": u(e, "header_bytes"), "what": format!("{} {}", s(e, "method"), s(e, "target")), "headers": n })
    };
    if let Some(e) = requests.iter().min_by_key(|e| u(e, "header_bytes")) {
        found.push(("request_head_small", what(e)));
    }
    if let Some(e) = requests.iter().max_by_key(|e| u(e, "header_bytes")) {
        found.push(("request_head_large", what(e)));
    }
    let ok = live
        .iter()
        .filter(|e| kind(e) == "http_response" && (200..300).contains(&u(e, "status")));
    if let Some(e) = ok.min_by_key(|e| u(e, "header_bytes")) {
        found.push((
            "response_head",
            json!({ "bytes": u(e, "header_bytes"), "status": u(e, "status") }),
        ));
    }
}

/// Requests and the connections they used: HTTP/1.0 without keep-alive, HTTP/1.1 plain
/// requests (no upgrade, no `Connection: close`), per label, two requests or more.
fn versions(live: &[&Entry], found: &mut Vec<(&str, Json)>) {
    for (key, version) in [("http10", "HTTP/1.0"), ("http11", "HTTP/1.1")] {
        let mut groups: Vec<(Option<&str>, Vec<u64>)> = Vec::new();
        for e in live
            .iter()
            .filter(|e| kind(e) == "http_request" && s(e, "version") == version)
        {
            let plain = if version == "HTTP/1.0" {
                !has_token(e, "connection", "keep-alive")
            } else {
                header(e, "sec-websocket-key").is_none() && !has_token(e, "connection", "close")
            };
            if !plain {
                continue;
            }
            let label = e.label.as_deref();
            match groups.iter_mut().find(|(l, _)| *l == label) {
                Some((_, conns)) => conns.push(u(e, "conn")),
                None => groups.push((label, vec![u(e, "conn")])),
            }
        }
        let best = groups
            .iter()
            .filter(|(_, c)| c.len() >= 2)
            .map(|(_, c)| {
                let mut d = c.clone();
                d.sort_unstable();
                d.dedup();
                json!({ "requests": c.len(), "connections": d.len() })
            })
            .max_by(|a, b| per_conn(a).total_cmp(&per_conn(b)));
        if let Some(v) = best {
            found.push((key, v));
        }
    }
}

/// The 101 and its `Sec-WebSocket-Accept`, with the key of the request it answers.
fn upgrade(live: &[&Entry], found: &mut Vec<(&str, Json)>) {
    let Some(res) = live.iter().find(|e| {
        kind(e) == "http_response" && u(e, "status") == 101 && e.json.get("ws_accept").is_some()
    }) else {
        return;
    };
    let check = &res.json["ws_accept"];
    let conn = u(res, "conn");
    let req = live.iter().find(|e| {
        kind(e) == "http_request"
            && u(e, "conn") == conn
            && header(e, "sec-websocket-key").is_some()
    });
    found.push((
        "upgrade",
        json!({
            "key": check.get("key").cloned().unwrap_or(Json::Null),
            "accept": header(res, "sec-websocket-accept"),
            "ok": check.get("ok").and_then(Json::as_bool).unwrap_or(false),
            "request_head": req.map(|e| u(e, "header_bytes")),
            "response_head": u(res, "header_bytes"),
            "conn": conn,
        }),
    ));
}

/// A client frame's mask, and whether the server's frames of the step were masked.
fn masking(live: &[&Entry], found: &mut Vec<(&str, Json)>) {
    let frames = live.iter().filter(|e| kind(e) == "ws_frame");
    let Some(c) = frames
        .clone()
        .find(|e| s(e, "dir") == "c2s" && e.json.get("mask_key").is_some())
    else {
        return;
    };
    let server: Vec<_> = frames.filter(|e| s(e, "dir") == "s2c").collect();
    let masked = server
        .iter()
        .filter(|e| e.json.get("masked") == Some(&Json::Bool(true)))
        .count();
    found.push((
        "masking",
        json!({
            "key": s(c, "mask_key"),
            "header_bytes": u(c, "header_bytes"),
            "payload_bytes": u(c, "payload_bytes"),
            "server_frames": server.len(),
            "server_masked": masked,
        }),
    ));
}

/// An idle keep-alive connection the server closed: how long it was idle, and whether a new
/// connection came after.
fn timeout(live: &[&Entry], found: &mut Vec<(&str, Json)>) {
    let t = |e: &Entry| e.json.get("t").and_then(Json::as_f64).unwrap_or(0.0);
    let Some((i, close)) = live
        .iter()
        .enumerate()
        .find(|(_, e)| kind(e) == "tcp_close" && s(e, "how") == "timeout")
    else {
        return;
    };
    let conn = u(close, "conn");
    let Some(last) = live[..i].iter().rev().find(|e| u(e, "conn") == conn) else {
        return;
    };
    let reopened = live[i..].iter().any(|e| kind(e) == "tcp_open");
    let idle = ((t(close) - t(last)) * 100.0).round() / 100.0;
    found.push((
        "keepalive",
        json!({ "idle_secs": idle, "reopened": reopened }),
    ));
}

/// Bytes per update from a step's table, named by how each row's ticker received them.
fn per_update(lesson: &Lesson, r: &StepReport, found: &mut Vec<(&str, Json)>) {
    let Some(t) = &r.table else {
        return;
    };
    let Some(col) = t
        .metrics
        .iter()
        .position(|m| m.name() == "bytes_per_update")
    else {
        return;
    };
    let mut out = serde_json::Map::new();
    for (label, vals) in &t.rows {
        let via = lesson
            .steps
            .iter()
            .flat_map(|s| &s.actions)
            .find_map(|a| match &a.kind {
                ActionKind::Ticker { via, .. } if a.label.as_deref() == Some(label) => Some(*via),
                _ => None,
            });
        if let (Some(via), Some(Some(v))) = (via, vals.get(col)) {
            out.insert(via_name(via).into(), json!(v.round() as i64));
        }
    }
    if !out.is_empty() {
        found.push(("bytes_per_update", Json::Object(out)));
    }
}

pub fn via_name(v: TickerVia) -> &'static str {
    match v {
        TickerVia::PollNew => "poll-new",
        TickerVia::Poll => "poll",
        TickerVia::LongPoll => "long-poll",
        TickerVia::Sse => "sse",
        TickerVia::Ws => "ws",
    }
}

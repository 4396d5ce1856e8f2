//! `[[step.action]]` tables to [`Action`]s, and which connection names exist at each point.

use std::time::Duration;

use toml::de::DeTable;

use super::super::diag::did_you_mean;
use super::super::model::{
    Action, ActionKind, DeflateOffer, Reuse, TcpEnd, TickerVia, Version, WsPayload,
};
use super::conns::{ConnKind, Scope, ended, opened, used};
use super::fields::{Ctx, Span};
use super::matcher;
use super::vocab::{ACTION_COMMON, ACTIONS, DEFLATE_PARAMS, action_names};

pub fn action(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    scope: &mut Scope,
    captures: &dyn Fn(&str) -> bool,
) -> Option<Action> {
    let kind = cx.str_field(t, span, "do", "an action", true)?;
    let Some((_, fields)) = ACTIONS.iter().find(|(n, _)| *n == kind) else {
        if let Some(v) = t.get("do") {
            cx.err_hint(
                &v.span(),
                format!("unknown action `{kind}`"),
                did_you_mean(&kind, &action_names()),
            );
        }
        return None;
    };
    let known: Vec<&str> = ACTION_COMMON.iter().chain(fields.iter()).copied().collect();
    cx.unknown_keys(t, &known, &format!("a `{kind}` action"));
    let label = cx.str_field(t, span, "label", "", false);
    if let Some(l) = &label {
        scope.labels.push(l.clone());
    }
    let what = format!("a `{kind}` action");
    if let Some(kind) = super::policy::policy(cx, t, span, &kind, &what) {
        return Some(Action {
            label,
            kind,
            pos: cx.pos(span),
        });
    }
    let kind = match kind.as_str() {
        "http" => http(cx, t, span, &what),
        "tcp_send" => {
            let conn = opened(cx, t, scope, ConnKind::Tcp, "tcp");
            let data = match (t.get("data"), t.get("hex")) {
                (Some(_), None) => cx.opt_str(t, "data", "").into_bytes(),
                (None, Some(v)) => {
                    let s = cx.opt_str(t, "hex", "");
                    hex(&s).unwrap_or_else(|| {
                        cx.err(
                            &v.span(),
                            "`hex` must be pairs of hex digits (spaces allowed)",
                        );
                        Vec::new()
                    })
                }
                _ => {
                    cx.err(
                        span,
                        "a `tcp_send` action needs exactly one of `data` or `hex`",
                    );
                    Vec::new()
                }
            };
            ActionKind::TcpSend { conn, data }
        }
        "tcp_read" => ActionKind::TcpRead {
            conn: used(cx, t, scope, ConnKind::Tcp, "tcp"),
            limit: cx.int_field(t, "limit", 1, 1 << 30).unwrap_or(1 << 20) as usize,
            timeout: secs(cx.num_field(t, "timeout", 0.0, 120.0).unwrap_or(2.0)),
        },
        "tcp_close" => ActionKind::TcpClose {
            conn: ended(cx, t, scope, ConnKind::Tcp, "tcp", "tcp_close"),
            how: end(cx, t),
        },
        "ws_connect" => ActionKind::WsConnect {
            conn: opened(cx, t, scope, ConnKind::Ws, "ws"),
            path: path(cx, t, span, &what),
            headers: headers(cx, t),
            deflate: deflate(cx, t),
            tls: cx.bool_field(t, "tls", false),
        },
        "ws_send" => ws_send(cx, t, span, scope),
        "ws_ping" => ActionKind::WsPing {
            conn: used(cx, t, scope, ConnKind::Ws, "ws"),
            payload: cx.opt_str(t, "payload", ""),
        },
        "ws_close" => ActionKind::WsClose {
            conn: ended(cx, t, scope, ConnKind::Ws, "ws", "ws_close"),
            code: cx.int_field(t, "code", 1000, 4999).unwrap_or(1000) as u16,
            reason: cx.opt_str(t, "reason", ""),
        },
        "ws_recv" => ActionKind::WsRecv {
            conn: used(cx, t, scope, ConnKind::Ws, "ws"),
            count: cx.int_field(t, "count", 1, 10_000).unwrap_or(1) as u32,
            timeout: secs(cx.num_field(t, "timeout", 0.0, 120.0).unwrap_or(5.0)),
        },
        "ws_raw" => {
            let conn = used(cx, t, scope, ConnKind::Ws, "ws");
            let data = match t.get("hex") {
                None => {
                    cx.missing(span, "hex", &what);
                    Vec::new()
                }
                Some(v) => {
                    let s = cx.opt_str(t, "hex", "");
                    match hex(&s) {
                        Some(b) if !b.is_empty() => b,
                        _ => {
                            cx.err(
                                &v.span(),
                                "`hex` must be pairs of hex digits (spaces allowed), at least one byte",
                            );
                            Vec::new()
                        }
                    }
                }
            };
            ActionKind::WsRaw { conn, data }
        }
        "ws_drop" => ActionKind::WsDrop {
            conn: ended(cx, t, scope, ConnKind::Ws, "ws", "ws_drop"),
            how: end(cx, t),
        },
        "server_drop" => ActionKind::ServerDrop {
            conn: ended(cx, t, scope, ConnKind::Ws, "ws", "server_drop"),
            how: end(cx, t),
        },
        "wait" => wait(cx, t, span),
        "ticker" => {
            let via = cx.str_field(t, span, "via", &what, true);
            let names = ["poll-new", "poll", "long-poll", "sse", "ws"];
            let via = match via.as_deref() {
                Some("poll-new") => TickerVia::PollNew,
                Some("poll") => TickerVia::Poll,
                Some("long-poll") => TickerVia::LongPoll,
                Some("sse") => TickerVia::Sse,
                Some("ws") => TickerVia::Ws,
                Some(other) => {
                    if let Some(v) = t.get("via") {
                        cx.err_hint(
                            &v.span(),
                            format!("`via` cannot be \"{other}\""),
                            did_you_mean(other, &names),
                        );
                    }
                    TickerVia::Poll
                }
                None => TickerVia::Poll,
            };
            ActionKind::Ticker {
                via,
                updates: cx.int_field(t, "updates", 1, 10_000).unwrap_or(10) as u32,
                hz: cx.int_field(t, "hz", 1, 100).unwrap_or(10) as u32,
            }
        }
        "chat_users" => {
            if t.get("count").is_none() {
                cx.missing(span, "count", &what);
            }
            let count = cx.int_field(t, "count", 1, 200).unwrap_or(1) as u32;
            scope.chat_users = scope.chat_users.saturating_add(count);
            if scope.chat_users > super::conns::CHAT_USERS_MAX {
                let at = t.get("count").map_or(span.clone(), |v| v.span());
                cx.err(
                    &at,
                    format!(
                        "this brings the lesson's simulated chat users to {}, more than {}: \
                         they stay until the lesson ends",
                        scope.chat_users,
                        super::conns::CHAT_USERS_MAX
                    ),
                );
            }
            ActionKind::ChatUsers {
                count,
                room: cx.opt_str(t, "room", "lobby"),
            }
        }
        _ => {
            // "replay", the last in ACTIONS.
            let capture = cx.req_str(t, span, "capture", &what);
            if let Some(v) = t.get("capture")
                && !capture.is_empty()
            {
                if capture.contains(['/', '\\']) || capture.starts_with('.') {
                    cx.err(
                        &v.span(),
                        format!(
                            "`capture` must be a file name in assets/captures/, found \"{capture}\""
                        ),
                    );
                } else if !captures(&capture) {
                    cx.err_hint(
                        &v.span(),
                        format!("no capture `{capture}` in assets/captures/"),
                        did_you_mean(&capture, &super::super::builtin::shipped_names()),
                    );
                }
            }
            ActionKind::Replay { capture }
        }
    };
    Some(Action {
        label,
        kind,
        pos: cx.pos(span),
    })
}

fn http(cx: &mut Ctx<'_>, t: &DeTable<'_>, span: &Span, what: &str) -> ActionKind {
    let version = match cx.choice(t, "version", &["1.0", "1.1"], "1.1") {
        "1.0" => Version::Http10,
        _ => Version::Http11,
    };
    let connection = match cx.choice(t, "connection", &["new", "pooled"], "pooled") {
        "new" => Reuse::New,
        _ => Reuse::Pooled,
    };
    let method = cx.opt_str(t, "method", "GET");
    if let Some(v) = t.get("method")
        && (method.is_empty()
            || !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_!#$%&'*+.^`|~".contains(&b)))
    {
        cx.err(
            &v.span(),
            format!("`method` must be a token like GET or POST, found \"{method}\""),
        );
    }
    ActionKind::Http {
        method,
        path: path(cx, t, span, what),
        headers: headers(cx, t),
        body: cx.opt_str(t, "body", ""),
        version,
        connection,
        repeat: cx.int_field(t, "repeat", 1, 1000).unwrap_or(1) as u32,
        tls: cx.bool_field(t, "tls", false),
    }
}

fn ws_send(cx: &mut Ctx<'_>, t: &DeTable<'_>, span: &Span, scope: &mut Scope) -> ActionKind {
    let conn = used(cx, t, scope, ConnKind::Ws, "ws");
    let forms: Vec<&str> = ["text", "binary", "fragments"]
        .into_iter()
        .filter(|k| t.get(*k).is_some())
        .collect();
    if forms.len() != 1 {
        cx.err(
            span,
            "a `ws_send` action needs exactly one of `text`, `binary` or `fragments`",
        );
    }
    if let Some(v) = t.get("opcode")
        && forms.first() != Some(&"fragments")
    {
        cx.err(&v.span(), "`opcode` goes with `fragments` only");
    }
    let payload = match forms.first().copied() {
        Some("binary") => {
            let s = cx.opt_str(t, "binary", "");
            WsPayload::Binary(hex(&s).unwrap_or_else(|| {
                if let Some(v) = t.get("binary") {
                    cx.err(
                        &v.span(),
                        "`binary` must be pairs of hex digits (spaces allowed)",
                    );
                }
                Vec::new()
            }))
        }
        Some("fragments") => {
            let parts = cx.str_list(t, "fragments").unwrap_or_default();
            if parts.len() < 2
                && let Some(v) = t.get("fragments")
            {
                cx.err(
                    &v.span(),
                    format!("`fragments` needs at least 2 parts, found {}", parts.len()),
                );
            }
            let text = cx.choice(t, "opcode", &["text", "binary"], "text") == "text";
            WsPayload::Fragments {
                text,
                parts: parts.into_iter().map(|(s, _)| s.into_bytes()).collect(),
            }
        }
        _ => WsPayload::Text(cx.opt_str(t, "text", "")),
    };
    ActionKind::WsSend { conn, payload }
}

fn wait(cx: &mut Ctx<'_>, t: &DeTable<'_>, span: &Span) -> ActionKind {
    let seconds = cx.num_field(t, "seconds", 0.0, 120.0);
    if let (Some(0.0), Some(v)) = (seconds, t.get("seconds")) {
        cx.err(
            &v.span(),
            "`seconds` must be more than 0 and at most 120, found 0",
        );
    }
    let until = t.get("until").and_then(|v| match v.get_ref().as_table() {
        Some(m) => matcher::matcher(cx, m, &v.span(), "until", None),
        None => {
            cx.wrong_type(v, "until", "a matcher table like { kind = \"ws_message\" }");
            None
        }
    });
    if t.get("seconds").is_some() == t.get("until").is_some() {
        cx.err(
            span,
            "a `wait` action needs exactly one of `seconds` or `until`",
        );
    }
    for key in ["timeout", "count"] {
        if let (Some(v), None) = (t.get(key), t.get("until")) {
            cx.err(&v.span(), format!("`{key}` goes with `until` only"));
        }
    }
    let count = cx.int_field(t, "count", 1, 10_000).unwrap_or(1) as u32;
    ActionKind::Wait {
        seconds,
        until,
        count,
        timeout: secs(cx.num_field(t, "timeout", 0.0, 120.0).unwrap_or(10.0)),
    }
}

fn path(cx: &mut Ctx<'_>, t: &DeTable<'_>, span: &Span, what: &str) -> String {
    let p = cx.req_str(t, span, "path", what);
    if let Some(v) = t.get("path")
        && v.get_ref().as_str().is_some()
    {
        if !p.starts_with('/') {
            cx.err(
                &v.span(),
                format!("`path` must start with `/`, found \"{p}\""),
            );
        } else if p.bytes().any(|b| b <= b' ' || b >= 0x7f) {
            // It goes on the request line as written: a space would end the target there.
            cx.err_hint(
                &v.span(),
                format!("`path` must be ASCII with no spaces or control characters, found {p:?}"),
                "percent-encode them: a space is %20, `é` is %C3%A9",
            );
        }
    }
    p
}

/// `deflate = true`, or a table of the offer's parameters (RFC 7692 §7.1).
fn deflate(cx: &mut Ctx<'_>, t: &DeTable<'_>) -> Option<DeflateOffer> {
    let v = t.get("deflate")?;
    if let Some(b) = v.get_ref().as_bool() {
        return b.then(DeflateOffer::default);
    }
    let Some(tab) = v.get_ref().as_table() else {
        cx.wrong_type(v, "deflate", "true, false or a table of offer parameters");
        return None;
    };
    cx.unknown_keys(tab, &DEFLATE_PARAMS, "`deflate`");
    // zlib cannot deflate with a 256-byte window, so 8 is not offered either way.
    Some(DeflateOffer {
        client_no_context_takeover: cx.bool_field(tab, "client_no_context_takeover", false),
        server_no_context_takeover: cx.bool_field(tab, "server_no_context_takeover", false),
        client_max_window_bits: cx
            .int_field(tab, "client_max_window_bits", 9, 15)
            .map(|b| b as u8),
        server_max_window_bits: cx
            .int_field(tab, "server_max_window_bits", 9, 15)
            .map(|b| b as u8),
    })
}

/// `headers = { Name = "v" }` (order as written) or `[["Name", "v"], ...]`.
fn headers(cx: &mut Ctx<'_>, t: &DeTable<'_>) -> Vec<(String, String)> {
    let Some(v) = t.get("headers") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(tab) = v.get_ref().as_table() {
        // The table is sorted by name; the spans give back the written order.
        let mut entries: Vec<_> = tab.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (k, val) in entries {
            match val.get_ref().as_str() {
                Some(s) => out.push((k.get_ref().to_string(), s.to_string())),
                None => cx.wrong_type(val, &format!("headers.{}", k.get_ref()), "a string"),
            }
        }
    } else if let Some(arr) = v.get_ref().as_array() {
        for item in arr.iter() {
            let pair = item.get_ref().as_array().and_then(|p| match &p[..] {
                [a, b] => Some((
                    a.get_ref().as_str()?.to_string(),
                    b.get_ref().as_str()?.to_string(),
                )),
                _ => None,
            });
            match pair {
                Some(p) => out.push(p),
                None => cx.err(
                    &item.span(),
                    "each header must be a pair of strings: [\"Name\", \"value\"]",
                ),
            }
        }
    } else {
        cx.wrong_type(v, "headers", "a table of names to values");
    }
    for (name, value) in &out {
        if name.is_empty()
            || name.bytes().any(|b| b <= b' ' || b == b':' || b >= 0x7f)
            || value.contains(['\r', '\n'])
        {
            cx.err(
                &v.span(),
                format!("header `{name}` is not a valid header name and value"),
            );
        }
    }
    out
}

fn end(cx: &mut Ctx<'_>, t: &DeTable<'_>) -> TcpEnd {
    match cx.choice(t, "how", &["fin", "rst"], "fin") {
        "rst" => TcpEnd::Rst,
        _ => TcpEnd::Fin,
    }
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

/// Hex digits, spaces allowed between pairs.
fn hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

//! Connection names: which actions open them, and checking that each use comes after one.

use std::collections::HashMap;

use toml::de::DeTable;

use super::super::diag::did_you_mean;
use super::fields::Ctx;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ConnKind {
    Tcp,
    Ws,
}

/// What the actions so far (in file order) have defined: connection names and labels.
#[derive(Default)]
pub struct Scope {
    pub conns: HashMap<String, ConnKind>,
    pub labels: Vec<String>,
    /// Connections an action ended, with its line and name, until one opens them again.
    pub ended: HashMap<String, (u32, &'static str)>,
    /// Simulated chat users joined so far: they stay for the whole lesson.
    pub chat_users: u32,
}

impl Scope {
    /// The connection names as they are now, for [`Scope::restore`].
    pub fn snapshot(
        &self,
    ) -> (
        HashMap<String, ConnKind>,
        HashMap<String, (u32, &'static str)>,
    ) {
        (self.conns.clone(), self.ended.clone())
    }

    /// The connection names as they were (labels and chat users stay counted).
    pub fn restore(
        &mut self,
        (conns, ended): (
            HashMap<String, ConnKind>,
            HashMap<String, (u32, &'static str)>,
        ),
    ) {
        self.conns = conns;
        self.ended = ended;
    }
}

/// Simulated chat users one lesson may have in all (each is a socket and a task for the whole
/// lesson; `chat_users` takes at most 200 at once).
pub const CHAT_USERS_MAX: u32 = 400;

/// The connection an action opens (or reuses): remembered for the actions after it.
pub fn opened(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    scope: &mut Scope,
    kind: ConnKind,
    default: &str,
) -> String {
    let name = cx.opt_str(t, "conn", default);
    match scope.conns.get(&name) {
        Some(k) if *k != kind => {
            let span = t.get("conn").map_or(0..0, |v| v.span());
            cx.err(
                &span,
                format!(
                    "connection `{name}` is {}, not {}",
                    kind_name(*k),
                    kind_name(kind)
                ),
            );
        }
        _ => {
            scope.conns.insert(name.clone(), kind);
            scope.ended.remove(&name);
        }
    }
    name
}

/// A connection an action needs open, and ends (`ws_close`, `tcp_close`, a drop).
pub fn ended(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    scope: &mut Scope,
    kind: ConnKind,
    default: &str,
    by: &'static str,
) -> String {
    let name = used(cx, t, scope, kind, default);
    let at = t.get("do").map_or(0..0, |v| v.span());
    let line = cx.pos(&at).line;
    scope.ended.entry(name.clone()).or_insert((line, by));
    name
}

/// A connection an action needs open already.
pub fn used(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    scope: &Scope,
    kind: ConnKind,
    default: &str,
) -> String {
    let name = cx.opt_str(t, "conn", default);
    let span = t
        .get("conn")
        .or_else(|| t.get("do"))
        .map_or(0..0, |v| v.span());
    if let Some((line, by)) = scope.ended.get(&name) {
        let opener = if kind == ConnKind::Ws {
            "ws_connect"
        } else {
            "tcp_send"
        };
        cx.err_hint(
            &span,
            format!("connection `{name}` was ended at line {line} by `{by}`"),
            format!("open it again first with `do = \"{opener}\"`, conn = \"{name}\""),
        );
        return name;
    }
    match scope.conns.get(&name) {
        Some(k) if *k == kind => {}
        Some(k) => cx.err(
            &span,
            format!(
                "connection `{name}` is {}, not {}",
                kind_name(*k),
                kind_name(kind)
            ),
        ),
        None => {
            let opener = if kind == ConnKind::Ws {
                "ws_connect"
            } else {
                "tcp_send"
            };
            let known: Vec<&str> = scope.conns.keys().map(String::as_str).collect();
            let hint = if known.is_empty() {
                format!("open it first with `do = \"{opener}\"`, conn = \"{name}\"")
            } else {
                format!(
                    "open it first with `do = \"{opener}\"`; {}",
                    did_you_mean(&name, &known)
                )
            };
            cx.err_hint(
                &span,
                format!("connection `{name}` is used before any action opened it"),
                hint,
            );
        }
    }
    name
}

fn kind_name(k: ConnKind) -> &'static str {
    match k {
        ConnKind::Tcp => "a raw TCP connection (`tcp_send`)",
        ConnKind::Ws => "a WebSocket (`ws_connect`)",
    }
}

//! The actions that change the lesson server's policy from now on: its keep-alive timeout, its
//! WebSocket idle timeout, the origins it takes WebSocket upgrades from.

use toml::de::DeTable;

use super::super::model::ActionKind;
use super::fields::{Ctx, Span};
use crate::net::origin::Origin;

/// The action `kind` names, if it is one of these.
pub(super) fn policy(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    kind: &str,
    what: &str,
) -> Option<ActionKind> {
    Some(match kind {
        "keepalive" => {
            if t.get("seconds").is_none() {
                cx.missing(span, "seconds", what);
            }
            ActionKind::Keepalive {
                seconds: cx.num_field(t, "seconds", 0.0, 86_400.0).unwrap_or(0.0),
                announce: cx.bool_field(t, "announce", false),
            }
        }
        "ws_idle" => {
            if t.get("seconds").is_none() {
                cx.missing(span, "seconds", what);
            }
            ActionKind::WsIdle {
                seconds: cx.num_field(t, "seconds", 0.0, 86_400.0).unwrap_or(0.0),
            }
        }
        "origins" => {
            if t.get("allow").is_none() {
                cx.missing(span, "allow", what);
            }
            let mut allow = Vec::new();
            for (s, at) in cx.str_list(t, "allow").unwrap_or_default() {
                match Origin::parse(&s) {
                    Some(o) => allow.push(o),
                    None => cx.err_hint(
                        &at,
                        format!("`allow` entry \"{s}\" is not an origin"),
                        "write scheme://host[:port] with no path, like \"http://localhost:8000\"",
                    ),
                }
            }
            ActionKind::Origins { allow }
        }
        _ => return None,
    })
}

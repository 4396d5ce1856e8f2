//! The words of the actions' lines: counts with their unit, how a TCP connection ended.

use crate::lesson::model::TcpEnd;
use crate::tr;

pub(in crate::lesson::run) fn end_name(how: TcpEnd) -> String {
    match how {
        TcpEnd::Fin => tr!("action.end_fin"),
        TcpEnd::Rst => tr!("action.end_rst"),
    }
}

/// What [`plural`] counts; English says "1 byte" and "2 bytes", Chinese has no plural.
#[derive(Clone, Copy)]
pub enum Unit {
    Bytes,
    BodyBytes,
    Users,
    Events,
    Messages,
}

/// `n` of `unit`, in words: "1 byte", "570 body bytes".
pub fn plural(n: usize, unit: Unit) -> String {
    let (one, other) = match unit {
        Unit::Bytes => ("action.bytes_one", "action.bytes_other"),
        Unit::BodyBytes => ("action.body_bytes_one", "action.body_bytes_other"),
        Unit::Users => ("action.users_one", "action.users_other"),
        Unit::Events => ("action.events_one", "action.events_other"),
        Unit::Messages => ("action.messages_one", "action.messages_other"),
    };
    let key = if n == 1 { one } else { other };
    crate::i18n::fill(
        &crate::i18n::lookup(key, crate::lang::current()),
        &[("n", n.to_string())],
    )
}

/// `s` cut to `max` characters, with an ellipsis when cut.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

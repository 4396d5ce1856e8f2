//! A task in words, for the plain transcript and the lesson screen alike: where to aim, what
//! the wire must show, how far it got, and who did it in the end.

use std::net::SocketAddr;

use super::model::Task;
use super::run::task::{TaskBy, TaskLive, TaskReport};
use crate::tr;

/// The line that gives the server's URLs, for the learner's own tools.
pub fn server(addr: Option<SocketAddr>) -> String {
    match addr {
        Some(a) => tr!(
            "task.server",
            http = format!("http://{a}"),
            ws = format!("ws://{a}")
        ),
        None => tr!("task.no_server"),
    }
}

/// What the wire must show: "1 × `ws_frame opcode 9 dir "c2s"`".
pub fn wants(t: &Task) -> String {
    let what = super::load::matcher_words(&t.until);
    match t.connections {
        Some(1) => tr!("task.wants_one_conn", n = t.count, what = what),
        Some(c) => tr!("task.wants_conns", conns = c, n = t.count, what = what),
        None => tr!("task.wants", n = t.count, what = what),
    }
}

/// While it waits: matched so far, or the solution playing.
pub fn status(live: &TaskLive) -> String {
    if live.solving {
        tr!("task.solving")
    } else {
        tr!("task.waiting", matched = live.matched, count = live.count)
    }
}

/// The hints due `secs` after the task began, plus `extra` asked for with the key.
pub fn hints_due(t: &Task, secs: f64, extra: usize) -> usize {
    let by_time = t.hints.iter().filter(|h| h.after <= secs).count();
    (by_time + extra).min(t.hints.len())
}

/// The verdict on a task: passed, and its line.
pub fn verdict(r: &TaskReport) -> (bool, String) {
    let secs = format!("{:.1}", r.secs);
    let line = match (r.ok(), r.by) {
        (true, TaskBy::Learner) => tr!(
            "task.done_by_you",
            matched = r.matched,
            count = r.count,
            s = secs
        ),
        (true, by) => tr!(
            "task.done_by_solution",
            why = why(by),
            matched = r.matched,
            count = r.count
        ),
        (false, by) => tr!(
            "task.not_done",
            why = why(by),
            matched = r.matched,
            count = r.count
        ),
    };
    (r.ok(), line)
}

fn why(by: TaskBy) -> String {
    match by {
        TaskBy::Learner => tr!("task.why_you"),
        TaskBy::Solution => tr!("task.why_auto"),
        TaskBy::GaveUp => tr!("task.why_gave_up"),
        TaskBy::TimedOut => tr!("task.why_timeout"),
    }
}

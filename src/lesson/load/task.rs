//! `[[step.task]]`: what the learner does with their own tools, the matcher the step waits on,
//! the hints, and the solution played in their place.

use std::time::Duration;

use toml::de::DeTable;

use super::super::markdown;
use super::super::model::{Hint, Task};
use super::conns::Scope;
use super::fields::{Ctx, Span};
use super::vocab::{HINT_KEYS, TASK_KEYS};
use super::{action, matcher};

/// How long a task waits, by default, before its solution plays by itself.
pub const TIMEOUT_DEFAULT: f64 = 600.0;

pub fn task(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    scope: &mut Scope,
    captures: &dyn Fn(&str) -> bool,
) -> Option<Task> {
    let what = "a task";
    cx.unknown_keys(t, TASK_KEYS, what);
    let goal = cx.req_str(t, span, "goal", what);
    if let Some(v) = t.get("goal")
        && v.get_ref().as_str().is_some()
    {
        if goal.trim().is_empty() {
            cx.err(&v.span(), "the task's `goal` is empty");
        } else if markdown::unclosed_fence(&goal).is_some() {
            cx.err_hint(
                &v.span(),
                "a code block in this `goal` is never closed",
                "end it with a line of three backticks: ```",
            );
        }
    }
    let until = match t.get("until") {
        None => {
            cx.err_hint(
                span,
                "missing required field `until` in a task",
                "the matcher the wire must show, e.g. until = { kind = \"ws_frame\", opcode = \"ping\", dir = \"c2s\" }",
            );
            None
        }
        Some(v) => match v.get_ref().as_table() {
            Some(m) => matcher::matcher(cx, m, &v.span(), "until", None),
            None => {
                cx.wrong_type(v, "until", "a matcher table like { kind = \"ws_message\" }");
                None
            }
        },
    };
    let count = cx.int_field(t, "count", 1, 10_000).unwrap_or(1) as u32;
    let connections = cx.int_field(t, "connections", 1, 1_000).map(|n| n as u32);
    let timeout = cx
        .num_field(t, "timeout", 10.0, 3600.0)
        .unwrap_or(TIMEOUT_DEFAULT);
    let mut hints = Vec::new();
    if let Some(v) = t.get("hints") {
        match v.get_ref().as_array() {
            None => cx.wrong_type(v, "hints", "an array like [{ after = 20, text = \"...\" }]"),
            Some(arr) => {
                let mut last = 0.0;
                for item in arr.iter() {
                    let Some(h) = item.get_ref().as_table() else {
                        cx.wrong_type(item, "hints", "a table { after = SECONDS, text = \"...\" }");
                        continue;
                    };
                    cx.unknown_keys(h, HINT_KEYS, "a hint");
                    let text = cx.req_str(h, &item.span(), "text", "a hint");
                    if h.get("text")
                        .is_some_and(|x| x.get_ref().as_str().is_some())
                        && text.trim().is_empty()
                    {
                        cx.err(&item.span(), "the hint's `text` is empty");
                    }
                    if h.get("after").is_none() {
                        cx.missing(&item.span(), "after", "a hint");
                    }
                    let after = cx.num_field(h, "after", 0.0, 3600.0).unwrap_or(0.0);
                    if after < last {
                        let at = h.get("after").map_or(item.span(), |x| x.span());
                        cx.err(
                            &at,
                            format!("hints come in order of `after`: {after} is before {last}"),
                        );
                    }
                    last = after;
                    hints.push(Hint { after, text });
                }
            }
        }
    }
    // The solution's connections are its own: when the learner does the task, it never runs.
    let before = scope.snapshot();
    let solution: Vec<_> = cx
        .tables(t, "solution")
        .into_iter()
        .filter_map(|(a, s)| action::action(cx, a, &s, scope, captures))
        .collect();
    scope.restore(before);
    if solution.is_empty() && t.get("solution").is_none() {
        cx.err_hint(
            span,
            "a task needs a solution",
            "add `[[step.task.solution]]` actions that do the task: `check --run` and \
             `learn --auto` play them",
        );
    }
    Some(Task {
        goal,
        until: until?,
        count,
        connections,
        timeout: Duration::try_from_secs_f64(timeout).unwrap_or_default(),
        hints,
        solution,
        pos: cx.pos(span),
    })
}

//! A lesson file's text to a checked [`Lesson`], or every problem in it with its place.

mod action;
mod catalog;
pub mod conns;
mod controls;
mod expect;
mod fields;
mod matcher;
mod policy;
mod question;
mod task;
mod translate;
pub mod translation;
pub mod vocab;

use std::collections::HashMap;

use toml::de::DeTable;

pub use super::diag::Diagnostic;
use super::diag::did_you_mean;
use super::markdown;
use super::model::{Lesson, Pos, Step};
pub use catalog::{Catalog, catalog, lessons_dir_from_env, load_paths};
pub(crate) use expect::matcher_words;
use fields::{Ctx, Span};
use vocab::{CLAIMS, LESSON_KEYS, STEP_KEYS};

/// Parses one lesson file. `file` names it in messages; `captures(name)` says whether a capture
/// named by a `replay` action exists.
pub fn parse_lesson(
    file: &str,
    text: &str,
    captures: &dyn Fn(&str) -> bool,
) -> Result<Lesson, Vec<Diagnostic>> {
    parse_with_pos(file, text, captures).map(|(l, _)| l)
}

/// As [`parse_lesson`], with where the `id` was written (for duplicate ids across files).
pub(crate) fn parse_with_pos(
    file: &str,
    text: &str,
    captures: &dyn Fn(&str) -> bool,
) -> Result<(Lesson, Pos), Vec<Diagnostic>> {
    let mut cx = Ctx::new(file, text);
    let Some(doc) = cx.parse() else {
        return Err(cx.diags);
    };
    let root = doc.get_ref();
    let whole = 0..0;
    cx.unknown_keys(root, LESSON_KEYS, "the lesson");
    controls::flag(&mut cx, root);
    let what = "the lesson";
    let id = cx.req_str(root, &whole, "id", what);
    let id_span = root.get("id").map_or(whole.clone(), |v| v.span());
    if root
        .get("id")
        .is_some_and(|v| v.get_ref().as_str().is_some())
        && (id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        cx.err(
            &id_span,
            format!("`id` must be lowercase letters, digits and dashes, found \"{id}\""),
        );
    }
    let title = non_empty(&mut cx, root, &whole, "title", what);
    let summary = non_empty(&mut cx, root, &whole, "summary", what);
    if summary.contains('\n') {
        let span = root.get("summary").map_or(whole.clone(), |v| v.span());
        cx.err(&span, "`summary` must be one line");
    }
    if root.get("order").is_none() {
        cx.missing(&whole, "order", what);
    }
    let order = cx.int_field(root, "order", 1, 9999).unwrap_or(1) as u32;
    let part = cx.opt_str(root, "part", "");

    let mut scope = conns::Scope::default();
    let mut label_refs: Vec<(String, Span)> = Vec::new();
    let mut step_ids: HashMap<String, Pos> = HashMap::new();
    let mut steps = Vec::new();
    let step_tables = cx.tables(root, "step");
    // No `step` at all, or `step = []`; a `step` of the wrong type was reported just above.
    let no_steps = root.get("step").is_none_or(|v| {
        v.get_ref()
            .as_array()
            .is_some_and(|a| a.iter().next().is_none())
    });
    if no_steps {
        let at = root.get("step").map_or(whole.clone(), |v| v.span());
        cx.err_hint(
            &at,
            "the lesson has no steps",
            "add at least one `[[step]]`",
        );
    }
    for (t, span) in step_tables {
        let s = step(&mut cx, t, &span, &mut scope, &mut label_refs, captures);
        if let Some(v) = t.get("id")
            && !s.id.is_empty()
        {
            let here = cx.pos(&v.span());
            if let Some(first) = step_ids.get(&s.id) {
                cx.err(
                    &v.span(),
                    format!(
                        "duplicate step id `{}` (first used at line {})",
                        s.id, first.line
                    ),
                );
            } else {
                step_ids.insert(s.id.clone(), here);
            }
        }
        steps.push(s);
    }
    for (label, span) in label_refs {
        if !scope.labels.contains(&label) {
            let known: Vec<&str> = scope.labels.iter().map(String::as_str).collect();
            let hint = if known.is_empty() {
                "no action in this lesson has a `label`".to_string()
            } else {
                did_you_mean(&label, &known)
            };
            cx.err_hint(
                &span,
                format!("no action in this lesson has the label `{label}`"),
                hint,
            );
        }
    }
    if !cx.diags.is_empty() {
        // In the order they are written, whatever part of the loader found them.
        cx.diags.sort_by_key(|d| (d.pos.line, d.pos.col));
        return Err(cx.diags);
    }
    let pos = cx.pos(&id_span);
    Ok((
        Lesson {
            id,
            title,
            summary,
            order,
            part,
            steps,
            source: file.to_string(),
        },
        pos,
    ))
}

fn non_empty(cx: &mut Ctx<'_>, t: &DeTable<'_>, span: &Span, key: &str, what: &str) -> String {
    let s = cx.req_str(t, span, key, what);
    if let Some(v) = t.get(key)
        && v.get_ref().as_str().is_some()
        && s.trim().is_empty()
    {
        cx.err(&v.span(), format!("`{key}` is empty"));
    }
    s
}

fn step(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    scope: &mut conns::Scope,
    labels: &mut Vec<(String, Span)>,
    captures: &dyn Fn(&str) -> bool,
) -> Step {
    cx.unknown_keys(t, STEP_KEYS, "a step");
    let what = "a step";
    let id = non_empty(cx, t, span, "id", what);
    let title = non_empty(cx, t, span, "title", what);
    let text = cx.req_str(t, span, "text", what);
    if let Some(v) = t.get("text")
        && v.get_ref().as_str().is_some()
    {
        if text.trim().is_empty() {
            cx.err(&v.span(), "the narration `text` is empty");
        } else if let Some(line) = markdown::unclosed_fence(&text) {
            let at = text_line_span(cx.text, &v.span(), line);
            cx.err_hint(
                &at,
                "this code block is never closed",
                "end it with a line of three backticks: ```",
            );
        }
    }
    let mut claims = Vec::new();
    for (c, s) in cx.str_list(t, "claims").unwrap_or_default() {
        if CLAIMS.contains(&c.as_str()) {
            claims.push(c);
        } else {
            cx.err_hint(
                &s,
                format!("unknown claim `{c}`"),
                format!(
                    "claims are C1..C18 of CLAIMS.md; {}",
                    did_you_mean(&c, CLAIMS)
                ),
            );
        }
    }
    let actions = cx
        .tables(t, "action")
        .into_iter()
        .filter_map(|(a, s)| action::action(cx, a, &s, scope, captures))
        .collect();
    let expects = cx
        .tables(t, "expect")
        .into_iter()
        .filter_map(|(e, s)| expect::expect(cx, e, &s, labels))
        .collect();
    let questions = cx
        .tables(t, "question")
        .into_iter()
        .filter_map(|(q, s)| question::question(cx, q, &s))
        .collect();
    let tasks = cx
        .tables(t, "task")
        .into_iter()
        .filter_map(|(x, s)| task::task(cx, x, &s, scope, captures))
        .collect();
    let table = cx
        .table(t, "table")
        .and_then(|(tab, s)| question::table(cx, tab, &s, labels));
    Step {
        id,
        title,
        text,
        claims,
        actions,
        expects,
        questions,
        tasks,
        table,
        pos: cx.pos(span),
    }
}

/// Where line `line` (0-based) of a string value starts in the file. Multi-line strings drop
/// the newline right after their opening quotes, as TOML says.
fn text_line_span(text: &str, span: &Span, line: usize) -> Span {
    let raw = text.get(span.clone()).unwrap_or("");
    let mut start = span.start;
    if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        start += 3;
        let rest = &raw[3..];
        if rest.starts_with("\r\n") {
            start += 2;
        } else if rest.starts_with('\n') {
            start += 1;
        }
    } else {
        start += 1;
    }
    let body = text.get(start..span.end).unwrap_or("");
    let off = body
        .match_indices('\n')
        .nth(line.wrapping_sub(1))
        .map_or(0, |(i, _)| i + 1);
    let at = if line == 0 { start } else { start + off };
    at..at
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod translate_tests;

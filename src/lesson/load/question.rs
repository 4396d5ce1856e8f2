//! `[[step.question]]` and `[step.table]`.

use toml::de::DeTable;

use super::super::diag::did_you_mean;
use super::super::model::{Answer, Question, Table};
use super::expect::metric_named;
use super::fields::{Ctx, Span};
use super::matcher::{field_known, matcher_at};
use super::vocab::{EVENT_COMMON, QUESTION_KEYS, TABLE_KEYS, event_fields};

pub fn question(cx: &mut Ctx<'_>, t: &DeTable<'_>, span: &Span) -> Option<Question> {
    cx.unknown_keys(t, QUESTION_KEYS, "a question");
    let what = "a question";
    let ask = cx.req_str(t, span, "ask", what);
    let explain = cx.req_str(t, span, "explain", what);
    let answer = match (t.get("choices"), t.get("answer_from")) {
        (Some(cv), None) => {
            let choices: Vec<String> = cx
                .str_list(t, "choices")
                .unwrap_or_default()
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            if !(2..=6).contains(&choices.len()) {
                cx.err(
                    &cv.span(),
                    format!(
                        "`choices` must have 2 to 6 entries, found {}",
                        choices.len()
                    ),
                );
            }
            if t.get("answer").is_none() {
                cx.missing(span, "answer", what);
            }
            let hi = choices.len().max(1) as i64;
            let correct = cx.int_field(t, "answer", 1, hi).unwrap_or(1) as usize;
            Answer::Choice { choices, correct }
        }
        (None, Some(_)) => {
            if let Some(v) = t.get("answer") {
                cx.err(
                    &v.span(),
                    "`answer` goes with `choices`; `answer_from` reads the answer from the traffic",
                );
            }
            let (af, af_span) = cx.table(t, "answer_from")?;
            cx.unknown_keys(af, &["event", "field"], "`answer_from`");
            let event = matcher_at(cx, af, "event", None);
            if af.get("event").is_none() {
                cx.missing(&af_span, "event", "`answer_from`");
            }
            let field = cx.req_str(af, &af_span, "field", "`answer_from`");
            if let (Some(m), Some(v)) = (&event, af.get("field"))
                && v.get_ref().as_str().is_some()
            {
                let own = event_fields(&m.kind).unwrap_or(&[]);
                if !field_known(&field, own) {
                    let valid: Vec<&str> = EVENT_COMMON.iter().chain(own.iter()).copied().collect();
                    cx.err_hint(
                        &v.span(),
                        format!("`{}` events have no field `{field}`", m.kind),
                        did_you_mean(&field, &valid),
                    );
                }
            }
            Answer::FromTraffic {
                event: event?,
                field,
            }
        }
        _ => {
            cx.err(
                span,
                "a question needs exactly one of `choices` (with `answer`) or `answer_from`",
            );
            return None;
        }
    };
    Some(Question {
        ask,
        answer,
        explain,
        pos: cx.pos(span),
    })
}

pub fn table(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    labels: &mut Vec<(String, Span)>,
) -> Option<Table> {
    cx.unknown_keys(t, TABLE_KEYS, "a table");
    for key in TABLE_KEYS {
        if t.get(*key).is_none() {
            cx.missing(span, key, "`[step.table]`");
        }
    }
    let rows = cx.str_list(t, "rows").unwrap_or_default();
    labels.extend(rows.iter().cloned());
    let mut metrics = Vec::new();
    for (name, s) in cx.str_list(t, "metrics").unwrap_or_default() {
        metrics.extend(metric_named(cx, &name, &s));
    }
    Some(Table {
        rows: rows.into_iter().map(|(s, _)| s).collect(),
        metrics,
    })
}

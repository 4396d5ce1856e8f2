//! Matchers, expectations, questions and tables: the parts of a step that read its traffic.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::super::diag::did_you_mean;
use super::super::model::{
    Answer, Check, Cmp, Expect, FieldTest, Matcher, Metric, Question, Table, Value,
};
use super::fields::{Ctx, Span, a_type, int_of, num_of};
use super::vocab::{
    EVENT_COMMON, EXPECT_FORMS, MAP_FIELDS, QUESTION_KEYS, TABLE_KEYS, WS_ACCEPT, event_fields,
    event_names,
};

/// A matcher table. `kind_of` is the kind to check fields against when the table has no `kind`
/// of its own (`have`, which reads the events `all` picked).
pub fn matcher(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    key: &str,
    kind_of: Option<&str>,
) -> Option<Matcher> {
    let kind = match (t.get("kind"), kind_of) {
        (Some(v), _) => match v.get_ref().as_str() {
            Some(k) if event_fields(k).is_some() => k.to_string(),
            Some(k) => {
                cx.err_hint(
                    &v.span(),
                    format!("unknown event kind `{k}`"),
                    did_you_mean(k, &event_names()),
                );
                return None;
            }
            None => {
                cx.wrong_type(v, "kind", "a string");
                return None;
            }
        },
        (None, Some(k)) => k.to_string(),
        (None, None) => {
            cx.err_hint(
                span,
                format!("the matcher `{key}` has no `kind`"),
                did_you_mean("", &event_names()),
            );
            return None;
        }
    };
    let own = event_fields(&kind).unwrap_or(&[]);
    let mut fields = Vec::new();
    let mut entries: Vec<_> = t.iter().filter(|(k, _)| k.get_ref() != "kind").collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (k, v) in entries {
        let name = k.get_ref().as_ref();
        if !field_known(name, own) {
            let valid: Vec<&str> = EVENT_COMMON.iter().chain(own.iter()).copied().collect();
            cx.err_hint(
                &k.span(),
                format!("`{kind}` events have no field `{name}`"),
                did_you_mean(name, &valid),
            );
            continue;
        }
        if let Some(test) = field_test(cx, name, v) {
            fields.push((name.to_string(), test));
        }
    }
    Some(Matcher {
        kind,
        fields,
        pos: cx.pos(span),
    })
}

fn field_known(name: &str, own: &[&str]) -> bool {
    if EVENT_COMMON.contains(&name) || own.contains(&name) {
        return true;
    }
    match name.split_once('.') {
        Some((map, rest)) if MAP_FIELDS.contains(&map) => own.contains(&map) && !rest.is_empty(),
        Some(("ws_accept", rest)) => own.contains(&"ws_accept") && WS_ACCEPT.contains(&rest),
        _ => false,
    }
}

fn field_test(cx: &mut Ctx<'_>, name: &str, v: &Spanned<DeValue<'_>>) -> Option<FieldTest> {
    let val = v.get_ref();
    let test = match val {
        // `--json` writes an opcode as its number; its name is easier to write and read.
        DeValue::String(s) if name == "opcode" => {
            match OPCODES.iter().find(|(n, _)| *n == s.as_ref()) {
                Some((_, code)) => FieldTest::Eq(Value::Int(*code)),
                None => {
                    let names: Vec<&str> = OPCODES.iter().map(|(n, _)| *n).collect();
                    cx.err_hint(
                        &v.span(),
                        format!("`opcode` cannot be \"{s}\""),
                        did_you_mean(s, &names),
                    );
                    return None;
                }
            }
        }
        DeValue::String(s) => FieldTest::Eq(Value::Str(s.to_string())),
        DeValue::Boolean(b) => FieldTest::Eq(Value::Bool(*b)),
        DeValue::Integer(i) => match int_of(val) {
            Some(n) => FieldTest::Eq(Value::Int(n)),
            None => {
                cx.err(
                    &v.span(),
                    format!("`{name}` is too large to compare, found {}", i.as_str()),
                );
                return None;
            }
        },
        DeValue::Float(_) => FieldTest::Eq(Value::Float(finite(cx, name, v)?)),
        DeValue::Table(t) => {
            cx.unknown_keys(
                t,
                &["min", "max", "contains"],
                &format!("the test of `{name}`"),
            );
            if let Some(c) = t.get("contains") {
                if t.get("min").is_some() || t.get("max").is_some() {
                    cx.err(
                        &v.span(),
                        format!("`{name}`: `contains` cannot go with `min` or `max`"),
                    );
                }
                match c.get_ref().as_str() {
                    Some(s) => FieldTest::Contains(s.to_string()),
                    None => {
                        cx.wrong_type(c, "contains", "a string");
                        return None;
                    }
                }
            } else {
                let mut bound = |k: &str| {
                    let b = t.get(k)?;
                    if num_of(b.get_ref()).is_none() {
                        cx.wrong_type(b, k, "a number");
                        return None;
                    }
                    finite(cx, k, b)
                };
                let (min, max) = (bound("min"), bound("max"));
                let written = |k: &str| t.get(k).is_some();
                if (written("min") && min.is_none()) || (written("max") && max.is_none()) {
                    return None;
                }
                if min.is_none() && max.is_none() {
                    cx.err(&v.span(), format!("`{name}` needs a value, `{{ min = .., max = .. }}` or `{{ contains = \"..\" }}`"));
                    return None;
                }
                FieldTest::Range { min, max }
            }
        }
        _ => {
            cx.err(
                &v.span(),
                format!(
                    "`{name}` must be a string, number, boolean or test table, found {}",
                    a_type(val)
                ),
            );
            return None;
        }
    };
    Some(test)
}

/// WebSocket opcodes by name, as a matcher may write them (RFC 6455, 5.2).
const OPCODES: &[(&str, i64)] = &[
    ("continuation", 0),
    ("text", 1),
    ("binary", 2),
    ("close", 8),
    ("ping", 9),
    ("pong", 10),
];

/// A number that compares: NaN equals nothing and an infinity bounds nothing.
fn finite(cx: &mut Ctx<'_>, name: &str, v: &Spanned<DeValue<'_>>) -> Option<f64> {
    let n = num_of(v.get_ref())?;
    if !n.is_finite() {
        cx.err(
            &v.span(),
            format!("`{name}` must be a finite number, found {n}"),
        );
        return None;
    }
    Some(n)
}

fn matcher_at(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    key: &str,
    kind_of: Option<&str>,
) -> Option<Matcher> {
    let (m, span) = cx.table(t, key)?;
    matcher(cx, m, &span, key, kind_of)
}

/// An expectation: `says` plus exactly one form. Labels are checked later, against them all.
pub fn expect(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    labels: &mut Vec<(String, Span)>,
) -> Option<Expect> {
    let forms: Vec<&(&str, &[&str])> = EXPECT_FORMS
        .iter()
        .filter(|(k, _)| t.get(*k).is_some())
        .collect();
    let names: Vec<&str> = EXPECT_FORMS.iter().map(|(k, _)| *k).collect();
    let &&(form, extra) = match &forms[..] {
        [one] => one,
        [] => {
            cx.err_hint(
                span,
                "an expectation needs one form",
                format!(
                    "one of {}",
                    did_you_mean("", &names).trim_start_matches("valid: ")
                ),
            );
            return None;
        }
        [a, b, ..] => {
            let at = t.get(b.0).map_or(span.clone(), |v| v.span());
            cx.err(
                &at,
                format!(
                    "an expectation has exactly one form; this one has `{}` and `{}`",
                    a.0, b.0
                ),
            );
            return None;
        }
    };
    let known: Vec<&str> = ["says", form]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    cx.unknown_keys(t, &known, &format!("a `{form}` expectation"));
    let says = cx.str_field(t, span, "says", "", false);
    let check = match form {
        "count" => {
            let of = matcher_at(cx, t, "count", None);
            let cmps: Vec<_> = [
                ("equals", Cmp::Eq),
                ("at_least", Cmp::AtLeast),
                ("at_most", Cmp::AtMost),
            ]
            .into_iter()
            .filter(|(k, _)| t.get(*k).is_some())
            .collect();
            if cmps.len() != 1 {
                cx.err(
                    span,
                    "a `count` expectation needs exactly one of `equals`, `at_least` or `at_most`",
                );
            }
            let (key, cmp) = cmps.first().copied().unwrap_or(("equals", Cmp::Eq));
            let n = cx.int_field(t, key, 0, 1_000_000).unwrap_or(0) as u64;
            Check::Count { of: of?, cmp, n }
        }
        "some" => Check::Count {
            of: matcher_at(cx, t, "some", None)?,
            cmp: Cmp::AtLeast,
            n: 1,
        },
        "none" => Check::Count {
            of: matcher_at(cx, t, "none", None)?,
            cmp: Cmp::Eq,
            n: 0,
        },
        "all" => {
            let of = matcher_at(cx, t, "all", None);
            if t.get("have").is_none() {
                cx.missing(span, "have", "an `all` expectation");
            }
            let have = matcher_at(cx, t, "have", of.as_ref().map(|m| m.kind.as_str()));
            Check::All {
                of: of?,
                have: have?,
            }
        }
        "first" => {
            let first = matcher_at(cx, t, "first", None);
            if t.get("then").is_none() {
                cx.missing(span, "then", "a `first` expectation");
            }
            let then = matcher_at(cx, t, "then", None);
            if t.get("within").is_none() {
                cx.missing(span, "within", "a `first` expectation");
            }
            let secs = cx.num_field(t, "within", 0.0, 3600.0).unwrap_or(0.0);
            Check::Within {
                first: first?,
                then: then?,
                secs,
            }
        }
        "same_conn" => {
            let v = t.get("same_conn")?;
            let Some(arr) = v.get_ref().as_array() else {
                cx.wrong_type(v, "same_conn", "an array of matchers");
                return None;
            };
            if arr.len() < 2 {
                cx.err(&v.span(), "`same_conn` needs at least 2 matchers");
            }
            let mut ms = Vec::new();
            for item in arr.iter() {
                match item.get_ref().as_table() {
                    Some(m) => ms.extend(matcher(cx, m, &item.span(), "same_conn", None)),
                    None => cx.wrong_type(item, "same_conn", "a matcher table"),
                }
            }
            Check::SameConn(ms)
        }
        _ => {
            // "compare"
            let metric = metric(cx, t, "compare");
            let of = label_ref(cx, t, span, "of", "a `compare` expectation", labels);
            let sides: Vec<&str> = ["less_than", "more_than"]
                .into_iter()
                .filter(|k| t.get(*k).is_some())
                .collect();
            if sides.len() != 1 {
                cx.err(
                    span,
                    "a `compare` expectation needs exactly one of `less_than` or `more_than`",
                );
            }
            let side = sides.first().copied().unwrap_or("less_than");
            // When neither side is there, the problem was said just above.
            let than = if sides.is_empty() {
                String::new()
            } else {
                label_ref(cx, t, span, side, "a `compare` expectation", labels)
            };
            Check::Compare {
                metric: metric?,
                of,
                less: side == "less_than",
                than,
            }
        }
    };
    let says = says.unwrap_or_else(|| describe(&check));
    Some(Expect {
        says,
        check,
        pos: cx.pos(span),
    })
}

fn metric(cx: &mut Ctx<'_>, t: &DeTable<'_>, key: &str) -> Option<Metric> {
    let v = t.get(key)?;
    let Some(s) = v.get_ref().as_str() else {
        cx.wrong_type(v, key, "a metric name");
        return None;
    };
    metric_named(cx, s, &v.span())
}

fn metric_named(cx: &mut Ctx<'_>, s: &str, span: &Span) -> Option<Metric> {
    let m = Metric::parse(s);
    if m.is_none() {
        let names: Vec<&str> = Metric::ALL.iter().map(|(_, n)| *n).collect();
        cx.err_hint(
            span,
            format!("unknown metric `{s}`"),
            did_you_mean(s, &names),
        );
    }
    m
}

fn label_ref(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    span: &Span,
    key: &str,
    what: &str,
    labels: &mut Vec<(String, Span)>,
) -> String {
    let s = cx.req_str(t, span, key, what);
    if let Some(v) = t.get(key)
        && !s.is_empty()
    {
        labels.push((s.clone(), v.span()));
    }
    s
}

/// The sentence shown when the file gives no `says`.
fn describe(c: &Check) -> String {
    let m = |m: &Matcher| {
        let mut s = m.kind.clone();
        for (k, t) in &m.fields {
            let v = match t {
                FieldTest::Eq(Value::Str(s)) => format!("\"{s}\""),
                FieldTest::Eq(Value::Int(n)) => n.to_string(),
                FieldTest::Eq(Value::Float(n)) => n.to_string(),
                FieldTest::Eq(Value::Bool(b)) => b.to_string(),
                FieldTest::Range { min, max } => match (min, max) {
                    (Some(a), Some(b)) => format!("{a}..{b}"),
                    (Some(a), None) => format!("≥ {a}"),
                    (None, Some(b)) => format!("≤ {b}"),
                    (None, None) => "any".into(),
                },
                FieldTest::Contains(s) => format!("containing \"{s}\""),
            };
            s.push_str(&format!(" {k} {v}"));
        }
        s
    };
    match c {
        Check::Count {
            of,
            cmp: Cmp::Eq,
            n: 0,
        } => format!("no {}", m(of)),
        Check::Count {
            of,
            cmp: Cmp::AtLeast,
            n: 1,
        } => format!("some {}", m(of)),
        Check::Count { of, cmp, n } => {
            let c = match cmp {
                Cmp::Eq => "exactly",
                Cmp::AtLeast => "at least",
                Cmp::AtMost => "at most",
            };
            format!("{c} {n} × {}", m(of))
        }
        Check::All { of, have } => format!(
            "every {} has{}",
            m(of),
            m(have).trim_start_matches(&have.kind)
        ),
        Check::Within { first, then, secs } => {
            format!("{} follows {} within {secs} s", m(then), m(first))
        }
        Check::SameConn(ms) => format!(
            "{} on one connection",
            ms.iter().map(m).collect::<Vec<_>>().join(", ")
        ),
        Check::Compare {
            metric,
            of,
            less,
            than,
        } => {
            format!(
                "{} of {of} {} {than}",
                metric.name(),
                if *less {
                    "is less than"
                } else {
                    "is more than"
                }
            )
        }
    }
}

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

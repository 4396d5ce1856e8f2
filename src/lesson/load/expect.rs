//! `[[step.expect]]`: what a step's traffic must show, and the sentence that says it.

use toml::de::DeTable;

use super::super::diag::did_you_mean;
use super::super::model::{Check, Cmp, Expect, FieldTest, Matcher, Metric, Value};
use super::fields::{Ctx, Span};
use super::matcher::{matcher, matcher_at};
use super::vocab::EXPECT_FORMS;

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
            if !than.is_empty() && than == of {
                let at = t.get(side).map_or(span.clone(), |v| v.span());
                cx.err(
                    &at,
                    format!(
                        "`of` and `{side}` both name \"{of}\": a measure is never {} itself, \
                         so this expectation could never hold",
                        if side == "less_than" {
                            "less than"
                        } else {
                            "more than"
                        }
                    ),
                );
            }
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

pub(super) fn metric_named(cx: &mut Ctx<'_>, s: &str, span: &Span) -> Option<Metric> {
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

pub(super) fn label_ref(
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
/// A matcher in words: its kind, then each field and its test.
pub(crate) fn matcher_words(m: &Matcher) -> String {
    {
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
                    (None, None) => crate::tr!("expect.any"),
                },
                FieldTest::Contains(s) => crate::tr!("expect.containing", s = s),
            };
            s.push_str(&format!(" {k} {v}"));
        }
        s
    }
}

pub(crate) fn describe(c: &Check) -> String {
    let m = matcher_words;
    match c {
        Check::Count {
            of,
            cmp: Cmp::Eq,
            n: 0,
        } => crate::tr!("expect.no", m = m(of)),
        Check::Count {
            of,
            cmp: Cmp::AtLeast,
            n: 1,
        } => crate::tr!("expect.some", m = m(of)),
        Check::Count { of, cmp, n } => {
            let key = match cmp {
                Cmp::Eq => "expect.exactly",
                Cmp::AtLeast => "expect.at_least",
                Cmp::AtMost => "expect.at_most",
            };
            let text = crate::i18n::lookup(key, crate::lang::current());
            crate::i18n::fill(&text, &[("n", n.to_string()), ("m", m(of))])
        }
        Check::All { of, have } => crate::tr!(
            "expect.every",
            m = m(of),
            rest = m(have).trim_start_matches(&have.kind)
        ),
        Check::Within { first, then, secs } => crate::tr!(
            "expect.follows",
            then = m(then),
            first = m(first),
            secs = secs
        ),
        Check::SameConn(ms) => crate::tr!(
            "expect.same_conn",
            list = ms.iter().map(m).collect::<Vec<_>>().join(", ")
        ),
        Check::Compare {
            metric,
            of,
            less,
            than,
        } => {
            let key = if *less { "expect.less" } else { "expect.more" };
            crate::i18n::fill(
                &crate::i18n::lookup(key, crate::lang::current()),
                &[
                    ("metric", metric.name().to_owned()),
                    ("of", of.clone()),
                    ("than", than.clone()),
                ],
            )
        }
    }
}

//! Matchers: the inline tables that pick events, for expectations, `wait.until` and questions.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::super::diag::did_you_mean;
use super::super::model::{FieldTest, Matcher, Value};
use super::fields::{Ctx, Span, a_type, int_of, num_of};
use super::vocab::{EVENT_COMMON, FIELD_VALUES, MAP_FIELDS, WS_ACCEPT, event_fields, event_names};

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
            // `have` reads the events `all` picked: another kind could never match.
            Some(k) if kind_of.is_some_and(|of| of != k) => {
                let of = kind_of.unwrap_or_default();
                cx.err_hint(
                    &v.span(),
                    format!("`{key}` names kind `{k}`, but the events it checks are `{of}`"),
                    "leave `kind` out of it: it takes the kind of the events picked",
                );
                return None;
            }
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

pub(super) fn field_known(name: &str, own: &[&str]) -> bool {
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
        DeValue::String(s) => {
            if let Some((_, words)) = FIELD_VALUES.iter().find(|(f, _)| *f == name)
                && !words.contains(&s.as_ref())
            {
                cx.err_hint(
                    &v.span(),
                    format!("`{name}` is never \"{s}\""),
                    did_you_mean(s, words),
                );
                return None;
            }
            FieldTest::Eq(Value::Str(s.to_string()))
        }
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

pub(super) fn matcher_at(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    key: &str,
    kind_of: Option<&str>,
) -> Option<Matcher> {
    let (m, span) = cx.table(t, key)?;
    matcher(cx, m, &span, key, kind_of)
}

//! Matching events and checking a step's expectations against them. Pure: the log in, verdicts
//! out.

use serde_json::Value as Json;

use super::log::Entry;
use super::measure::Measures;
use crate::lesson::model::{Check, Cmp, Expect, FieldTest, Matcher, Value};
use crate::tr;

/// The verdict on one expectation, with what was seen.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub says: String,
    pub ok: bool,
    /// What the traffic showed: "saw 10", "no such event".
    pub saw: String,
}

/// The value at `path` in an event: a field of its `--json` object, a dotted path inside one,
/// `headers.NAME` (first header of that name, any case), or `label`.
pub fn field<'a>(e: &'a Entry, path: &str) -> Option<Json> {
    if path == "label" {
        return e.label.as_deref().map(|l| Json::String(l.to_owned()));
    }
    if let Some(name) = path.strip_prefix("headers.") {
        return e.json.get("headers")?.as_array()?.iter().find_map(|h| {
            let pair = h.as_array()?;
            let n = pair.first()?.as_str()?;
            n.eq_ignore_ascii_case(name).then(|| pair.get(1).cloned())?
        });
    }
    let mut v: &'a Json = &e.json;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    Some(v.clone())
}

fn test(got: Option<&Json>, t: &FieldTest) -> bool {
    let Some(got) = got else { return false };
    match t {
        FieldTest::Eq(want) => equal(got, want),
        FieldTest::Range { min, max } => got
            .as_f64()
            .is_some_and(|x| min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m)),
        FieldTest::Contains(s) => got.as_str().is_some_and(|g| g.contains(s.as_str())),
    }
}

fn equal(got: &Json, want: &Value) -> bool {
    match want {
        Value::Bool(b) => got.as_bool() == Some(*b),
        Value::Int(i) => got.as_f64() == Some(*i as f64),
        Value::Float(f) => got.as_f64() == Some(*f),
        // Header values and names compare as the learner would read them.
        Value::Str(s) => got
            .as_str()
            .is_some_and(|g| g == s || g.eq_ignore_ascii_case(s)),
    }
}

/// Whether `e` is picked by `m` (its kind, and every field).
pub fn matches(e: &Entry, m: &Matcher) -> bool {
    e.ev.kind.name() == m.kind && fields_match(e, m)
}

/// Whether `e` has every field of `m`, whatever its kind.
fn fields_match(e: &Entry, m: &Matcher) -> bool {
    m.fields
        .iter()
        .all(|(path, t)| test(field(e, path).as_ref(), t))
}

/// Checks `x` against the events of its step (`step`), and the lesson's measures.
pub fn check(x: &Expect, step: &[Entry], measures: &Measures) -> Verdict {
    let (ok, saw) = match &x.check {
        Check::Count { of, cmp, n } => {
            let got = step.iter().filter(|e| matches(e, of)).count() as u64;
            let ok = match cmp {
                Cmp::Eq => got == *n,
                Cmp::AtLeast => got >= *n,
                Cmp::AtMost => got <= *n,
            };
            (ok, tr!("expect.saw", n = got))
        }
        Check::All { of, have } => {
            let picked: Vec<&Entry> = step.iter().filter(|e| matches(e, of)).collect();
            let bad = picked.iter().filter(|e| !fields_match(e, have)).count();
            let ok = !picked.is_empty() && bad == 0;
            let saw = if picked.is_empty() {
                tr!("expect.no_such_event")
            } else {
                tr!("expect.some_do", ok = picked.len() - bad, n = picked.len())
            };
            (ok, saw)
        }
        Check::Within { first, then, secs } => within(step, first, then, *secs),
        Check::SameConn(ms) => same_conn(step, ms),
        Check::Compare {
            metric,
            of,
            less,
            than,
        } => {
            let a = measures.get(of, *metric);
            let b = measures.get(than, *metric);
            let ok = match (a, b) {
                (Some(a), Some(b)) if *less => a < b,
                (Some(a), Some(b)) => a > b,
                _ => false,
            };
            let show = |v: Option<f64>| v.map_or_else(|| tr!("expect.nothing_measured"), fmt_num);
            (ok, format!("{of}: {}, {than}: {}", show(a), show(b)))
        }
    };
    Verdict {
        says: x.says.clone(),
        ok,
        saw,
    }
}

/// A number as the learner reads it: whole when it is whole.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn within(step: &[Entry], first: &Matcher, then: &Matcher, secs: f64) -> (bool, String) {
    let mut best: Option<f64> = None;
    for (i, a) in step.iter().enumerate().filter(|(_, e)| matches(e, first)) {
        let next = step[i + 1..]
            .iter()
            .find(|b| b.ev.conn == a.ev.conn && b.replayed == a.replayed && matches(b, then));
        if let Some(b) = next {
            let gap = b.ev.ts.secs_since(a.ev.ts);
            best = Some(best.map_or(gap, |g: f64| g.min(gap)));
        }
    }
    match best {
        Some(gap) => (
            gap <= secs,
            tr!("expect.later", ms = format!("{:.1}", gap * 1e3)),
        ),
        None => (false, tr!("expect.never_followed")),
    }
}

fn same_conn(step: &[Entry], ms: &[Matcher]) -> (bool, String) {
    let conns: Vec<Vec<(bool, u32)>> = ms
        .iter()
        .map(|m| {
            let mut c: Vec<(bool, u32)> = step
                .iter()
                .filter(|e| matches(e, m))
                .map(|e| (e.replayed, e.ev.conn))
                .collect();
            c.dedup();
            c
        })
        .collect();
    if let Some(i) = conns.iter().position(Vec::is_empty) {
        return (false, tr!("expect.unmatched", nth = ordinal(i + 1)));
    }
    let shared = conns
        .first()
        .into_iter()
        .flatten()
        .find(|c| conns.iter().all(|cs| cs.contains(c)));
    match shared {
        Some((_, conn)) => (true, tr!("expect.one_conn", conn = conn)),
        None => (false, tr!("expect.different_conns")),
    }
}

fn ordinal(n: usize) -> String {
    match n {
        1 => tr!("expect.nth1"),
        2 => tr!("expect.nth2"),
        3 => tr!("expect.nth3"),
        n => tr!("expect.nth", n = n),
    }
}

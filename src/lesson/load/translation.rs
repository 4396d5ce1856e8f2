//! A translation file (`lessons/LANG/NN-name.toml`, see lessons/README.md) read with the place
//! of everything in it; whether it fits its lesson is `translate`'s business.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::super::markdown;
use super::super::model::Pos;
use super::Diagnostic;
use super::controls;
use super::fields::{Ctx, Span};

pub const TOP_KEYS: &[&str] = &["lesson", "lang", "title", "summary", "part", "step"];
pub const STEP_KEYS: &[&str] = &["title", "text", "expect", "question", "task"];
pub const TASK_KEYS: &[&str] = &["goal", "hints"];
pub const QUESTION_KEYS: &[&str] = &["ask", "choices", "explain"];

/// One translated string: the English it was made from, and where that `en` is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub en: String,
    pub tr: String,
    pub at: Pos,
}

#[derive(Clone, Debug, Default)]
pub struct Translation {
    pub file: String,
    pub lesson: String,
    pub lesson_at: Pos,
    pub lang: String,
    pub lang_at: Pos,
    pub title: Option<Pair>,
    pub summary: Option<Pair>,
    pub part: Option<Pair>,
    pub steps: Vec<TrStep>,
}

#[derive(Clone, Debug, Default)]
pub struct TrStep {
    pub id: String,
    pub at: Pos,
    pub title: Option<Pair>,
    pub text: Option<Pair>,
    /// (number from 1, where it is written, `says`)
    pub expects: Vec<(usize, Pos, Option<Pair>)>,
    pub questions: Vec<TrQuestion>,
    pub tasks: Vec<TrTask>,
}

/// `[step.ID.task.N]`: a task's goal and its hints' texts (all of them, in order).
#[derive(Clone, Debug, Default)]
pub struct TrTask {
    pub n: usize,
    pub at: Pos,
    pub goal: Option<Pair>,
    pub hints: Option<(Vec<Pair>, Pos)>,
}

#[derive(Clone, Debug, Default)]
pub struct TrQuestion {
    pub n: usize,
    pub at: Pos,
    pub ask: Option<Pair>,
    pub explain: Option<Pair>,
    /// The pairs, and where the array is written.
    pub choices: Option<(Vec<Pair>, Pos)>,
}

/// Reads a translation file; every problem of its form, with its place, when it has any.
pub fn parse_translation(file: &str, text: &str) -> Result<Translation, Vec<Diagnostic>> {
    let mut cx = Ctx::new(file, text);
    let Some(doc) = cx.parse() else {
        return Err(cx.diags);
    };
    let root = doc.get_ref();
    let whole = 0..0;
    let what = "a translation";
    cx.unknown_keys(root, TOP_KEYS, what);
    controls::flag(&mut cx, root);
    let mut tr = Translation {
        file: file.to_string(),
        lesson: cx.req_str(root, &whole, "lesson", what),
        lesson_at: at(&cx, root, "lesson"),
        lang: cx.req_str(root, &whole, "lang", what),
        lang_at: at(&cx, root, "lang"),
        title: pair(&mut cx, root, "title"),
        summary: pair(&mut cx, root, "summary"),
        part: pair(&mut cx, root, "part"),
        steps: Vec::new(),
    };
    if let Some((steps, _)) = cx.table(root, "step") {
        for (k, v) in steps.iter() {
            let Some(t) = as_table(&mut cx, v, k.get_ref(), "a step") else {
                continue;
            };
            tr.steps.push(step(&mut cx, t, k.get_ref(), &k.span()));
        }
    }
    if cx.diags.is_empty() {
        Ok(tr)
    } else {
        cx.diags.sort_by_key(|d| (d.pos.line, d.pos.col));
        Err(cx.diags)
    }
}

fn step(cx: &mut Ctx<'_>, t: &DeTable<'_>, id: &str, span: &Span) -> TrStep {
    cx.unknown_keys(t, STEP_KEYS, "a translated step");
    let mut s = TrStep {
        id: id.to_string(),
        at: cx.pos(span),
        title: pair(cx, t, "title"),
        text: pair(cx, t, "text"),
        ..TrStep::default()
    };
    // A code block left open would swallow the rest of the narration, as in a lesson.
    if let Some(p) = &s.text
        && markdown::unclosed_fence(&p.tr).is_some()
    {
        let tr = t
            .get("text")
            .and_then(|v| v.get_ref().as_table()?.get("tr"));
        cx.err_hint(
            &tr.map_or(span.clone(), |v| v.span()),
            "a code block in this `text` translation is never closed",
            "end it with a line of three backticks: ```",
        );
    }
    for (n, at, e) in numbered(cx, t, "expect") {
        cx.unknown_keys(e, &["says"], "a translated expectation");
        let says = pair(cx, e, "says");
        s.expects.push((n, at, says));
    }
    for (n, at, q) in numbered(cx, t, "question") {
        cx.unknown_keys(q, QUESTION_KEYS, "a translated question");
        let choices = pairs(cx, q, "choices");
        s.questions.push(TrQuestion {
            n,
            at,
            ask: pair(cx, q, "ask"),
            explain: pair(cx, q, "explain"),
            choices,
        });
    }
    for (n, at, x) in numbered(cx, t, "task") {
        cx.unknown_keys(x, TASK_KEYS, "a translated task");
        let hints = pairs(cx, x, "hints");
        s.tasks.push(TrTask {
            n,
            at,
            goal: pair(cx, x, "goal"),
            hints,
        });
    }
    s
}

/// An array of pairs (`choices`, `hints`) and where it is written.
fn pairs(cx: &mut Ctx<'_>, t: &DeTable<'_>, key: &str) -> Option<(Vec<Pair>, Pos)> {
    let v = t.get(key)?;
    let Some(arr) = v.get_ref().as_array() else {
        cx.wrong_type(v, key, "an array of `{ en = ..., tr = ... }`");
        return None;
    };
    let ps = arr
        .iter()
        .filter_map(|item| pair_of(cx, item, key))
        .collect();
    Some((ps, cx.pos(&v.span())))
}

/// `[step.ID.expect.N]` tables: (N, where N is written, the table); N counts from 1.
fn numbered<'t, 'i>(
    cx: &mut Ctx<'_>,
    t: &'t DeTable<'i>,
    key: &str,
) -> Vec<(usize, Pos, &'t DeTable<'i>)> {
    let Some((tab, _)) = cx.table(t, key) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in tab.iter() {
        let name = k.get_ref();
        let Some(n) = name.parse::<usize>().ok().filter(|n| *n >= 1) else {
            cx.err_hint(
                &k.span(),
                format!("`{key}.{name}`: a {key} is named by its number, counted from 1"),
                format!("write `[step.ID.{key}.1]` for the step's first `[[step.{key}]]`"),
            );
            continue;
        };
        if let Some(t) = as_table(cx, v, name, key) {
            out.push((n, cx.pos(&k.span()), t));
        }
    }
    out
}

fn as_table<'t, 'i>(
    cx: &mut Ctx<'_>,
    v: &'t Spanned<DeValue<'i>>,
    key: &str,
    what: &str,
) -> Option<&'t DeTable<'i>> {
    let t = v.get_ref().as_table();
    if t.is_none() {
        cx.wrong_type(v, key, &format!("a table ({what})"));
    }
    t
}

fn at(cx: &Ctx<'_>, t: &DeTable<'_>, key: &str) -> Pos {
    cx.pos(&t.get(key).map_or(0..0, |v| v.span()))
}

/// The pair at `key`, if written (problems noted).
fn pair(cx: &mut Ctx<'_>, t: &DeTable<'_>, key: &str) -> Option<Pair> {
    pair_of(cx, t.get(key)?, key)
}

/// `{ en = "...", tr = "..." }`: exactly those two, both strings.
fn pair_of(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Option<Pair> {
    let Some(t) = v.get_ref().as_table() else {
        cx.wrong_type(v, key, "a pair `{ en = \"...\", tr = \"...\" }`");
        return None;
    };
    cx.unknown_keys(t, &["en", "tr"], &format!("the pair `{key}`"));
    let what = format!("the pair `{key}`");
    let en = cx.str_field(t, &v.span(), "en", &what, true);
    let tr = cx.str_field(t, &v.span(), "tr", &what, true);
    if let (Some(en), Some(tr), Some(tv)) = (&en, &tr, t.get("tr"))
        && tr.trim().is_empty()
        && !en.trim().is_empty()
    {
        // An empty `tr` would show nothing where the English says something.
        cx.err_hint(
            &tv.span(),
            format!("the `tr` of `{key}` is empty"),
            "translate it, or leave the pair out to show the English",
        );
    }
    let at = cx.pos(&t.get("en").map_or(v.span(), |e| e.span()));
    Some(Pair {
        en: en?,
        tr: tr?,
        at,
    })
}

//! A translation against its lesson: the translated lesson (each string whose `en` is still the
//! lesson's English, the English elsewhere), the errors that keep it from being used, and the
//! warnings (stale or missing strings) that do not.

use super::super::model::{Answer, Lesson, Pos};
use super::Diagnostic;
use super::expect::describe;
use super::translation::{Pair, TrQuestion, TrStep, Translation};

#[derive(Debug, Default)]
pub struct Outcome {
    pub lesson: Option<Lesson>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// `tr` applied to `lesson`; `dir` is the name of the directory it was found in. The lesson is
/// `None` when there were errors.
pub fn translate(tr: &Translation, lesson: &Lesson, dir: &str) -> Outcome {
    let mut w = Walk {
        tr,
        out: Outcome::default(),
    };
    if tr.lang != dir {
        w.error(
            tr.lang_at,
            format!("`lang` is \"{}\" but the file is in `{dir}/`", tr.lang),
            Some(format!("write lang = \"{dir}\", or move the file")),
        );
    }
    let mut l = lesson.clone();
    let top = Pos { line: 1, col: 1 };
    w.put(&mut l.title, tr.title.as_ref(), top, "`title`");
    w.put(&mut l.summary, tr.summary.as_ref(), top, "`summary`");
    w.put(&mut l.part, tr.part.as_ref(), top, "`part`");
    for ts in &tr.steps {
        if !l.steps.iter().any(|s| s.id == ts.id) {
            let ids: Vec<&str> = l.steps.iter().map(|s| s.id.as_str()).collect();
            let hint = super::did_you_mean(&ts.id, &ids);
            w.error(
                ts.at,
                format!("lesson `{}` has no step `{}`", l.id, ts.id),
                Some(hint),
            );
        }
    }
    for step in &mut l.steps {
        let ts = tr.steps.iter().find(|t| t.id == step.id);
        let empty = TrStep::default();
        let t = ts.unwrap_or(&empty);
        let at = ts.map_or(top, |t| t.at);
        let of = |f: &str| format!("`{f}` of step `{}`", step.id);
        w.put(&mut step.title, t.title.as_ref(), at, &of("title"));
        w.put(&mut step.text, t.text.as_ref(), at, &of("text"));
        for (n, nat, _) in &t.expects {
            if *n > step.expects.len() {
                let msg = format!(
                    "step `{}` has {} expectations, not {n}",
                    step.id,
                    step.expects.len()
                );
                w.error(*nat, msg, None);
            }
        }
        for (i, x) in step.expects.iter_mut().enumerate() {
            let found = t.expects.iter().find(|(n, _, _)| *n == i + 1);
            // A sentence the loader wrote (no `says` in the lesson) need not be translated.
            if found.is_none() && x.says == describe(&x.check) {
                continue;
            }
            let pair = found.and_then(|(_, _, p)| p.as_ref());
            let what = format!("`says` of expectation {} of step `{}`", i + 1, step.id);
            w.put(&mut x.says, pair, found.map_or(at, |f| f.1), &what);
        }
        translate_tasks(&mut w, step, t, at);
        for q in &t.questions {
            if q.n > step.questions.len() {
                let msg = format!(
                    "step `{}` has {} questions, not {}",
                    step.id,
                    step.questions.len(),
                    q.n
                );
                w.error(q.at, msg, None);
            }
        }
        for (i, q) in step.questions.iter_mut().enumerate() {
            let tq = t.questions.iter().find(|q| q.n == i + 1);
            let empty = TrQuestion::default();
            let tq_or = tq.unwrap_or(&empty);
            let qat = tq.map_or(at, |q| q.at);
            let of = |f: &str| format!("`{f}` of question {} of step `{}`", i + 1, step.id);
            w.put(&mut q.ask, tq_or.ask.as_ref(), qat, &of("ask"));
            w.put(&mut q.explain, tq_or.explain.as_ref(), qat, &of("explain"));
            match (&mut q.answer, &tq_or.choices) {
                (Answer::Choice { choices, .. }, Some((pairs, cat))) => {
                    if pairs.len() != choices.len() {
                        let msg = format!(
                            "{} translated choices, but the lesson's question has {}: the same \
                             count, in the same order",
                            pairs.len(),
                            choices.len()
                        );
                        w.error(*cat, msg, None);
                        continue;
                    }
                    for (j, (c, p)) in choices.iter_mut().zip(pairs).enumerate() {
                        w.put(c, Some(p), qat, &of(&format!("choice {}", j + 1)));
                    }
                }
                (Answer::Choice { choices, .. }, None) => {
                    for (j, c) in choices.iter_mut().enumerate() {
                        w.put(c, None, qat, &of(&format!("choice {}", j + 1)));
                    }
                }
                (Answer::FromTraffic { .. }, Some((_, cat))) => {
                    let msg = "this question has no `choices`: its answer is read from the traffic";
                    w.error(*cat, msg.into(), None);
                }
                (Answer::FromTraffic { .. }, None) => {}
            }
        }
    }
    if w.out.errors.is_empty() {
        w.out.lesson = Some(l);
    }
    // In the order they are written.
    w.out.errors.sort_by_key(|d| (d.pos.line, d.pos.col));
    w.out.warnings.sort_by_key(|d| (d.pos.line, d.pos.col));
    w.out
}

/// The goal and hints of each task of `step`, from `t`.
fn translate_tasks(w: &mut Walk<'_>, step: &mut super::super::model::Step, t: &TrStep, at: Pos) {
    for x in &t.tasks {
        if x.n > step.tasks.len() {
            let msg = format!(
                "step `{}` has {} tasks, not {}",
                step.id,
                step.tasks.len(),
                x.n
            );
            w.error(x.at, msg, None);
        }
    }
    for (i, task) in step.tasks.iter_mut().enumerate() {
        let found = t.tasks.iter().find(|x| x.n == i + 1);
        let tat = found.map_or(at, |x| x.at);
        let of = |f: &str| format!("`{f}` of task {} of step `{}`", i + 1, step.id);
        w.put(
            &mut task.goal,
            found.and_then(|x| x.goal.as_ref()),
            tat,
            &of("goal"),
        );
        match found.and_then(|x| x.hints.as_ref()) {
            Some((pairs, hat)) if pairs.len() != task.hints.len() => {
                let msg = format!(
                    "{} translated hints, but the lesson's task has {}: the same count, in the \
                     same order",
                    pairs.len(),
                    task.hints.len()
                );
                w.error(*hat, msg, None);
            }
            Some((pairs, _)) => {
                for (j, (h, p)) in task.hints.iter_mut().zip(pairs).enumerate() {
                    w.put(&mut h.text, Some(p), tat, &of(&format!("hint {}", j + 1)));
                }
            }
            None => {
                for (j, h) in task.hints.iter_mut().enumerate() {
                    w.put(&mut h.text, None, tat, &of(&format!("hint {}", j + 1)));
                }
            }
        }
    }
}

struct Walk<'a> {
    tr: &'a Translation,
    out: Outcome,
}

impl Walk<'_> {
    fn diag(&self, pos: Pos, message: String, hint: Option<String>) -> Diagnostic {
        Diagnostic {
            file: self.tr.file.clone(),
            pos,
            message,
            hint,
        }
    }

    fn error(&mut self, pos: Pos, message: String, hint: Option<String>) {
        let d = self.diag(pos, message, hint);
        self.out.errors.push(d);
    }

    fn warn(&mut self, pos: Pos, message: String) {
        let d = self.diag(pos, format!("warning: {message}"), None);
        self.out.warnings.push(d);
    }

    /// `english` becomes the pair's `tr` when the pair was made from it; otherwise it stays,
    /// and the stale or missing translation is a warning (at `at` when missing).
    fn put(&mut self, english: &mut String, pair: Option<&Pair>, at: Pos, what: &str) {
        let lesson = &self.tr.lesson;
        match pair {
            Some(p) if p.en == *english => *english = p.tr.clone(),
            Some(p) => self.warn(
                p.at,
                format!(
                    "stale: the English of {what} (lesson `{lesson}`) has changed since this \
                     was translated; English is shown until `en` and `tr` are updated"
                ),
            ),
            None if english.is_empty() => {}
            None => self.warn(
                at,
                format!("no translation of {what} (lesson `{lesson}`): shown in English"),
            ),
        }
    }
}

/// A translation file found in a directory named `dir` (its language tag, if all is well).
pub struct Source {
    pub dir: String,
    pub file: String,
    pub text: String,
}

/// For playing: each lesson of `cat` with its translation applied, a later file for the same
/// lesson replacing an earlier one (a `--lessons` directory's over the built-in one).
pub fn apply_all(cat: &mut super::Catalog, sources: Vec<Source>) {
    let mut chosen: Vec<(Translation, String)> = Vec::new();
    for s in sources {
        match super::translation::parse_translation(&s.file, &s.text) {
            Err(mut d) => cat.problems.append(&mut d),
            Ok(tr) => {
                chosen.retain(|(t, _)| t.lesson != tr.lesson);
                chosen.push((tr, s.dir));
            }
        }
    }
    for (tr, dir) in chosen {
        let Some(i) = cat.lessons.iter().position(|l| l.id == tr.lesson) else {
            cat.problems.push(no_lesson(&tr, &cat.lessons));
            continue;
        };
        let mut o = translate(&tr, &cat.lessons[i], &dir);
        cat.problems.append(&mut o.errors);
        cat.warnings.append(&mut o.warnings);
        if let Some(l) = o.lesson {
            cat.lessons[i] = l;
        }
    }
}

/// For `duplex check`: every translation against its lesson (one of `cat`, else a built-in
/// one), and a warning for each lesson of `cat` a language directory lacks.
pub fn check_all(
    cat: &mut super::Catalog,
    sources: Vec<Source>,
    builtins: &dyn Fn() -> Vec<Lesson>,
) {
    let mut others: Option<Vec<Lesson>> = None;
    let mut covered: Vec<(String, String)> = Vec::new();
    let mut dirs: Vec<(String, String)> = Vec::new();
    for s in sources {
        let parent = std::path::Path::new(&s.file)
            .parent()
            .map_or(String::new(), |p| p.display().to_string());
        if !dirs.iter().any(|(d, _)| *d == parent) {
            dirs.push((parent.clone(), s.dir.clone()));
        }
        let tr = match super::translation::parse_translation(&s.file, &s.text) {
            Ok(tr) => tr,
            Err(mut d) => {
                cat.problems.append(&mut d);
                continue;
            }
        };
        covered.push((parent, tr.lesson.clone()));
        let lesson = match cat.lessons.iter().find(|l| l.id == tr.lesson) {
            Some(l) => l.clone(),
            None => {
                let more = others.get_or_insert_with(builtins);
                match more.iter().find(|l| l.id == tr.lesson) {
                    Some(l) => l.clone(),
                    None => {
                        let all: Vec<Lesson> =
                            cat.lessons.iter().chain(more.iter()).cloned().collect();
                        cat.problems.push(no_lesson(&tr, &all));
                        continue;
                    }
                }
            }
        };
        let mut o = translate(&tr, &lesson, &s.dir);
        cat.problems.append(&mut o.errors);
        cat.warnings.append(&mut o.warnings);
    }
    for (dir, lang) in dirs {
        for l in &cat.lessons {
            if !covered.iter().any(|(d, id)| *d == dir && *id == l.id) {
                cat.warnings.push(Diagnostic {
                    file: dir.clone(),
                    pos: Pos { line: 1, col: 1 },
                    message: format!("warning: no {lang} translation of lesson `{}`", l.id),
                    hint: None,
                });
            }
        }
    }
}

fn no_lesson(tr: &Translation, lessons: &[Lesson]) -> Diagnostic {
    let ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    Diagnostic {
        file: tr.file.clone(),
        pos: tr.lesson_at,
        message: format!("`lesson = \"{}\"` names no lesson", tr.lesson),
        hint: Some(super::did_you_mean(&tr.lesson, &ids)),
    }
}

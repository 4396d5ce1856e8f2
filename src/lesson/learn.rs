//! `duplex learn --plain`, `duplex progress`, `duplex recap` and `duplex check --run`: lessons
//! played and reported as plain text. The command layer (`crate::cli`) chooses between this and
//! the terminal UI; nothing here draws.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub use super::answer::right_answer;
use super::load::{self, Catalog};
use super::model::{Lesson, Question};
use super::progress::{Progress, Store};
use super::run::{Player, StepReport};
use super::wrap::columns;

pub struct LearnOpts {
    pub id: Option<String>,
    /// Shows the answers instead of asking, and leaves the saved progress alone.
    pub auto: bool,
    pub lessons: Option<PathBuf>,
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// The course, with any problems of the lesson files said on stderr.
pub fn course(extra: Option<&std::path::Path>) -> Catalog {
    let cat = load::catalog(extra);
    for p in &cat.problems {
        eprintln!("{p}");
    }
    cat
}

/// The lesson `id` of `cat`, or the exit code after saying there is none (with a hint).
pub fn find<'a>(cat: &'a Catalog, id: &str) -> Result<&'a Lesson, ExitCode> {
    cat.lessons.iter().find(|l| l.id == id).ok_or_else(|| {
        let ids: Vec<&str> = cat.lessons.iter().map(|l| l.id.as_str()).collect();
        let hint = if crate::lang::current() == crate::lang::Lang::ZhCn {
            // The closest id only: `duplex learn` lists them all.
            let best = ids
                .iter()
                .min_by_key(|v| super::diag::distance(&id.to_lowercase(), v));
            best.filter(|v| super::diag::did_you_mean(id, &[v]).starts_with("did you mean"))
                .map_or_else(String::new, |v| crate::tr!("cli.err.did_you_mean", id = v))
        } else {
            super::diag::did_you_mean(id, &ids)
        };
        eprintln!(
            "duplex learn: {}",
            crate::tr!("cli.err.no_lesson", id = id, hint = hint)
        );
        ExitCode::from(2)
    })
}

/// `duplex learn [ID] --plain`: the course with progress, or lesson `ID` as a transcript.
pub fn learn(opts: &LearnOpts) -> ExitCode {
    let cat = course(opts.lessons.as_deref());
    let store = Store::open();
    // Progress that cannot be read is said, and never overwritten.
    let (progress, readable) = match store.as_ref().map(Store::load) {
        Ok(Ok(p)) => (p, true),
        r => {
            let e = r.map_or_else(ToString::to_string, |l| {
                l.err().map(|e| e.to_string()).unwrap_or_default()
            });
            eprintln!("{}", crate::tr!("learn.no_progress", e = e));
            (Progress::default(), false)
        }
    };
    let Some(id) = &opts.id else {
        list(&cat.lessons, &progress);
        return ExitCode::SUCCESS;
    };
    let lesson = match find(&cat, id) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("duplex learn: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let save = if opts.auto || !readable {
        None
    } else {
        store.ok()
    };
    let ok = rt.block_on(super::play::play(
        lesson.clone(),
        &cat.lessons,
        opts.auto,
        progress,
        save,
    ));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `duplex recap`: the interview recap from the saved numbers, as plain text.
pub fn recap_cmd(extra: Option<&std::path::Path>) -> ExitCode {
    let progress = match Store::open().and_then(|s| s.load()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("duplex recap: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cat = course(extra);
    say!(
        "{}",
        super::recap::plain(&progress, &cat.lessons, columns()).trim_end()
    );
    ExitCode::SUCCESS
}

fn list(lessons: &[Lesson], progress: &Progress) {
    say!("{}\n", crate::tr!("learn.course", n = lessons.len()));
    let mut part = None;
    for l in lessons {
        if part != Some(&l.part) && !l.part.is_empty() {
            say!("  {}", l.part);
            part = Some(&l.part);
        }
        let ids: Vec<&str> = l.steps.iter().map(|s| s.id.as_str()).collect();
        let done = progress.done(&l.id, &ids);
        let questions = l.steps.iter().map(|s| s.questions.len()).sum();
        let mark = progress.mark(&l.id, &ids, questions);
        let (right, asked) = progress.score(&l.id);
        let score = if asked > 0 {
            crate::tr!("learn.score", right = right, asked = asked)
        } else {
            String::new()
        };
        let head = format!("    {mark} {:>2}. {:<20} ", l.order, l.id);
        let indent = " ".repeat(super::wrap::cols(&head));
        for line in super::wrap::wrap(&l.title, columns(), &head, &indent) {
            say!("{line}");
        }
        let about = crate::tr!(
            "learn.about",
            done = done,
            total = ids.len(),
            score = score,
            summary = l.summary
        );
        for line in super::wrap::wrap(&about, columns(), "           ", "           ") {
            say!("{line}");
        }
    }
    say!("");
    for key in ["learn.marks", "learn.play_one", "learn.recap_hint"] {
        let text = crate::i18n::lookup(key, crate::lang::current());
        for line in super::wrap::wrap(&text, columns(), "", "") {
            say!("{line}");
        }
    }
}

fn answer_known(q: &Question, r: &StepReport) -> bool {
    right_answer(q, &r.events).is_some()
}

/// `duplex progress [--reset]`.
pub fn progress_cmd(reset: bool, extra: Option<&std::path::Path>) -> ExitCode {
    let store = match Store::open() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("duplex progress: {e}");
            return ExitCode::FAILURE;
        }
    };
    if reset {
        return match store.reset() {
            Ok(true) => {
                say!(
                    "{}",
                    crate::tr!("progress.cleared", path = store.path().display())
                );
                ExitCode::SUCCESS
            }
            Ok(false) => {
                say!("{}", crate::tr!("progress.nothing"));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("duplex progress: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match store.load() {
        Ok(p) => {
            list(&course(extra).lessons, &p);
            say!(
                "{}",
                crate::tr!("progress.saved_in", path = store.path().display())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("duplex progress: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `duplex check --run`: plays every lesson headless against its own fresh server; true when
/// every action worked, every expectation held and every question has its answer.
/// Plays every lesson against its own server; each lesson gets at most `budget` in all.
pub fn check_run(lessons: &[Lesson], budget: std::time::Duration) -> bool {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("duplex check --run: cannot start the runtime: {e}");
            return false;
        }
    };
    let mut failed = 0;
    for lesson in lessons {
        let started = Instant::now();
        let problems = rt.block_on(run_headless(lesson.clone(), budget));
        let secs = started.elapsed().as_secs_f64();
        if problems.is_empty() {
            let n: usize = lesson.steps.iter().map(|s| s.expects.len()).sum();
            let tasks: usize = lesson.steps.iter().map(|s| s.tasks.len()).sum();
            let tasks = match tasks {
                0 => String::new(),
                1 => ", 1 task solved".to_string(),
                n => format!(", {n} tasks solved"),
            };
            eprintln!(
                "  ok    {:<22} {} steps, {n} expectations held{tasks}, {secs:.1} s",
                lesson.id,
                lesson.steps.len()
            );
        } else {
            failed += 1;
            eprintln!("  FAIL  {:<22} {secs:.1} s", lesson.id);
            for p in problems {
                eprintln!("        {p}");
            }
        }
    }
    eprintln!("{} lessons played, {} failed", lessons.len(), failed);
    failed == 0
}

async fn run_headless(lesson: Lesson, budget: std::time::Duration) -> Vec<String> {
    let mut problems = Vec::new();
    let mut player = match Player::start(lesson.clone()).await {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    let deadline = tokio::time::Instant::now() + budget;
    for (i, step) in lesson.steps.iter().enumerate() {
        let at = |p: super::model::Pos| format!("{}:{}:{}", lesson.source, p.line, p.col);
        // A lesson of many long waits could run for hours: its budget ends it, naming the step.
        let r = match tokio::time::timeout_at(deadline, player.run_step(i)).await {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(_) => {
                problems.push(format!(
                    "{}: step \"{}\": the lesson's time budget ({}) ran out during this step; \
                     the rest was not played (raise it with --budget MINUTES)",
                    at(step.pos),
                    step.id,
                    budget_words(budget)
                ));
                break;
            }
        };
        for (a, rep) in step.actions.iter().zip(&r.actions) {
            if let Err(e) = &rep.outcome {
                problems.push(format!(
                    "{}: step \"{}\": action failed: {e}",
                    at(a.pos),
                    step.id
                ));
            }
        }
        for (x, v) in step.expects.iter().zip(&r.verdicts) {
            if !v.ok {
                problems.push(format!(
                    "{}: step \"{}\": expected {} — on the wire: {}",
                    at(x.pos),
                    step.id,
                    v.says,
                    v.saw
                ));
            }
        }
        for (t, rep) in step.tasks.iter().zip(&r.tasks) {
            for (a, ar) in t.solution.iter().zip(&rep.actions) {
                if let Err(e) = &ar.outcome {
                    problems.push(format!(
                        "{}: step \"{}\": the task's solution failed: {e}",
                        at(a.pos),
                        step.id
                    ));
                }
            }
            if rep.matched < rep.count {
                problems.push(format!(
                    "{}: step \"{}\": the task's solution does not satisfy its `until`: \
                     wanted {} × {}, the wire showed {}",
                    at(t.pos),
                    step.id,
                    rep.count,
                    t.until.kind,
                    rep.matched
                ));
            }
        }
        for q in &step.questions {
            if !answer_known(q, &r) {
                problems.push(format!(
                    "{}: step \"{}\": the step's traffic holds no answer to \"{}\"",
                    at(q.pos),
                    step.id,
                    q.ask
                ));
            }
        }
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), player.finish()).await;
    problems
}

fn budget_words(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{} min", s / 60.0)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_course_tests_every_claim_and_asks_in_every_lesson() {
        let cat = load::catalog(None);
        assert!(cat.problems.is_empty(), "{:?}", cat.problems);
        assert!(cat.lessons.len() >= 12, "{} lessons", cat.lessons.len());
        for n in 1..=18 {
            let id = format!("C{n}");
            let steps: Vec<String> = cat
                .lessons
                .iter()
                .flat_map(|l| l.steps.iter().map(move |s| (l, s)))
                .filter(|(_, s)| s.claims.contains(&id) && !s.expects.is_empty())
                .map(|(l, s)| format!("{}/{}", l.id, s.id))
                .collect();
            assert!(!steps.is_empty(), "no step with expectations tests {id}");
        }
        for l in &cat.lessons {
            assert!(
                l.steps.iter().any(|s| !s.questions.is_empty()),
                "{} asks nothing",
                l.id
            );
        }
        assert!(cat.lessons.iter().any(|l| l.id == "ws-upgrade"));
    }
}

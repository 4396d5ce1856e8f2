//! `duplex learn`, `duplex progress` and `duplex check --run`: lessons played as plain text.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use super::load::{self, Catalog};
use super::model::{Answer, Lesson, Question};
use super::progress::{Progress, Store};
use super::run::expect::{field, matches};
use super::run::log::Entry;
use super::run::{Player, StepReport};
use super::transcript;

/// Writes to stdout; when the reader has gone (`duplex learn ... | head`), stops quietly, as
/// `duplex replay` does, instead of panicking on the broken pipe.
fn say_to_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = io::stdout().lock();
    let r = out.write_fmt(args).and_then(|()| {
        if newline {
            out.write_all(b"\n")
        } else {
            out.flush()
        }
    });
    if let Err(e) = r {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("duplex learn: writing output: {e}");
        std::process::exit(1);
    }
}

macro_rules! say {
    ($($arg:tt)*) => { say_to_stdout(format_args!($($arg)*), true) };
}

macro_rules! say_part {
    ($($arg:tt)*) => { say_to_stdout(format_args!($($arg)*), false) };
}

pub struct LearnOpts {
    pub id: Option<String>,
    /// A transcript on stdout instead of the terminal UI.
    pub plain: bool,
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

pub fn learn(opts: &LearnOpts) -> ExitCode {
    let cat = course(opts.lessons.as_deref());
    let store = Store::open();
    let progress = match store.as_ref().map(Store::load) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            eprintln!("duplex: progress not available: {e}");
            Progress::default()
        }
        Err(e) => {
            eprintln!("duplex: progress not available: {e}");
            Progress::default()
        }
    };
    let Some(id) = &opts.id else {
        list(&cat.lessons, &progress);
        return ExitCode::SUCCESS;
    };
    let Some(lesson) = cat.lessons.iter().find(|l| &l.id == id) else {
        let ids: Vec<&str> = cat.lessons.iter().map(|l| l.id.as_str()).collect();
        eprintln!(
            "duplex learn: no lesson \"{id}\"{}; run `duplex learn` for the course",
            super::diag::did_you_mean(id, &ids)
        );
        return ExitCode::from(2);
    };
    if !opts.plain && !opts.auto {
        // The terminal UI, on this lesson; without a terminal it says to add --plain.
        return crate::app::run::main_at(opts.lessons.clone(), Some(id));
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("duplex learn: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let save = if opts.auto { None } else { store.ok() };
    let ok = rt.block_on(play(lesson.clone(), opts.auto, progress, save));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn list(lessons: &[Lesson], progress: &Progress) {
    say!("The course ({} lessons):\n", lessons.len());
    let mut part = None;
    for l in lessons {
        if part != Some(&l.part) && !l.part.is_empty() {
            say!("  {}", l.part);
            part = Some(&l.part);
        }
        let ids: Vec<&str> = l.steps.iter().map(|s| s.id.as_str()).collect();
        let done = progress.done(&l.id, &ids);
        let mark = match done {
            0 => "○",
            d if d == ids.len() => "✓",
            _ => "◐",
        };
        say!(
            "    {mark} {:>2}. {:<20} {}  ({done}/{} steps)",
            l.order,
            l.id,
            l.title,
            ids.len()
        );
        say!("           {}", l.summary);
    }
    say!("\nPlay one with `duplex learn ID --plain` (add --auto to run it without questions).");
}

async fn play(lesson: Lesson, auto: bool, mut progress: Progress, save: Option<Store>) -> bool {
    let mut player = match Player::start(lesson.clone()).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("duplex learn: {e}");
            return false;
        }
    };
    say!("{} — {}", lesson.title, lesson.summary);
    say!(
        "(a built-in server listens on http://{}/ for this lesson)",
        player.addr()
    );
    let mut all_ok = true;
    let stdin = io::stdin();
    let mut input = stdin.lock();
    for (i, step) in lesson.steps.iter().enumerate() {
        let mut out = io::stdout().lock();
        let _ = transcript::header(&mut out, &lesson, i, step);
        let _ = out.flush();
        drop(out);
        let Some(report) = player.run_step(i).await else {
            continue;
        };
        let mut out = io::stdout().lock();
        let _ = transcript::report(&mut out, &report);
        drop(out);
        all_ok &= report.passed();
        for (q, question) in step.questions.iter().enumerate() {
            let key = format!("{}/{}", step.id, q + 1);
            match ask(question, q + 1, &report, auto, &mut input) {
                Some((given, correct)) => progress.answered(&lesson.id, key, given, correct),
                None if auto => all_ok &= answer_known(question, &report),
                None => {}
            }
        }
        progress.step_done(&lesson.id, &step.id);
        if let Some(store) = &save
            && let Err(e) = store.save(&progress)
        {
            eprintln!("duplex learn: progress not saved: {e}");
        }
    }
    let _ = player.finish().await;
    say!(
        "\n━━ End of \"{}\": {}",
        lesson.title,
        if all_ok {
            "every expectation held on your traffic."
        } else {
            "some expectations did not hold (marked ✗ above)."
        }
    );
    all_ok
}

/// The right answer of a question, as text, read from the traffic when it says so.
pub(crate) fn right_answer(q: &Question, events: &[Entry]) -> Option<String> {
    match &q.answer {
        Answer::Choice { choices, correct } => choices.get(correct.checked_sub(1)?).cloned(),
        Answer::FromTraffic { event, field: f } => {
            let e = events.iter().find(|e| matches(e, event))?;
            Some(match field(e, f)? {
                serde_json::Value::String(s) => s,
                v => v.to_string(),
            })
        }
    }
}

fn answer_known(q: &Question, r: &StepReport) -> bool {
    right_answer(q, &r.events).is_some()
}

/// Asks `q` (or shows its answer under `auto`); returns the learner's answer and whether it
/// was right, or None when nothing was answered.
fn ask(
    q: &Question,
    n: usize,
    r: &StepReport,
    auto: bool,
    input: &mut impl BufRead,
) -> Option<(String, bool)> {
    say!("\n  Question {n}: {}", q.ask);
    let right = right_answer(q, &r.events);
    if let Answer::Choice { choices, .. } = &q.answer {
        for (i, c) in choices.iter().enumerate() {
            say!("    {}) {c}", i + 1);
        }
    }
    let Some(right) = right else {
        say!("    (the traffic of this step holds no answer to this question)");
        return None;
    };
    let correct_no = match &q.answer {
        Answer::Choice { correct, .. } => Some(*correct),
        Answer::FromTraffic { .. } => None,
    };
    if auto {
        match correct_no {
            Some(c) => say!("  Answer: {c}) {right}"),
            None => say!("  Answer, read from your own traffic: {right}"),
        }
        say!("  {}", q.explain);
        return None;
    }
    let prompt = match &q.answer {
        Answer::Choice { choices, .. } => format!("  Your answer (1-{}): ", choices.len()),
        Answer::FromTraffic { .. } => "  Your answer: ".to_owned(),
    };
    say_part!("{prompt}");
    let mut line = String::new();
    if input.read_line(&mut line).unwrap_or(0) == 0 {
        say!("\n  (no answer) The answer: {right}\n  {}", q.explain);
        return None;
    }
    let given = line.trim().to_owned();
    let correct = match correct_no {
        Some(c) => given.parse::<usize>().ok() == Some(c) || given.eq_ignore_ascii_case(&right),
        None => given == right.trim(),
    };
    if correct {
        say!("  ✓ Right. {}", q.explain);
    } else {
        let shown = correct_no.map_or(right.clone(), |c| format!("{c}) {right}"));
        say!("  ✗ Not quite: the answer is {shown}. {}", q.explain);
    }
    Some((given, correct))
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
                say!("Progress cleared ({} removed).", store.path().display());
                ExitCode::SUCCESS
            }
            Ok(false) => {
                say!("No progress saved yet; nothing to clear.");
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
            say!("Saved in {}.", store.path().display());
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
pub fn check_run(lessons: &[Lesson]) -> bool {
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
        let problems = rt.block_on(run_headless(lesson.clone()));
        let secs = started.elapsed().as_secs_f64();
        if problems.is_empty() {
            let n: usize = lesson.steps.iter().map(|s| s.expects.len()).sum();
            eprintln!(
                "  ok    {:<22} {} steps, {n} expectations held, {secs:.1} s",
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

async fn run_headless(lesson: Lesson) -> Vec<String> {
    let mut problems = Vec::new();
    let mut player = match Player::start(lesson.clone()).await {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    for (i, step) in lesson.steps.iter().enumerate() {
        let Some(r) = player.run_step(i).await else {
            continue;
        };
        let at = |p: super::model::Pos| format!("{}:{}:{}", lesson.source, p.line, p.col);
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
    let _ = player.finish().await;
    problems
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

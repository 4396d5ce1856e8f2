//! A lesson played as a plain transcript on stdout, for a terminal, a pipe or a screen reader:
//! each step's narration, a pause before its actions when a person is at the keyboard, what
//! happened on the wire in words, the questions, and at the end the score and the answers to
//! review (and at the end of the course, the interview recap).

use std::io::{self, BufRead, IsTerminal, Write};

use super::answer::{judge, right_answer};
use super::model::{Answer, Lesson, Question};
use super::progress::{Progress, Store};
use super::run::{Player, StepReport};
use super::wrap::{columns, wrap};
use super::{recap, transcript};
use crate::tr;

/// A question answered wrong, or not answered, for the review at the end.
struct Review {
    step: String,
    ask: String,
    given: Option<String>,
    right: String,
}

/// What became of one question.
enum Asked {
    /// Under `--auto` the answer is shown, not asked.
    Shown,
    /// The step's traffic holds no answer.
    Unknown,
    /// Input ended before an answer.
    NoAnswer(String),
    Given {
        given: String,
        correct: bool,
        right: String,
    },
}

/// Lines of `text` within the transcript's width, each starting with `indent`.
fn say_wrapped(text: &str, first: &str, indent: &str) {
    for line in wrap(text, columns(), first, indent) {
        say!("{line}");
    }
}

pub(super) async fn play(
    lesson: Lesson,
    course: &[Lesson],
    auto: bool,
    mut progress: Progress,
    save: Option<Store>,
) -> bool {
    let mut player = match Player::start(lesson.clone()).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("duplex learn: {e}");
            return false;
        }
    };
    say_wrapped(&format!("{} — {}", lesson.title, lesson.summary), "", "");
    let server = tr!("learn.server", addr = player.addr());
    say_wrapped(&server, "", "");
    // A person at the keyboard reads the narration before the step's traffic scrolls it away.
    let pause = !auto && io::stdin().is_terminal();
    // Tasks wait for a person at the keyboard; piped input has nobody to do them.
    if pause {
        player.set_task_mode(super::run::task::TaskMode::Wait);
    }
    let mut all_ok = true;
    let (mut right, mut asked) = (0, 0);
    let mut review = Vec::new();
    let stdin = io::stdin();
    let mut input = stdin.lock();
    for (i, step) in lesson.steps.iter().enumerate() {
        let mut out = io::stdout().lock();
        let _ = transcript::header(&mut out, &lesson, i, step);
        let _ = out.flush();
        drop(out);
        if pause && !step.actions.is_empty() {
            let n = step.actions.len();
            let what = if n == 1 {
                tr!("learn.action_one")
            } else {
                tr!("learn.action_other")
            };
            say_part!("\n  {}", tr!("learn.press_enter", n = n, what = what));
            let mut line = String::new();
            let _ = input.read_line(&mut line);
        }
        let Some(report) = super::play_task::run(&mut player, i, step, pause).await else {
            continue;
        };
        let mut out = io::stdout().lock();
        // A step with tasks said its actions already, before the goals.
        let _ = if step.tasks.is_empty() {
            transcript::report(&mut out, &report)
        } else {
            let rest = super::run::StepReport {
                actions: Vec::new(),
                ..report.clone()
            };
            transcript::report(&mut out, &rest)
        };
        drop(out);
        super::play_task::report(&report);
        all_ok &= report.passed();
        recap::observe(&lesson, i, &report, &mut progress);
        for (q, question) in step.questions.iter().enumerate() {
            let key = format!("{}/{}", step.id, q + 1);
            let mut wrong = |given: Option<String>, right: String| {
                review.push(Review {
                    step: step.title.clone(),
                    ask: question.ask.clone(),
                    given,
                    right,
                });
            };
            match ask(question, q + 1, &report, auto, &mut input) {
                Asked::Given {
                    given,
                    correct,
                    right: r,
                } => {
                    asked += 1;
                    if correct {
                        right += 1;
                    } else {
                        wrong(Some(given.clone()), r);
                    }
                    progress.answered(&lesson.id, key, given, correct);
                }
                Asked::NoAnswer(r) => {
                    asked += 1;
                    wrong(None, r);
                }
                Asked::Unknown if auto => all_ok = false,
                Asked::Unknown | Asked::Shown => {}
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
    say!("");
    say_wrapped(
        &tr!(
            "learn.end",
            title = lesson.title,
            how = if all_ok {
                tr!("learn.end_ok")
            } else {
                tr!("learn.end_failed")
            }
        ),
        "",
        "",
    );
    score(auto, right, asked, &review);
    let last = course.iter().map(|l| l.order).max() == Some(lesson.order)
        && course.last().is_some_and(|l| l.id == lesson.id);
    if last {
        say!("\n{}\n", tr!("learn.last_lesson"));
        say!("{}", recap::plain(&progress, course, columns()).trim_end());
    } else {
        say_wrapped(&tr!("learn.recap_any_time"), "", "");
    }
    all_ok
}

/// The lesson's score and the questions to review.
fn score(auto: bool, right: usize, asked: usize, review: &[Review]) {
    if auto {
        say_wrapped(&tr!("learn.auto_no_questions"), "", "");
        return;
    }
    if asked == 0 {
        say!("{}", tr!("learn.no_questions"));
        return;
    }
    say!("{}", tr!("learn.your_score", right = right, asked = asked));
    if review.is_empty() {
        return;
    }
    say!("{}", tr!("learn.to_review"));
    for r in review {
        let given = match &r.given {
            Some(g) => tr!("learn.you_said", given = g),
            None => tr!("learn.no_answer"),
        };
        say_wrapped(
            &tr!(
                "learn.review",
                step = r.step,
                ask = r.ask,
                given = given,
                right = r.right
            ),
            "  - ",
            "    ",
        );
    }
}

/// Asks `q` (or shows its answer under `auto`); asks again until the answer is one (a choice
/// in range) or input ends.
fn ask(q: &Question, n: usize, r: &StepReport, auto: bool, input: &mut impl BufRead) -> Asked {
    say!("");
    say_wrapped(&q.ask, &tr!("learn.question", n = n), "    ");
    if let Answer::Choice { choices, .. } = &q.answer {
        for (i, c) in choices.iter().enumerate() {
            say_wrapped(c, &format!("    {}) ", i + 1), "       ");
        }
    }
    let explain = super::plain_words::plain_words(&q.explain);
    let Some(right) = right_answer(q, &r.events) else {
        say_wrapped(&tr!("learn.no_answer_in_traffic"), "    ", "     ");
        return Asked::Unknown;
    };
    let shown = match &q.answer {
        Answer::Choice { correct, .. } => format!("{correct}) {right}"),
        Answer::FromTraffic { .. } => right.clone(),
    };
    if auto {
        let first = match &q.answer {
            Answer::Choice { .. } => tr!("learn.answer"),
            Answer::FromTraffic { .. } => tr!("learn.answer_from_traffic"),
        };
        say_wrapped(&shown, &first, "    ");
        say_wrapped(&explain, "  ", "  ");
        return Asked::Shown;
    }
    let prompt = match &q.answer {
        Answer::Choice { choices, .. } => tr!("learn.prompt_choice", n = choices.len()),
        Answer::FromTraffic { .. } => tr!("learn.prompt"),
    };
    loop {
        say_part!("{prompt}");
        let mut line = String::new();
        if input.read_line(&mut line).unwrap_or(0) == 0 {
            say!("");
            say_wrapped(
                &tr!("learn.unanswered", shown = shown, explain = explain),
                "  ",
                "  ",
            );
            return Asked::NoAnswer(shown);
        }
        let given = line.trim().to_owned();
        if !io::stdin().is_terminal() {
            // Read from a pipe: the answer is not echoed, so the transcript says it.
            say!("{given}");
        }
        match judge(q, &given, &right) {
            Ok(true) => {
                say_wrapped(&tr!("learn.right", explain = explain), "  ", "  ");
                return Asked::Given {
                    given,
                    correct: true,
                    right: shown,
                };
            }
            Ok(false) => {
                say_wrapped(
                    &tr!("learn.wrong", shown = shown, explain = explain),
                    "  ",
                    "  ",
                );
                return Asked::Given {
                    given,
                    correct: false,
                    right: shown,
                };
            }
            Err(how) => say!("  ({how})"),
        }
    }
}

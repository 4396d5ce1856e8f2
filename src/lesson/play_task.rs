//! A step's tasks in the plain transcript: the goal and the server's URL before the step runs,
//! hints as their time comes while duplex waits for the wire, and who did each task.

use std::time::Duration;

use super::model::Step;
use super::plain_words::narration;
use super::run::{Player, StepReport};
use super::task_words;
use super::wrap::{columns, wrap};
use crate::tr;

fn said(text: &str, first: &str, indent: &str) {
    for line in wrap(text, columns(), first, indent) {
        say!("{line}");
    }
}

/// Each task's goal, the URL to aim at, and what the wire must show; `waits`: a person does
/// it (else the solution is played in their place).
fn goals(step: &Step, addr: std::net::SocketAddr, waits: bool) {
    for t in &step.tasks {
        say!("\n  {}", tr!("task.your_turn"));
        for line in narration(&t.goal_for(Some(addr)), columns() - 4) {
            if line.is_empty() {
                say!("");
            } else {
                say!("    {line}");
            }
        }
        said(&task_words::server(Some(addr)), "    ", "    ");
        said(&task_words::wants(t), "    ", "    ");
        if waits {
            let s = format!("{:.0}", t.timeout.as_secs_f64());
            said(&tr!("task.plain_wait", s = s), "    ", "    ");
        } else {
            said(&tr!("task.plain_auto"), "    ", "    ");
        }
    }
}

/// Runs step `i`; once its actions ran, says what they did and then each task's goal (the
/// learner is asked to do more only after reading what was done); while a task waits, its
/// hints are printed as they fall due. For a step with tasks the actions are said here:
/// the rest of its report is to be printed without them.
pub(super) async fn run(
    player: &mut Player,
    i: usize,
    step: &Step,
    waits: bool,
) -> Option<StepReport> {
    let control = player.tasks();
    let player_addr = player.addr();
    let run = player.run_step(i);
    tokio::pin!(run);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut shown: Option<(usize, usize, usize)> = None;
    // A step without tasks has no goal: its actions are said with the rest of its report.
    let mut goals_said = step.tasks.is_empty();
    let say_goals = |actions: &[super::run::ActionReport]| {
        let mut out = std::io::stdout().lock();
        let _ = super::transcript::actions(&mut out, actions);
        drop(out);
        goals(step, player_addr, waits);
    };
    loop {
        tokio::select! {
            r = &mut run => {
                let r = r?;
                if !goals_said {
                    say_goals(&r.actions);
                }
                return Some(r);
            }
            _ = tick.tick() => {}
        }
        if !goals_said && let Some(actions) = control.acted(i) {
            say_goals(&actions);
            goals_said = true;
        }
        let Some(live) = control.live().filter(|l| l.step == i && !l.solving) else {
            continue;
        };
        let Some(task) = step.tasks.get(live.task) else {
            continue;
        };
        let due = task_words::hints_due(task, live.started.elapsed().as_secs_f64(), 0);
        let from = match shown {
            Some((s, t, n)) if s == live.step && t == live.task => n,
            _ => 0,
        };
        for h in task.hints.iter().take(due).skip(from) {
            let text = crate::lesson::model::with_urls(&h.text, Some(player_addr));
            said(&tr!("task.hint", text = text), "    ", "    ");
        }
        shown = Some((live.step, live.task, due.max(from)));
    }
}

/// What became of each task: the solution's actions when it played, then the verdict.
pub(super) fn report(r: &StepReport) {
    for t in &r.tasks {
        if !t.actions.is_empty() {
            say!("\n  {}", tr!("task.solution"));
            for a in &t.actions {
                let mark = if a.outcome.is_ok() {
                    "    - "
                } else {
                    "    ✗ "
                };
                said(&a.line(), mark, "      ");
            }
        }
        let (ok, line) = task_words::verdict(t);
        let mark = if ok {
            tr!("learn.pass")
        } else {
            tr!("learn.fail")
        };
        let mark = format!("    {mark}  ");
        let indent = " ".repeat(super::wrap::cols(&mark));
        say!("");
        said(&line, &mark, &indent);
    }
}

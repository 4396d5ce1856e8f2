//! A step's tasks on the lesson screen: the goal with the server's URL, the live status while
//! the wire is watched, hints by time or on `H`, giving up on `S`, and who did each task.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::lesson::{Cmd, LessonScreen};
use super::narration;
use crate::lesson::markdown;
use crate::lesson::task_words;
use crate::ui::Theme;

impl LessonScreen {
    /// The task of the shown step that waits for the learner now, if any.
    fn waiting_task(&self) -> Option<&crate::lesson::run::task::TaskLive> {
        self.task_live
            .as_ref()
            .filter(|l| l.step == self.step && self.running == Some(self.step) && !l.solving)
    }

    /// How far the waiting task got, for the step's status line (the task's own lines may be
    /// scrolled out of sight).
    pub(super) fn task_status(&self) -> Option<String> {
        self.waiting_task().map(task_words::status)
    }

    /// A task waits for the learner: the key bar offers hints and the solution.
    pub fn task_waiting(&self) -> bool {
        self.waiting_task().is_some()
    }

    /// `H`: the next hint of the waiting task, before its time.
    pub fn hint_now(&mut self) -> Result<(), String> {
        let Some(live) = self.waiting_task() else {
            return Err(crate::tr!("task.not_waiting"));
        };
        let task = &self.lesson.steps[live.step].tasks[live.task];
        let secs = live.started.elapsed().as_secs_f64();
        if task_words::hints_due(task, secs, self.hints_asked) >= task.hints.len() {
            return Err(crate::tr!("task.no_hint_left"));
        }
        self.hints_asked += 1;
        Ok(())
    }

    /// `S`: gives up the waiting task; the player plays its solution.
    pub fn give_up(&mut self) -> Result<String, String> {
        if self.waiting_task().is_none() {
            return Err(crate::tr!("task.not_waiting"));
        }
        let sent = self
            .cmd
            .as_ref()
            .is_some_and(|c| c.send(Cmd::GiveUp).is_ok());
        if !sent {
            return Err(crate::tr!("lesson_screen.player_stopped"));
        }
        Ok(crate::tr!("task.gave_up"))
    }

    /// Each task of the shown step: goal, URL, what the wire must show; while it waits, how far
    /// it got and the hints due; once run, the verdict.
    pub(super) fn task_lines(&self, width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
        let Some(step) = self.lesson.steps.get(self.step) else {
            return;
        };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let report = self.reports.get(self.step).and_then(Option::as_ref);
        for (n, t) in step.tasks.iter().enumerate() {
            out.push(Line::from(""));
            let head = vec![Span::styled(
                crate::tr!("task.your_turn"),
                theme.title.add_modifier(Modifier::BOLD),
            )];
            out.extend(narration::wrap(head, width, "", ""));
            let goal = t.goal_for(self.server);
            out.extend(narration::render(&markdown::parse(&goal), width, theme));
            let server = vec![Span::styled(task_words::server(self.server), theme.dim)];
            out.extend(narration::wrap(server, width, "", "  "));
            let wants = vec![Span::styled(task_words::wants(t), theme.dim)];
            out.extend(narration::wrap(wants, width, "", "  "));
            // Once run, the verdict comes with the step's results, at the end in sight.
            if report.is_some_and(|r| r.tasks.get(n).is_some()) {
                continue;
            }
            let Some(live) = self
                .task_live
                .as_ref()
                .filter(|l| l.step == self.step && l.task == n && self.running == Some(self.step))
            else {
                continue;
            };
            let status = vec![Span::styled(task_words::status(live), bold)];
            out.extend(narration::wrap(status, width, "… ", "  "));
            if live.solving {
                continue;
            }
            let secs = live.started.elapsed().as_secs_f64();
            let due = task_words::hints_due(t, secs, self.hints_asked);
            for h in t.hints.iter().take(due) {
                let text = crate::lesson::model::with_urls(&h.text, self.server);
                let hint = vec![Span::raw(crate::tr!("task.hint", text = text))];
                out.extend(narration::wrap(hint, width, "  ", "  "));
            }
            let keys = vec![Span::styled(crate::tr!("task.keys"), theme.dim)];
            out.extend(narration::wrap(keys, width, "", ""));
        }
    }

    /// Who did each task of a run step, and the solution if it was played: after the step's
    /// other results, where the narration is scrolled to once the step has run.
    pub(super) fn task_verdicts(
        &self,
        r: &crate::lesson::run::StepReport,
        width: usize,
        theme: &Theme,
        out: &mut Vec<Line<'static>>,
    ) {
        for t in &r.tasks {
            out.push(Line::from(""));
            self.task_verdict(t, width, theme, out);
        }
    }

    fn task_verdict(
        &self,
        r: &crate::lesson::run::task::TaskReport,
        width: usize,
        theme: &Theme,
        out: &mut Vec<Line<'static>>,
    ) {
        if !r.actions.is_empty() {
            let head = vec![Span::raw(crate::tr!("task.solution"))];
            out.extend(narration::wrap(head, width, "", ""));
            for a in &r.actions {
                let (mark, style) = if a.outcome.is_ok() {
                    ("→ ", Style::new())
                } else {
                    ("✗ ", theme.bad)
                };
                out.extend(narration::wrap(
                    vec![Span::styled(a.line(), style)],
                    width,
                    mark,
                    "  ",
                ));
            }
        }
        let (ok, line) = task_words::verdict(r);
        let (mark, style) = if ok {
            ("✓ ", theme.ok)
        } else {
            ("✗ ", theme.bad)
        };
        let spans = vec![
            Span::styled(mark, style.add_modifier(Modifier::BOLD)),
            Span::raw(line),
        ];
        out.extend(narration::wrap(spans, width, "", "  "));
    }
}

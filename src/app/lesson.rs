//! The lesson player: narration left, the lesson's own traffic right, updating live while a
//! step's actions run. The `Player` of `crate::lesson::run` lives in a task this screen owns;
//! dropping the screen closes its channel and the task finishes the player in the background.

use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::msg::{LessonUpdate, Msg};
use super::narration;
use super::traffic::Traffic;
use crate::lesson::learn::right_answer;
use crate::lesson::markdown;
use crate::lesson::model::{Answer, Lesson, Question};
use crate::lesson::run::log::Log;
use crate::lesson::run::{Player, StepReport};
use crate::ui::Theme;

/// How often the log is read for new events while a step runs.
const FORWARD: Duration = Duration::from_millis(50);

/// A learner's answer to one question, judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub text: String,
    pub correct: bool,
}

pub struct LessonScreen {
    pub lesson: Lesson,
    /// The lesson's place in the course, 1-based, as the home screen numbers it.
    pub number: usize,
    /// The step shown (0-based).
    pub step: usize,
    /// Each step's report, once run.
    pub reports: Vec<Option<StepReport>>,
    /// Each step's answers, per question.
    pub answers: Vec<Vec<Option<Given>>>,
    /// The step whose actions are running.
    pub running: Option<usize>,
    /// Why the player stopped, shown in place of results.
    pub failed: Option<String>,
    pub server: Option<SocketAddr>,
    /// Narration lines scrolled by the learner; `None` follows the step (its top before it
    /// runs, its results after).
    pub scroll: Option<u16>,
    /// The offset last drawn, so scrolling starts from what is on screen.
    shown: Cell<u16>,
    generation: u64,
    /// Step numbers to run, to the player task; `None` when no runtime is at hand.
    cmd: Option<UnboundedSender<usize>>,
    pub traffic: Traffic,
}

impl LessonScreen {
    /// The screen on its first step, nothing run yet; `start` gives it a player.
    pub fn new(lesson: Lesson, number: usize, generation: u64) -> LessonScreen {
        let n = lesson.steps.len();
        LessonScreen {
            reports: vec![None; n],
            answers: lesson
                .steps
                .iter()
                .map(|s| vec![None; s.questions.len()])
                .collect(),
            lesson,
            number,
            step: 0,
            running: None,
            failed: None,
            server: None,
            scroll: None,
            shown: Cell::new(0),
            generation,
            cmd: None,
            traffic: Traffic::default(),
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Starts the lesson's server and player on `rt`; what it does arrives as `Msg::Lesson`.
    pub fn start(&mut self, rt: &Handle, tx: UnboundedSender<Msg>) {
        let (cmd_tx, mut cmd_rx) = unbounded_channel::<usize>();
        self.cmd = Some(cmd_tx);
        let lesson = self.lesson.clone();
        let generation = self.generation;
        rt.spawn(async move {
            let send = |update| {
                let _ = tx.send(Msg::Lesson { generation, update });
            };
            let mut player = match Player::start(lesson).await {
                Ok(p) => p,
                Err(e) => return send(LessonUpdate::Failed(e)),
            };
            send(LessonUpdate::Started {
                addr: player.addr(),
                live: super::traffic::LiveClock {
                    clock: player.clock(),
                    control: player.control(),
                    configured: Player::configured_keepalive(),
                },
            });
            let log = player.log();
            let mut forwarded = 0;
            while let Some(index) = cmd_rx.recv().await {
                let report = {
                    let run = player.run_step(index);
                    tokio::pin!(run);
                    let mut tick = tokio::time::interval(FORWARD);
                    loop {
                        tokio::select! {
                            r = &mut run => break r,
                            _ = tick.tick() => forward(&log, &mut forwarded, &send),
                        }
                    }
                };
                forward(&log, &mut forwarded, &send);
                send(match report {
                    Some(r) => LessonUpdate::Step {
                        index,
                        report: Box::new(r),
                    },
                    None => LessonUpdate::Failed(format!("the lesson has no step {}", index + 1)),
                });
            }
            // The screen is gone: close the clients and the server.
            let _ = player.finish().await;
        });
    }

    /// The step shown, with its report and questions: what Enter does next.
    pub fn advance(&mut self) -> Result<(), String> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.running.is_some() {
            return Err("the step is still running".to_string());
        }
        if self.reports.get(self.step).is_some_and(Option::is_some) {
            if self.step + 1 < self.lesson.steps.len() {
                self.step += 1;
                self.scroll = None;
            }
            return Ok(());
        }
        // Steps build on each other: an earlier one not run yet runs first.
        let first = self
            .reports
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.step);
        let Some(cmd) = &self.cmd else {
            return Err("the lesson needs the runtime (not in this test)".to_string());
        };
        if cmd.send(first).is_err() {
            return Err("the lesson's player has stopped".to_string());
        }
        self.step = first;
        self.running = Some(first);
        self.scroll = None;
        Ok(())
    }

    pub fn back(&mut self) {
        if self.step > 0 {
            self.step -= 1;
            self.scroll = None;
        }
    }

    pub fn scroll_by(&mut self, delta: i32) {
        let now = i32::from(self.scroll.unwrap_or(self.shown.get()));
        self.scroll = Some((now + delta).clamp(0, i32::from(u16::MAX)) as u16);
    }

    /// A report from the player task.
    pub fn on_update(&mut self, update: LessonUpdate) {
        match update {
            LessonUpdate::Started { addr, live } => {
                self.server = Some(addr);
                self.traffic.live = Some(live);
            }
            LessonUpdate::Events(events) => {
                let follow = self.traffic.at_end();
                for ev in &events {
                    self.traffic.push(ev);
                }
                if follow {
                    self.traffic.select_last();
                }
            }
            LessonUpdate::Step { index, report } => {
                if let Some(r) = self.reports.get_mut(index) {
                    *r = Some(*report);
                }
                self.running = None;
                if index == self.step {
                    self.scroll = None;
                }
            }
            LessonUpdate::Failed(e) => {
                self.running = None;
                self.failed = Some(e);
            }
        }
    }

    /// The current step's first question not answered yet, once the step has run.
    pub fn open_question(&self) -> Option<(usize, &Question)> {
        self.reports.get(self.step)?.as_ref()?;
        let step = self.lesson.steps.get(self.step)?;
        let answers = self.answers.get(self.step)?;
        step.questions
            .iter()
            .enumerate()
            .find(|(i, _)| answers.get(*i).is_some_and(Option::is_none))
    }

    /// Answers the open question with `given` (a choice's number, or typed text); the question's
    /// number and the judged answer, for saving.
    pub fn answer(&mut self, given: &str) -> Result<(usize, Given), String> {
        let Some((q, question)) = self.open_question() else {
            return Err("no question to answer on this step".to_string());
        };
        let events = self.reports[self.step]
            .as_ref()
            .map_or(&[][..], |r| &r.events[..]);
        let Some(right) = right_answer(question, events) else {
            return Err("this step's traffic holds no answer to its question".to_string());
        };
        let given = given.trim().to_string();
        let correct = match &question.answer {
            Answer::Choice { choices, correct } => {
                let n = given.parse::<usize>().ok();
                if n.is_none_or(|n| n == 0 || n > choices.len()) {
                    return Err(format!("answer with 1-{}", choices.len()));
                }
                n == Some(*correct)
            }
            Answer::FromTraffic { .. } => given == right.trim(),
        };
        let g = Given {
            text: given,
            correct,
        };
        self.answers[self.step][q] = Some(g.clone());
        Ok((q, g))
    }

    /// The title, the narration and the step's status, and the line the status starts at.
    fn lines(&self, width: usize, theme: &Theme) -> (Vec<Line<'static>>, usize) {
        let Some(step) = self.lesson.steps.get(self.step) else {
            return (vec![Line::from("This lesson has no steps.")], 0);
        };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut out = narration::wrap(vec![Span::styled(step.title.clone(), bold)], width, "", "");
        out.push(Line::from(""));
        out.extend(narration::render(
            &markdown::parse(&step.text),
            width,
            theme,
        ));
        out.push(Line::from(""));
        let status = out.len();
        let mut say = |spans: Vec<Span<'static>>, first: &str, indent: &str| {
            out.extend(narration::wrap(spans, width, first, indent));
        };
        let report = self.reports.get(self.step).and_then(Option::as_ref);
        if let Some(e) = &self.failed {
            say(vec![Span::styled(format!("✗ {e}"), theme.bad)], "", "  ");
        } else if self.running == Some(self.step) {
            say(vec![Span::styled("running…", bold)], "", "");
        } else if report.is_none() {
            let what = if step.actions.is_empty() {
                "check this step"
            } else {
                "run this step's actions"
            };
            say(vec![Span::raw(format!("Enter: {what}."))], "", "");
        }
        if let Some(r) = report {
            self.results(r, width, theme, &mut out);
            self.questions(width, theme, &mut out);
            let next = if self.step + 1 < self.lesson.steps.len() {
                "Enter: the next step.".to_string()
            } else {
                "The lesson is over: Esc for the course.".to_string()
            };
            out.push(Line::from(""));
            out.extend(narration::wrap(vec![Span::raw(next)], width, "", ""));
        }
        (out, status)
    }

    fn results(&self, r: &StepReport, width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
        for a in &r.actions {
            let line = match &a.outcome {
                Ok(_) => vec![Span::raw(a.line())],
                Err(_) => vec![Span::styled(a.line(), theme.bad)],
            };
            let mark = if a.outcome.is_ok() { "→ " } else { "✗ " };
            out.extend(narration::wrap(line, width, mark, "  "));
        }
        if let Some(t) = &r.table {
            out.push(Line::from(""));
            out.extend(
                crate::lesson::transcript::table_lines(t, 1)
                    .into_iter()
                    .map(Line::from),
            );
        }
        if !r.verdicts.is_empty() {
            out.push(Line::from(""));
        }
        for v in &r.verdicts {
            let (mark, style) = if v.ok {
                ("✓ ", theme.ok)
            } else {
                ("✗ ", theme.bad)
            };
            let spans = vec![
                Span::styled(mark, style.add_modifier(Modifier::BOLD)),
                Span::raw(format!("{} ", v.says)),
                Span::styled(format!("({})", v.saw), theme.dim),
            ];
            out.extend(narration::wrap(spans, width, "", "  "));
        }
    }

    fn questions(&self, width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
        let Some(step) = self.lesson.steps.get(self.step) else {
            return;
        };
        let open = self.open_question().map(|(i, _)| i);
        let bold = Style::new().add_modifier(Modifier::BOLD);
        for (i, q) in step.questions.iter().enumerate() {
            out.push(Line::from(""));
            let ask = vec![Span::styled(q.ask.clone(), bold)];
            out.extend(narration::wrap(ask, width, "? ", "  "));
            if let Answer::Choice { choices, .. } = &q.answer {
                for (n, c) in choices.iter().enumerate() {
                    let mark = format!("  {}) ", n + 1);
                    let indent = " ".repeat(mark.chars().count());
                    out.extend(narration::wrap(
                        vec![Span::raw(c.clone())],
                        width,
                        &mark,
                        &indent,
                    ));
                }
            }
            let given = self
                .answers
                .get(self.step)
                .and_then(|a| a.get(i))
                .cloned()
                .flatten();
            let line = match (given, &q.answer) {
                (Some(g), _) if g.correct => vec![
                    Span::styled("✓ Right. ", theme.ok.add_modifier(Modifier::BOLD)),
                    Span::raw(q.explain.clone()),
                ],
                (Some(g), answer) => {
                    let events = self.reports[self.step]
                        .as_ref()
                        .map_or(&[][..], |r| &r.events[..]);
                    let right = right_answer(q, events).unwrap_or_default();
                    let shown = match answer {
                        Answer::Choice { correct, .. } => format!("{correct}) {right}"),
                        Answer::FromTraffic { .. } => right,
                    };
                    vec![
                        Span::styled(
                            format!("✗ Not quite (you said {}): ", g.text),
                            theme.bad.add_modifier(Modifier::BOLD),
                        ),
                        Span::raw(format!("the answer is {shown}. {}", q.explain)),
                    ]
                }
                (None, _) if open != Some(i) => continue,
                (None, Answer::Choice { choices, .. }) => {
                    vec![Span::raw(format!("Press 1-{} to answer.", choices.len()))]
                }
                (None, Answer::FromTraffic { .. }) => {
                    vec![Span::raw("Press a to type your answer.")]
                }
            };
            out.extend(narration::wrap(line, width, "", "  "));
        }
    }

    pub fn draw_side(&self, f: &mut Frame, area: Rect, theme: &Theme, note: &str) {
        let n = self.lesson.steps.len();
        let title = format!(" {} · {} ", self.number, self.lesson.title);
        let step = format!(" step {}/{n} ", (self.step + 1).min(n));
        // A narrow pane keeps the whole title on top and says the step along the bottom.
        let fits = title.chars().count() + step.chars().count() + 2 <= usize::from(area.width);
        let block = Block::new()
            .borders(Borders::ALL)
            .title(Line::from(title).style(theme.title));
        let filter = self
            .traffic
            .filter_line()
            .map(|f| format!(" filter: {f} "))
            .unwrap_or_default();
        let block = if fits {
            block
                .title_top(Line::from(step).right_aligned())
                .title_bottom(Line::from(filter))
        } else {
            block.title_bottom(Line::from(format!("{step}{filter}")))
        };
        let inner = block.inner(area);
        let width = usize::from(inner.width.max(1));
        let (lines, status) = self.lines(width, theme);
        // The note (why a key did nothing) stays in sight at the bottom, however the narration
        // is scrolled: under a separating rule, at most half the pane.
        let note_lines = if note.is_empty() {
            Vec::new()
        } else {
            let mut v = vec![Line::styled("─".repeat(width), theme.dim)];
            v.extend(narration::wrap(
                vec![Span::styled(note.to_string(), theme.dim)],
                width,
                "",
                "",
            ));
            v
        };
        let note_h = (note_lines.len() as u16).min(inner.height / 2);
        let [text_area, note_area] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(note_h)]).areas(inner);
        let height = usize::from(text_area.height);
        let max = lines.len().saturating_sub(height);
        // Before a step runs, its narration from the top; while it runs (or when the player
        // failed), its status; once run, its newest lines (the question, the verdict on the
        // answer, what Enter does next).
        let auto = if self.reports.get(self.step).is_some_and(Option::is_some) {
            max
        } else if self.running == Some(self.step) || self.failed.is_some() {
            status.min(max)
        } else {
            0
        };
        let offset = self.scroll.map_or(auto, usize::from).min(max);
        self.shown.set(offset as u16);
        let more = match (offset > 0, offset < max) {
            (true, true) => " ↑↓ K/J more ",
            (true, false) => " ↑ K more ",
            (false, true) => " ↓ J more ",
            (false, false) => "",
        };
        let block = block.title_bottom(Line::from(more).right_aligned());
        f.render_widget(block, area);
        f.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), text_area);
        f.render_widget(Paragraph::new(note_lines), note_area);
    }
}

/// Sends the log's entries not sent yet, as one batch.
fn forward(log: &Arc<Mutex<Log>>, sent: &mut usize, send: &impl Fn(LessonUpdate)) {
    let events: Vec<_> = {
        let l = log.lock().unwrap_or_else(PoisonError::into_inner);
        let new = l.entries.get(*sent..).unwrap_or_default();
        *sent += new.len();
        new.iter().map(|e| e.ev.clone()).collect()
    };
    if !events.is_empty() {
        send(LessonUpdate::Events(events));
    }
}

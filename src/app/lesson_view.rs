//! The lesson screen's side pane: the step's title and narration, what its actions did, the
//! verdicts and table, its questions, and what Enter does next.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::lesson::LessonScreen;
use super::narration;
use crate::lesson::learn::right_answer;
use crate::lesson::markdown;
use crate::lesson::model::Answer;
use crate::lesson::run::StepReport;
use crate::ui::Theme;

impl LessonScreen {
    /// The shown step's table of measures, once run, unless the learner hid it.
    pub fn shown_table(&self) -> Option<&crate::lesson::run::TableReport> {
        if self.table_hidden == Some(self.step) {
            return None;
        }
        self.reports.get(self.step)?.as_ref()?.table.as_ref()
    }

    /// `T`: hides the step's table, or shows it again.
    pub fn toggle_table(&mut self) -> Result<(), String> {
        let has = self
            .reports
            .get(self.step)
            .and_then(Option::as_ref)
            .is_some_and(|r| r.table.is_some());
        if !has {
            return Err(crate::tr!("lesson_screen.no_table"));
        }
        self.table_hidden = match self.table_hidden {
            Some(s) if s == self.step => None,
            _ => Some(self.step),
        };
        Ok(())
    }

    /// The title, the narration and the step's status, and the line the status starts at.
    fn lines(&self, width: usize, theme: &Theme) -> (Vec<Line<'static>>, usize) {
        let Some(step) = self.lesson.steps.get(self.step) else {
            return (vec![Line::from(crate::tr!("lesson_screen.no_steps"))], 0);
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
        } else if let Some(status) = self.task_status() {
            say(vec![Span::styled(status, bold)], "", "");
        } else if self.running == Some(self.step) {
            say(
                vec![Span::styled(crate::tr!("lesson_screen.running"), bold)],
                "",
                "",
            );
        } else if report.is_none() {
            let what = if !step.tasks.is_empty() {
                crate::tr!("task.enter_start")
            } else if step.actions.is_empty() {
                crate::tr!("lesson_screen.enter_check")
            } else {
                crate::tr!("lesson_screen.enter_run")
            };
            say(vec![Span::raw(what)], "", "");
        }
        self.task_lines(width, theme, &mut out);
        if let Some(r) = report {
            self.results(r, width, theme, &mut out);
            self.task_verdicts(r, width, theme, &mut out);
            self.questions(width, theme, &mut out);
            if self.step + 1 < self.lesson.steps.len() {
                out.push(Line::from(""));
                let next = vec![Span::raw(crate::tr!("lesson_screen.enter_next"))];
                out.extend(narration::wrap(next, width, "", ""));
            } else {
                out.extend(self.end_lines(width, theme));
            }
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
        if r.table.is_some() {
            // The table has its own full-width pane: the narration pane would cut its numbers.
            let say = if self.shown_table().is_some() {
                crate::tr!("lesson_screen.table_below")
            } else {
                crate::tr!("lesson_screen.table_hidden")
            };
            out.push(Line::from(""));
            out.extend(narration::wrap(
                vec![Span::styled(say, theme.title)],
                width,
                "",
                "  ",
            ));
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
                    let indent = " ".repeat(crate::lesson::wrap::cols(&mark));
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
                    Span::styled(
                        crate::tr!("lesson_screen.right"),
                        theme.ok.add_modifier(Modifier::BOLD),
                    ),
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
                            crate::tr!("lesson_screen.not_quite", given = g.text),
                            theme.bad.add_modifier(Modifier::BOLD),
                        ),
                        Span::raw(crate::tr!(
                            "lesson_screen.the_answer",
                            shown = shown,
                            explain = q.explain
                        )),
                    ]
                }
                (None, _) if open != Some(i) => continue,
                (None, Answer::Choice { choices, .. }) => {
                    vec![Span::raw(crate::tr!(
                        "lesson_screen.press_choice",
                        n = choices.len()
                    ))]
                }
                (None, Answer::FromTraffic { .. }) => {
                    vec![Span::raw(crate::tr!("lesson_screen.press_type"))]
                }
            };
            out.extend(narration::wrap(line, width, "", "  "));
        }
    }

    pub fn draw_side(&self, f: &mut Frame, area: Rect, theme: &Theme, note: &str) {
        let n = self.lesson.steps.len();
        let title = format!(" {} · {} ", self.number, self.lesson.title);
        let step = crate::tr!(
            "lesson_screen.step_of",
            n = (self.step + 1).min(n),
            total = n
        );
        // A narrow pane keeps the whole title on top and says the step along the bottom.
        let fits =
            crate::ui::width(&title) + crate::ui::width(&step) + 2 <= usize::from(area.width);
        // A title wider than the pane ends in `…`; it is whole on the home screen.
        let title = crate::ui::fit(&title, usize::from(area.width.saturating_sub(2)));
        let block = Block::new()
            .borders(Borders::ALL)
            .title(Line::from(title).style(theme.title));
        let filter = self
            .shown()
            .filter_line()
            .map(|f| crate::tr!("lesson_screen.filter", filter = crate::ui::visible(f)))
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
            (true, true) => crate::tr!("lesson_screen.more_both"),
            (true, false) => crate::tr!("lesson_screen.more_up"),
            (false, true) => crate::tr!("lesson_screen.more_down"),
            (false, false) => String::new(),
        };
        let block = block.title_bottom(Line::from(more).right_aligned());
        f.render_widget(block, area);
        f.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), text_area);
        f.render_widget(Paragraph::new(note_lines), note_area);
    }
}

impl super::traffic::Traffic {
    /// Gives the rows the labels of the step's events (the narration names them: `poll`, `ws`).
    pub fn label_rows(&mut self, events: &[crate::lesson::run::log::Entry]) {
        self.session.label_rows(
            events
                .iter()
                .filter(|e| !e.replayed)
                .filter_map(|e| Some((e.ev.conn, e.ev.ts, e.label.as_deref()?))),
        );
    }
}

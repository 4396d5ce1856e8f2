//! The end of a lesson on its screen: the score (right answers of those asked), each wrong or
//! missing answer to review with the right one, and where to go next (the interview recap).

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::lesson::LessonScreen;
use super::narration;
use crate::lesson::answer::right_answer;
use crate::lesson::model::Answer;
use crate::ui::Theme;

impl LessonScreen {
    /// Right answers, questions asked (of the steps run) and questions not answered yet.
    pub fn score(&self) -> (usize, usize, usize) {
        let (mut right, mut asked, mut open) = (0, 0, 0);
        for (i, step) in self.lesson.steps.iter().enumerate() {
            if self.reports.get(i).is_none_or(Option::is_none) {
                continue;
            }
            for q in 0..step.questions.len() {
                asked += 1;
                match self
                    .answers
                    .get(i)
                    .and_then(|a| a.get(q))
                    .cloned()
                    .flatten()
                {
                    Some(g) if g.correct => right += 1,
                    Some(_) => {}
                    None => open += 1,
                }
            }
        }
        (right, asked, open)
    }

    /// The lines after the last step's results.
    pub(super) fn end_lines(&self, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut out = vec![Line::from("")];
        if self.open_question().is_some() {
            // The question stays the last thing on screen until it is answered.
            out.extend(narration::wrap(
                vec![Span::raw(crate::tr!("lesson_screen.ends_once_answered"))],
                width,
                "",
                "",
            ));
            return out;
        }
        let say = |out: &mut Vec<Line<'static>>, spans, first: &str, indent: &str| {
            out.extend(narration::wrap(spans, width, first, indent));
        };
        let mut review = Vec::new();
        for (i, step) in self.lesson.steps.iter().enumerate() {
            let Some(r) = self.reports.get(i).and_then(Option::as_ref) else {
                continue;
            };
            for (q, question) in step.questions.iter().enumerate() {
                let given = self
                    .answers
                    .get(i)
                    .and_then(|a| a.get(q))
                    .cloned()
                    .flatten();
                let said = match &given {
                    Some(g) if g.correct => continue,
                    Some(g) => crate::tr!("lesson_screen.you_said", given = g.text),
                    None => crate::tr!("lesson_screen.not_answered"),
                };
                let right = right_answer(question, &r.events).unwrap_or_default();
                let right = match &question.answer {
                    Answer::Choice { correct, .. } => format!("{correct}) {right}"),
                    Answer::FromTraffic { .. } => right,
                };
                review.push(vec![
                    Span::styled(
                        crate::tr!("lesson_screen.review_step", title = step.title),
                        bold,
                    ),
                    Span::raw(crate::tr!(
                        "lesson_screen.review_item",
                        ask = question.ask,
                        said = said,
                        right = right
                    )),
                ]);
            }
        }
        if !review.is_empty() {
            say(
                &mut out,
                vec![Span::raw(crate::tr!("lesson_screen.to_review"))],
                "",
                "",
            );
            for spans in review {
                say(&mut out, spans, "- ", "  ");
            }
            out.push(Line::from(""));
        }
        // The score last, where the pane's newest lines are: in sight even in a narrow pane.
        say(
            &mut out,
            vec![Span::styled(crate::tr!("lesson_screen.over"), bold)],
            "",
            "",
        );
        let (right, asked, open) = self.score();
        let score = match (asked, open) {
            (0, _) => crate::tr!("lesson_screen.no_questions"),
            (n, 0) => crate::tr!("lesson_screen.score", right = right, n = n),
            (n, o) => crate::tr!("lesson_screen.score_open", right = right, n = n, open = o),
        };
        let style = if right < asked { theme.bad } else { theme.ok };
        let score = vec![Span::styled(score, style.add_modifier(Modifier::BOLD))];
        say(&mut out, score, "", "");
        let next = if self.last_in_course {
            crate::tr!("lesson_screen.course_done")
        } else {
            crate::tr!("lesson_screen.next_recap")
        };
        say(&mut out, vec![Span::raw(next)], "", "");
        out
    }
}

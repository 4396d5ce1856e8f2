//! The `i` overlay: the interview recap in the learner's own numbers (the text `duplex recap`
//! prints), over any screen; scrolls when taller than the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;

use super::layout::overlay;
use crate::lesson::model::Lesson;
use crate::lesson::progress::Progress;
use crate::lesson::recap;
use crate::lesson::wrap::wrap;

/// The recap's lines for a box `width` columns wide inside.
pub fn lines(p: &Progress, course: &[Lesson], width: usize) -> Vec<Line<'static>> {
    let width = width.max(20);
    let mut out = Vec::new();
    for (i, para) in recap::paragraphs(p, course).into_iter().enumerate() {
        let item = para.starts_with("- ");
        if !item && i > 0 {
            out.push(Line::from(""));
        }
        let indent = if item {
            "  "
        } else if para.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            "   "
        } else {
            ""
        };
        let style = if i == 0 {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        out.extend(
            wrap(&crate::ui::visible(&para), width, "", indent)
                .into_iter()
                .map(|l| Line::styled(l, style)),
        );
    }
    out.push(Line::from(""));
    out.push(Line::from(crate::tr!("recap.overlay_print")));
    out
}

pub fn draw(f: &mut Frame, area: Rect, scroll: u16, p: &Progress, course: &[Lesson]) {
    let w = area.width.min(90);
    let all = lines(p, course, usize::from(w.saturating_sub(2)));
    overlay(f, area, w, all, scroll, &crate::tr!("recap.overlay_title"));
}

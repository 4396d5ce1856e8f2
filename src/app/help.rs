//! The `?` overlay: every key, grouped by where it applies; scrolls when the terminal is small.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::keys::{KEYS, Scope};
use super::layout::overlay;

/// What the mouse does, listed with the keys of the same place.
const MOUSE: &[(&str, &str, Scope)] = &[
    ("wheel", "move the selection up or down", Scope::Everywhere),
    ("click", "select a line of the home list", Scope::Everywhere),
    (
        "click",
        "select a ladder line; focus a pane",
        Scope::Traffic,
    ),
];

/// The help's lines within `width` columns, titles included; a description too long for the
/// line goes on under itself.
pub fn lines(width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for scope in [
        Scope::Everywhere,
        Scope::Traffic,
        Scope::Replay,
        Scope::Sandbox,
        Scope::Lesson,
    ] {
        if !out.is_empty() {
            out.push(Line::from(""));
        }
        out.push(Line::from(Span::styled(
            scope.title(),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )));
        let mouse = MOUSE.iter().filter(|m| m.2 == scope).map(|m| (m.0, m.1));
        let keys = KEYS.iter().filter(|k| k.2 == scope).map(|k| (k.0, k.1));
        for (keys, what) in keys.chain(mouse) {
            let first = format!("  {keys:<15}");
            let indent = " ".repeat(crate::ui::width(&first));
            let mut lines = super::narration::wrap(vec![Span::raw(what)], width, &first, &indent);
            if let Some(s) = lines.first_mut().and_then(|l| l.spans.first_mut()) {
                s.style = Style::new().add_modifier(Modifier::BOLD);
            }
            out.extend(lines);
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, scroll: u16) {
    let w = area.width.min(76);
    overlay(
        f,
        area,
        w,
        lines(usize::from(w.saturating_sub(2))),
        scroll,
        "Keys",
    );
}

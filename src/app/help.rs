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

/// The help's lines, titles included.
pub fn lines() -> Vec<Line<'static>> {
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
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {keys:<15}"),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(what),
            ]));
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, scroll: u16) {
    overlay(f, area, 76, lines(), scroll, "Keys");
}

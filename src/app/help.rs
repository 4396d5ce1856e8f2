//! The `?` overlay: every key, grouped by where it applies; scrolls when the terminal is small.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::keys::{KEYS, Scope};
use super::layout::overlay;

/// What the mouse does, listed with the keys of the same place (catalog keys).
const MOUSE: &[(&str, &str, Scope)] = &[
    ("help.wheel", "help.wheel_does", Scope::Everywhere),
    ("help.click", "help.click_home", Scope::Everywhere),
    ("help.click", "help.click_traffic", Scope::Traffic),
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
        Scope::Composer,
    ] {
        if !out.is_empty() {
            out.push(Line::from(""));
        }
        out.push(Line::from(Span::styled(
            crate::tr!(scope.title()),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )));
        let mouse = MOUSE
            .iter()
            .filter(|m| m.2 == scope)
            .map(|m| (crate::tr!(m.0), m.1));
        let keys = KEYS
            .iter()
            .filter(|k| k.2 == scope)
            .map(|k| (k.0.to_string(), k.1));
        for (keys, what) in keys.chain(mouse) {
            let what = crate::tr!(what);
            // Padded by display columns: a Chinese mouse word is two columns a character.
            let pad = 15usize.saturating_sub(crate::ui::width(&keys));
            let first = format!("  {keys}{}", " ".repeat(pad));
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
        &crate::tr!("help.title"),
    );
}

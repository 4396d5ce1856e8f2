//! The `v` overlay: the course's terms (`assets/glossary.toml`, as `duplex glossary` prints
//! them), Chinese first when the interface is in Chinese; scrolls like the help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::layout::overlay;
use crate::lang::Lang;

/// The glossary's lines within `width` columns, wrapped whole.
pub fn lines(width: usize) -> Vec<Line<'static>> {
    let zh_first = crate::lang::current() == Lang::ZhCn;
    let mut out: Vec<Line<'static>> = crate::lesson::glossary::lines(width, zh_first)
        .into_iter()
        .map(Line::from)
        .collect();
    // The last term's blank line would only make the box taller.
    if out.last().is_some_and(|l| l.width() == 0) {
        out.pop();
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, scroll: u16) {
    let w = area.width.min(76);
    let name = crate::tr!("overlay.glossary");
    overlay(
        f,
        area,
        w,
        lines(usize::from(w.saturating_sub(2))),
        scroll,
        &name,
    );
}

//! Where the panes go: narration / controls left, ladder right, inspector below, lifetimes at the
//! bottom, a key bar last (DESIGN's sketch), shrinking sensibly down to 80x24.

use ratatui::layout::{Constraint, Layout, Rect};

/// Rows the narration and the ladder keep when the inspector's place grows.
pub const TOP_MIN: u16 = 8;

pub struct Areas {
    pub side: Rect,
    pub ladder: Rect,
    pub inspector: Rect,
    pub lifetimes: Rect,
    pub keys: Rect,
}

/// The traffic screens' panes inside `area`.
pub fn traffic(area: Rect) -> Areas {
    traffic_with(area, 0)
}

/// The panes, the inspector's place at least `below` rows high (for a step's table of
/// measures) while the narration and ladder keep at least [`TOP_MIN`] rows.
pub fn traffic_with(area: Rect, below: u16) -> Areas {
    // Borders, the time axis, then at least one connection's bar from 24 rows up.
    let lifetimes_h = match area.height {
        30.. => 5,
        24.. => 4,
        _ => 3,
    };
    let inspector_h = (area.height * 3 / 10).max(6);
    // A taller table takes the lifetimes' rows first (they have their own full view), then
    // the top's down to TOP_MIN.
    let extra = below.saturating_sub(inspector_h);
    let from_lifetimes = extra.min(lifetimes_h);
    let lifetimes_h = lifetimes_h - from_lifetimes;
    let top = area.height.saturating_sub(1 + lifetimes_h + inspector_h);
    let from_top = (extra - from_lifetimes).min(top.saturating_sub(TOP_MIN));
    let inspector_h = inspector_h + from_lifetimes + from_top;
    let [top, inspector, lifetimes, keys] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(inspector_h),
        Constraint::Length(lifetimes_h),
        Constraint::Length(1),
    ])
    .areas(area);
    // The side pane keeps enough width for a sentence; the ladder gets the rest.
    let side_w = if area.width >= 100 {
        (area.width * 2 / 5).min(50)
    } else {
        30
    };
    let [side, ladder] =
        Layout::horizontal([Constraint::Length(side_w), Constraint::Min(20)]).areas(top);
    Areas {
        side,
        ladder,
        inspector,
        lifetimes,
        keys,
    }
}

/// A box of at most `w` x `h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A box `w` wide (at most) in the middle of `area` holding `lines`, scrolled by `scroll`,
/// titled `name` and how to close it.
pub fn overlay(
    f: &mut ratatui::Frame,
    area: Rect,
    w: u16,
    lines: Vec<ratatui::text::Line<'static>>,
    scroll: u16,
    name: &str,
) {
    use ratatui::widgets::{Block, Borders, Clear, Paragraph};
    let h = lines.len() as u16 + 2;
    let box_ = centered(area, w, h);
    let max_scroll = h.saturating_sub(box_.height);
    let title = if max_scroll > 0 {
        crate::tr!("overlay.title_scroll", name = name)
    } else {
        crate::tr!("overlay.title", name = name)
    };
    let scroll = scroll.min(max_scroll);
    let more = match (scroll > 0, scroll < max_scroll) {
        (true, true) => crate::tr!("overlay.more_both"),
        (true, false) => crate::tr!("overlay.more_up"),
        (false, true) => crate::tr!("overlay.more_down"),
        (false, false) => String::new(),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(ratatui::text::Line::from(more).right_aligned());
    f.render_widget(Clear, box_);
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)).block(block), box_);
}

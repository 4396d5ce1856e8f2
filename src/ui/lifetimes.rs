//! Lifetimes: one bar per TCP connection over the session's time span: `█` traffic, `▒` open
//! and idle, blank before the open and after the close, then how it ended in words.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use super::text::{fit, pad, pane};
use crate::proto::event::CloseHow;
use crate::proto::{Dir, Timestamp};
use crate::session::{ActivityGrid, ConnInfo, Session};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LifetimesState {
    /// The present (live) or the end of the capture (replay): the bars' right edge.
    pub now: Timestamp,
    /// The server's keep-alive timeout, for the countdown on idle HTTP connections.
    pub keepalive: Option<Duration>,
    /// First connection shown.
    pub offset: usize,
    pub focused: bool,
}

const NAME: usize = 11;
const STATUS: usize = 30;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    state: &LifetimesState,
    theme: &Theme,
) {
    // When not every connection fits, the title says so and names the full view's key.
    let n = session.conns().len();
    let rows = usize::from(area.height.saturating_sub(3));
    let title = if n > rows {
        crate::tr!("views.lifetimes.title_some", shown = rows.min(n), n = n)
    } else {
        crate::tr!("views.lifetimes.title")
    };
    let block = pane(title, state.focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let conns = session.conns();
    let (Some(grid), false) = (session.grid(), conns.is_empty()) else {
        frame.render_widget(
            Paragraph::new(Line::styled(crate::tr!("views.lifetimes.empty"), theme.dim)),
            inner,
        );
        return;
    };
    let end = state.now.max(session.last_ts());
    let bar = width.saturating_sub(NAME + STATUS + 3).max(1);
    let span = end.0.saturating_sub(grid.origin.0).max(1);
    let mut lines = vec![Line::styled(
        pad(
            &format!(
                "{} 0 s{}{:.3} s",
                pad(&crate::tr!("views.lifetimes.conn"), NAME),
                " ".repeat(bar.saturating_sub(8)),
                span as f64 / 1e9
            ),
            width,
        ),
        theme.dim,
    )];
    let start = state.offset.min(conns.len().saturating_sub(1));
    for c in conns.iter().skip(start).take(height.saturating_sub(1)) {
        let name = pad(&format!("#{} {}", c.id, c.client_port()), NAME);
        let cells = bar_cells(c, &grid, end, bar);
        let (status, style) = status(c, state, end, theme);
        lines.push(Line::from(vec![
            Span::styled(name, theme.client),
            Span::raw("▕"),
            Span::styled(cells, theme.client),
            Span::raw("▏ "),
            Span::styled(fit(&status, STATUS), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One character per slice of `origin..end`: cost O(width), whatever the session's length.
pub(super) fn bar_cells(c: &ConnInfo, grid: &ActivityGrid, end: Timestamp, width: usize) -> String {
    let origin = grid.origin.0;
    let span = end.0.saturating_sub(origin).max(1);
    let closed = c.closed.map(|x| x.at.0);
    (0..width)
        .map(|i| {
            let from = origin + (span as u128 * i as u128 / width as u128) as u64;
            let to = origin + (span as u128 * (i + 1) as u128 / width as u128) as u64;
            let before_open = to <= c.opened.0 && !(from..=to).contains(&c.opened.0);
            let after_close = closed.is_some_and(|t| from > t);
            if before_open || after_close {
                ' '
            } else if grid.active(
                c,
                Timestamp(from),
                Timestamp(to.saturating_sub(1).max(from)),
            ) {
                '█'
            } else {
                '▒'
            }
        })
        .collect()
}

pub(super) fn status(
    c: &ConnInfo,
    state: &LifetimesState,
    now: Timestamp,
    theme: &Theme,
) -> (String, ratatui::style::Style) {
    if let Some(closed) = c.closed {
        let by = match closed.by {
            Some(Dir::C2s) => crate::tr!("views.lifetimes.by_client"),
            Some(Dir::S2c) => crate::tr!("views.lifetimes.by_server"),
            None => String::new(),
        };
        let s = match closed.how {
            CloseHow::Fin => crate::tr!("views.lifetimes.closed", by = by),
            CloseHow::Rst => crate::tr!("views.lifetimes.reset", by = by),
            CloseHow::Eof => crate::tr!("views.lifetimes.open_at_end", kind = c.kind.as_str()),
            CloseHow::Timeout => crate::tr!(
                "views.lifetimes.timeout",
                why = super::text::stall_short(closed.why),
                by = by
            ),
        };
        let style = if closed.how == CloseHow::Rst {
            theme.bad
        } else {
            theme.dim
        };
        return (s, style);
    }
    if c.idle_keep_alive()
        && let Some(timeout) = state.keepalive
    {
        let idle = now.0.saturating_sub(c.last_activity.0);
        let left = (timeout.as_nanos() as u64).saturating_sub(idle);
        return if left > 0 {
            (
                crate::tr!(
                    "views.lifetimes.closes_in",
                    s = format!("{:.1}", left as f64 / 1e9)
                ),
                theme.server,
            )
        } else {
            (crate::tr!("views.lifetimes.timeout_passed"), theme.server)
        };
    }
    let what = if c.busy() {
        crate::tr!("views.lifetimes.busy", kind = c.kind.as_str())
    } else {
        crate::tr!("views.lifetimes.open", kind = c.kind.as_str())
    };
    (what, theme.ok)
}

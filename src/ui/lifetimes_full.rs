//! The lifetimes over the whole screen: every connection of the session on one time axis in
//! seconds from the session's start, each with how it ended, by whom and when, so a story like
//! "eight short bars against one long bar" or "closed by the server's idle timeout" shows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use super::lifetimes::{LifetimesState, bar_cells, status};
use super::text::{fit, pad, pane, width as cols};
use crate::proto::event::CloseHow;
use crate::proto::{Dir, Timestamp};
use crate::session::{ConnInfo, Session};

const NAME: usize = 11;
/// "opened" and "lived" in seconds, and the gaps around them.
const TIMES: usize = 19;

/// Draws every connection from `state.offset` on, as many as fit.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    state: &LifetimesState,
    theme: &Theme,
) {
    let conns = session.conns();
    let title = if conns.len() == 1 {
        crate::tr!("views.lifetimes.full_title_one")
    } else {
        crate::tr!("views.lifetimes.full_title", n = conns.len())
    };
    let block = pane(
        fit(&title, usize::from(area.width.saturating_sub(4))),
        true,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let Some(grid) = session.grid().filter(|_| !conns.is_empty()) else {
        let none = Line::styled(crate::tr!("views.lifetimes.empty"), theme.dim);
        frame.render_widget(Paragraph::new(none), inner);
        return;
    };
    let origin = grid.origin;
    let end = state.now.max(session.last_ts());
    // Two lines of axis on top, the tally and the legend at the bottom.
    let rows = height.saturating_sub(4).max(1);
    let first = state.offset.min(conns.len().saturating_sub(rows));
    let shown = &conns[first..conns.len().min(first + rows)];
    let ends: Vec<(String, ratatui::style::Style)> = shown
        .iter()
        .map(|c| ending(session, c, state, end, theme))
        .collect();
    let status_w = ends
        .iter()
        .map(|(s, _)| cols(s))
        .max()
        .unwrap_or(0)
        .min(width * 2 / 5);
    // The bar, then when it opened and how long it lived, then how it ended.
    let bar = width.saturating_sub(NAME + 3 + TIMES + status_w).max(1);
    let span_s = end.secs_since(origin).max(1e-3);
    let (labels, ticks) = axis(span_s, bar, bar + 2);
    // Padded by display columns: the Chinese headings are two columns a character.
    let head = format!(
        "{}{}",
        pad(&crate::tr!("views.lifetimes.seconds"), NAME),
        pad(&labels, bar + 2)
    );
    let head = format!(
        "{head} {} {}  {}",
        rpad(&crate::tr!("views.lifetimes.opened"), 7),
        rpad(&crate::tr!("views.lifetimes.lived"), 8),
        crate::tr!("views.lifetimes.how_ended")
    );
    let mut lines = vec![
        Line::styled(pad(&head, width), theme.dim),
        Line::styled(pad(&format!("{:NAME$}{ticks}", ""), width), theme.dim),
    ];
    for (c, (s, style)) in shown.iter().zip(ends) {
        let lived = c.closed.map_or(end, |x| x.at).secs_since(c.opened);
        let opened = c.opened.secs_since(origin);
        lines.push(Line::from(vec![
            Span::styled(
                pad(&format!("#{} {}", c.id, c.client_port()), NAME),
                theme.client,
            ),
            Span::raw("▕"),
            Span::styled(bar_cells(c, &grid, end, bar), theme.client),
            Span::raw("▏ "),
            Span::raw(format!("{opened:>7.3} {lived:>8.3}  ")),
            Span::styled(fit(&s, status_w), style),
        ]));
    }
    while lines.len() < height.saturating_sub(2) {
        lines.push(Line::raw(""));
    }
    let more = conns.len().saturating_sub(first + shown.len());
    let more = match (first, more) {
        (0, 0) => String::new(),
        (a, b) => crate::tr!("views.lifetimes.above_below", a = a, b = b),
    };
    lines.push(Line::styled(
        fit(&format!("  {}{more}", tally(conns)), width),
        theme.title,
    ));
    lines.push(Line::styled(
        fit(&crate::tr!("views.lifetimes.legend"), width),
        theme.dim,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How a connection ended, by whom and when; or what it is doing now.
fn ending(
    session: &Session,
    c: &ConnInfo,
    state: &LifetimesState,
    now: Timestamp,
    theme: &Theme,
) -> (String, ratatui::style::Style) {
    let (how, style) = how_it_ended(c, state, now, theme);
    match session.conn_label(c.id) {
        Some(l) => (format!("{how} [{}]", super::text::visible(l)), style),
        None => (how, style),
    }
}

fn how_it_ended(
    c: &ConnInfo,
    state: &LifetimesState,
    now: Timestamp,
    theme: &Theme,
) -> (String, ratatui::style::Style) {
    let Some(closed) = c.closed else {
        return status(c, state, now, theme);
    };
    let by = match closed.by {
        Some(Dir::C2s) => crate::tr!("views.lifetimes.client_prefix"),
        Some(Dir::S2c) => crate::tr!("views.lifetimes.server_prefix"),
        None => String::new(),
    };
    let how = match closed.how {
        CloseHow::Fin => crate::tr!("views.lifetimes.by_closed", by = by),
        CloseHow::Rst => crate::tr!("views.lifetimes.by_reset", by = by),
        CloseHow::Timeout => crate::tr!(
            "views.lifetimes.by_timeout",
            by = by,
            why = super::text::stall_short(closed.why)
        ),
        CloseHow::Eof => crate::tr!("views.lifetimes.capture_end", kind = c.kind.as_str()),
    };
    let style = if closed.how == CloseHow::Rst {
        theme.bad
    } else {
        theme.text
    };
    (how, style)
}

/// `"12 connections: 8 closed (fin), 1 idle timeout, 1 reset, 2 open"`.
fn tally(conns: &[ConnInfo]) -> String {
    let mut n = [0usize; 5];
    for c in conns {
        let i = match c.closed.map(|x| x.how) {
            Some(CloseHow::Fin) => 0,
            Some(CloseHow::Timeout) => 1,
            Some(CloseHow::Rst) => 2,
            Some(CloseHow::Eof) | None => 3,
        };
        n[i] += 1;
    }
    let names = [
        "views.lifetimes.tally_fin",
        "views.lifetimes.tally_timeout",
        "views.lifetimes.tally_rst",
        "views.lifetimes.tally_open",
    ];
    let parts: Vec<String> = names
        .iter()
        .zip(n)
        .filter(|(_, k)| *k > 0)
        .map(|(name, k)| {
            crate::i18n::fill(
                &crate::i18n::lookup(name, crate::lang::current()),
                &[("k", k.to_string())],
            )
        })
        .collect();
    crate::tr!(
        "views.lifetimes.tally",
        n = conns.len(),
        parts = parts.join(&crate::tr!("views.lifetimes.tally_sep"))
    )
}

/// `s` right-aligned in `n` columns, as `{:>n}` would align it were every character one column.
fn rpad(s: &str, n: usize) -> String {
    format!("{}{s}", " ".repeat(n.saturating_sub(cols(s))))
}

/// The axis over `bar` columns spanning `span` seconds: a line of labels (at most `room`
/// columns) and a line of ticks.
fn axis(span: f64, bar: usize, room: usize) -> (String, String) {
    // About one label every 10 columns, at a round step.
    let want = span / (bar as f64 / 10.0).max(1.0);
    let step = [1.0, 2.0, 5.0]
        .iter()
        .flat_map(|m| (-3..6).map(move |e| m * 10f64.powi(e)))
        .filter(|s| *s >= want)
        .fold(f64::MAX, f64::min);
    let step = if step == f64::MAX { span } else { step };
    let mut labels = String::from(" ");
    let mut ticks: Vec<char> = std::iter::once(' ')
        .chain(std::iter::repeat_n('─', bar))
        .collect();
    let mut k = 0u32;
    loop {
        let t = step * f64::from(k);
        if t > span + 1e-9 || k > 1000 {
            break;
        }
        let col = 1 + ((t / span) * bar as f64).round() as usize;
        if let Some(ch) = ticks.get_mut(col.min(bar)) {
            *ch = '┬';
        }
        let text = format!("{} s", trim(t));
        if cols(&labels) <= col && col + cols(&text) <= room {
            labels.push_str(&" ".repeat(col - cols(&labels)));
            labels.push_str(&text);
            labels.push(' ');
        }
        k += 1;
    }
    (labels, ticks.into_iter().collect())
}

/// `2`, `0.5`, `0.05`: a round number without trailing zeros.
fn trim(t: f64) -> String {
    let s = format!("{t:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_has_round_labels_that_never_overlap() {
        let (labels, ticks) = axis(12.0, 60, 62);
        assert!(
            labels.contains("0 s") && labels.contains("10 s"),
            "{labels}"
        );
        assert_eq!(ticks.chars().count(), 61);
        let (labels, _) = axis(0.25, 30, 32);
        assert!(labels.contains("0.1 s"), "{labels}");
        for bar in 1..40 {
            let (l, _) = axis(3.7, bar, bar + 2);
            assert!(cols(&l) <= bar + 3, "{bar}: {l}");
        }
    }
}

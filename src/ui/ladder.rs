//! The ladder: a sequence diagram, client lanes on the left, the server lane on the right, one
//! line per entry: time, lanes, the labelled arrow, bytes on the wire.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use super::text::{
    bytes as fmt_bytes, fit, label_seen, pad, pane, secs, stream_end, visible, width as cols,
};
use crate::proto::{ConnId, Dir};
use crate::session::{Row, RowKind, Session};

/// Client lanes drawn at most; connections past them share the last lane.
const MAX_LANES: usize = 4;
/// Width of one client lane: a glyph and two spaces (or `#12`).
const LANE: usize = 3;
const TIME: usize = 7;
const BYTES: usize = 8;

/// What the shell keeps for the ladder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LadderState {
    /// Selected position in the shown list (all rows, or `filtered`).
    pub selected: Option<usize>,
    /// First visible position; render shifts the window so the selection stays visible.
    pub offset: usize,
    /// Rows shown, from `Session::matching`; `None` shows every row.
    pub filtered: Option<Vec<u32>>,
    /// With no selection, show the newest rows (live).
    pub follow: bool,
    pub focused: bool,
    /// Labels say only what an eavesdropper on the path reads (the rows are the caller's to
    /// filter: `Filter::outsider`).
    pub outsider: bool,
}

impl LadderState {
    /// Rows shown.
    pub fn count(&self, session: &Session) -> usize {
        self.filtered.as_ref().map_or(session.len(), Vec::len)
    }

    /// Session index of shown position `pos`.
    pub fn row_at(&self, pos: usize) -> Option<usize> {
        match &self.filtered {
            Some(f) => f.get(pos).map(|&i| i as usize),
            None => Some(pos),
        }
    }

    /// Session index of the selected row, for the inspector.
    pub fn selected_row(&self, session: &Session) -> Option<usize> {
        let pos = self.selected?;
        (pos < self.count(session))
            .then(|| self.row_at(pos))
            .flatten()
    }

    /// Moves the selection by `delta` lines, clamped; selects the first or last row when none.
    pub fn move_by(&mut self, session: &Session, delta: isize) {
        let count = self.count(session);
        if count == 0 {
            self.selected = None;
            return;
        }
        let next = match self.selected {
            Some(p) => p.saturating_add_signed(delta),
            None if delta < 0 => count - 1,
            None => 0,
        };
        self.selected = Some(next.min(count - 1));
    }

    /// The first visible position for a window of `height` lines.
    pub fn window_start(&self, count: usize, height: usize) -> usize {
        let last_start = count.saturating_sub(height);
        match self.selected {
            Some(sel) if sel < self.offset => sel,
            Some(sel) if height > 0 && sel >= self.offset + height => sel + 1 - height,
            Some(_) => self.offset.min(last_start),
            None if self.follow => last_start,
            None => self.offset.min(last_start),
        }
    }
}

/// The pane's title: `" Ladder "`, the English name kept beside a translation.
pub fn title() -> String {
    crate::tr!("views.ladder.title")
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    state: &LadderState,
    theme: &Theme,
) {
    let title = if state.outsider {
        crate::tr!("views.ladder.title_outsider")
    } else {
        title()
    };
    let block = pane(
        fit(&title, usize::from(area.width.saturating_sub(4))),
        state.focused,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height).saturating_sub(1);
    let count = state.count(session);
    let start = state.window_start(count, height);
    let visible: Vec<(usize, Row)> = (start..count.min(start + height))
        .filter_map(|pos| state.row_at(pos).map(|i| (pos, session.row(i))))
        .collect();
    let lanes = lanes_of(&visible);
    let overflow = visible.iter().any(|(_, r)| !lanes.contains(&r.conn));
    let mut lines = vec![header(&lanes, overflow, width, theme)];
    if count == 0 {
        lines.push(Line::styled(crate::tr!("views.ladder.empty"), theme.dim));
    }
    for (pos, row) in &visible {
        let selected = state.selected == Some(*pos);
        let tag = state.row_at(*pos).and_then(|i| session.label_of(i));
        let seen = Seen {
            tag,
            selected,
            outsider: state.outsider,
        };
        lines.push(line(session, row, seen, &lanes, width, theme));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Connections of the visible rows (the first [`MAX_LANES`] to appear), by number.
fn lanes_of(rows: &[(usize, Row)]) -> Vec<ConnId> {
    let mut lanes = Vec::new();
    for (_, row) in rows {
        if !lanes.contains(&row.conn) && lanes.len() < MAX_LANES {
            lanes.push(row.conn);
        }
    }
    if lanes.is_empty() {
        lanes.push(0);
    }
    // Stable left-to-right order while scrolling.
    lanes.sort_unstable();
    lanes
}

fn lane_of(lanes: &[ConnId], conn: ConnId) -> usize {
    lanes
        .iter()
        .position(|&c| c == conn)
        .unwrap_or(lanes.len() - 1)
}

/// Space left for the arrow and its label.
fn body_width(width: usize, lanes: usize) -> usize {
    width.saturating_sub(2 + TIME + 1 + lanes * LANE + BYTES + 3)
}

fn header<'a>(lanes: &[ConnId], overflow: bool, width: usize, theme: &Theme) -> Line<'a> {
    let mut s = format!("  {:>TIME$} ", "t (s)");
    for (i, &c) in lanes.iter().enumerate() {
        let plus = if overflow && i + 1 == lanes.len() {
            "+"
        } else {
            ""
        };
        let name = match c {
            0 => String::new(),
            _ => lane_name(c, plus),
        };
        s.push_str(&pad(&name, LANE));
    }
    // "client ───── server" ends over the server lane.
    let span = body_width(width, lanes.len()) + BYTES + 3;
    let (client, server) = (crate::tr!("views.client"), crate::tr!("views.server"));
    let names = cols(&client) + cols(&server) + 2;
    let arrow = format!(
        "{client} {} {server}",
        "─".repeat(span.saturating_sub(names))
    );
    s.push_str(&fit(&arrow, span));
    Line::styled(fit(&s, width), theme.dim)
}

/// A lane's name that leaves a space before the next: `#7`, else `12`, else its last digits.
fn lane_name(c: ConnId, plus: &str) -> String {
    let room = LANE - 1;
    let full = format!("#{c}{plus}");
    if full.chars().count() <= room {
        return full;
    }
    let bare = format!("{c}{plus}");
    if bare.chars().count() <= room {
        return bare;
    }
    let tail: String = bare
        .chars()
        .rev()
        .take(room - 1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

/// How one ladder line is drawn: its action's label, selected, and for whom.
struct Seen<'a> {
    tag: Option<&'a str>,
    selected: bool,
    outsider: bool,
}

fn line<'a>(
    session: &Session,
    row: &Row,
    seen: Seen<'_>,
    lanes: &[ConnId],
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let Seen {
        tag,
        selected,
        outsider,
    } = seen;
    let marker = if selected { "▶ " } else { "  " };
    let time = format!("{:>TIME$} ", fit(&secs(row.ts, session.origin()), TIME));
    let mine = lane_of(lanes, row.conn);
    let ended = stream_end(session, row);
    let glyph = match row.kind {
        RowKind::TcpOpen => '●',
        RowKind::TcpClose => '×',
        // Half of a close: one side is done, the other still talks.
        RowKind::TcpFin => '○',
        // A WebSocket that ended without its close frame: 1006, never on the wire.
        RowKind::WsAbnormalClose => '⊘',
        RowKind::Error if ended => '■',
        RowKind::Error => '!',
        _ => '├',
    };
    let mut lane_text = String::new();
    for i in 0..lanes.len() {
        lane_text.push(if i == mine { glyph } else { '│' });
        lane_text.push_str("  ");
    }
    let body_w = body_width(width, lanes.len());
    // The action's label last, so a narrow ladder cuts it before the event's own words.
    let text = match tag {
        Some(t) => format!("{} [{}]", label_seen(session, row, outsider), visible(t)),
        None => label_seen(session, row, outsider),
    };
    let body = arrow(&text, row.dir, row.kind, body_w);
    let wire = match row.kind {
        RowKind::WsMessage => row.payload_len,
        _ => row.wire_bytes(),
    };
    let wire = if wire == 0 && row.kind != RowKind::WsFrame {
        String::new()
    } else {
        fmt_bytes(wire)
    };
    let side = match row.dir {
        Some(Dir::C2s) => theme.client,
        Some(Dir::S2c) => theme.server,
        None => theme.text,
    };
    let side = if ended {
        theme.dim
    } else if row.kind == RowKind::Error {
        theme.bad
    } else {
        side
    };
    let mut spans = vec![
        Span::raw(marker),
        Span::styled(time, theme.dim),
        Span::raw(lane_text),
        Span::styled(body, side),
        Span::raw(format!("{wire:>BYTES$} │ ")),
    ];
    if selected {
        for s in &mut spans {
            s.style = s.style.patch(theme.selected);
        }
    }
    Line::from(spans)
}

/// `label ────▶` client to server, `◀──── label` back, `label` alone for TCP facts; `width`
/// characters exactly.
fn arrow(label: &str, dir: Option<Dir>, kind: RowKind, width: usize) -> String {
    let tcp = matches!(
        kind,
        RowKind::TcpOpen
            | RowKind::TcpClose
            | RowKind::TcpFin
            | RowKind::WsAbnormalClose
            | RowKind::Error
            | RowKind::TlsKeys
    );
    let text = fit(label, width.saturating_sub(4));
    let used = cols(&text);
    let fill = width.saturating_sub(used + 3);
    let s = match dir {
        _ if tcp => format!(" {text} {}", "┄".repeat(fill + 1)),
        Some(Dir::C2s) => format!(" {text} {}▶", "─".repeat(fill)),
        Some(Dir::S2c) => format!("◀{} {text} ", "─".repeat(fill)),
        None => format!(" {text} {}", " ".repeat(fill + 1)),
    };
    pad(&s, width)
}

#[cfg(test)]
mod lane_tests {
    use super::lane_name;

    #[test]
    fn a_lane_name_always_leaves_a_space() {
        assert_eq!(lane_name(7, ""), "#7");
        assert_eq!(lane_name(11, ""), "11");
        assert_eq!(lane_name(4, "+"), "4+");
        assert_eq!(lane_name(123, ""), "…3");
        for c in [1, 9, 10, 99, 100, 65_535, u32::MAX] {
            assert!(lane_name(c, "").chars().count() < super::LANE, "{c}");
        }
    }
}

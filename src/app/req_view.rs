//! The request composer drawn: the form on the left, the bytes as they go out (or the curl
//! command) on the right, the last send's outcome at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::req_composer::{Composer, Field};
use super::req_form::{self, How};

fn label(field: Field) -> &'static str {
    match field {
        Field::Method => "reqcomp.method",
        Field::Path => "reqcomp.path",
        Field::Version => "reqcomp.version",
        Field::How => "reqcomp.how",
        Field::Header(_) | Field::Length => "reqcomp.header",
        Field::Body => "reqcomp.body",
        Field::Raw(_) => "reqcomp.raw",
    }
}

/// The form's lines, the selected one marked (and open for typing, with a cursor).
fn form_lines(c: &Composer, width: usize) -> Vec<Line<'static>> {
    let fields = c.fields();
    let labels: Vec<String> = fields.iter().map(|f| crate::tr!(label(*f))).collect();
    let pad = labels
        .iter()
        .map(|l| crate::ui::width(l))
        .max()
        .unwrap_or(0)
        + 1;
    let selected = c.at.min(fields.len() - 1);
    let mut out = Vec::new();
    for (i, (field, name)) in fields.iter().zip(labels).enumerate() {
        let here = i == selected;
        let mut value = match (&c.editing, here) {
            (Some(t), true) => format!("{t}▏"),
            _ => c.text(*field),
        };
        if *field == Field::Length && !(here && c.editing.is_some()) {
            value.push_str(&crate::tr!("reqcomp.auto"));
        }
        let value = crate::ui::visible(&value).into_owned();
        let mark = if here { "▶" } else { " " };
        let head = format!("{mark}{name}{}", " ".repeat(pad - crate::ui::width(&name)));
        let indent = " ".repeat(crate::ui::width(&head));
        let style = if here {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        let mut lines = super::narration::wrap(vec![Span::raw(value)], width, &head, &indent);
        if here {
            for l in &mut lines {
                l.style = style;
            }
        }
        out.extend(lines);
    }
    out
}

pub fn draw(c: &Composer, f: &mut Frame, area: Rect, note: &str) {
    let title = crate::tr!("reqcomp.title", how = crate::tr!(c.form.how.key()));
    let block = Block::new().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    f.render_widget(Clear, area);
    f.render_widget(block, area);
    // The status is wrapped whole, never cut: up to three lines.
    let note = crate::ui::visible(note).into_owned();
    let w = usize::from(inner.width.max(1));
    let status_h = crate::ui::width(&note).div_ceil(w).clamp(1, 3) as u16;
    let [body, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(status_h)]).areas(inner);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    // The form scrolls to keep the selected line in sight.
    let lines = form_lines(c, usize::from(left.width));
    let sel = lines
        .iter()
        .position(|l| l.spans.first().is_some_and(|s| s.content.starts_with('▶')))
        .unwrap_or(0);
    let scroll = sel.saturating_sub(usize::from(left.height.saturating_sub(1)));
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), left);
    let (name, text): (String, Vec<Line>) = match &c.curl {
        Some(cmd) => (crate::tr!("reqcomp.curl"), vec![Line::from(cmd.clone())]),
        None => {
            let lines = match c.form.how {
                How::Raw => c.form.raw.clone(),
                _ => req_form::lines(&c.form.form_bytes()),
            };
            let n = c.form.bytes().map_or(0, |b| b.len());
            let lines = lines
                .into_iter()
                .map(|l| Line::from(crate::ui::visible(&l).into_owned()))
                .collect();
            (crate::tr!("reqcomp.wire", n = n), lines)
        }
    };
    let wire = Block::new().borders(Borders::LEFT).title(Span::styled(
        name,
        Style::new().add_modifier(Modifier::BOLD),
    ));
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(wire),
        right,
    );
    f.render_widget(
        Paragraph::new(Line::from(note)).wrap(Wrap { trim: false }),
        status,
    );
}

/// Where the composer goes: over the inspector and the lifetimes, the ladder left in sight.
pub fn area(a: &super::layout::Areas) -> Rect {
    a.inspector.union(a.lifetimes)
}

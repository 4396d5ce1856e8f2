//! The composer on screen: the form on the left; on the right what the server's decoder will
//! say, what it said once sent, and each frame drawn as the inspector draws a received one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::composer::{Field, Form, LenMode, hex};
use super::composer_live::{Composer, Outcome};
use crate::proto::event::{Event, EventKind, opcode_name};
use crate::proto::ws::{WsDecoder, WsErrorKind, WsEvent};
use crate::session::{Detail, Session};
use crate::ui::{Theme, fit, pane, width};

/// What the decoder makes of the composed bytes, before they go.
pub struct Preview {
    /// Each decoded frame as one event, in a session of its own (the inspector reads a session).
    pub session: Session,
    /// The decoder's errors, in its words (the tap reports the same).
    pub errors: Vec<String>,
    /// Bytes the last frame announces and the server waits for.
    pub waits: Option<u64>,
}

/// Decodes `bytes` as the server's tap does: a client's frames, no extension.
pub fn preview(bytes: &[u8]) -> Preview {
    let mut d = WsDecoder::new(true, None, 0);
    let mut out = Vec::new();
    d.decode(bytes, &mut out);
    let mut end = Vec::new();
    d.finish(&mut end);
    let waits = end.iter().find_map(|e| match e {
        WsEvent::Error(e) => match e.kind {
            WsErrorKind::Truncated { missing } => Some(missing),
            _ => None,
        },
        _ => None,
    });
    let mut session = Session::new();
    let mut errors = Vec::new();
    for ev in out {
        match ev {
            WsEvent::Frame(f) => session.push(&Event {
                conn: 1,
                ts: crate::proto::Timestamp(0),
                dir: Some(crate::proto::Dir::C2s),
                kind: EventKind::WsFrame(f),
            }),
            WsEvent::Error(e) => errors.push(e.kind.to_string()),
            // Counting mode's only; this decoder is a full one.
            WsEvent::Message(_) | WsEvent::Counted(_) => {}
        }
    }
    Preview {
        session,
        errors,
        waits,
    }
}

/// The form's value for `field`, as shown beside its label.
fn value(form: &Form, field: Field) -> String {
    let bit = |b: bool| if b { "1" } else { "0" }.to_string();
    match field {
        Field::Preset => form
            .preset
            .map_or_else(|| crate::tr!("composer.none"), |p| p.id().to_string()),
        Field::Fin => bit(form.fin),
        Field::Rsv1 => bit(form.rsv & 4 != 0),
        Field::Rsv2 => bit(form.rsv & 2 != 0),
        Field::Rsv3 => bit(form.rsv & 1 != 0),
        Field::Opcode => format!("{} ({})", form.opcode, opcode_name(form.opcode)),
        Field::Mask => bit(form.mask),
        Field::Key if form.mask => hex(&form.key),
        Field::Key => crate::tr!("composer.no_key"),
        Field::Length => {
            let real = form.specs().ok().map_or(0, |f| f[0].payload.len() as u64);
            let (name, n) = match form.len_mode {
                LenMode::Auto => return crate::tr!("composer.len_auto", n = real),
                LenMode::Seven => ("7-bit", form.len_n),
                LenMode::Sixteen => ("16-bit", form.len_n),
                LenMode::SixtyFour => ("64-bit", form.len_n),
            };
            if n == real {
                format!("{name} {n}")
            } else {
                crate::tr!("composer.len_lie", form = name, n = n, real = real)
            }
        }
        Field::PayloadForm if form.hex => crate::tr!("composer.hex"),
        Field::PayloadForm => crate::tr!("composer.text"),
        Field::Payload if form.close_fields_apply() => crate::tr!("composer.close_payload"),
        Field::Payload => crate::ui::visible(&form.payload).into_owned(),
        Field::Fragments => form.fragments.to_string(),
        Field::PingBetween => bit(form.ping_between),
        Field::CloseCode => form.close_code.map_or("-".into(), |c| c.to_string()),
        Field::Reason => crate::ui::visible(&form.reason).into_owned(),
    }
}

/// The form's lines in `w` columns: label, value, the selected one marked.
fn form_lines(form: &Form, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let label_w = Field::ALL
        .iter()
        .map(|f| width(&crate::tr!(f.label())))
        .max()
        .unwrap_or(10);
    let mut lines = Vec::new();
    for field in Field::ALL {
        let selected = field == form.field;
        let label = crate::tr!(field.label());
        let pad = " ".repeat(label_w.saturating_sub(width(&label)));
        let head = format!("{}{label}{pad} ", if selected { "▸ " } else { "  " });
        let shown = match (&form.editing, selected) {
            (Some(line), true) => format!("{}▏", crate::ui::visible(line)),
            _ => value(form, field),
        };
        let room = w.saturating_sub(width(&head));
        let mut style = Style::new();
        let idle = match field {
            Field::Key => !form.mask,
            Field::PingBetween => form.fragments < 2,
            Field::CloseCode | Field::Reason => form.opcode != 8,
            Field::Payload => form.close_fields_apply(),
            _ => false,
        };
        if idle {
            style = theme.dim;
        }
        if selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        // What is typed shows its end, where the cursor is.
        let shown = if form.editing.is_some() && selected && width(&shown) > room {
            let skip = shown.chars().count().saturating_sub(room.saturating_sub(1));
            format!("…{}", shown.chars().skip(skip).collect::<String>())
        } else {
            fit(&shown, room)
        };
        lines.push(Line::from(vec![
            Span::styled(head, style),
            Span::styled(shown, style),
        ]));
    }
    if let Some(p) = &form.problem {
        lines.push(Line::raw(""));
        for l in crate::lesson::wrap::wrap(p, w, "", "") {
            lines.push(Line::styled(l, theme.bad));
        }
    }
    lines
}

/// A sentence wrapped to `w` columns, its first line after `first`.
fn said(text: &str, w: usize, first: &str, style: Style) -> Vec<Line<'static>> {
    let indent = " ".repeat(width(first));
    crate::lesson::wrap::wrap(text, w, first, &indent)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// The right pane's lines: the preset, the verdict, the outcome, then the frames.
fn wire_lines(
    c: &Composer,
    outcome: Option<&Outcome>,
    w: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let form = &c.form;
    let mut lines = Vec::new();
    if let Some(p) = form.preset {
        lines.extend(said(&crate::tr!(p.key()), w, "", Style::new()));
        let expected = match p.expected_close() {
            Some(code) => crate::tr!("composer.expect_close", code = code),
            None => crate::tr!("composer.expect_ok"),
        };
        lines.extend(said(&expected, w, "", theme.dim));
        lines.push(Line::raw(""));
    }
    let bytes = match form.bytes() {
        Ok(b) => b,
        Err(e) => {
            lines.extend(said(&e, w, "", theme.bad));
            return lines;
        }
    };
    let p = preview(&bytes);
    lines.push(Line::styled(
        crate::tr!("composer.verdict"),
        Style::new().add_modifier(Modifier::BOLD),
    ));
    if p.errors.is_empty() && p.waits.is_none() {
        lines.extend(said(&crate::tr!("composer.valid"), w, "  ", theme.ok));
    }
    for e in &p.errors {
        lines.extend(said(e, w, "  ✗ ", theme.bad));
    }
    if let Some(n) = p.waits {
        lines.extend(said(
            &crate::tr!("composer.waits", n = n),
            w,
            "  … ",
            theme.bad,
        ));
    }
    if let Some(o) = outcome {
        lines.push(Line::raw(""));
        lines.extend(o.lines(w, theme));
    }
    let frames = p.session.len();
    for i in 0..frames {
        if let Some(Detail::Frame(f)) = p.session.detail(i) {
            lines.push(Line::raw(""));
            let size = u64::from(f.header_len) + f.row.payload_len;
            lines.push(Line::styled(
                crate::tr!("composer.frame_n", i = i + 1, n = frames, bytes = size),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            let drawn = crate::ui::inspector::frame_lines(&f, form.unmask, w, theme);
            lines.extend(crate::ui::wrap::overflow(drawn, w));
        }
    }
    if frames == 0 {
        lines.push(Line::raw(""));
        lines.push(Line::raw(crate::tr!("composer.raw", hex = hex(&bytes))));
    }
    lines
}

/// The composer over `area`; `outcome` is what the server did with the last frames sent.
pub fn draw(f: &mut Frame, area: Rect, c: &Composer, outcome: Option<&Outcome>, theme: &Theme) {
    let form_w = if area.width >= 100 { 40 } else { 33 };
    let [left, right] =
        Layout::horizontal([Constraint::Length(form_w), Constraint::Min(20)]).areas(area);
    f.render_widget(ratatui::widgets::Clear, area);
    let title = crate::tr!("composer.title");
    let block = pane(
        fit(&title, usize::from(form_w.saturating_sub(4))),
        true,
        theme,
    );
    let inner = block.inner(left);
    f.render_widget(block, left);
    let lines = form_lines(&c.form, usize::from(inner.width), theme);
    f.render_widget(Paragraph::new(lines), inner);

    let wire = crate::tr!("composer.wire_title", target = c.target);
    let block = pane(
        fit(&wire, usize::from(right.width.saturating_sub(4))),
        false,
        theme,
    );
    let inner = block.inner(right);
    f.render_widget(block, right);
    let lines = wire_lines(c, outcome, usize::from(inner.width), theme);
    let max = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = usize::from(c.form.scroll).min(max) as u16;
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

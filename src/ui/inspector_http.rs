//! The inspector's lines for an HTTP head: each header with its size in bytes, the
//! `Sec-WebSocket-Key`/`Accept` check, and the head's bytes as a hex dump with each field named.

use ratatui::text::{Line, Span};

use super::Theme;
use super::hexdump::{Field, hex_lines};
use super::inspector::HEX_MAX;
use super::text::visible;
use crate::proto::http1::Framing;
use crate::proto::ws::{GUID, accept_key};
use crate::session::HttpDetail;

/// Body bytes drawn after an HTTP head; the rest is counted.
const BODY_MAX: usize = 256;

pub(super) fn http_lines<'a>(h: &HttpDetail<'_>, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let head = h.head;
    let start = head.range.start;
    let mut lines = Vec::new();
    let first_len = head
        .header_ranges
        .first()
        .map_or(head.range.len(), |r| r.start.saturating_sub(start));
    let start_line = String::from_utf8_lossy(h.raw.get(..first_len as usize).unwrap_or(h.raw));
    let start_line = visible(start_line.trim_end_matches(['\r', '\n']));
    lines.push(Line::raw(format!("  {:>5} B  {}", first_len, start_line)));
    for ((name, value), r) in head.headers.iter().zip(&head.header_ranges) {
        // A long value (a cookie, a header in any script) goes on under itself, whole.
        let first = format!("  {:>5} B  ", r.len());
        let text = vec![Span::raw(format!("{}: {}", visible(name), visible(value)))];
        lines.extend(super::wrap::wrap(
            text,
            width,
            &first,
            &" ".repeat(first.len()),
        ));
    }
    let headers: u64 = head.header_ranges.iter().map(|r| r.len()).sum();
    let blank = head.range.len().saturating_sub(first_len + headers);
    lines.push(Line::raw(format!(
        "  {blank:>5} B  {}",
        crate::tr!("views.inspector.blank_line")
    )));
    lines.push(Line::styled(
        format!(
            "  {:>5} B  {}",
            head.range.len(),
            crate::tr!(
                "views.inspector.head_total",
                n = head.headers.len(),
                bytes = headers,
                body = h.row.payload_len
            )
        ),
        theme.title,
    ));
    if let Some(key) = head.header("sec-websocket-key") {
        lines.push(Line::raw(""));
        lines.push(Line::raw(format!(
            "  Sec-WebSocket-Key     {}",
            visible(key)
        )));
        lines.push(Line::raw(crate::tr!(
            "views.inspector.must_answer",
            guid = GUID
        )));
        lines.push(Line::raw(format!("  = {}", accept_key(key))));
    }
    if let Some(a) = h.accept {
        lines.push(Line::raw(""));
        lines.push(Line::raw(format!("  key {}", visible(&a.key))));
        lines.push(Line::raw(format!("  + GUID {GUID}")));
        lines.push(Line::raw(format!(
            "  → SHA-1 → base64 = {}",
            accept_key(&a.key)
        )));
        let (mark, style) = if a.ok() {
            (crate::tr!("views.inspector.matches"), theme.ok)
        } else {
            (crate::tr!("views.inspector.no_match"), theme.bad)
        };
        let none = crate::tr!("views.inspector.none_sent");
        lines.push(Line::from(vec![
            Span::raw(crate::tr!(
                "views.inspector.server_sent",
                accept = visible(a.got.as_deref().unwrap_or(&none))
            )),
            Span::styled(mark, style),
        ]));
    }
    lines.push(Line::raw(""));
    let shown = h.raw.get(..HEX_MAX.min(h.raw.len())).unwrap_or_default();
    let start_name = crate::tr!("views.field.start_line");
    let mut fields = vec![Field::new(0, first_len as usize, &start_name)];
    for ((name, _), r) in head.headers.iter().zip(&head.header_ranges) {
        let s = r.start.saturating_sub(start) as usize;
        let e = r.end.saturating_sub(start) as usize;
        fields.push(Field::new(s, e, name));
    }
    // The body follows the head when the head is whole: a capped prefix of it.
    let mut bytes = shown.to_vec();
    let whole_head = !h.raw_cut && shown.len() == h.raw.len();
    let body = if whole_head {
        h.body_preview
            .get(..BODY_MAX.min(h.body_preview.len()))
            .unwrap_or_default()
    } else {
        &[]
    };
    let body_name = match h.framing {
        Framing::Chunked => crate::tr!("views.field.body_chunked"),
        _ => crate::tr!("views.field.body"),
    };
    if !body.is_empty() {
        fields.push(Field::new(
            bytes.len(),
            bytes.len() + body.len(),
            &body_name,
        ));
        bytes.extend_from_slice(body);
    }
    lines.extend(hex_lines(&bytes, &fields, width, theme));
    if !whole_head {
        lines.push(Line::styled(
            crate::tr!(
                "views.inspector.head_cut",
                n = head.range.len(),
                drawn = shown.len()
            ),
            theme.dim,
        ));
    }
    let hidden = h.row.payload_len.saturating_sub(body.len() as u64);
    if hidden > 0 {
        lines.push(Line::styled(
            crate::tr!(
                "views.inspector.body_cut",
                n = h.row.payload_len,
                shown = body.len(),
                hidden = hidden
            ),
            theme.dim,
        ));
    }
    lines
}

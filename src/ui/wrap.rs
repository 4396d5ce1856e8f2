//! Styled lines wrapped by [`crate::lesson::wrap`], the one wrap: the spans' text is wrapped
//! as a whole, so breaks see across styles (`**a**，`), then cut back into styled spans.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::lesson::wrap as plain;

/// Styled text wrapped to `width` columns; the first line starts with `first`, the others
/// with `indent`. Runs of whitespace count as one space.
pub fn wrap(
    spans: Vec<Span<'static>>,
    width: usize,
    first: &str,
    indent: &str,
) -> Vec<Line<'static>> {
    // The text squeezed, and where each span's style starts in it.
    let mut text = String::new();
    let mut styles: Vec<(usize, Style)> = Vec::new();
    for span in &spans {
        let mut marked = false;
        for c in span.content.chars() {
            // Runs of whitespace as one space, none first.
            let c = if plain::is_space(c) { ' ' } else { c };
            if c == ' ' && (text.is_empty() || text.ends_with(' ')) {
                continue;
            }
            if !marked {
                styles.push((text.len(), span.style));
                marked = true;
            }
            // Words may come from outside (a verdict quoting traffic): controls shown escaped.
            if c.is_control() {
                text.push_str(&super::text::visible(c.encode_utf8(&mut [0; 4])));
            } else {
                text.push(c);
            }
        }
    }
    let text = text.trim_end();
    let rooms = (
        width.saturating_sub(plain::cols(first)),
        width.saturating_sub(plain::cols(indent)),
    );
    plain::lines(text, rooms.0, rooms.1)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut line = vec![Span::raw(if i == 0 { first } else { indent }.to_string())];
            for (k, &(at, style)) in styles.iter().enumerate() {
                let next = styles.get(k + 1).map_or(text.len(), |s| s.0);
                let (a, b) = (at.max(r.start), next.min(r.end));
                if a < b {
                    line.push(Span::styled(text[a..b].to_string(), style));
                }
            }
            Line::from(line)
        })
        .collect()
}

/// `lines` with each line wider than `width` wrapped under its own indentation and two more
/// columns, so a pane too narrow shows the rest of a line below it instead of losing it.
pub fn overflow(lines: Vec<Line<'_>>, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for l in lines {
        let owned = |s: Span<'_>| Span::styled(s.content.into_owned(), s.style);
        if l.width() <= width {
            let spans: Vec<Span<'static>> = l.spans.into_iter().map(owned).collect();
            out.push(Line::from(spans).style(l.style));
            continue;
        }
        let text = l.to_string();
        let lead = text.len() - text.trim_start_matches(' ').len();
        let spans = l.spans.into_iter().map(|s| owned(s).patch_style(l.style));
        let first = " ".repeat(lead);
        out.extend(wrap(spans.collect(), width, &first, &" ".repeat(lead + 2)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;

    #[test]
    fn a_line_too_wide_goes_on_under_its_indentation_keeping_styles() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let line = Line::from(vec![
            Span::raw("  key "),
            Span::styled("258EAFA5-E914-47DA 服务器必须回答", bold),
        ]);
        let fits = Line::raw("  short");
        let out = overflow(vec![fits, line], 24);
        let text: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            ["  short", "  key 258EAFA5-E914-47DA", "    服务器必须回答"]
        );
        assert!(
            out[2]
                .spans
                .iter()
                .any(|s| s.style == bold && s.content == "服务器必须回答")
        );
    }
}

//! A hex dump in which each field's bytes are underlined and named below them.

use ratatui::text::{Line, Span};

use super::Theme;
use super::text::{fit, visible, width as cols};

/// Bytes `start..end` of a dump form the field `name`.
pub struct Field<'a> {
    pub start: usize,
    pub end: usize,
    pub name: &'a str,
}

impl<'a> Field<'a> {
    pub fn new(start: usize, end: usize, name: &'a str) -> Self {
        Field { start, end, name }
    }
}

/// Three lines per row of bytes: the hex with the bytes as text beside it, `▔` marks under each field (a gap between fields),
/// and the fields' names where they start. Bytes per row fit `width`.
pub fn hex_lines<'a>(
    bytes: &[u8],
    fields: &[Field<'_>],
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    // Each byte takes three columns of hex and one of text, after a margin and a gap.
    let per_row = match width.saturating_sub(3) / 4 {
        n if n >= 16 => 16,
        n if n >= 8 => 8,
        n => n.max(1),
    };
    let field_of = |i: usize| fields.iter().position(|f| f.start <= i && i < f.end);
    let mut lines = Vec::new();
    for (r, chunk) in bytes.chunks(per_row).enumerate() {
        let base = r * per_row;
        let mut hex = vec![Span::raw("  ")];
        let mut marks = vec![Span::raw("  ")];
        let mut names = String::from("  ");
        for (j, b) in chunk.iter().enumerate() {
            let i = base + j;
            let field = field_of(i);
            let style = field.map_or(theme.text, |f| theme.field(f));
            hex.push(Span::styled(format!("{b:02x}"), style));
            hex.push(Span::raw(" "));
            let joins = field.is_some() && field == field_of(i + 1) && j + 1 < chunk.len();
            marks.push(Span::styled(
                if field.is_some() { "▔▔" } else { "  " },
                style,
            ));
            marks.push(Span::styled(if joins { "▔" } else { " " }, style));
            if let Some(f) = field.and_then(|k| fields.get(k))
                && (i == f.start || j == 0)
            {
                let col = 2 + j * 3;
                if cols(&names) <= col {
                    names.push_str(&" ".repeat(col - cols(&names)));
                    let room = (f.end.min(base + chunk.len()) - i) * 3;
                    names.push_str(&fit(&visible(f.name), room.max(2).saturating_sub(1)));
                }
            }
        }
        // Bytes of a row as text: printable ASCII as itself, anything else a dot, so no byte
        // from the wire ever reaches the terminal as a control.
        hex.push(Span::raw(" ".repeat((per_row - chunk.len()) * 3 + 1)));
        let text: String = chunk.iter().map(|&b| ascii(b)).collect();
        hex.push(Span::styled(format!("│{text}│"), theme.dim));
        lines.push(Line::from(hex));
        lines.push(Line::from(marks));
        lines.push(Line::styled(names, theme.dim));
    }
    lines
}

/// A byte in the text column: printable ASCII, else `.`.
fn ascii(b: u8) -> char {
    if b.is_ascii_graphic() || b == b' ' {
        char::from(b)
    } else {
        '.'
    }
}

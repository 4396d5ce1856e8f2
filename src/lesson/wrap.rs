//! The one way duplex wraps text, for the transcript, the recap and every pane: lines break
//! where the Unicode line-breaking algorithm allows (at spaces, between CJK characters, never
//! inside a Latin word nor before `，。）`), as `textwrap` finds them, and are measured in
//! display columns as the terminal draws them (a CJK character or an emoji two, a combining
//! mark none). A word wider than its line is broken between grapheme clusters.

use std::ops::Range;
use std::sync::OnceLock;

use textwrap::WordSeparator;
use textwrap::core::Fragment;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The transcript and the recap keep their lines within this many columns.
pub const COLUMNS: usize = 100;

static TERMINAL: OnceLock<usize> = OnceLock::new();

/// The command layer says how wide the terminal on stdout is, when it is one: this layer asks
/// no terminal.
pub fn set_terminal_width(cols: usize) {
    let _ = TERMINAL.set(cols);
}

/// The transcript's width: [`COLUMNS`], or a narrower terminal's.
pub fn columns() -> usize {
    match TERMINAL.get() {
        // Narrower than this, wrapping helps no one: the terminal wraps as it can.
        Some(&w) if w >= 40 => COLUMNS.min(w),
        _ => COLUMNS,
    }
}

/// Columns `s` takes as a terminal draws it (and the TUI's buffer): grapheme by grapheme.
pub fn cols(s: &str) -> usize {
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Whitespace a line may break at; a no-break space belongs to its word.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{2060}')
}

/// `text` with each run of whitespace as one space and none at either end, as the lines of a
/// paragraph are joined.
pub fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(is_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A word of the text, `text[start..end]`, and the spaces after it, up to `gap`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    end: usize,
    gap: usize,
    width: usize,
}

impl Fragment for Piece {
    fn width(&self) -> f64 {
        self.width as f64
    }
    fn whitespace_width(&self) -> f64 {
        // Squeezed: the spaces are ASCII, a column each.
        (self.gap - self.end) as f64
    }
    fn penalty_width(&self) -> f64 {
        0.0
    }
}

/// The words of `text` between its break opportunities. An inline code span (`` `duplex learn
/// http10` ``) stays one word, so a command is not split at its spaces unless it must be.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut at = 0;
    let mut code = false;
    for w in WordSeparator::UnicodeBreakProperties.find_words(text) {
        let start = at;
        let end = start + w.word.len();
        at = end + w.whitespace.len();
        match out.last_mut() {
            Some(last) if code => {
                last.end = end;
                last.gap = at;
                last.width = cols(&text[last.start..end]);
            }
            _ => out.push(Piece {
                start,
                end,
                gap: at,
                width: cols(w.word),
            }),
        }
        if w.word.matches('`').count() % 2 == 1 {
            // A backtick opens a span only if another closes it.
            code = !code && text[at..].contains('`');
        }
    }
    out
}

/// `p` cut into pieces at most `room` columns wide (at least one grapheme each), between
/// grapheme clusters so a combining mark stays with its letter.
fn split(text: &str, p: Piece, room: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    let (mut start, mut used) = (p.start, 0);
    for (i, g) in text[p.start..p.end].grapheme_indices(true) {
        let w = g.width();
        if used > 0 && used + w > room {
            let at = p.start + i;
            out.push(Piece {
                start,
                end: at,
                gap: at,
                width: used,
            });
            (start, used) = (at, 0);
        }
        used += w;
    }
    out.push(Piece {
        start,
        width: used,
        ..p
    });
    out
}

/// Byte ranges of the lines of `text`, the first at most `first` columns wide, the others at
/// most `rest`; spaces where a line breaks are left out. `text` should be [`squeeze`]d (other
/// whitespace than single spaces stays inside words). Empty text is one empty line.
pub fn lines(text: &str, first: usize, rest: usize) -> Vec<Range<usize>> {
    let (first, rest) = (first.max(1), rest.max(1));
    let mut words: Vec<Piece> = Vec::new();
    for p in pieces(text) {
        // The first word alone decides the first line's width; any later one may move on.
        let room = if words.is_empty() {
            first.min(rest)
        } else {
            rest
        };
        if p.width > room {
            let mut parts = split(text, p, room);
            if words.is_empty() && parts.len() > 1 && room < rest {
                // Only the head had to fit the first line; the rest goes by `rest`.
                let head = parts.remove(0);
                let tail = Piece {
                    start: head.end,
                    ..p
                };
                words.push(head);
                words.extend(split(text, tail, rest));
            } else {
                words.extend(parts);
            }
        } else {
            words.push(p);
        }
    }
    textwrap::wrap_algorithms::wrap_first_fit(&words, &[first as f64, rest as f64])
        .into_iter()
        .map(|l| match (l.first(), l.last()) {
            (Some(a), Some(b)) => a.start..b.end,
            _ => 0..0,
        })
        .collect()
}

/// Hard lines of `text` cut at `width` columns between grapheme clusters, every character
/// kept as written (code, whose spaces count).
pub fn cut(text: &str, width: usize) -> Vec<&str> {
    let whole = Piece {
        start: 0,
        end: text.len(),
        gap: text.len(),
        width: cols(text),
    };
    split(text, whole, width.max(1))
        .into_iter()
        .map(|p| &text[p.start..p.end])
        .collect()
}

/// `text` in lines of at most `width` columns: the first line starts with `first`, the others
/// with `indent`. Runs of whitespace count as one space.
pub fn wrap(text: &str, width: usize, first: &str, indent: &str) -> Vec<String> {
    let text = squeeze(text);
    let rooms = (
        width.saturating_sub(cols(first)),
        width.saturating_sub(cols(indent)),
    );
    lines(&text, rooms.0, rooms.1)
        .into_iter()
        .enumerate()
        .map(|(i, r)| format!("{}{}", if i == 0 { first } else { indent }, &text[r]))
        .collect()
}

#[cfg(test)]
#[path = "wrap_tests.rs"]
mod tests;

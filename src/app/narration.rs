//! Lesson narration on screen: the Markdown subset of `crate::lesson::markdown` as styled,
//! wrapped lines. Meaning never rides on colour alone: inline code keeps its backticks, emphasis
//! is italic, strong is bold, so the plain theme reads the same.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::lesson::markdown::{Block, Inline};
use crate::ui::{Theme, visible};

/// `blocks` as lines at most `width` columns wide, a blank line between blocks.
pub fn render(blocks: &[Block], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 {
            out.push(Line::from(""));
        }
        match b {
            Block::Para(inl) => out.extend(wrap(spans(inl, theme), width, "", "")),
            Block::List { ordered, items } => {
                for (n, item) in items.iter().enumerate() {
                    let mark = if *ordered {
                        format!("{}. ", n + 1)
                    } else {
                        "• ".to_string()
                    };
                    let indent = " ".repeat(mark.chars().count());
                    out.extend(wrap(spans(item, theme), width, &mark, &indent));
                }
            }
            // Code keeps its lines as written (a command to copy): cut, never wrapped; a tab
            // as spaces, since a terminal cell cannot hold one.
            Block::Code(code) => out.extend(code.lines().map(|l| {
                let l = visible(&l.replace('\t', "    ")).into_owned();
                let text: String = format!("  {l}").chars().take(width.max(1)).collect();
                Line::from(Span::styled(text, code_style(theme)))
            })),
        }
    }
    out
}

fn code_style(theme: &Theme) -> Style {
    if theme.plain {
        Style::new()
    } else {
        theme.client
    }
}

fn spans(inl: &[Inline], theme: &Theme) -> Vec<Span<'static>> {
    inl.iter()
        .map(|i| match i {
            Inline::Text(s) => Span::raw(s.clone()),
            Inline::Emph(s) => Span::styled(s.clone(), Style::new().add_modifier(Modifier::ITALIC)),
            Inline::Strong(s) => Span::styled(s.clone(), Style::new().add_modifier(Modifier::BOLD)),
            Inline::Code(s) => Span::styled(format!("`{s}`"), code_style(theme)),
        })
        .collect()
}

/// Styled words wrapped greedily to `width`; the first line starts with `first`, the others
/// with `indent`. A word longer than a line is cut across lines. Words may come from outside (a
/// verdict quoting the traffic, an error): their controls are escaped before they are measured.
pub fn wrap(
    spans: Vec<Span<'static>>,
    width: usize,
    first: &str,
    indent: &str,
) -> Vec<Line<'static>> {
    let width = width.max(indent.chars().count() + 4);
    let mut lines = Vec::new();
    let mut cur: Vec<Span<'static>> = vec![Span::raw(first.to_string())];
    let mut col = first.chars().count();
    let mut fresh = true;
    for span in spans {
        let style = span.style;
        for word in words(&span.content) {
            if word == " " {
                if !fresh && col < width {
                    cur.push(Span::styled(" ", style));
                    col += 1;
                }
                continue;
            }
            let mut word: Vec<char> = visible(word).chars().collect();
            loop {
                let room = width.saturating_sub(col);
                if word.len() <= room {
                    col += word.len();
                    cur.push(Span::styled(word.iter().collect::<String>(), style));
                    fresh = false;
                    break;
                }
                if !fresh || room == 0 {
                    trim_end(&mut cur);
                    lines.push(Line::from(std::mem::take(&mut cur)));
                    cur.push(Span::raw(indent.to_string()));
                    col = indent.chars().count();
                    fresh = true;
                    continue;
                }
                // Longer than a whole line: as much as fits, the rest on the next.
                let rest = word.split_off(room);
                cur.push(Span::styled(word.iter().collect::<String>(), style));
                col = width;
                fresh = false;
                word = rest;
            }
        }
    }
    trim_end(&mut cur);
    lines.push(Line::from(cur));
    lines
}

/// Words and single spaces: runs of whitespace count as one space. Of the controls only tab and
/// line ends separate words (as lesson text has them); the others stay in a word, escaped.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let space = matches!(c, '\t' | '\n' | '\r') || (c.is_whitespace() && !c.is_control());
        if space {
            if let Some(b) = start.take() {
                out.push(&s[b..i]);
            }
            if out.last() != Some(&" ") {
                out.push(" ");
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(b) = start {
        out.push(&s[b..]);
    }
    out
}

fn trim_end(spans: &mut Vec<Span<'static>>) {
    while spans
        .last()
        .is_some_and(|s| s.content.trim().is_empty() && spans.len() > 1)
    {
        spans.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::markdown::parse;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wraps_keeps_backticks_and_styles_emphasis() {
        let theme = Theme::plain();
        let lines = render(
            &parse(
                "One *two* **three** `four five`.\n\n- a long item that wraps\n\n```\nGET / HTTP/1.1\n```",
            ),
            16,
            &theme,
        );
        assert_eq!(
            text(&lines),
            [
                "One two three",
                "`four five`.",
                "",
                "• a long item",
                "  that wraps",
                "",
                "  GET / HTTP/1.1",
            ]
        );
        let two = &lines[0].spans.iter().find(|s| s.content == "two").unwrap();
        assert!(two.style.add_modifier.contains(Modifier::ITALIC));
        let three = &lines[0]
            .spans
            .iter()
            .find(|s| s.content == "three")
            .unwrap();
        assert!(three.style.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn cuts_a_word_longer_than_the_line() {
        let lines = wrap(vec![Span::raw("ab abcdefghij")], 5, "", "");
        assert_eq!(text(&lines), ["ab", "abcde", "fghij"]);
    }
}

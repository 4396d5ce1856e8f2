//! Lesson narration on screen: the Markdown subset of `crate::lesson::markdown` as styled,
//! wrapped lines. Meaning never rides on colour alone: inline code keeps its backticks, emphasis
//! is italic, strong is bold, so the plain theme reads the same.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::lesson::markdown::{Block, Inline};
use crate::lesson::wrap;
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
                    let indent = " ".repeat(wrap::cols(&mark));
                    out.extend(wrap(spans(item, theme), width, &mark, &indent));
                }
            }
            // Code keeps its lines as written, spaces and all (a tab as spaces: a terminal
            // cell cannot hold one); a line wider than the pane goes on below rather than lost.
            Block::Code(code) => {
                for l in code.lines() {
                    let l = visible(&l.replace('\t', "    ")).into_owned();
                    out.extend(
                        wrap::cut(&l, width.saturating_sub(2))
                            .into_iter()
                            .map(|part| {
                                Line::from(Span::styled(format!("  {part}"), code_style(theme)))
                            }),
                    );
                }
            }
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

/// Styled text wrapped to `width` columns, the one wrap the views share.
pub use crate::ui::wrap::wrap;

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

//! The Markdown subset of lesson narration: paragraphs, `*emphasis*`, `**strong**`,
//! `` `code` ``, lists (`- item`, `1. item`) and fenced code blocks. Lenient: a marker with no
//! partner stays as literal text.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Para(Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Code(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Emph(String),
    Strong(String),
    Code(String),
}

fn is_fence(line: &str) -> bool {
    line.trim_start().starts_with("```")
}

/// A list item's text, and whether the list is ordered.
fn list_item(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        return t[digits..].strip_prefix(". ").map(|rest| (true, rest));
    }
    None
}

pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Option<(bool, Vec<String>)> = None;
    let mut code: Option<Vec<&str>> = None;
    let flush =
        |blocks: &mut Vec<Block>, para: &mut Vec<&str>, list: &mut Option<(bool, Vec<String>)>| {
            if !para.is_empty() {
                blocks.push(Block::Para(inlines(&para.join(" "))));
                para.clear();
            }
            if let Some((ordered, items)) = list.take() {
                let items = items.iter().map(|i| inlines(i)).collect();
                blocks.push(Block::List { ordered, items });
            }
        };
    for line in text.lines() {
        if let Some(lines) = &mut code {
            if is_fence(line) {
                blocks.push(Block::Code(lines.join("\n")));
                code = None;
            } else {
                lines.push(line);
            }
            continue;
        }
        if is_fence(line) {
            flush(&mut blocks, &mut para, &mut list);
            code = Some(Vec::new());
        } else if line.trim().is_empty() {
            flush(&mut blocks, &mut para, &mut list);
        } else if let Some((ordered, item)) = list_item(line) {
            if !para.is_empty() || list.as_ref().is_some_and(|(o, _)| *o != ordered) {
                flush(&mut blocks, &mut para, &mut list);
            }
            list.get_or_insert_with(|| (ordered, Vec::new()))
                .1
                .push(item.trim().to_string());
        } else if let Some((_, items)) = &mut list
            && line.starts_with(' ')
        {
            // An indented line continues the last item.
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            if list.is_some() {
                flush(&mut blocks, &mut para, &mut list);
            }
            para.push(line.trim());
        }
    }
    // An unclosed fence keeps its lines as code (the loader reports it).
    if let Some(lines) = code {
        blocks.push(Block::Code(lines.join("\n")));
    }
    flush(&mut blocks, &mut para, &mut list);
    blocks
}

/// The 0-based line of a code fence that is never closed, if any.
pub fn unclosed_fence(text: &str) -> Option<usize> {
    let mut open = None;
    for (i, line) in text.lines().enumerate() {
        if is_fence(line) {
            open = if open.is_some() { None } else { Some(i) };
        }
    }
    open
}

fn inlines(s: &str) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let found = match c {
            '`' => span(rest, "`").map(|(inner, n)| (Inline::Code(inner.to_string()), n)),
            '*' if rest.starts_with("**") => {
                span(rest, "**").map(|(inner, n)| (Inline::Strong(inner.to_string()), n))
            }
            '*' | '_' => {
                span(rest, &rest[..1]).map(|(inner, n)| (Inline::Emph(inner.to_string()), n))
            }
            _ => None,
        };
        match found {
            Some((inline, n)) => {
                if !text.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut text)));
                }
                out.push(inline);
                rest = &rest[n..];
            }
            None => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !text.is_empty() {
        out.push(Inline::Text(text));
    }
    out
}

/// `marker inner marker` at the start of `s`: the inner text and the bytes used, when closed
/// and not empty.
fn span<'a>(s: &'a str, marker: &str) -> Option<(&'a str, usize)> {
    let body = s.strip_prefix(marker)?;
    let end = body.find(marker)?;
    let inner = &body[..end];
    if inner.is_empty() || inner.starts_with(' ') || (marker != "`" && inner.ends_with(' ')) {
        return None;
    }
    Some((inner, marker.len() * 2 + end))
}

fn inline_plain(inl: &[Inline]) -> String {
    inl.iter()
        .map(|i| match i {
            Inline::Text(s) | Inline::Emph(s) | Inline::Strong(s) => s.clone(),
            Inline::Code(s) => format!("`{s}`"),
        })
        .collect()
}

/// `s` wrapped to `width` columns, each line after the first prefixed by `indent`.
fn wrap(s: &str, width: usize, first: &str, indent: &str) -> String {
    super::wrap::wrap(s, width, first, indent).join("\n")
}

/// Plain text for a terminal `width` columns wide: paragraphs wrapped, lists as `  • ` and
/// `  1. `, code indented 4, emphasis markers dropped, inline code kept in backticks.
pub fn to_plain(blocks: &[Block], width: usize) -> String {
    let width = width.max(20);
    let mut parts = Vec::new();
    for b in blocks {
        parts.push(match b {
            Block::Para(inl) => wrap(&inline_plain(inl), width, "", ""),
            Block::List { ordered, items } => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let mark = if *ordered {
                        format!("  {}. ", i + 1)
                    } else {
                        "  • ".to_string()
                    };
                    let indent = " ".repeat(super::wrap::cols(&mark));
                    wrap(&inline_plain(item), width, &mark, &indent)
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Code(code) => code
                .lines()
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    parts.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_block_and_inline() {
        let b = parse(
            "One *two* **three** `four`.\nstill one\n\n- a\n- b\n\n1. x\n2. y\n\n```\nGET / HTTP/1.1\n```\n",
        );
        assert_eq!(
            b,
            vec![
                Block::Para(vec![
                    Inline::Text("One ".into()),
                    Inline::Emph("two".into()),
                    Inline::Text(" ".into()),
                    Inline::Strong("three".into()),
                    Inline::Text(" ".into()),
                    Inline::Code("four".into()),
                    Inline::Text(". still one".into()),
                ]),
                Block::List {
                    ordered: false,
                    items: vec![
                        vec![Inline::Text("a".into())],
                        vec![Inline::Text("b".into())]
                    ]
                },
                Block::List {
                    ordered: true,
                    items: vec![
                        vec![Inline::Text("x".into())],
                        vec![Inline::Text("y".into())]
                    ]
                },
                Block::Code("GET / HTTP/1.1".into()),
            ]
        );
    }

    #[test]
    fn unmatched_markers_stay_literal() {
        assert_eq!(
            parse("2 * 3 and `x"),
            vec![Block::Para(vec![Inline::Text("2 * 3 and `x".into())])]
        );
        assert_eq!(
            parse("snake_case"),
            vec![Block::Para(vec![Inline::Text("snake_case".into())])]
        );
    }

    #[test]
    fn plain_text_wraps_and_marks_lists() {
        let b = parse(
            "aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk\n\n- *one*\n\n1. `two`\n\n```\ncode\n```",
        );
        assert_eq!(
            to_plain(&b, 20),
            "aaa bbb ccc ddd eee\nfff ggg hhh iii jjj\nkkk\n\n  • one\n\n  1. `two`\n\n    code"
        );
    }

    #[test]
    fn finds_an_unclosed_fence() {
        assert_eq!(unclosed_fence("a\n```\nb\n```\n"), None);
        assert_eq!(unclosed_fence("a\n\n```\nb\n"), Some(2));
    }
}

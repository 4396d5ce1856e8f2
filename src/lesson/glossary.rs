//! `duplex glossary`: the course's terms in English and in the words Chinese learners use
//! (长连接, 全双工, 掩码, 心跳...), each with one sentence in each language.

use serde::Deserialize;

const GLOSSARY: &str = include_str!("../../assets/glossary.toml");

#[derive(Debug, Deserialize)]
pub struct Term {
    pub en: String,
    pub zh: String,
    pub en_says: String,
    pub zh_says: String,
}

#[derive(Deserialize)]
struct File {
    term: Vec<Term>,
}

/// The terms, in the course's order.
pub fn terms() -> Vec<Term> {
    // Built in and checked by a test: a broken file is a build-time mistake, shown empty here.
    toml::from_str::<File>(GLOSSARY).map_or_else(|_| Vec::new(), |f| f.term)
}

/// The glossary as lines of at most `width` columns; Chinese first when `zh_first`.
pub fn lines(width: usize, zh_first: bool) -> Vec<String> {
    let mut out = Vec::new();
    for t in terms() {
        let (head, says) = if zh_first {
            (format!("{} · {}", t.zh, t.en), [&t.zh_says, &t.en_says])
        } else {
            (format!("{} · {}", t.en, t.zh), [&t.en_says, &t.zh_says])
        };
        out.extend(super::wrap::wrap(&head, width, "", "  "));
        for s in says {
            out.extend(super::wrap::wrap(s, width, "  ", "  "));
        }
        out.push(String::new());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_glossary_parses_and_names_the_terms_learners_use() {
        let terms = super::terms();
        assert!(terms.len() >= 15);
        for want in [
            "长连接",
            "短连接",
            "全双工",
            "握手",
            "掩码",
            "心跳",
            "无状态",
            "帧",
            "分片",
            "关闭帧",
        ] {
            assert!(terms.iter().any(|t| t.zh.contains(want)), "{want}");
        }
        for t in &terms {
            assert!(!t.en_says.is_empty() && !t.zh_says.is_empty(), "{}", t.en);
        }
    }

    #[test]
    fn every_line_fits_in_display_columns() {
        for width in [60, 100] {
            for l in super::lines(width, true) {
                assert!(
                    unicode_width::UnicodeWidthStr::width(l.as_str()) <= width,
                    "{l}"
                );
            }
        }
    }
}

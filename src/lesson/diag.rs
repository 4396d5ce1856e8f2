//! A problem in a lesson file, with where it is: `lessons/x.toml:12:5: message`.

use std::fmt;
use std::ops::Range;

use super::model::Pos;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Pos { line, col } = self.pos;
        write!(f, "{}:{line}:{col}: {}", self.file, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Byte offsets to 1-based line and column (the column counts characters, not bytes).
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        // A span may end inside a character; count only whole characters before it.
        // A byte order mark opening the file is no column an editor shows.
        let start = if start == 0 && self.text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8().min(offset)
        } else {
            start
        };
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col + 1).unwrap_or(u32::MAX),
        }
    }

    pub fn span_pos(&self, span: &Range<usize>) -> Pos {
        self.pos(span.start)
    }
}

/// Edit distance (Levenshtein), for "did you mean" hints.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// "did you mean `x`? valid: a, b, c" — the closest name when it is close enough.
pub fn did_you_mean(word: &str, valid: &[&str]) -> String {
    let list = valid
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let best = valid
        .iter()
        .map(|v| (distance(&word.to_lowercase(), v), *v))
        .min();
    match best {
        Some((d, v)) if d <= (v.chars().count() / 3).max(2) => {
            format!("did you mean `{v}`? valid: {list}")
        }
        _ => format!("valid: {list}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let l = Lines::new("ab\né=1\n");
        assert_eq!(l.pos(0), Pos { line: 1, col: 1 });
        assert_eq!(l.pos(3), Pos { line: 2, col: 1 });
        // `é` is two bytes, one column.
        assert_eq!(l.pos(5), Pos { line: 2, col: 2 });
        assert_eq!(l.pos(999), Pos { line: 3, col: 1 });
    }

    #[test]
    fn suggests_the_closest_name() {
        assert_eq!(distance("kitten", "sitting"), 3);
        let h = did_you_mean("repet", &["repeat", "path"]);
        assert!(h.starts_with("did you mean `repeat`?"), "{h}");
        assert!(did_you_mean("zzzzzz", &["path"]).starts_with("valid:"));
    }

    #[test]
    fn displays_file_line_col_and_hint() {
        let d = Diagnostic {
            file: "lessons/x.toml".into(),
            pos: Pos { line: 4, col: 12 },
            message: "boom".into(),
            hint: Some("fix it".into()),
        };
        assert_eq!(d.to_string(), "lessons/x.toml:4:12: boom\n  hint: fix it");
    }
}

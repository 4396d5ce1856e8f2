//! The home screen: the course in order with progress marks, then replay and the sandbox.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use super::course::CourseEntry;
use crate::ui::visible;

/// What the selected home line opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Lesson(String),
    Replay,
    Sandbox,
}

pub struct Home {
    pub course: Vec<CourseEntry>,
    pub selected: usize,
    /// Lines of the About pane scrolled past (K/J), back to 0 with each new selection.
    pub about_scroll: u16,
    /// The About pane's last lines scrolled past at most, as drawn.
    about_max: std::cell::Cell<u16>,
}

impl Home {
    pub fn new(course: Vec<CourseEntry>) -> Home {
        Home {
            course,
            selected: 0,
            about_scroll: 0,
            about_max: std::cell::Cell::new(0),
        }
    }

    fn len(&self) -> usize {
        self.course.len() + 2
    }

    pub fn choice(&self) -> Choice {
        match self.course.get(self.selected) {
            Some(c) => Choice::Lesson(c.id.clone()),
            None if self.selected == self.course.len() => Choice::Replay,
            None => Choice::Sandbox,
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.about_scroll = 0;
    }

    /// K/J: the About pane a line up or down, within what it holds.
    pub fn scroll_about(&mut self, delta: i16) {
        let max = self.about_max.get();
        self.about_scroll = self.about_scroll.saturating_add_signed(delta).min(max);
    }

    /// A click at (`col`, `row`) on the screen drawn in `area`: on a line of the list, it
    /// selects that line; anywhere else (borders, the About pane, the key bar) nothing.
    pub fn click(&mut self, area: Rect, col: u16, row: u16) {
        let (list_area, ..) = areas(area);
        let lines = Block::new().borders(Borders::ALL).inner(list_area);
        if !lines.contains(ratatui::layout::Position::new(col, row)) {
            return;
        }
        // The list as drawn: from the top, scrolled just enough to show the selection; an
        // item may take more than one line.
        let heights: Vec<usize> = self
            .items(None, usize::from(lines.width))
            .iter()
            .map(Vec::len)
            .collect();
        let height = usize::from(lines.height);
        let mut first = 0;
        while first < self.selected && heights[first..=self.selected].iter().sum::<usize>() > height
        {
            first += 1;
        }
        let mut y = usize::from(row - lines.y);
        for (i, h) in heights.iter().enumerate().skip(first) {
            if y < *h {
                self.selected = i;
                return;
            }
            y -= h;
        }
    }

    /// Each line of the list as text lines at most `width` columns wide: a long title wraps
    /// under itself rather than losing its last words.
    fn items(&self, server: Option<&str>, width: usize) -> Vec<Vec<String>> {
        // The highlight symbol takes two columns before each line.
        let room = width.saturating_sub(2);
        let mut out: Vec<Vec<String>> = self
            .course
            .iter()
            .enumerate()
            .map(|(i, c)| wrap(&format!("{} {:>2}. ", c.mark(), i + 1), &c.title, room))
            .collect();
        out.push(wrap("▸ ", &crate::tr!("home.replay"), room));
        let sandbox = match server {
            Some(url) => crate::tr!("home.sandbox_running", url = url),
            None => crate::tr!("home.sandbox"),
        };
        out.push(wrap("▸ ", &sandbox, room));
        out
    }

    /// `server`: the sandbox's URL once it runs, for a browser or curl in another window.
    /// `note`: a problem to say (a broken lesson file, progress that cannot be read).
    pub fn draw(&self, f: &mut Frame, area: Rect, server: Option<&str>, note: &str) {
        let (list_area, info_area, keys) = areas(area);
        let width = usize::from(list_area.width.saturating_sub(2));
        let items: Vec<ListItem> = self
            .items(server, width)
            .into_iter()
            .map(|lines| ListItem::new(lines.into_iter().map(Line::from).collect::<Vec<_>>()))
            .collect();
        let list = List::new(items)
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .title(crate::tr!("home.title")),
            )
            .highlight_symbol("› ")
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD));
        let mut state = ListState::default().with_selected(Some(self.selected));
        f.render_stateful_widget(list, list_area, &mut state);
        let mut about = self.about(server);
        if !note.is_empty() {
            about.push(Line::from(""));
            about.push(Line::from(format!("! {}", visible(note))));
        }
        let block = Block::new()
            .borders(Borders::ALL)
            .title(crate::tr!("home.about"));
        let inner = block.inner(info_area);
        let about = wrapped(about, usize::from(inner.width));
        // What does not fit scrolls with K/J, and the border says there is more.
        let max = about.len().saturating_sub(usize::from(inner.height));
        let max = u16::try_from(max).unwrap_or(u16::MAX);
        self.about_max.set(max);
        let scroll = self.about_scroll.min(max);
        let more = match (scroll > 0, scroll < max) {
            (true, true) => crate::tr!("home.more_both"),
            (true, false) => crate::tr!("home.more_up"),
            (false, true) => crate::tr!("home.more_down"),
            (false, false) => String::new(),
        };
        let block = block.title_bottom(Line::from(more).right_aligned());
        f.render_widget(
            Paragraph::new(about).scroll((scroll, 0)).block(block),
            info_area,
        );
        f.render_widget(Paragraph::new(key_bar(usize::from(keys.width))), keys);
    }

    fn about(&self, server: Option<&str>) -> Vec<Line<'static>> {
        match self.choice() {
            Choice::Lesson(id) => {
                let c = &self.course[self.selected];
                vec![
                    Line::from(Span::styled(
                        c.title.clone(),
                        Style::new().add_modifier(Modifier::BOLD),
                    )),
                    Line::from(""),
                    Line::from(c.summary.clone()),
                    Line::from(""),
                    Line::from(crate::tr!("home.lesson_about", id = id)),
                    Line::from(crate::tr!("home.progress", done = c.done, steps = c.steps)),
                    Line::from(match (c.asked, c.questions) {
                        (_, 0) => crate::tr!("home.score_none"),
                        (0, _) => crate::tr!("home.score_unanswered"),
                        (_, n) if c.right < n => {
                            crate::tr!("home.score_review", right = c.right, n = n)
                        }
                        (_, n) => crate::tr!("home.score", right = c.right, n = n),
                    }),
                ]
            }
            Choice::Replay => vec![
                Line::from(Span::styled(
                    crate::tr!("home.replay"),
                    Style::new().add_modifier(Modifier::BOLD),
                )),
                Line::from(""),
                Line::from(crate::tr!("home.replay_about")),
            ],
            Choice::Sandbox => {
                let mut v = vec![
                    Line::from(Span::styled(
                        crate::tr!("home.sandbox"),
                        Style::new().add_modifier(Modifier::BOLD),
                    )),
                    Line::from(""),
                    Line::from(crate::tr!("home.sandbox_about")),
                ];
                if let Some(url) = server {
                    v.push(Line::from(""));
                    v.push(Line::from(crate::tr!(
                        "home.join",
                        url = url,
                        ws = url.replacen("http", "ws", 1)
                    )));
                }
                v
            }
        }
    }
}

/// The home's key bar within `width` columns: `v` (the glossary) is hinted where it fits.
fn key_bar(width: usize) -> Line<'static> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let with_v = |v: bool| {
        let keys = [
            ("↑↓", "home.bar.select"),
            ("Enter", "home.bar.open"),
            ("?", "home.bar.help"),
            ("v", "home.bar.glossary"),
            ("i", "home.bar.recap"),
            ("q", "home.bar.quit"),
        ];
        let mut spans = Vec::new();
        for (key, what) in keys.into_iter().filter(|k| v || k.0 != "v") {
            spans.push(Span::styled(key, bold));
            spans.push(Span::raw(format!(" {}  ", crate::tr!(what))));
        }
        spans.push(Span::raw(crate::tr!("home.bar.marks")));
        Line::from(spans)
    };
    let full = with_v(true);
    if full.width() <= width {
        full
    } else {
        with_v(false)
    }
}

/// The list, the About pane and the key bar.
fn areas(area: Rect) -> (Rect, Rect, Rect) {
    let [main, keys] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let [list, info] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(main);
    (list, info, keys)
}

/// `first` then `text` over lines of `width` columns, later lines indented under the text.
fn wrap(first: &str, text: &str, width: usize) -> Vec<String> {
    let indent = " ".repeat(crate::ui::width(first));
    crate::lesson::wrap::wrap(text, width, first, &indent)
}

/// `lines` wrapped to `width` columns, each keeping its style.
fn wrapped(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for l in lines {
        if l.spans.iter().all(|s| s.content.trim().is_empty()) {
            out.push(l);
            continue;
        }
        let spans = l
            .spans
            .into_iter()
            .map(|s| s.patch_style(l.style))
            .collect();
        out.extend(super::narration::wrap(spans, width, "", ""));
    }
    out
}

#[cfg(test)]
mod wrap_tests {
    #[test]
    fn a_long_title_wraps_under_itself_and_keeps_every_word() {
        let t = "Live prices: polling, long polling, SSE and WebSocket";
        let lines = super::wrap("·  9. ", t, 40);
        assert!(lines.len() == 2, "{lines:?}");
        assert!(lines.iter().all(|l| crate::ui::width(l) <= 40), "{lines:?}");
        assert!(lines[1].starts_with("      "), "{lines:?}");
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert!(words.join(" ").ends_with(t));
        assert_eq!(super::wrap("x ", "", 0), vec!["x ".to_string()]);
    }
}

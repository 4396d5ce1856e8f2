//! The lesson's traffic: the live session of its server, and each replayed capture in a session
//! of its own (its clock from its first packet, its own connection numbers). The panes show one
//! at a time; `c` goes round them.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::lesson::LessonScreen;
use super::traffic::Traffic;
use crate::proto::event::Event;
use crate::ui::Theme;
use unicode_width::UnicodeWidthStr;

impl LessonScreen {
    /// The traffic the panes show.
    pub fn shown(&self) -> &Traffic {
        match self.view.checked_sub(1).and_then(|i| self.captures.get(i)) {
            Some((_, t)) => t,
            None => &self.traffic,
        }
    }

    pub fn shown_mut(&mut self) -> &mut Traffic {
        match self.view.checked_sub(1) {
            Some(i) if i < self.captures.len() => &mut self.captures[i].1,
            _ => &mut self.traffic,
        }
    }

    /// The next view: live, then each capture in the order replayed; false when there is none.
    pub fn next_view(&mut self) -> bool {
        if self.captures.is_empty() {
            return false;
        }
        self.view = (self.view + 1) % (self.captures.len() + 1);
        self.view_chosen = true;
        true
    }

    /// Events as they happen: live ones to the live session, a capture's to its own. While a step
    /// runs the panes show where the newest traffic went, unless the learner chose a view.
    pub fn on_events(&mut self, events: Vec<(Option<Arc<str>>, Event)>) {
        let mut newest = None;
        for (source, ev) in events {
            let Some(name) = source else {
                self.traffic.push_live([&ev]);
                newest = Some(0);
                continue;
            };
            let i = match self.captures.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    self.captures.push((name, Traffic::default()));
                    self.captures.len() - 1
                }
            };
            self.captures[i].1.push(&ev);
            newest = Some(i + 1);
        }
        if let Some(v) = newest
            && self.running.is_some()
            && !self.view_chosen
        {
            self.view = v;
        }
    }

    /// The views as tabs on the ladder's top border, the shown one marked, once a capture was
    /// replayed; the key that goes round them after.
    pub fn draw_views(&self, f: &mut Frame, ladder: Rect, theme: &Theme) {
        self.draw_url(f, ladder, theme);
        if self.captures.is_empty() || ladder.height < 2 {
            return;
        }
        let live = crate::tr!("lesson_screen.view_live");
        let names = std::iter::once(live.as_str()).chain(self.captures.iter().map(|(n, _)| &**n));
        let mut spans = vec![Span::raw(" ")];
        for (i, name) in names.map(crate::ui::visible).enumerate() {
            // Brackets as well as reverse: the mark must not rely on colour or style alone.
            let (text, style) = if i == self.view {
                (
                    format!("[{name}]"),
                    theme.title.add_modifier(Modifier::REVERSED),
                )
            } else {
                (format!(" {name} "), theme.dim)
            };
            spans.push(Span::styled(text, style));
        }
        spans.push(Span::styled(" c ", theme.dim));
        // After the ladder's title on the border (" Ladder " ends at column 9); the shown
        // view's name is kept whole when space is short.
        let after = 2 + crate::ui::width(&crate::ui::ladder::title()) as u16;
        let room = usize::from(ladder.width).saturating_sub(usize::from(after) + 2);
        let mut line = Line::from(spans);
        while line.to_string().width() > room && line.spans.len() > 3 {
            // The shown view is the one in brackets: every other name may go.
            let Some(drop) =
                (1..line.spans.len() - 1).find(|&i| !line.spans[i].content.starts_with('['))
            else {
                break;
            };
            line.spans.remove(drop);
        }
        let w = (line.to_string().width() as u16).min(ladder.width.saturating_sub(after + 1));
        let at = Rect {
            x: ladder.x + after,
            y: ladder.y,
            width: w,
            height: 1,
        };
        f.render_widget(Paragraph::new(line), at);
    }

    /// The lesson server's address on the live ladder's bottom border: a browser or curl in
    /// another window is seen live too.
    fn draw_url(&self, f: &mut Frame, ladder: Rect, theme: &Theme) {
        let Some(addr) = self.server.filter(|_| self.view == 0) else {
            return;
        };
        if ladder.height < 3 {
            return;
        }
        let url = format!(" http://{addr} ");
        // Left of the "new below" cue, which takes the right end when there is one.
        let cue = self.traffic.unseen_cue().map_or(0, |c| c.width() + 1);
        let room = usize::from(ladder.width).saturating_sub(2 + cue);
        if url.width() > room {
            return;
        }
        let at = Rect {
            x: ladder.x + 1,
            y: ladder.y + ladder.height - 1,
            width: url.width() as u16,
            height: 1,
        };
        f.render_widget(Paragraph::new(Line::styled(url, theme.dim)), at);
    }
}

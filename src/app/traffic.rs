//! The traffic panes shared by replay, sandbox and lessons: a session, a playhead, a selection,
//! the mask toggle, a filter and a search. The views draw it; this file only steers them.
//!
//! PLACEHOLDER model until `crate::session` and `crate::ui` land from the views branch.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::proto::event::{Event, EventKind};

/// Which traffic pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Ladder,
    Inspector,
    Lifetimes,
}

impl Pane {
    pub fn next(self) -> Pane {
        match self {
            Pane::Ladder => Pane::Inspector,
            Pane::Inspector => Pane::Lifetimes,
            Pane::Lifetimes => Pane::Ladder,
        }
    }
    pub fn prev(self) -> Pane {
        self.next().next()
    }
}

#[derive(Default)]
pub struct Traffic {
    events: Vec<Event>,
    /// Events revealed so far (the playhead); `None`: all of them, live.
    pub head: Option<usize>,
    pub selected: usize,
    pub unmask: bool,
    pub focus: Pane,
    pub search: Option<String>,
    pub filter: Option<String>,
}

impl Traffic {
    /// A replay's traffic: nothing shown until stepped or played.
    pub fn with_playhead() -> Traffic {
        Traffic {
            head: Some(0),
            ..Traffic::default()
        }
    }

    pub fn push(&mut self, ev: &Event) {
        self.events.push(ev.clone());
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events a learner can see now.
    pub fn shown(&self) -> usize {
        self.head
            .map_or(self.events.len(), |h| h.min(self.events.len()))
    }

    pub fn kind_of(&self, i: usize) -> Option<&'static str> {
        self.events.get(i).map(|e| e.kind.name())
    }

    pub fn matches(&self, i: usize, needle: &str) -> bool {
        self.events
            .get(i)
            .is_some_and(|e| summary(e).to_lowercase().contains(&needle.to_lowercase()))
    }

    /// Reveals the next event and selects it; false at the end.
    pub fn step_forward(&mut self) -> bool {
        let from = self.head.map_or(self.selected + 1, |h| h);
        match self.find(from, true, |t, i| t.passes(i)) {
            Some(i) => {
                self.reveal(i);
                self.selected = i;
                true
            }
            None => false,
        }
    }

    /// Hides the newest event shown and selects the one before; false at the start.
    pub fn step_back(&mut self) -> bool {
        let last = self.shown().saturating_sub(1);
        let from = if self.head.is_some() {
            last
        } else {
            self.selected
        };
        match self.find(from.saturating_sub(1), false, |t, i| t.passes(i)) {
            Some(i) if i < from => {
                if self.head.is_some() {
                    self.head = Some(i + 1);
                }
                self.selected = i;
                true
            }
            _ => false,
        }
    }

    /// Moves the selection among the events shown.
    pub fn select_by(&mut self, delta: isize) {
        let forward = delta > 0;
        for _ in 0..delta.unsigned_abs() {
            let from = if forward {
                self.selected + 1
            } else if self.selected == 0 {
                return;
            } else {
                self.selected - 1
            };
            match self.find(from, forward, |t, i| t.passes(i)) {
                Some(i) if i < self.shown() => self.selected = i,
                _ => return,
            }
        }
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
        self.select_by(0);
    }

    /// Shows everything and selects the last event.
    pub fn select_last(&mut self) {
        if self.head.is_some() {
            self.head = Some(self.len());
        }
        self.selected = self.len().saturating_sub(1);
    }

    /// Jumps to the next (or previous) event of the selected one's kind.
    pub fn jump_same_kind(&mut self, forward: bool) -> bool {
        let Some(kind) = self.kind_of(self.selected) else {
            return false;
        };
        self.jump(forward, |t, i| t.kind_of(i) == Some(kind) && t.passes(i))
    }

    /// Jumps to the next (or previous) event the search matches.
    pub fn jump_match(&mut self, forward: bool) -> bool {
        let Some(q) = self.search.clone() else {
            return false;
        };
        self.jump(forward, |t, i| t.passes(i) && t.matches(i, &q))
    }

    fn jump(&mut self, forward: bool, pred: impl Fn(&Self, usize) -> bool) -> bool {
        let from = if forward {
            self.selected + 1
        } else if self.selected == 0 {
            return false;
        } else {
            self.selected - 1
        };
        match self.find(from, forward, pred) {
            Some(i) => {
                self.reveal(i);
                self.selected = i;
                true
            }
            None => false,
        }
    }

    fn reveal(&mut self, i: usize) {
        if let Some(h) = self.head
            && i >= h
        {
            self.head = Some(i + 1);
        }
    }

    /// The first index from `from` (inclusive) in that direction where `pred` holds.
    fn find(
        &self,
        from: usize,
        forward: bool,
        pred: impl Fn(&Self, usize) -> bool,
    ) -> Option<usize> {
        if forward {
            (from..self.len()).find(|&i| pred(self, i))
        } else {
            (0..=from.min(self.len().checked_sub(1)?))
                .rev()
                .find(|&i| pred(self, i))
        }
    }

    /// Whether event `i` passes the filter (PLACEHOLDER until the views' `Filter`).
    pub fn passes(&self, i: usize) -> bool {
        let (Some(f), Some(e)) = (&self.filter, self.events.get(i)) else {
            return true;
        };
        f.split_whitespace().all(|term| match term.split_once('=') {
            Some(("conn", n)) => n.parse() == Ok(e.conn),
            Some(("proto", p)) => match &e.kind {
                EventKind::TcpOpen(_) | EventKind::TcpClose(_) => p == "tcp",
                EventKind::HttpRequest(_) | EventKind::HttpResponse(_) | EventKind::SseEvent(_) => {
                    p == "http"
                }
                EventKind::WsFrame(_) | EventKind::WsMessage(_) => p == "ws",
                EventKind::Error(_) => p == "error",
            },
            Some(("opcode", n)) => match &e.kind {
                EventKind::WsFrame(fr) => n.parse() == Ok(fr.opcode),
                _ => false,
            },
            _ => true,
        })
    }

    pub fn draw(&self, f: &mut Frame, ladder: Rect, inspector: Rect, lifetimes: Rect) {
        let shown = self.shown();
        let rows = ladder.height.saturating_sub(2) as usize;
        let top = self
            .selected
            .saturating_sub(rows / 2)
            .min(shown.saturating_sub(rows));
        let lines: Vec<Line> = (top..shown.min(top + rows))
            .map(|i| {
                let mark = if i == self.selected { "▶ " } else { "  " };
                let line = Line::from(format!("{mark}{}", summary(&self.events[i])));
                if i == self.selected {
                    line.style(Style::new().add_modifier(Modifier::REVERSED))
                } else {
                    line
                }
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(block("Ladder", self.focus == Pane::Ladder)),
            ladder,
        );
        let detail = self
            .events
            .get(self.selected)
            .filter(|_| self.selected < shown)
            .map(|e| format!("{e:?}"))
            .unwrap_or_default();
        f.render_widget(
            Paragraph::new(detail)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(block("Inspector", self.focus == Pane::Inspector)),
            inspector,
        );
        f.render_widget(
            Paragraph::new("").block(block("Lifetimes", self.focus == Pane::Lifetimes)),
            lifetimes,
        );
    }
}

fn block(title: &str, focused: bool) -> Block<'_> {
    let b = Block::new().borders(Borders::ALL).title(title);
    if focused {
        b.title_style(Style::new().add_modifier(Modifier::BOLD))
    } else {
        b
    }
}

fn summary(e: &Event) -> String {
    let dir = e.dir.map_or("", |d| d.as_str());
    match &e.kind {
        EventKind::HttpRequest(m) | EventKind::HttpResponse(m) => {
            format!("#{} {dir} {} {:?}", e.conn, e.kind.name(), m.head)
        }
        EventKind::WsFrame(fr) => format!(
            "#{} {dir} ws_frame {} {} B",
            e.conn,
            crate::proto::event::opcode_name(fr.opcode),
            fr.payload_len
        ),
        k => format!("#{} {dir} {}", e.conn, k.name()),
    }
}

//! The replay screen: a capture read in the background, a playhead, play / pause / speed.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Wrap};
use tokio::sync::mpsc::UnboundedSender;

use super::loader::{self, Loader};
use super::msg::{LoadReport, Msg};
use super::picker::human;
use super::traffic::Traffic;
use crate::ui::visible;

/// Playback speeds, in events per second.
const SPEEDS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 500.0, 2000.0];
const SPEED_START: usize = 2;

pub struct Player {
    pub path: PathBuf,
    loader: Loader,
    pub read: u64,
    pub total: u64,
    /// Once the whole file is read: what it held.
    pub done: Option<String>,
    pub failed: Option<String>,
    pub traffic: Traffic,
    pub playing: bool,
    speed: usize,
    /// Fractions of an event owed by past ticks.
    owed: f64,
}

impl Player {
    pub fn open(path: PathBuf, generation: u64, tx: UnboundedSender<Msg>) -> Player {
        let loader = loader::spawn(path.clone(), generation, tx);
        let traffic = Traffic::default();
        Player {
            path,
            loader,
            read: 0,
            total: 0,
            done: None,
            failed: None,
            traffic,
            playing: false,
            speed: SPEED_START,
            owed: 0.0,
        }
    }

    pub fn generation(&self) -> u64 {
        self.loader.generation
    }

    pub fn on_load(&mut self, report: LoadReport) {
        match report {
            LoadReport::Rows(mut batch) => {
                self.traffic.append(&mut batch);
                self.loader.took_batch(self.traffic.session.keeps_short());
            }
            LoadReport::Progress { read, total } => {
                self.read = read;
                self.total = total;
            }
            LoadReport::Done { packets, problems } => {
                let events = self.traffic.len();
                let mut s = crate::tr!("replay.summary", packets = packets, events = events);
                if problems > 0 {
                    s.push_str(&crate::tr!("replay.problems", n = problems));
                }
                self.done = Some(s);
            }
            LoadReport::Failed(e) => self.failed = Some(e),
        }
    }

    pub fn loading(&self) -> bool {
        self.done.is_none() && self.failed.is_none()
    }

    pub fn faster(&mut self) {
        self.speed = (self.speed + 1).min(SPEEDS.len() - 1);
    }

    pub fn slower(&mut self) {
        self.speed = self.speed.saturating_sub(1);
    }

    /// Advances the playhead by the time passed; true when something moved.
    pub fn tick(&mut self, secs: f64) -> bool {
        if !self.playing {
            return false;
        }
        self.owed += SPEEDS[self.speed] * secs;
        let mut moved = false;
        while self.owed >= 1.0 {
            self.owed -= 1.0;
            if !self.traffic.select_by(1) {
                if !self.loading() {
                    self.playing = false;
                }
                self.owed = 0.0;
                break;
            }
            moved = true;
        }
        moved
    }

    pub fn draw_side(&self, f: &mut Frame, area: Rect, note: &str) {
        let name = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let block = Block::new()
            .borders(Borders::ALL)
            .title(crate::tr!("replay.title", name = visible(&name)));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [gauge, text] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let ratio = if self.total == 0 {
            if self.loading() { 0.0 } else { 1.0 }
        } else {
            (self.read as f64 / self.total as f64).clamp(0.0, 1.0)
        };
        let label = if self.loading() {
            let pct = format!("{:.0}", ratio * 100.0);
            crate::tr!("replay.indexing", pct = pct, size = human(self.total))
        } else {
            crate::tr!("replay.indexed")
        };
        f.render_widget(
            Gauge::default()
                .ratio(ratio)
                .label(label)
                .gauge_style(Style::new().add_modifier(Modifier::REVERSED)),
            gauge,
        );
        let t = &self.traffic;
        let state = if self.playing {
            crate::tr!("replay.playing")
        } else {
            crate::tr!("replay.paused")
        };
        let position = if self.loading() {
            "replay.position_so_far"
        } else {
            "replay.position"
        };
        let mut lines = vec![
            Line::from(crate::tr!(
                "replay.speed",
                state = state,
                n = SPEEDS[self.speed]
            )),
            Line::from(crate::tr!(
                position,
                n = t.selected().map_or(0, |s| s + 1),
                total = t.len()
            )),
        ];
        if let Some(d) = &self.done {
            lines.push(Line::from(d.clone()));
        }
        if let Some(e) = &self.failed {
            lines.push(Line::from(crate::tr!(
                "replay.cannot_read",
                error = visible(e)
            )));
        }
        if let Some(q) = t.filter_line() {
            lines.push(Line::from(crate::tr!("replay.filter", q = visible(q))));
        }
        if let Some(q) = &t.search {
            lines.push(Line::from(crate::tr!("replay.search", q = visible(q))));
        }
        if !note.is_empty() {
            lines.push(Line::from(visible(note).into_owned()));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text);
    }
}

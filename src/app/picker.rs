//! The capture picker: the files of a directory, starting in `assets/captures`.

use std::path::{Path, PathBuf};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use crate::ui::visible;

pub struct Picker {
    pub dir: PathBuf,
    /// Directories first (with a trailing `/`), then captures; `..` on top when there is a parent.
    pub entries: Vec<(String, Option<u64>)>,
    pub selected: usize,
    pub error: Option<String>,
}

pub enum Picked {
    File(PathBuf),
    Nothing,
}

impl Default for Picker {
    fn default() -> Self {
        Picker::new()
    }
}

impl Picker {
    pub fn new() -> Picker {
        let start = Path::new("assets/captures");
        let dir = if start.is_dir() {
            start
        } else {
            Path::new(".")
        };
        Picker::at(dir.to_path_buf())
    }

    /// The picker on the files of `dir`.
    pub fn at(dir: PathBuf) -> Picker {
        let mut p = Picker {
            dir,
            entries: Vec::new(),
            selected: 0,
            error: None,
        };
        p.read();
        p
    }

    fn read(&mut self) {
        self.entries.clear();
        self.selected = 0;
        self.error = None;
        self.entries.push(("../".to_string(), None));
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) => {
                let dir = self.dir.display();
                self.error = Some(crate::tr!("picker.cannot_read", dir = dir, error = e));
                return;
            }
        };
        let (mut dirs, mut files) = (Vec::new(), Vec::new());
        for ent in rd.flatten() {
            let name = ent.file_name().to_string_lossy().into_owned();
            match ent.metadata() {
                Ok(m) if m.is_dir() && !name.starts_with('.') => {
                    dirs.push((format!("{name}/"), None))
                }
                Ok(m) if is_capture(&name) => files.push((name, Some(m.len()))),
                _ => {}
            }
        }
        dirs.sort();
        files.sort();
        self.entries.extend(dirs);
        self.entries.extend(files);
        // Start on the first capture rather than on `..`.
        self.selected = self.entries.iter().position(|e| e.1.is_some()).unwrap_or(0);
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.entries.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// Enter: a directory is entered, a capture is picked.
    pub fn open(&mut self) -> Picked {
        let Some((name, size)) = self.entries.get(self.selected).cloned() else {
            return Picked::Nothing;
        };
        if size.is_some() {
            return Picked::File(self.dir.join(name));
        }
        self.dir = if name == "../" {
            self.dir.join("..")
        } else {
            self.dir.join(name.trim_end_matches('/'))
        };
        if let Ok(d) = self.dir.canonicalize() {
            self.dir = d;
        }
        self.read();
        Picked::Nothing
    }

    pub fn draw(&self, f: &mut Frame, area: Rect) {
        let [list_area, about_area, keys] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(2),
            Constraint::Length(1),
        ])
        .areas(area);
        // What the selected capture holds, wrapped under the list so no word is lost.
        let about = self
            .entries
            .get(self.selected)
            .and_then(|(name, _)| super::captures::about(name))
            .unwrap_or_default();
        f.render_widget(
            Paragraph::new(about).wrap(ratatui::widgets::Wrap { trim: true }),
            about_area,
        );
        let items: Vec<ListItem> = self
            .entries
            .iter()
            .map(|(name, size)| match size {
                Some(n) => ListItem::new(format!("{:<40} {}", visible(name), human(*n))),
                None => ListItem::new(visible(name).into_owned()),
            })
            .collect();
        let dir = self.dir.display().to_string();
        let title = crate::tr!("picker.title", dir = visible(&dir));
        let list = List::new(items)
            .block(Block::new().borders(Borders::ALL).title(title))
            .highlight_symbol("› ")
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD));
        let mut state = ListState::default().with_selected(Some(self.selected));
        f.render_stateful_widget(list, list_area, &mut state);
        let bar = match &self.error {
            Some(e) => visible(e).into_owned(),
            None => crate::tr!("picker.bar"),
        };
        f.render_widget(Paragraph::new(bar), keys);
    }
}

pub(super) fn is_capture(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".pcap") || n.ends_with(".pcapng") || n.ends_with(".cap")
}

/// Sizes a person reads at a glance.
pub fn human(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

//! The terminal UI: one `App` state machine, updated by one message at a time and drawn from
//! `&self`, generic over where it is drawn (a terminal, or a `TestBackend` in tests).

mod captures;
pub mod composer;
mod composer_live;
mod composer_view;
pub mod course;
pub mod filter;
mod glossary_view;
pub mod help;
pub mod home;
pub mod keys;
mod language;
pub mod layout;
pub mod lesson;
mod lesson_end;
mod lesson_task;
mod lesson_traffic;
mod lesson_view;
pub mod loader;
pub mod msg;
pub mod narration;
pub mod picker;
pub mod player;
pub mod recap_view;
mod req_app;
pub mod req_composer;
pub mod req_curl;
pub mod req_form;
mod req_send;
mod req_view;
pub mod run;
pub mod sandbox;
mod table_view;
pub mod term;
pub mod traffic;
mod update;
pub mod ws_link;
mod zoom;

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedSender;

use crate::lesson::progress::{Progress, Store};
use crate::ui::Theme;

pub use msg::Msg;
pub use run::run;

use course::Course;
use home::Home;
use lesson::LessonScreen;
use picker::Picker;
use player::Player;
use sandbox::Sandbox;
use traffic::Traffic;

/// The screen in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Home,
    Picker,
    Replay,
    Sandbox,
    Lesson,
}

/// A line being typed at the bottom: a search or a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Search(String),
    Filter(String),
    /// The learner's answer to the lesson's open question.
    Answer(String),
}

pub struct App {
    pub screen: Screen,
    /// The help overlay, with its scroll offset.
    pub help: Option<u16>,
    /// The interview recap overlay, with its scroll offset.
    pub recap: Option<u16>,
    /// The glossary overlay, with its scroll offset.
    pub glossary: Option<u16>,
    /// The lifetimes fill the traffic screen (`L`): every connection, how and when it ended.
    pub lifetimes_full: bool,
    pub prompt: Option<Prompt>,
    pub quit: bool,
    dirty: bool,
    tx: UnboundedSender<Msg>,
    /// Where the sandbox's server and clients run; none in tests that need no network.
    rt: Option<Handle>,
    pub home: Home,
    pub picker: Option<Picker>,
    pub player: Option<Player>,
    pub sandbox: Option<Sandbox>,
    pub lesson: Option<LessonScreen>,
    /// The sandbox's request composer, kept (with its connection) while hidden.
    pub reqcomp: Option<req_composer::Composer>,
    /// The frame composer (`C`), over the sandbox or the lesson screen.
    pub composer: Option<composer_live::Composer>,
    /// The lessons the home screen lists, the learner's progress, and where it is saved (none
    /// in tests: nothing is written).
    pub course: Course,
    /// The `--lessons` directory, to read the course again when the language changes.
    pub lessons_dir: Option<PathBuf>,
    pub progress: Progress,
    store: Option<Store>,
    generation: u64,
    pub theme: Theme,
    /// The last quick action's outcome or a problem, for the status line.
    pub note: String,
    /// The screen as last drawn, so a mouse click can be placed on it.
    area: std::cell::Cell<ratatui::layout::Rect>,
    /// Ticks so far, to pace redraws that only time asks for.
    ticks: u64,
}

impl App {
    /// The app over the built-in course, no progress, saving nothing.
    pub fn new(tx: UnboundedSender<Msg>, rt: Option<Handle>) -> App {
        App::with_course(tx, rt, Course::load(None), Progress::default(), None)
    }

    pub fn with_course(
        tx: UnboundedSender<Msg>,
        rt: Option<Handle>,
        course: Course,
        progress: Progress,
        store: Option<Store>,
    ) -> App {
        App {
            screen: Screen::Home,
            help: None,
            recap: None,
            glossary: None,
            lifetimes_full: false,
            prompt: None,
            quit: false,
            dirty: true,
            tx,
            rt,
            home: Home::new(course.entries(&progress)),
            course,
            lessons_dir: None,
            progress,
            store,
            picker: None,
            player: None,
            sandbox: None,
            lesson: None,
            reqcomp: None,
            composer: None,
            generation: 0,
            note: String::new(),
            area: std::cell::Cell::default(),
            ticks: 0,
            theme: Theme::from_env(),
        }
    }

    /// True once since the last call when something on screen changed.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Opens a capture in the replay screen; the file is read in the background.
    pub fn open_replay(&mut self, path: PathBuf) {
        self.generation += 1;
        self.player = Some(Player::open(path, self.generation, self.tx.clone()));
        self.screen = Screen::Replay;
        self.dirty = true;
    }

    /// Stops background work before the runtime goes.
    pub fn shutdown(&mut self) {
        self.player = None;
        self.reqcomp = None;
        self.composer = None;
        self.sandbox = None;
        self.lesson = None;
    }

    /// The traffic of the screen in front, if it has one.
    pub fn traffic(&self) -> Option<&Traffic> {
        match self.screen {
            Screen::Replay => self.player.as_ref().map(|p| &p.traffic),
            Screen::Sandbox => self.sandbox.as_ref().map(|s| &s.traffic),
            Screen::Lesson => self.lesson.as_ref().map(LessonScreen::shown),
            Screen::Home | Screen::Picker => None,
        }
    }

    fn traffic_mut(&mut self) -> Option<&mut Traffic> {
        match self.screen {
            Screen::Replay => self.player.as_mut().map(|p| &mut p.traffic),
            Screen::Sandbox => self.sandbox.as_mut().map(|s| &mut s.traffic),
            Screen::Lesson => self.lesson.as_mut().map(LessonScreen::shown_mut),
            Screen::Home | Screen::Picker => None,
        }
    }

    pub fn draw(&self, f: &mut Frame) {
        let area = f.area();
        self.area.set(area);
        match self.screen {
            Screen::Home => {
                let url = self.sandbox.as_ref().map(|s| s.url.as_str());
                self.home.draw(f, area, url, &self.note);
            }
            Screen::Picker => {
                if let Some(p) = &self.picker {
                    p.draw(f, area);
                }
            }
            Screen::Replay | Screen::Sandbox | Screen::Lesson => self.draw_traffic(f),
        }
        if let Some(scroll) = self.recap {
            recap_view::draw(f, area, scroll, &self.progress, &self.course.lessons);
        }
        if let Some(scroll) = self.glossary {
            glossary_view::draw(f, area, scroll);
        }
        if let Some(scroll) = self.help {
            help::draw(f, area, scroll);
        }
    }

    /// The shown lesson step's table of measures, when it has the inspector's place.
    fn table(&self) -> Option<(&crate::lesson::run::TableReport, usize)> {
        let l = self
            .lesson
            .as_ref()
            .filter(|_| self.screen == Screen::Lesson)?;
        Some((l.shown_table()?, l.step))
    }

    /// Where the traffic screen's panes go in `area`.
    fn areas(&self, area: ratatui::layout::Rect) -> layout::Areas {
        let below = self
            .table()
            .map_or(0, |(t, _)| table_view::height(t, area.width));
        layout::traffic_with(area, below)
    }

    fn draw_traffic(&self, f: &mut Frame) {
        let a = self.areas(f.area());
        match self.screen {
            Screen::Replay => {
                if let Some(p) = &self.player {
                    p.draw_side(f, a.side, &self.note);
                }
            }
            Screen::Sandbox => {
                if let Some(s) = &self.sandbox {
                    s.draw_side(f, a.side, &self.note);
                }
            }
            _ => {
                if let Some(l) = &self.lesson {
                    l.draw_side(f, a.side, &self.theme, &self.note);
                }
            }
        }
        if let Some(t) = self.traffic() {
            t.draw(f, [a.ladder, a.inspector, a.lifetimes], &self.theme);
            if let Some((table, step)) = self.table() {
                let focused = t.focus() == traffic::Pane::Inspector;
                let scroll = if focused { t.inspector_scroll } else { 0 };
                f.render_widget(ratatui::widgets::Clear, a.inspector);
                table_view::draw(f, a.inspector, table, step, scroll, focused, &self.theme);
            }
            if let (Screen::Lesson, Some(l)) = (self.screen, &self.lesson) {
                l.draw_views(f, a.ladder, &self.theme);
            }
            if self.lifetimes_full {
                let full = ratatui::layout::Rect {
                    height: f.area().height.saturating_sub(1),
                    ..f.area()
                };
                f.render_widget(ratatui::widgets::Clear, full);
                t.draw_lifetimes_full(f, full, &self.theme);
            }
        }
        let composing = self.reqcomp.as_ref().filter(|_| self.reqcomp_shown());
        if let Some(c) = composing {
            req_view::draw(c, f, req_view::area(&a), &self.note);
        }
        // What is typed may be pasted, and a paste may hold controls.
        let typed = |q: &str| crate::ui::visible(q).into_owned();
        let tls_view = self
            .traffic()
            .filter(|t| t.session.has_tls())
            .map(traffic::Traffic::outsider);
        let bar = match &self.prompt {
            Some(Prompt::Search(q)) => crate::tr!("bar.search", q = typed(q)),
            Some(Prompt::Filter(q)) => crate::tr!("bar.filter", q = typed(q)),
            Some(Prompt::Answer(q)) => crate::tr!("bar.answer", q = typed(q)),
            None if self.composer.is_some() => crate::tr!(if a.keys.width < 100 {
                "bar.short.composer"
            } else {
                "bar.long.composer"
            }),
            None if self.lifetimes_full => crate::tr!("bar.lifetimes"),
            None if composing.is_some_and(|c| c.editing.is_some()) => {
                crate::tr!("reqcomp.bar_typing")
            }
            None if composing.is_some() => crate::tr!(if a.keys.width < 100 {
                "reqcomp.bar_short"
            } else {
                "reqcomp.bar_long"
            }),
            None if self.screen == Screen::Lesson
                && self.lesson.as_ref().is_some_and(LessonScreen::task_waiting) =>
            {
                crate::tr!(if a.keys.width < 100 {
                    "bar.short.task"
                } else {
                    "bar.long.task"
                })
            }
            // With TLS on the panes, `E` takes the place of keys the help still lists.
            None if tls_view.is_some() => traffic::key_bar_tls(
                match self.screen {
                    Screen::Replay => "replay",
                    Screen::Sandbox => "sandbox",
                    _ => "lesson",
                },
                a.keys.width < 100,
                tls_view == Some(true),
            ),
            None if a.keys.width < 100 => crate::tr!(match self.screen {
                Screen::Replay => "bar.short.replay",
                Screen::Sandbox => "bar.short.sandbox",
                _ => "bar.short.lesson",
            }),
            None => crate::tr!(match self.screen {
                Screen::Replay => "bar.long.replay",
                Screen::Sandbox => "bar.long.sandbox",
                _ => "bar.long.lesson",
            }),
        };
        f.render_widget(Paragraph::new(Line::from(bar)), a.keys);
        if let Some(c) = &self.composer {
            let above = ratatui::layout::Rect {
                height: f.area().height.saturating_sub(1),
                ..f.area()
            };
            let outcome = self.composer_traffic().and_then(|t| c.outcome(t));
            composer_view::draw(f, above, c, outcome.as_ref(), &self.theme);
        }
    }
}
#[cfg(test)]
mod tests;

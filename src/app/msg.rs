//! The one message type the TUI loop handles: input, time, and what background work reports.

use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind, MouseEvent};

use crate::proto::event::Event;

/// Everything that can change the application's state.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Time passes: playback advances, progress redraws.
    Tick,
    /// Events decoded from the sandbox server's sockets, live.
    Live(Vec<Event>),
    /// A replay loader's report; `gen` tells stale loaders (of a file since closed) apart.
    Load {
        generation: u64,
        report: LoadReport,
    },
    /// What a lesson's player task reports; `generation` tells a closed lesson's task apart.
    Lesson {
        generation: u64,
        update: LessonUpdate,
    },
    /// A sentence for the status line (a quick action's outcome).
    Note(String),
    /// SIGINT / SIGTERM: leave now, restoring the terminal.
    Quit,
}

#[derive(Debug)]
pub enum LessonUpdate {
    /// The lesson's own server listens here.
    Started {
        addr: std::net::SocketAddr,
        live: super::traffic::LiveClock,
    },
    /// Events decoded from the lesson's traffic as they happen, during a step or between steps;
    /// each with the replayed capture it came from (none when live).
    Events(Vec<(Option<std::sync::Arc<str>>, Event)>),
    /// Step `index` has run.
    Step {
        index: usize,
        report: Box<crate::lesson::run::StepReport>,
    },
    /// The task waiting now (matched so far, or its solution playing), when it changes.
    Task(Option<crate::lesson::run::task::TaskLive>),
    /// The player could not start or run.
    Failed(String),
}

#[derive(Debug)]
pub enum LoadReport {
    Rows(crate::session::Batch),
    Progress { read: u64, total: u64 },
    Done { packets: u64, problems: usize },
    Failed(String),
}

impl Msg {
    /// Maps a terminal event; key releases and repeats of nothing are dropped.
    pub fn from_term(ev: TermEvent) -> Option<Msg> {
        match ev {
            TermEvent::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
            TermEvent::Mouse(m) => Some(Msg::Mouse(m)),
            TermEvent::Resize(w, h) => Some(Msg::Resize(w, h)),
            _ => None,
        }
    }
}

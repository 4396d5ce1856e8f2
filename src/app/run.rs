//! The loop: one message at a time, drawn when idle. Generic over the backend and the input
//! stream, so tests drive it with a `TestBackend` and a scripted list of messages.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::EventStream;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::course::Course;
use super::msg::Msg;
use super::{App, term};
use crate::lesson::progress::{Progress, Store};

/// Playback and progress move at this pace; nothing is drawn on a tick that changed nothing.
const TICK: Duration = Duration::from_millis(50);
/// Background messages handled before a draw, so a flood of them cannot starve the screen.
const DRAIN_MAX: usize = 256;

/// Runs `app` until it quits or `input` ends.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    inbox: &mut UnboundedReceiver<Msg>,
    mut input: impl Stream<Item = Msg> + Unpin,
) -> Result<(), B::Error> {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    terminal.draw(|f| app.draw(f))?;
    while !app.quit {
        let msg = tokio::select! {
            m = input.next() => match m {
                Some(m) => m,
                None => break,
            },
            Some(m) = inbox.recv() => m,
            _ = tick.tick() => Msg::Tick,
        };
        app.update(msg);
        for _ in 0..DRAIN_MAX {
            match inbox.try_recv() {
                Ok(m) => app.update(m),
                Err(_) => break,
            }
        }
        if app.take_dirty() && !app.quit {
            terminal.draw(|f| app.draw(f))?;
        }
    }
    Ok(())
}

/// `duplex` with no command: the terminal UI, or a plain word on what to run without a terminal.
/// `lessons`: the global `--lessons DIR` (or `DUPLEX_LESSONS`), added to the built-in course.
pub fn main(lessons: Option<PathBuf>) -> ExitCode {
    main_at(lessons, None)
}

/// The TUI, opened on lesson `start` when one is named.
pub fn main_at(lessons: Option<PathBuf>, start: Option<&str>) -> ExitCode {
    if !term::is_terminal() {
        eprintln!("{}", term::NO_TERMINAL);
        return ExitCode::from(2);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("duplex: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(in_terminal(lessons.as_deref(), start)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("duplex: the terminal failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn in_terminal(lessons: Option<&Path>, start: Option<&str>) -> io::Result<()> {
    let (tx, mut inbox) = unbounded_channel();
    let course = Course::load(lessons);
    let mut problems = course.problems.clone();
    // Progress that cannot be read is said, and not overwritten: nothing is saved then.
    let (progress, store) = match Store::open().and_then(|s| s.load().map(|p| (p, s))) {
        Ok((p, s)) => (p, Some(s)),
        Err(e) => {
            problems.push(crate::tr!("status.progress_unavailable", error = e));
            (Progress::default(), None)
        }
    };
    let rt = Some(tokio::runtime::Handle::current());
    let mut app = App::with_course(tx.clone(), rt, course, progress, store);
    app.lessons_dir = lessons.map(Path::to_path_buf);
    app.start_sandbox();
    if let Some(id) = start {
        app.open_lesson(id);
    }
    if let Some(first) = problems.first() {
        app.note = match problems.len() {
            1 => first.clone(),
            n => crate::tr!("status.more_problems", first = first, n = n - 1),
        };
    }
    let mut guard = term::Guard::enter()?;
    spawn_signals(tx);
    let input = EventStream::new().filter_map(|ev| async move { ev.ok().and_then(Msg::from_term) });
    let r = run(&mut guard.terminal, &mut app, &mut inbox, Box::pin(input)).await;
    app.shutdown();
    drop(guard);
    r
}

/// SIGINT (raw mode turns Ctrl-C into a key, but `kill -INT` still comes), SIGTERM, SIGHUP (the
/// terminal window closed) and SIGQUIT quit, and the terminal is given back on the way out.
fn spawn_signals(tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let one = |kind: SignalKind| {
                let mut s = signal(kind).ok();
                async move {
                    match s.as_mut() {
                        Some(s) => {
                            s.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                () = one(SignalKind::terminate()) => {},
                () = one(SignalKind::hangup()) => {},
                () = one(SignalKind::quit()) => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        let _ = tx.send(Msg::Quit);
    });
}

//! The real terminal: checked, entered, and always given back — on exit, on a signal, on panic.

use std::io::{self, IsTerminal, Stdout, Write};
use std::sync::{Mutex, Once, PoisonError};
use std::thread::ThreadId;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// What to say when stdin or stdout is not a terminal (a pipe, CI): what to run instead.
pub const NO_TERMINAL: &str = "\
duplex: the terminal UI needs a terminal, and this is a pipe or a CI job.
Run one of these instead:
  duplex learn ID --plain     a lesson as a plain transcript
  duplex replay FILE          a capture decoded, in plain words (--json for JSON lines)
  duplex serve                the built-in server, its traffic printed live
Run `duplex --help` for every command.";

/// True when both ends the UI uses are terminals.
pub fn is_terminal() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

/// The thread that draws, while the terminal is in the UI's hands.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
/// Panics of other threads while the UI runs, said once the terminal is back.
static LATER: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Raw mode, the alternate screen and mouse capture, undone when dropped.
pub struct Guard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Guard {
    /// Takes the terminal for the calling thread, the one that draws.
    pub fn enter() -> io::Result<Guard> {
        install_panic_hook();
        *lock(&UI_THREAD) = Some(std::thread::current().id());
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(out)) {
            Ok(terminal) => Ok(Guard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
        *lock(&UI_THREAD) = None;
        for said in std::mem::take(&mut *lock(&LATER)) {
            eprintln!("duplex: a background task panicked: {said}");
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the panic hook does on a thread.
#[derive(Debug, PartialEq, Eq)]
enum OnPanic {
    /// The drawing thread (or no UI): give the terminal back, then say the panic.
    Restore,
    /// Another thread while the UI runs (a tokio worker, the capture reader): the UI goes on,
    /// so the terminal stays as it is and the panic is said after the exit.
    Later,
}

fn on_panic(ui: Option<ThreadId>, here: ThreadId) -> OnPanic {
    match ui {
        Some(ui) if ui != here => OnPanic::Later,
        _ => OnPanic::Restore,
    }
}

/// Gives the terminal back; safe to call twice (from the panic hook, then from the guard).
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// The panic message must land on a normal screen, after the restore, or it is lost.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ui = *lock(&UI_THREAD);
            match on_panic(ui, std::thread::current().id()) {
                OnPanic::Restore => {
                    restore();
                    previous(info);
                }
                // Printed now, it would land on the alternate screen in raw mode, unreadable.
                OnPanic::Later => lock(&LATER).push(info.to_string()),
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_drawing_thread_restores_while_the_ui_runs() {
        let main = std::thread::current().id();
        let other = std::thread::spawn(|| std::thread::current().id())
            .join()
            .expect("a thread");
        assert_eq!(on_panic(Some(main), main), OnPanic::Restore);
        assert_eq!(on_panic(Some(main), other), OnPanic::Later);
        assert_eq!(on_panic(None, other), OnPanic::Restore, "no UI: as usual");
    }
}

//! The real terminal: checked, entered, and always given back — on exit, on a signal, on panic.

use std::io::{self, IsTerminal, Stdout, Write};
use std::sync::Once;

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

/// Raw mode, the alternate screen and mouse capture, undone when dropped.
pub struct Guard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Guard {
    pub fn enter() -> io::Result<Guard> {
        install_panic_hook();
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
            restore();
            previous(info);
        }));
    });
}

//! The full lifetimes view's keys: `L` opens it on a traffic screen, `L` or Esc closes it, and
//! while it is open the moving keys scroll its connections.

use super::keys::Action;
use super::{App, Screen};

impl App {
    /// True when the key was the full lifetimes view's.
    pub(super) fn lifetimes_key(&mut self, a: Action) -> bool {
        let traffic = matches!(
            self.screen,
            Screen::Replay | Screen::Sandbox | Screen::Lesson
        );
        if !traffic {
            return false;
        }
        if !self.lifetimes_full {
            self.lifetimes_full = a == Action::Lifetimes;
            return self.lifetimes_full;
        }
        if matches!(a, Action::Back | Action::Lifetimes) {
            self.lifetimes_full = false;
            return true;
        }
        let Some(t) = self.traffic_mut() else {
            return false;
        };
        let n = t.session.conns().len();
        let o = t.lifetimes_offset;
        t.lifetimes_offset = match a {
            Action::Up => o.saturating_sub(1),
            Action::Down => o.saturating_add(1),
            Action::PageUp => o.saturating_sub(10),
            Action::PageDown => o.saturating_add(10),
            Action::First => 0,
            Action::Last => n,
            // Other keys (Enter for the next step, answers, m) act on the screen below.
            _ => return false,
        }
        .min(n.saturating_sub(1));
        true
    }
}

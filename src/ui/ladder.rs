//! The ladder: a sequence diagram, client lanes on the left, the server on the right, one
//! line per entry.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::Theme;
use crate::session::Session;

/// What the shell keeps for the ladder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LadderState {
    /// Selected row index into the session (or into `filtered` when set).
    pub selected: Option<usize>,
    /// First visible line; render moves the window so the selection stays visible.
    pub offset: usize,
    /// Rows shown, from `Session::matching`; `None` shows every row.
    pub filtered: Option<Vec<u32>>,
    pub focused: bool,
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    state: &LadderState,
    theme: &Theme,
) {
    let _ = (frame, area, session, state, theme);
}

//! Stats: bytes per direction and per kind of message, head against payload.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::Theme;
use crate::session::Session;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsState {
    pub focused: bool,
}

pub fn render(frame: &mut Frame, area: Rect, session: &Session, state: &StatsState, theme: &Theme) {
    let _ = (frame, area, session, state, theme);
}

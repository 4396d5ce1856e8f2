//! The inspector: the selected entry's fields as a table and its bytes as an annotated hex dump.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::Theme;
use crate::session::Session;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InspectorState {
    /// Session row index of the entry shown.
    pub event: Option<usize>,
    /// Show the payload unmasked (what the application sees) rather than as on the wire.
    pub unmask: bool,
    /// Lines scrolled down.
    pub scroll: u16,
    pub focused: bool,
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    state: &InspectorState,
    theme: &Theme,
) {
    let _ = (frame, area, session, state, theme);
}

//! Lifetimes: one bar per TCP connection over the session's time span.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::Theme;
use crate::proto::Timestamp;
use crate::session::Session;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LifetimesState {
    /// The present (live) or the end of the capture (replay): the bars' right edge.
    pub now: Timestamp,
    /// The server's keep-alive timeout, for the countdown on idle HTTP connections.
    pub keepalive: Option<Duration>,
    /// First connection shown.
    pub offset: usize,
    pub focused: bool,
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    state: &LifetimesState,
    theme: &Theme,
) {
    let _ = (frame, area, session, state, theme);
}

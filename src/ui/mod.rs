//! The views: each draws the [`Session`](crate::session::Session) into a rectangle, from
//! `&` state only, and never decodes. Each view draws its own bordered block with a title.
//!
//! How the app shell calls them (all are `fn(&mut Frame, Rect, &Session, &State, &Theme)`):
//!
//! ```ignore
//! ui::ladder::render(frame, area, &session, &ladder_state, &theme);
//! ui::inspector::render(frame, area, &session, &inspector_state, &theme);
//! ui::lifetimes::render(frame, area, &session, &lifetimes_state, &theme);
//! ui::stats::render(frame, area, &session, &stats_state, &theme);
//! ```
//!
//! The states are plain data the shell owns and changes on input ([`ladder::LadderState`] has
//! helpers to move the selection); `Theme::from_env()` honours `NO_COLOR`. Drawing costs
//! O(visible rows): totals come precomputed from the session.

pub mod inspector;
pub mod ladder;
pub mod lifetimes;
pub mod lifetimes_full;
pub mod stats;
pub mod theme;
pub mod wrap;

#[cfg(test)]
mod bytes_tests;
#[cfg(test)]
mod escape_tests;
mod hexdump;
mod inspector_http;
#[cfg(test)]
mod snapshot_tests;
mod tcp_words;
mod text;
mod tls_words;

pub use text::{fit, pane, visible, width};
pub use theme::Theme;

//! duplex: see HTTP and WebSocket on the wire.

pub mod app;
pub mod capture;
pub mod cli;
pub mod frame;
pub mod i18n;
pub mod lang;
pub mod lesson;
pub mod net;
pub mod output;
pub mod proto;
pub mod replay;
mod replay_split;
pub mod session;
pub mod ui;

// The interface's catalog (`locales/*.toml`): English and zh-CN side by side; read with `tr!`.
rust_i18n::i18n!("locales", fallback = "en");

//! duplex: see HTTP and WebSocket on the wire.

pub mod app;
pub mod capture;
pub mod cli;
pub mod lang;
pub mod lesson;
pub mod net;
pub mod output;
pub mod proto;
pub mod replay;
pub mod session;
pub mod ui;

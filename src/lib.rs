//! duplex: see HTTP and WebSocket on the wire.

pub mod capture;
pub mod output;
pub mod proto;

//! Sans-IO decoders: bytes in, typed events out. Nothing here touches a socket, a file,
//! a clock or the terminal, so a live socket and a replayed capture decode identically.

pub mod conn;
pub mod deflate;
pub mod event;
pub mod half_close;
pub mod http1;
pub mod lean;
pub mod sse;
pub mod stranger;
pub mod tls;
pub mod ws;

use serde::Serialize;

/// Connection number, from 1 in order of first appearance.
pub type ConnId = u32;

/// Which way bytes travel on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Dir {
    #[serde(rename = "c2s")]
    C2s,
    #[serde(rename = "s2c")]
    S2c,
}

impl Dir {
    pub fn flip(self) -> Dir {
        match self {
            Dir::C2s => Dir::S2c,
            Dir::S2c => Dir::C2s,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dir::C2s => "c2s",
            Dir::S2c => "s2c",
        }
    }
}

/// A point in time, in nanoseconds since the Unix epoch (captures) or since any fixed origin (live).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Seconds elapsed since `origin`, as the `t` of an event.
    pub fn secs_since(self, origin: Timestamp) -> f64 {
        self.0.saturating_sub(origin.0) as f64 / 1e9
    }
}

/// Half-open range `start..end` of offsets into one direction's byte stream (0 = first byte
/// that direction ever carried), so any decoded field can be pointed at in a hex view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn new(start: u64, end: u64) -> Self {
        debug_assert!(start <= end);
        ByteRange { start, end }
    }

    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

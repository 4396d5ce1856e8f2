//! What the session knows about each TCP connection, kept up to date as events arrive.

use crate::proto::event::CloseHow;
use crate::proto::{ConnId, Dir, Timestamp};

/// What a connection carried last: it starts as HTTP and may switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnKind {
    Http,
    /// Upgraded to WebSocket (a 101, or frames seen).
    Ws,
    /// A response whose body streams Server-Sent Events.
    Sse,
}

impl ConnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnKind::Http => "http",
            ConnKind::Ws => "ws",
            ConnKind::Sse => "sse",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed {
    pub at: Timestamp,
    pub how: CloseHow,
    /// The side that closed first, where known.
    pub by: Option<Dir>,
    /// The server's limit that ended it, if one did.
    pub why: Option<crate::proto::event::Stall>,
}

/// Number of activity buckets per connection (bits of a `u128`).
pub const ACTIVITY_BUCKETS: u32 = 128;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    pub id: ConnId,
    /// `ip:port`, empty when the connection was first seen without its open.
    pub client: String,
    pub server: String,
    /// The SYN was seen (capture) or the socket was accepted (live).
    pub seen_open: bool,
    /// Accepted by the live server's socket: the kernel did the handshake, no packet was seen.
    pub live_open: bool,
    pub opened: Timestamp,
    pub closed: Option<Closed>,
    pub last_activity: Timestamp,
    /// Head + payload bytes of HTTP messages and frames, per [`Dir::index`].
    pub bytes: [u64; 2],
    pub kind: ConnKind,
    pub requests: u32,
    pub responses: u32,
    pub frames: u64,
    /// The last HTTP response left the connection open for another request.
    pub keep_alive: bool,
    /// Bit `i` set: traffic in bucket `i` of the session's activity grid.
    pub(crate) activity: u128,
    /// What its TLS layer showed, once a TLS record or handshake message crossed.
    pub tls: Option<TlsInfo>,
}

/// A connection's TLS layer as far as the session saw it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsInfo {
    /// Records, and their bytes on the wire (headers included), per [`Dir::index`].
    pub records: [u64; 2],
    pub bytes: [u64; 2],
    /// Records whose plaintext duplex read.
    pub decrypted: u64,
    /// From the ServerHello.
    pub version: Option<u16>,
    pub suite: Option<u16>,
    pub server_hello: bool,
    /// From the `tls_keys` event: duplex holds the keys.
    pub decrypting: Option<bool>,
    /// The ClientHello's row while no answer came: it becomes the stranger when the server
    /// answers with no ServerHello (a plain-only port).
    pub(crate) hello_row: Option<u32>,
    /// The ClientHello was answered without a ServerHello: a client that wanted TLS here.
    pub stranger: bool,
}

impl ConnInfo {
    pub(crate) fn new(id: ConnId, ts: Timestamp) -> Self {
        ConnInfo {
            id,
            client: String::new(),
            server: String::new(),
            seen_open: false,
            live_open: false,
            opened: ts,
            closed: None,
            last_activity: ts,
            bytes: [0; 2],
            kind: ConnKind::Http,
            requests: 0,
            responses: 0,
            frames: 0,
            keep_alive: false,
            activity: 0,
            tls: None,
        }
    }

    /// A request waits for its response.
    pub fn busy(&self) -> bool {
        self.requests > self.responses
    }

    /// The client's port, e.g. `":51324"`, or `"#3"` when the address is unknown.
    pub fn client_port(&self) -> String {
        port_of(&self.client).map_or_else(|| format!("#{}", self.id), |p| format!(":{p}"))
    }

    pub fn server_port(&self) -> String {
        port_of(&self.server).map_or_else(String::new, |p| format!(":{p}"))
    }

    /// Idle HTTP keep-alive: open, nothing pending, not upgraded.
    pub fn idle_keep_alive(&self) -> bool {
        self.closed.is_none() && self.kind == ConnKind::Http && self.keep_alive && !self.busy()
    }
}

fn port_of(addr: &str) -> Option<&str> {
    let (_, port) = addr.rsplit_once(':')?;
    (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(port)
}

/// A time grid shared by every connection's activity bits: bucket width doubles whenever an
/// event falls past the last bucket, so drawing a bar costs the same at any session length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivityGrid {
    pub origin: Timestamp,
    /// Width of one bucket in nanoseconds.
    pub bucket_ns: u64,
}

impl ActivityGrid {
    pub(crate) fn new(origin: Timestamp) -> Self {
        ActivityGrid {
            origin,
            bucket_ns: 1_000_000,
        }
    }

    /// Bucket of `ts`, or `None` past the grid (the caller widens it).
    pub(crate) fn bucket(&self, ts: Timestamp) -> Option<u32> {
        let i = ts.0.saturating_sub(self.origin.0) / self.bucket_ns.max(1);
        (i < u64::from(ACTIVITY_BUCKETS)).then_some(i as u32)
    }

    /// Doubles the bucket width and folds `bits` to match.
    pub(crate) fn fold(bits: u128) -> u128 {
        let mut out = 0u128;
        for i in 0..ACTIVITY_BUCKETS {
            if bits & 1 << i != 0 {
                out |= 1 << (i / 2);
            }
        }
        out
    }

    /// Whether `conn` had traffic between `from` and `to` (inclusive, bucket precision).
    pub fn active(&self, conn: &ConnInfo, from: Timestamp, to: Timestamp) -> bool {
        let width = self.bucket_ns.max(1);
        let first = from.0.saturating_sub(self.origin.0) / width;
        let last = to.0.saturating_sub(self.origin.0) / width;
        if first >= u64::from(ACTIVITY_BUCKETS) {
            return false;
        }
        let last = last.min(u64::from(ACTIVITY_BUCKETS) - 1);
        let span = last.saturating_sub(first) + 1;
        let mask = if span >= 128 {
            u128::MAX
        } else {
            ((1u128 << span) - 1) << first
        };
        conn.activity & mask != 0
    }
}

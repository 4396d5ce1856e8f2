//! The client's first bytes: HTTP/1.x goes on to the HTTP decoder; HTTP/2's preface or a TLS
//! ClientHello is named once and the connection is no longer decoded (this port speaks neither).

use super::{Connection, Dir, Event, EventKind, Layer, Proto, Timestamp};
use crate::proto::event::TlsHandshake;
use crate::proto::stranger::{self, Sniffed};
use crate::proto::tls::{self, HelloRead};

/// How far the client's first bytes are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sniff {
    Deciding,
    /// A TLS record: gathering its ClientHello, `need` bytes at least.
    Tls {
        need: usize,
    },
    Done,
}

impl Connection {
    pub(super) fn sniffing(&self) -> bool {
        self.sniff != Sniff::Done
    }

    /// Bytes while the client's first bytes are not told: both directions wait in `pending`
    /// (a live tap may report the server's answer first).
    pub(super) fn sniff_data(
        &mut self,
        dir: Dir,
        ts: Timestamp,
        data: &[u8],
        out: &mut Vec<Event>,
    ) {
        self.sides[dir.index()].pending.extend_from_slice(data);
        if dir == Dir::C2s {
            self.sniff_decide(ts, false, out);
        }
    }

    /// Tells the client's bytes if it can; `ended` when no more will come (or the other side
    /// ended, or a hole: then whatever is undecided is HTTP's to judge).
    pub(super) fn sniff_decide(&mut self, ts: Timestamp, ended: bool, out: &mut Vec<Event>) {
        let buf = &self.sides[Dir::C2s.index()].pending;
        match self.sniff {
            Sniff::Done => {}
            Sniff::Deciding => match stranger::sniff(buf) {
                Sniffed::NeedMore if !ended => {}
                Sniffed::NeedMore | Sniffed::Http1 => self.sniff_http(ts, out),
                Sniffed::H2Preface => {
                    out.push(self.event(ts, Some(Dir::C2s), EventKind::H2Preface));
                    self.stranger();
                }
                Sniffed::Tls => {
                    self.sniff = Sniff::Tls { need: 0 };
                    self.sniff_decide(ts, ended, out);
                }
            },
            Sniff::Tls { need } if buf.len() < need && !ended => {}
            Sniff::Tls { .. } => match tls::read_hello(buf) {
                HelloRead::Partial { need } if !ended => self.sniff = Sniff::Tls { need },
                HelloRead::Partial { .. } => {
                    let what = format!(
                        "the stream ended {} bytes into a TLS ClientHello; this port speaks \
                         plain HTTP/1.1, not TLS",
                        buf.len()
                    );
                    out.push(self.error(ts, Dir::C2s, Layer::Tls, Some(0), what));
                    self.stranger();
                }
                HelloRead::Done {
                    used,
                    hello: Ok(hello),
                } => {
                    let hs = TlsHandshake {
                        msg: "client_hello",
                        hello,
                        server: None,
                        encrypted: false,
                        bytes: used as u64,
                    };
                    let kind = EventKind::TlsHandshake(Box::new(hs));
                    out.push(self.event(ts, Some(Dir::C2s), kind));
                    self.stranger();
                }
                // A TLS record header and then no ClientHello: bytes HTTP will call broken,
                // as the server's hyper does.
                HelloRead::Done { hello: Err(_), .. } => self.sniff_http(ts, out),
            },
        }
    }

    /// The client speaks HTTP/1.x: decode what both directions held.
    pub(super) fn sniff_http(&mut self, ts: Timestamp, out: &mut Vec<Event>) {
        self.sniff = Sniff::Done;
        for dir in [Dir::C2s, Dir::S2c] {
            let buf = std::mem::take(&mut self.sides[dir.index()].pending);
            if !buf.is_empty() {
                self.pump(dir, ts, buf, out);
            }
        }
    }

    /// Another protocol: its bytes, and the server's answer, are counted from now on, not
    /// decoded.
    fn stranger(&mut self) {
        self.sniff = Sniff::Done;
        for side in &mut self.sides {
            side.proto = Proto::Opaque;
            side.pending = Vec::new();
        }
    }
}

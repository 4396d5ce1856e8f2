//! A connection that speaks TLS: its records go through `TlsStream`, and the plaintext it
//! decrypts through the same HTTP and WebSocket decoders as a plain connection's bytes.

use super::{Connection, Dir, Event, Proto, Timestamp};
use crate::proto::tls::TlsStream;
use crate::proto::tls::stream::Out;

impl Connection {
    /// The client opened with a TLS handshake: from now on both directions are records. The
    /// bytes held while sniffing are fed first, the client's before the server's.
    pub(super) fn tls_start(&mut self, ts: Timestamp, out: &mut Vec<Event>) {
        self.tls = Some(Box::new(TlsStream::new()));
        for dir in [Dir::C2s, Dir::S2c] {
            let held = std::mem::take(&mut self.sides[dir.index()].pending);
            if !held.is_empty() {
                self.tls_data(dir, ts, &held, out);
            }
        }
    }

    pub(super) fn tls_data(&mut self, dir: Dir, ts: Timestamp, data: &[u8], out: &mut Vec<Event>) {
        let Some(tls) = &mut self.tls else {
            return;
        };
        let mut items = std::mem::take(&mut self.tls_scratch);
        tls.feed(dir, data, self.keys.as_ref(), &mut items);
        self.tls_items(dir, ts, &mut items, out);
        self.tls_scratch = items;
    }

    pub(super) fn tls_end(&mut self, dir: Dir, ts: Timestamp, out: &mut Vec<Event>) {
        if let Some(tls) = &mut self.tls {
            let mut items = Vec::new();
            tls.end(dir, &mut items);
            self.tls_items(dir, ts, &mut items, out);
        }
    }

    fn tls_items(&mut self, dir: Dir, ts: Timestamp, items: &mut Vec<Out>, out: &mut Vec<Event>) {
        for item in items.drain(..) {
            match item {
                Out::Event(kind) => out.push(self.event(ts, Some(dir), kind)),
                Out::Plain(bytes) => self.plain_data(dir, ts, &bytes, out),
                Out::Stop => {
                    let side = &mut self.sides[dir.index()];
                    side.proto = Proto::Opaque;
                    side.pending = Vec::new();
                }
            }
        }
    }
}

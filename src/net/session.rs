//! The live session: tapped chunks in, one decoder per connection, events out as they happen.

use rustc_hash::FxHashMap as HashMap;

use crate::capture::reorder::Reorder;
use crate::capture::tap::{Clock, TapEvent};
use crate::proto::conn::Connection;
use crate::proto::event::{CloseHow, Event, TcpClose, TcpOpen};
use crate::proto::{ConnId, Dir, Timestamp};

/// The decoders of the connections still open.
#[derive(Default)]
pub struct Session {
    open: HashMap<ConnId, Connection>,
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one tap notice to its connection; the resulting events go to `out`, in order.
    pub fn on(&mut self, ev: TapEvent, out: &mut Vec<Event>) {
        match ev {
            TapEvent::Open {
                conn,
                ts,
                client,
                server,
            } => {
                let c = Connection::new(conn);
                // The kernel completed the handshake before the accept; the socket saw no SYN.
                let open = TcpOpen {
                    client,
                    server,
                    handshake: false,
                    live: true,
                };
                out.push(c.open_event(ts, open));
                self.open.insert(conn, c);
            }
            TapEvent::Chunk(chunk) => {
                if let Some(c) = self.open.get_mut(&chunk.conn) {
                    c.data(chunk.dir, chunk.ts, &chunk.bytes, out);
                }
            }
            TapEvent::Close { conn, ts, how, by } => {
                if let Some(c) = self.open.remove(&conn) {
                    close(c, ts, TcpClose { how, by }, out);
                }
            }
        }
    }

    /// Ends the connections whose close never arrived (the server stopped waiting for them).
    pub fn finish(&mut self, ts: Timestamp, out: &mut Vec<Event>) {
        let mut ids: Vec<ConnId> = self.open.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            if let Some(c) = self.open.remove(&id) {
                let how = TcpClose {
                    how: CloseHow::Eof,
                    by: None,
                };
                close(c, ts, how, out);
            }
        }
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }
}

/// Receives a tap's notices until it ends and hands them to `f` in batches, in the order they
/// happened (see [`Reorder`]): a notice waits a few milliseconds for any that came before it.
pub async fn in_order(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<TapEvent>,
    clock: Clock,
    mut f: impl FnMut(Vec<TapEvent>),
) {
    let mut held = Reorder::default();
    let mut out = Vec::new();
    loop {
        let due = held
            .next_due()
            .map(|d| std::time::Duration::from_nanos(d.0.saturating_sub(clock.now().0)));
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => {
                    held.push(ev);
                    while let Ok(ev) = rx.try_recv() {
                        held.push(ev);
                    }
                }
                None => break,
            },
            () = tokio::time::sleep(due.unwrap_or_default()), if due.is_some() => {}
        }
        held.ready(clock.now(), &mut out);
        if !out.is_empty() {
            f(std::mem::take(&mut out));
        }
    }
    held.flush(&mut out);
    if !out.is_empty() {
        f(out);
    }
}

fn close(mut c: Connection, ts: Timestamp, how: TcpClose, out: &mut Vec<Event>) {
    // The side that closed first ends first: its last bytes came before the other's.
    let first = how.by.unwrap_or(Dir::C2s);
    c.end(first, ts, out);
    c.end(first.flip(), ts, out);
    out.push(c.close_event(ts, how));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tap::TapChunk;
    use crate::proto::event::EventKind;

    fn chunk(dir: Dir, bytes: &'static [u8]) -> TapEvent {
        TapEvent::Chunk(TapChunk {
            conn: 1,
            dir,
            ts: Timestamp(5),
            bytes: bytes::Bytes::from_static(bytes),
        })
    }

    #[test]
    fn open_request_response_close() {
        let mut s = Session::new();
        let mut out = Vec::new();
        s.on(
            TapEvent::Open {
                conn: 1,
                ts: Timestamp(1),
                client: "127.0.0.1:5000".into(),
                server: "127.0.0.1:80".into(),
            },
            &mut out,
        );
        s.on(chunk(Dir::C2s, b"GET / HTTP/1.0\r\n\r\n"), &mut out);
        s.on(
            chunk(Dir::S2c, b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi"),
            &mut out,
        );
        s.on(
            TapEvent::Close {
                conn: 1,
                ts: Timestamp(9),
                how: CloseHow::Fin,
                by: Some(Dir::S2c),
            },
            &mut out,
        );
        let kinds: Vec<_> = out.iter().map(|e| e.kind.name()).collect();
        assert_eq!(
            kinds,
            ["tcp_open", "http_request", "http_response", "tcp_close"]
        );
        assert_eq!(s.open_count(), 0);
    }

    #[test]
    fn finish_closes_what_is_left_as_eof() {
        let mut s = Session::new();
        let mut out = Vec::new();
        for conn in [2, 1] {
            s.on(
                TapEvent::Open {
                    conn,
                    ts: Timestamp(1),
                    client: "a".into(),
                    server: "b".into(),
                },
                &mut out,
            );
        }
        out.clear();
        s.finish(Timestamp(3), &mut out);
        let conns: Vec<_> = out.iter().map(|e| e.conn).collect();
        assert_eq!(conns, [1, 2]);
        assert!(out.iter().all(|e| matches!(
            &e.kind,
            EventKind::TcpClose(TcpClose {
                how: CloseHow::Eof,
                ..
            })
        )));
    }
}

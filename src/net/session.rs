//! The live session: tapped chunks in, one decoder per connection, events out as they happen.

use rustc_hash::FxHashMap as HashMap;

use crate::capture::reorder::Reorder;
use crate::capture::tap::{Clock, TapEvent};
use crate::proto::conn::Connection;
use crate::proto::event::{CloseHow, Event, TcpClose, TcpOpen};
use crate::proto::half_close::HalfCloses;
use crate::proto::{ConnId, Dir, Timestamp};

/// The decoders of the connections still open.
#[derive(Default)]
pub struct Session {
    open: HashMap<ConnId, Connection>,
    /// FINs held until it is known whether traffic follows them.
    halves: HalfCloses,
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
                    self.halves.traffic(chunk.conn, out);
                    c.data(chunk.dir, chunk.ts, &chunk.bytes, out);
                }
            }
            TapEvent::Fin { conn, ts, dir } => {
                if self.open.contains_key(&conn) {
                    self.halves.fin(conn, ts, dir);
                }
            }
            TapEvent::Close { conn, ts, how, by } => {
                self.halves.close(conn);
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
                self.halves.close(id);
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

    /// Kinds in order, with each event's direction.
    fn kinds(out: &[Event]) -> Vec<(&'static str, Option<Dir>)> {
        out.iter().map(|e| (e.kind.name(), e.dir)).collect()
    }

    /// A live socket: the server shuts its side (FIN), the client still sends a request, which
    /// the tap reads while the close lingers: the FIN is shown as a half-close before it.
    #[tokio::test]
    async fn a_server_half_close_then_client_bytes_is_a_tcp_fin() {
        use crate::capture::tap::{Clock, TapHandle, TapStream};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut client, server) = tokio::io::duplex(256);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tap = TapStream::new(
            server,
            1,
            "127.0.0.1:5000".into(),
            "127.0.0.1:80".into(),
            Clock::start(),
            tx,
            TapHandle::default(),
        );
        let peer = tokio::spawn(async move {
            let mut buf = [0u8; 64];
            let n = client.read(&mut buf).await.unwrap();
            assert_eq!(n, 0, "the client sees the FIN");
            client
                .write_all(b"GET /late HTTP/1.1\r\n\r\n")
                .await
                .unwrap();
            // Dropping `client` is its FIN, which ends the linger.
        });
        tap.shutdown().await.unwrap();
        peer.await.unwrap();
        drop(tap);
        let (mut s, mut out) = (Session::new(), Vec::new());
        while let Ok(ev) = rx.try_recv() {
            s.on(ev, &mut out);
        }
        assert_eq!(
            kinds(&out),
            [
                ("tcp_open", None),
                ("tcp_fin", Some(Dir::S2c)),
                ("http_request", Some(Dir::C2s)),
                ("tcp_close", None),
            ]
        );
    }

    /// A FIN each way and then the close: nothing crossed after the FINs, so no `tcp_fin`.
    #[tokio::test]
    async fn fins_followed_by_the_close_are_not_shown() {
        let mut s = Session::new();
        let mut out = Vec::new();
        let open = TapEvent::Open {
            conn: 1,
            ts: Timestamp(1),
            client: "a".into(),
            server: "b".into(),
        };
        s.on(open, &mut out);
        s.on(chunk(Dir::C2s, b"GET / HTTP/1.0\r\n\r\n"), &mut out);
        for (ts, dir) in [(6, Dir::S2c), (7, Dir::C2s)] {
            let fin = TapEvent::Fin {
                conn: 1,
                ts: Timestamp(ts),
                dir,
            };
            s.on(fin, &mut out);
        }
        let close = TapEvent::Close {
            conn: 1,
            ts: Timestamp(8),
            how: CloseHow::Fin,
            by: Some(Dir::S2c),
        };
        s.on(close, &mut out);
        let names: Vec<_> = kinds(&out).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["tcp_open", "http_request", "tcp_close"]);
    }
}

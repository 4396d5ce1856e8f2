//! The live session: tapped chunks in, one decoder per connection, events out as they happen.

use rustc_hash::FxHashMap as HashMap;

use super::tls::SharedKeys;
use crate::capture::reorder::Reorder;
use crate::capture::tap::{Clock, TapEvent};
use crate::capture::tap_queue::TapRx;
use crate::proto::conn::Connection;
use crate::proto::event::{CloseHow, Event, EventKind, Skipped, TcpClose, TcpOpen};
use crate::proto::half_close::HalfCloses;
use crate::proto::{ConnId, Dir, Timestamp};

/// The decoders of the connections still open.
#[derive(Default)]
pub struct Session {
    open: HashMap<ConnId, Live>,
    /// FINs held until it is known whether traffic follows them.
    halves: HalfCloses,
    /// The TLS secrets of the server's connections (`--tls`), for the decoders to decrypt with.
    keys: Option<SharedKeys>,
}

/// An open connection: its decoder, until the tap lets bytes of it go.
struct Live {
    c: Connection,
    /// Once bytes were skipped, per direction: bytes skipped and bytes only counted since the
    /// last `Skipped` event.
    lost: Option<[Skipped; 2]>,
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    /// A session whose decoders decrypt TLS with the secrets in `keys`.
    pub fn with_keys(keys: SharedKeys) -> Self {
        Session {
            keys: Some(keys),
            ..Self::default()
        }
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
                let mut c = Connection::new(conn);
                if let Some(k) = &self.keys {
                    c.set_keys(k.clone());
                }
                // The kernel completed the handshake before the accept; the socket saw no SYN.
                let open = TcpOpen {
                    client,
                    server,
                    handshake: false,
                    live: true,
                };
                out.push(c.open_event(ts, open));
                self.open.insert(conn, Live { c, lost: None });
            }
            TapEvent::Chunk(chunk) => {
                if let Some(live) = self.open.get_mut(&chunk.conn) {
                    self.halves.traffic(chunk.conn, out);
                    match &mut live.lost {
                        Some(lost) => {
                            lost[chunk.dir.index()].undecoded += chunk.bytes.len() as u64;
                        }
                        None => live.c.data(chunk.dir, chunk.ts, &chunk.bytes, out),
                    }
                }
            }
            TapEvent::Skipped {
                conn,
                ts,
                dir,
                bytes,
            } => {
                if let Some(live) = self.open.get_mut(&conn) {
                    self.halves.traffic(conn, out);
                    match &mut live.lost {
                        Some(lost) => lost[dir.index()].skipped += bytes,
                        None => {
                            // What the decoder holds of a message cut short is dropped with it.
                            live.lost = Some([Skipped::default(); 2]);
                            let skipped = Skipped {
                                skipped: bytes,
                                undecoded: 0,
                            };
                            out.push(skipped_event(conn, ts, dir, skipped));
                        }
                    }
                }
            }
            TapEvent::Fin { conn, ts, dir } => {
                if self.open.contains_key(&conn) {
                    self.halves.fin(conn, ts, dir);
                }
            }
            TapEvent::Close {
                conn,
                ts,
                how,
                by,
                why,
            } => {
                self.halves.close(conn);
                if let Some(c) = self.open.remove(&conn) {
                    close(c, ts, TcpClose { how, by, why }, out);
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
                    why: None,
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
pub async fn in_order(mut rx: TapRx, clock: Clock, mut f: impl FnMut(Vec<TapEvent>)) {
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

fn close(live: Live, ts: Timestamp, how: TcpClose, out: &mut Vec<Event>) {
    let Live { mut c, lost } = live;
    if let Some(lost) = lost {
        // Its decoders stopped mid-stream: what they hold is not ended, only the counts told.
        for dir in [Dir::C2s, Dir::S2c] {
            let left = lost[dir.index()];
            if left != Skipped::default() {
                out.push(skipped_event(c.id(), ts, dir, left));
            }
        }
    } else {
        // The side that closed first ends first: its last bytes came before the other's.
        let first = how.by.unwrap_or(Dir::C2s);
        c.end(first, ts, out);
        c.end(first.flip(), ts, out);
        c.ws_abnormal_close(ts, how, out);
    }
    out.push(c.close_event(ts, how));
}

fn skipped_event(conn: ConnId, ts: Timestamp, dir: Dir, skipped: Skipped) -> Event {
    Event {
        conn,
        ts,
        dir: Some(dir),
        kind: EventKind::Skipped(skipped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tap::TapChunk;

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
                why: None,
            },
            &mut out,
        );
        let kinds: Vec<_> = out.iter().map(|e| e.kind.name()).collect();
        assert_eq!(
            kinds,
            [
                "tcp_open",
                "http_request",
                "http_response",
                "http_body",
                "tcp_close"
            ]
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
        let (tx, mut rx) = crate::capture::tap_queue::tap_channel();
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
            why: None,
        };
        s.on(close, &mut out);
        let names: Vec<_> = kinds(&out).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["tcp_open", "http_request", "tcp_close"]);
    }

    fn skipped(dir: Dir, bytes: u64) -> TapEvent {
        TapEvent::Skipped {
            conn: 1,
            ts: Timestamp(6),
            dir,
            bytes,
        }
    }

    /// Skipped bytes stop the connection's decoding (no response is made of the bytes after
    /// them) but not its counting: the close is preceded by what each way crossed undecoded.
    #[test]
    fn skipped_bytes_stop_the_decoding_and_are_counted_to_the_close() {
        let mut s = Session::new();
        let mut out = Vec::new();
        let open = TapEvent::Open {
            conn: 1,
            ts: Timestamp(1),
            client: "a".into(),
            server: "b".into(),
        };
        s.on(open, &mut out);
        s.on(chunk(Dir::C2s, b"GET / HTTP/1.1\r\n\r\n"), &mut out);
        s.on(skipped(Dir::S2c, 1000), &mut out);
        s.on(chunk(Dir::S2c, b"HTTP/1.1 200 OK\r\n\r\n"), &mut out);
        s.on(chunk(Dir::C2s, b"GET /2 HTTP/1.1\r\n\r\n"), &mut out);
        s.on(skipped(Dir::S2c, 50), &mut out);
        let close = TapEvent::Close {
            conn: 1,
            ts: Timestamp(8),
            how: CloseHow::Fin,
            by: Some(Dir::C2s),
            why: None,
        };
        s.on(close, &mut out);
        assert_eq!(
            kinds(&out),
            [
                ("tcp_open", None),
                ("http_request", Some(Dir::C2s)),
                ("skipped", Some(Dir::S2c)),
                ("skipped", Some(Dir::C2s)),
                ("skipped", Some(Dir::S2c)),
                ("tcp_close", None),
            ]
        );
        let counts: Vec<_> = out
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Skipped(s) => Some((s.skipped, s.undecoded)),
                _ => None,
            })
            .collect();
        assert_eq!(counts, [(1000, 0), (0, 19), (50, 19)]);
        assert_eq!(s.open_count(), 0);
    }
}

//! `duplex serve --record FILE`: every tapped connection written live to a pcapng, its packets
//! synthesized around the bytes (handshake, segments, ACKs, FIN or RST).

use std::fs::File;
use std::io::{self, BufWriter};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::tls::Secrets;
use crate::capture::tap::{Clock, TapChunk, TapEvent};
use crate::output::capture_writer::{CaptureWriter, Format, WriterClose};
use crate::proto::event::CloseHow;
use crate::proto::{ConnId, Dir, Timestamp};
use rustc_hash::FxHashMap as HashMap;

/// The single writer of the capture; it stops at the first write error and says so once.
pub struct Recorder {
    path: PathBuf,
    clock: Clock,
    writer: Option<CaptureWriter<BufWriter<File>>>,
    /// Packets stay in time order even when two connections' notices cross in the channel.
    last: Timestamp,
    /// The TLS secrets of a `--tls` server, written before the packets they decrypt.
    secrets: Option<Arc<Secrets>>,
    /// Per connection: whether it speaks TLS (told by its first byte), and the client's chunks
    /// held until the server answers them (see `hold`).
    tls: HashMap<ConnId, Held>,
}

/// A TLS connection's client chunks not written yet.
#[derive(Default)]
struct Held {
    tls: bool,
    chunks: Vec<TapChunk>,
    bytes: usize,
}

/// Client bytes held per connection at most: past the handshake nothing needs holding.
const HOLD_MAX: usize = 1 << 20;

impl Recorder {
    /// Creates `path` and writes the pcapng header.
    pub fn create(path: &Path, clock: Clock) -> io::Result<Self> {
        let file = File::create(path)?;
        let writer = CaptureWriter::new(BufWriter::with_capacity(1 << 16, file), Format::Pcapng)?;
        Ok(Recorder {
            path: path.to_owned(),
            clock,
            writer: Some(writer),
            last: Timestamp(0),
            secrets: None,
            tls: HashMap::default(),
        })
    }

    /// Writes the secrets `secrets` collects from now on into the capture, each before the
    /// first packet it decrypts (rustls logs a secret before the records it protects are sent).
    pub fn with_secrets(mut self, secrets: Option<Arc<Secrets>>) -> Self {
        if let Some(s) = &secrets {
            s.recording();
        }
        self.secrets = secrets;
        self
    }

    /// Writes the packets for one tap notice.
    pub fn on(&mut self, ev: &TapEvent) {
        if self.secrets.is_none() {
            return self.write(ev);
        }
        if let TapEvent::Chunk(c) = ev
            && c.dir == Dir::C2s
            && self.hold(c)
        {
            return;
        }
        let conn = match ev {
            TapEvent::Open { conn, .. }
            | TapEvent::Fin { conn, .. }
            | TapEvent::Close { conn, .. }
            | TapEvent::Skipped { conn, .. } => *conn,
            TapEvent::Chunk(c) => c.conn,
        };
        let held = match self.tls.get_mut(&conn) {
            Some(h) => std::mem::take(&mut h.chunks),
            None => Vec::new(),
        };
        for c in held {
            self.write(&TapEvent::Chunk(c));
        }
        if let TapEvent::Close { conn, .. } = ev {
            self.tls.remove(conn);
        }
        self.write(ev);
    }

    /// A TLS 1.2 client's last handshake flight (ClientKeyExchange, ChangeCipherSpec, Finished)
    /// carries what the master secret is made from: rustls logs the secret only once it has read
    /// that flight, so the capture holds the client's chunks until the server's next bytes (sent
    /// after the log), and writes the secrets first. True when `c` is held.
    fn hold(&mut self, c: &TapChunk) -> bool {
        let h = self.tls.entry(c.conn).or_insert_with(|| Held {
            tls: c.bytes.first() == Some(&0x16),
            ..Held::default()
        });
        if !h.tls || h.bytes + c.bytes.len() > HOLD_MAX {
            return false;
        }
        h.bytes += c.bytes.len();
        h.chunks.push(c.clone());
        true
    }

    fn write(&mut self, ev: &TapEvent) {
        let Some(w) = self.writer.as_mut() else {
            return;
        };
        let nss = self.secrets.as_ref().map(|s| s.take_unrecorded());
        if let Some(Err(e)) = nss.map(|n| w.secrets(&n)) {
            return self.fail(&e);
        }
        let ts = match ev {
            TapEvent::Open { ts, .. }
            | TapEvent::Fin { ts, .. }
            | TapEvent::Close { ts, .. }
            | TapEvent::Skipped { ts, .. } => *ts,
            TapEvent::Chunk(c) => c.ts,
        };
        self.last = self.last.max(self.clock.wall(ts));
        let ts = self.last;
        let r = match ev {
            TapEvent::Open {
                conn,
                client,
                server,
                ..
            } => match (client.parse::<SocketAddr>(), server.parse::<SocketAddr>()) {
                (Ok(c), Ok(s)) => w.open(*conn, c, s, ts),
                // Not a socket address (never from a live socket): nothing to write.
                _ => Ok(()),
            },
            TapEvent::Chunk(c) => w.data(c.conn, c.dir, ts, &c.bytes),
            // Bytes the tap let go: the capture shows them missing, not spliced out.
            TapEvent::Skipped {
                conn, dir, bytes, ..
            } => w.gap(*conn, *dir, *bytes),
            // The writer sends both FINs at the close; a half-close is not recorded (yet).
            TapEvent::Fin { .. } => Ok(()),
            TapEvent::Close { conn, how, by, .. } => {
                let kind = match how {
                    CloseHow::Rst => WriterClose::Rst,
                    CloseHow::Fin | CloseHow::Timeout | CloseHow::Eof => WriterClose::Fin,
                };
                w.close(*conn, kind, by.unwrap_or(Dir::S2c), ts)
            }
        };
        // A connection the writer does not know (its open was skipped) is not a file problem.
        if let Err(e) = r
            && e.kind() != io::ErrorKind::InvalidInput
        {
            self.fail(&e);
        }
    }

    /// Flushes what is buffered; the file is complete afterwards.
    pub fn finish(&mut self) {
        if let Some(w) = self.writer.take()
            && let Err(e) = w.finish()
        {
            self.fail(&e);
        }
    }

    fn fail(&mut self, e: &io::Error) {
        eprintln!(
            "duplex serve: recording to {} stopped: {e} (serving goes on)",
            self.path.display()
        );
        self.writer = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_readable_capture_and_keeps_time_in_order() {
        let path =
            std::env::temp_dir().join(format!("duplex-record-{}.pcapng", std::process::id()));
        let clock = Clock::start();
        let mut r = Recorder::create(&path, clock).unwrap();
        r.on(&TapEvent::Open {
            conn: 1,
            ts: Timestamp(10),
            client: "127.0.0.1:5000".into(),
            server: "127.0.0.1:80".into(),
        });
        r.on(&TapEvent::Chunk(TapChunk {
            conn: 1,
            dir: Dir::C2s,
            ts: Timestamp(5),
            bytes: bytes::Bytes::from_static(b"GET / HTTP/1.0\r\n\r\n"),
        }));
        r.on(&TapEvent::Close {
            conn: 1,
            ts: Timestamp(20),
            how: CloseHow::Timeout,
            by: Some(Dir::S2c),
            why: None,
        });
        r.finish();
        assert_eq!(r.last, clock.wall(Timestamp(20)));
        let file = std::fs::File::open(&path).unwrap();
        let mut kinds = Vec::new();
        crate::replay::replay(file, &mut |ev, _| kinds.push(ev.kind.name())).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(kinds, ["tcp_open", "http_request", "tcp_close"]);
    }

    /// Bytes the tap let go are missing from the capture, as lost packets are: a replay says how
    /// many, not a response spliced from what came before and after them.
    #[test]
    fn skipped_bytes_are_a_gap_in_the_capture() {
        let path = std::env::temp_dir().join(format!("duplex-gap-{}.pcapng", std::process::id()));
        let mut r = Recorder::create(&path, Clock::start()).unwrap();
        r.on(&TapEvent::Open {
            conn: 1,
            ts: Timestamp(1),
            client: "127.0.0.1:5000".into(),
            server: "127.0.0.1:80".into(),
        });
        let chunk = |ts, dir, b: &'static [u8]| {
            TapEvent::Chunk(TapChunk {
                conn: 1,
                dir,
                ts: Timestamp(ts),
                bytes: bytes::Bytes::from_static(b),
            })
        };
        r.on(&chunk(2, Dir::C2s, b"GET / HTTP/1.0\r\n\r\n"));
        r.on(&TapEvent::Skipped {
            conn: 1,
            ts: Timestamp(3),
            dir: Dir::S2c,
            bytes: 100,
        });
        r.on(&chunk(4, Dir::S2c, b"HTTP/1.0 200 OK\r\n\r\n"));
        r.on(&TapEvent::Close {
            conn: 1,
            ts: Timestamp(5),
            how: CloseHow::Fin,
            by: Some(Dir::S2c),
            why: None,
        });
        r.finish();
        let file = std::fs::File::open(&path).unwrap();
        let mut seen = Vec::new();
        crate::replay::replay(file, &mut |ev, _| seen.push(ev.clone())).unwrap();
        let _ = std::fs::remove_file(&path);
        let kinds: Vec<_> = seen.iter().map(|e| e.kind.name()).collect();
        assert!(!kinds.contains(&"http_response"), "{kinds:?}");
        let gap = seen.iter().find_map(|e| match &e.kind {
            crate::proto::event::EventKind::Error(e) => Some(e.what.clone()),
            _ => None,
        });
        assert!(
            gap.as_deref()
                .is_some_and(|w| w.contains("missing 100 bytes")),
            "{gap:?} in {kinds:?}"
        );
    }
}

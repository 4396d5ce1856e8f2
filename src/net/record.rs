//! `duplex serve --record FILE`: every tapped connection written live to a pcapng, its packets
//! synthesized around the bytes (handshake, segments, ACKs, FIN or RST).

use std::fs::File;
use std::io::{self, BufWriter};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::capture::tap::{Clock, TapEvent};
use crate::output::capture_writer::{CaptureWriter, Format, WriterClose};
use crate::proto::event::CloseHow;
use crate::proto::{Dir, Timestamp};

/// The single writer of the capture; it stops at the first write error and says so once.
pub struct Recorder {
    path: PathBuf,
    clock: Clock,
    writer: Option<CaptureWriter<BufWriter<File>>>,
    /// Packets stay in time order even when two connections' notices cross in the channel.
    last: Timestamp,
}

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
        })
    }

    /// Writes the packets for one tap notice.
    pub fn on(&mut self, ev: &TapEvent) {
        let Some(w) = self.writer.as_mut() else {
            return;
        };
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
            // Not recorded (yet).
            TapEvent::Skipped { .. } => Ok(()),
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
    use crate::capture::tap::TapChunk;

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
        });
        r.finish();
        assert_eq!(r.last, clock.wall(Timestamp(20)));
        let file = std::fs::File::open(&path).unwrap();
        let mut kinds = Vec::new();
        crate::replay::replay(file, &mut |ev, _| kinds.push(ev.kind.name())).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(kinds, ["tcp_open", "http_request", "tcp_close"]);
    }
}

//! Capture replay: packets → TCP streams → decoders → events, streamed from the file.

use rustc_hash::FxHashMap as HashMap;
use std::io::Read;

use crate::capture::packet::with_tcp;
use crate::capture::pcap::{CaptureError, CaptureReader, Feed};
use crate::capture::reassembly::{self, Reassembler, StreamEvent};
use crate::proto::conn::Connection;
use crate::proto::event::{CloseHow, Event, TcpClose, TcpOpen};
use crate::proto::half_close::HalfCloses;
use crate::proto::tls::SharedKeys;
use crate::proto::{ConnId, Dir, Timestamp};

/// What a replay went through besides the events.
#[derive(Debug, Default)]
pub struct Outcome {
    pub packets: u64,
    pub bytes: u64,
    /// Problems outside any connection, each naming the packet: corrupt packets, a truncated file.
    /// The first [`PROBLEMS_KEPT`] and the last one (which tells why the file ended early).
    pub problems: Vec<String>,
    /// Problems between those: counted, not kept.
    pub problems_dropped: u64,
    /// The latest problem past the first [`PROBLEMS_KEPT`].
    overflow: Option<String>,
    /// Packets whose link and IP layers could be read (TCP or not).
    pub readable_packets: u64,
    /// Time of the first packet: `t = 0` of the events.
    pub origin: Timestamp,
}

/// Problems kept in [`Outcome::problems`] before the rest are only counted: a file of nothing
/// but broken packets would otherwise hold one message per packet in memory.
pub const PROBLEMS_KEPT: usize = 20;

impl Outcome {
    fn problem(&mut self, what: String) {
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(what);
        } else if self.overflow.replace(what).is_some() {
            self.problems_dropped += 1;
        }
    }

    fn finish(&mut self) {
        self.problems.extend(self.overflow.take());
    }

    /// Nothing at all could be read: the exit code says so.
    pub fn nothing_read(&self) -> bool {
        self.readable_packets == 0 && !self.problems.is_empty()
    }
}

/// Replays the capture in `reader`, handing each event to `sink` in order.
/// Fails only when the file is not a readable capture at all.
pub fn replay<R: Read>(
    reader: R,
    sink: &mut impl FnMut(&Event, Timestamp),
) -> Result<Outcome, CaptureError> {
    replay_with_keys(reader, SharedKeys::default(), sink)
}

/// As `replay`, TLS connections decrypted with `keys` (a `--keylog` file's) and the secrets of
/// every Decryption Secrets Block the file holds, learnt as they are met.
pub fn replay_with_keys<R: Read>(
    reader: R,
    keys: SharedKeys,
    sink: &mut impl FnMut(&Event, Timestamp),
) -> Result<Outcome, CaptureError> {
    replay_fed(reader, None, keys, sink)
}

/// As `replay_with_keys`, the file read from `feed` when given (not `reader`).
pub fn replay_fed<R: Read>(
    reader: R,
    feed: Option<Feed>,
    keys: SharedKeys,
    sink: &mut impl FnMut(&Event, Timestamp),
) -> Result<Outcome, CaptureError> {
    let mut capture = CaptureReader::with_feed(reader, feed)?;
    if crate::replay_split::worth(&mut capture) {
        return Ok(crate::replay_split::replay(
            capture.without_reader(),
            keys,
            sink,
        ));
    }
    Ok(replay_read(capture, keys, &mut |ev, origin| {
        sink(&ev, origin)
    }))
}

/// As `replay_with_keys`, each event handed over by value: a sink that keeps events (the TUI's
/// loader) moves them instead of cloning them.
pub fn replay_owned<R: Read>(
    reader: R,
    keys: SharedKeys,
    sink: &mut impl FnMut(Event, Timestamp),
) -> Result<Outcome, CaptureError> {
    Ok(replay_read(CaptureReader::new(reader)?, keys, sink))
}

/// The replay on this thread alone.
fn replay_read<R: Read>(
    mut capture: CaptureReader<R>,
    keys: SharedKeys,
    sink: &mut impl FnMut(Event, Timestamp),
) -> Outcome {
    capture.learn_secrets_into(keys.clone());
    let mut outcome = Outcome::default();
    let mut reassembler = Reassembler::default();
    let mut conns = Conns {
        keys,
        ..Conns::default()
    };
    read_all(
        &mut capture,
        &mut outcome,
        &mut reassembler,
        &mut |ev, origin| {
            conns.on_owned(ev, &mut |e| sink(e, origin));
        },
    );
    outcome
}

/// Reads every packet of `capture` through `reassembler`, handing its stream events (with the
/// time origin) to `on`, then closes what is still open and finishes `outcome`.
pub(crate) fn read_all<R: Read>(
    capture: &mut CaptureReader<R>,
    outcome: &mut Outcome,
    reassembler: &mut Reassembler,
    on: &mut impl FnMut(StreamEvent<'_>, Timestamp),
) {
    let mut last_ts = Timestamp::default();
    capture.for_each(|packet| {
        let packet = match packet {
            Ok(p) => p,
            // A broken packet block is skipped; after an error that ends the file, the reader
            // hands nothing more.
            Err(e) => return outcome.problem(e.to_string()),
        };
        if outcome.packets == 0 {
            outcome.origin = packet.ts;
        }
        outcome.packets += 1;
        outcome.bytes += packet.data.len() as u64;
        last_ts = last_ts.max(packet.ts);
        let origin = outcome.origin;
        let pushed = with_tcp(packet.linktype, packet.data, |seg| {
            reassembler.push(packet.ts, packet.number, seg, &mut |ev| on(ev, origin))
        });
        match pushed {
            Ok(_) => outcome.readable_packets += 1,
            Err(e) => outcome.problem(format!("packet {}: {e}", packet.number)),
        }
    });
    let origin = outcome.origin;
    reassembler.finish(last_ts, &mut |ev| on(ev, origin));
    let evicted = reassembler.evicted;
    if evicted > 0 {
        outcome.problem(format!(
            "{evicted} connections were closed early (shown as eof): more than {} were open at \
             once, so the longest idle ones were let go to keep memory bounded",
            crate::capture::reassembly::OPEN_LIMIT
        ));
    }
    outcome.finish();
}

/// The decoders of the connections still open.
#[derive(Default)]
pub struct Conns {
    open: HashMap<ConnId, Connection>,
    /// FINs held until it is known whether traffic follows them.
    halves: HalfCloses,
    out: Vec<Event>,
    /// TLS secrets, shared by every connection of the file.
    pub keys: SharedKeys,
}

impl Conns {
    /// Feeds one stream event to its connection and hands the resulting events to `sink`.
    pub fn on(&mut self, ev: StreamEvent<'_>, sink: &mut impl FnMut(&Event)) {
        self.on_owned(ev, &mut |e| sink(&e));
    }

    /// As `on`, the events handed over by value.
    pub fn on_owned(&mut self, ev: StreamEvent<'_>, sink: &mut impl FnMut(Event)) {
        match ev {
            StreamEvent::Open {
                conn,
                ts,
                ends,
                handshake,
            } => {
                let mut c = Connection::new(conn);
                c.set_keys(self.keys.clone());
                self.out.push(c.open_event(
                    ts,
                    TcpOpen {
                        client: ends.client.to_string(),
                        server: ends.server.to_string(),
                        handshake,
                        live: false,
                    },
                ));
                self.open.insert(conn, c);
            }
            StreamEvent::Data {
                conn,
                ts,
                dir,
                data,
            } => {
                if let Some(c) = self.open.get_mut(&conn) {
                    self.halves.traffic(conn, &mut self.out);
                    c.data(dir, ts, data, &mut self.out);
                }
            }
            StreamEvent::Gap {
                conn,
                ts,
                dir,
                missing,
            } => {
                if let Some(c) = self.open.get_mut(&conn) {
                    self.halves.traffic(conn, &mut self.out);
                    c.gap(dir, ts, missing, &mut self.out);
                }
            }
            StreamEvent::Fin { conn, ts, dir } => {
                if self.open.contains_key(&conn) {
                    self.halves.fin(conn, ts, dir);
                }
            }
            StreamEvent::Close { conn, ts, how, by } => {
                self.halves.close(conn);
                if let Some(mut c) = self.open.remove(&conn) {
                    c.end(Dir::C2s, ts, &mut self.out);
                    c.end(Dir::S2c, ts, &mut self.out);
                    let how = match how {
                        reassembly::CloseHow::Fin => CloseHow::Fin,
                        reassembly::CloseHow::Rst => CloseHow::Rst,
                        reassembly::CloseHow::Eof => CloseHow::Eof,
                    };
                    let close = TcpClose { how, by, why: None };
                    c.ws_abnormal_close(ts, close, &mut self.out);
                    self.out.push(c.close_event(ts, close));
                }
            }
        }
        for e in self.out.drain(..) {
            sink(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(name: &str) -> Vec<u8> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/captures/");
        std::fs::read(format!("{dir}{name}")).unwrap()
    }

    fn run(bytes: &[u8]) -> (Outcome, usize) {
        let mut events = 0;
        let outcome = replay(bytes, &mut |_, _| events += 1).unwrap();
        (outcome, events)
    }

    /// Regression: the first error of the reader, even one that loses a single packet block,
    /// used to end the replay.
    #[test]
    fn a_broken_packet_block_loses_that_packet_only() {
        let mut ng = asset("ws-basic.pcapng");
        let (whole, whole_events) = run(&ng);
        // Packet 10 names interface 5; the section describes only interface 0.
        let (mut pos, mut n) = (0, 0);
        while n < 10 {
            let len = u32::from_le_bytes(ng[pos + 4..pos + 8].try_into().unwrap()) as usize;
            if ng[pos..pos + 4] == [6, 0, 0, 0] {
                n += 1;
            }
            if n < 10 {
                pos += len;
            }
        }
        ng[pos + 8..pos + 12].copy_from_slice(&5u32.to_le_bytes());
        let (outcome, events) = run(&ng);
        assert_eq!(outcome.packets, whole.packets - 1);
        assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
        assert!(
            outcome.problems[0].starts_with("packet 10 "),
            "{:?}",
            outcome.problems
        );
        assert!(
            events > whole_events / 2,
            "{events} of {whole_events} events"
        );
    }

    /// A file of nothing but broken packets keeps the first problems and the last, and counts
    /// the rest, instead of holding a message per packet.
    #[test]
    fn problems_are_capped_but_the_last_is_kept() {
        let broken = PROBLEMS_KEPT + 50;
        let mut pcap = asset("header-only.pcap");
        for _ in 0..broken {
            pcap.extend_from_slice(&[0; 16]); // an empty Ethernet frame
        }
        pcap.extend_from_slice(&[0; 10]); // and a record header cut short
        let (outcome, _) = run(&pcap);
        assert_eq!(outcome.packets, broken as u64);
        assert_eq!(outcome.problems.len(), PROBLEMS_KEPT + 1);
        assert_eq!(outcome.problems_dropped, 50);
        assert!(outcome.problems[0].starts_with("packet 1: "));
        let last = outcome.problems.last().unwrap();
        assert!(
            last.contains(&format!("ends inside packet {}", broken + 1)),
            "{last}"
        );
    }

    /// The server's kernel sends FIN on connection 1, the client still writes, and the
    /// server answers RST: the FIN is a half-close, shown before the client's frame.
    #[test]
    fn a_half_close_is_shown_before_the_traffic_after_it() {
        use crate::proto::event::EventKind;
        let mut seen = Vec::new();
        replay(&asset("ws-abrupt-kill.pcap")[..], &mut |e, _| {
            if e.conn == 1 {
                seen.push(e.clone());
            }
        })
        .unwrap();
        let fin = seen.iter().position(|e| e.kind == EventKind::TcpFin);
        let knock = seen.iter().position(|e| match &e.kind {
            EventKind::WsFrame(f) => f.payload == b"anyone-there?",
            _ => false,
        });
        let (Some(fin), Some(knock)) = (fin, knock) else {
            panic!("no FIN or no knock: {seen:#?}");
        };
        assert!(fin < knock, "{seen:#?}");
        assert_eq!(seen[fin].dir, Some(Dir::S2c));
        assert_eq!(seen[knock].dir, Some(Dir::C2s));
        let fins = seen.iter().filter(|e| e.kind == EventKind::TcpFin).count();
        assert_eq!(fins, 1, "{seen:#?}");
    }
}

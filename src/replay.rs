//! Capture replay: packets → TCP streams → decoders → events, streamed from the file.

use rustc_hash::FxHashMap as HashMap;
use std::io::Read;

use crate::capture::packet::parse_tcp;
use crate::capture::pcap::{CaptureError, CaptureReader};
use crate::capture::reassembly::{self, Reassembler, StreamEvent};
use crate::proto::conn::Connection;
use crate::proto::event::{CloseHow, Event, TcpClose, TcpOpen};
use crate::proto::{ConnId, Dir, Timestamp};

/// What a replay went through besides the events.
#[derive(Debug, Default)]
pub struct Outcome {
    pub packets: u64,
    pub bytes: u64,
    /// Problems outside any connection, each naming the packet: corrupt packets, a truncated
    /// file. The first PROBLEMS_KEPT are kept; `more_problems` counts the rest.
    pub problems: Vec<String>,
    pub more_problems: u64,
    /// Packets whose link and IP layers could be read (TCP or not).
    pub readable_packets: u64,
    /// Time of the first packet: `t = 0` of the events.
    pub origin: Timestamp,
}

/// A file of a million bad packets says so in a few lines, not a million.
pub const PROBLEMS_KEPT: usize = 20;

impl Outcome {
    fn problem(&mut self, what: String) {
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(what);
        } else {
            self.more_problems += 1;
        }
    }

    /// Nothing at all could be read: the exit code says so.
    pub fn nothing_read(&self) -> bool {
        self.readable_packets == 0 && (self.problems.len() as u64 + self.more_problems) > 0
    }
}

/// Replays the capture in `reader`, handing each event to `sink` in order.
/// Fails only when the file is not a readable capture at all.
pub fn replay<R: Read>(
    reader: R,
    sink: &mut impl FnMut(&Event, Timestamp),
) -> Result<Outcome, CaptureError> {
    let mut capture = CaptureReader::new(reader)?;
    let mut outcome = Outcome::default();
    let mut streams = Streams::default();
    let mut last_ts = Timestamp::default();
    loop {
        let packet = match capture.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                outcome.problem(e.to_string());
                break;
            }
        };
        if outcome.packets == 0 {
            outcome.origin = packet.ts;
        }
        outcome.packets += 1;
        outcome.bytes += packet.data.len() as u64;
        last_ts = last_ts.max(packet.ts);
        match parse_tcp(packet.linktype, packet.data) {
            Ok(Some(seg)) => {
                outcome.readable_packets += 1;
                let origin = outcome.origin;
                streams
                    .reassembler
                    .push(packet.ts, packet.number, &seg, &mut |ev| {
                        streams.conns.on(ev, &mut |e| sink(e, origin));
                    });
            }
            Ok(None) => outcome.readable_packets += 1,
            Err(e) => outcome.problem(format!("packet {}: {e}", packet.number)),
        }
    }
    let origin = outcome.origin;
    streams.reassembler.finish(last_ts, &mut |ev| {
        streams.conns.on(ev, &mut |e| sink(e, origin));
    });
    Ok(outcome)
}

#[derive(Default)]
struct Streams {
    reassembler: Reassembler,
    conns: Conns,
}

/// The decoders of the connections still open.
#[derive(Default)]
pub struct Conns {
    open: HashMap<ConnId, Connection>,
    out: Vec<Event>,
}

impl Conns {
    /// Feeds one stream event to its connection and hands the resulting events to `sink`.
    pub fn on(&mut self, ev: StreamEvent<'_>, sink: &mut impl FnMut(&Event)) {
        match ev {
            StreamEvent::Open {
                conn,
                ts,
                client,
                server,
                handshake,
            } => {
                let c = Connection::new(conn);
                self.out.push(c.open_event(
                    ts,
                    TcpOpen {
                        client: client.to_string(),
                        server: server.to_string(),
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
                    c.gap(dir, ts, missing, &mut self.out);
                }
            }
            StreamEvent::Close { conn, ts, how, by } => {
                if let Some(mut c) = self.open.remove(&conn) {
                    c.end(Dir::C2s, ts, &mut self.out);
                    c.end(Dir::S2c, ts, &mut self.out);
                    let how = match how {
                        reassembly::CloseHow::Fin => CloseHow::Fin,
                        reassembly::CloseHow::Rst => CloseHow::Rst,
                        reassembly::CloseHow::Eof => CloseHow::Eof,
                    };
                    self.out.push(c.close_event(ts, TcpClose { how, by }));
                }
            }
        }
        for e in self.out.drain(..) {
            sink(&e);
        }
    }
}

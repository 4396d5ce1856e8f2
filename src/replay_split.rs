//! Replay on two cores: a thread reads the packets and reassembles the TCP streams while the
//! caller's thread decodes them and hands the events to its sink. The stream events cross in
//! batches (the bytes copied into the batch), in the order the reassembler made them, so the
//! decoders see exactly what they would see on one thread.
//!
//! (Splitting after the decoders instead, the events crossing, was slower for `--json`: each
//! event is a few heap blocks, and freed a batch later rather than at once they no longer came
//! back from glibc's per-thread cache.)
//!
//! Only for a mapped classic pcap on a machine with a second core: pcapng may carry TLS secrets
//! (Decryption Secrets Blocks) that the reading thread would learn ahead of the decoders.

use std::io::Read;
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::capture::pcap::{CaptureFormat, CaptureReader, classic_records};
use crate::capture::reassembly::{Reassembler, Stream, StreamEvent};
use crate::proto::Timestamp;
use crate::proto::event::Event;
use crate::proto::tls::SharedKeys;
use crate::replay::{Conns, Outcome, read_all};

/// A batch is sent once it holds this many bytes or events: the batches alive at once (at
/// most [`IN_FLIGHT`] + 3) stay under a MiB, and a hand-over is rare beside the work in it
/// (32 KiB batches made chat replay 20% slower: a wake of the other thread every 25 packets).
/// 2,048 events of 32 bytes take less room than the 1,024 of 88 bytes they were.
const BATCH_BYTES: usize = 128 << 10;
const BATCH_EVENTS: usize = 2048;
/// Batches sent and not yet taken.
const IN_FLIGHT: usize = 2;

/// Whether `capture` is replayed on two threads: a mapped classic pcap, a second core.
pub(crate) fn worth<R: Read>(capture: &mut CaptureReader<R>) -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let CaptureFormat::Pcap { big_endian, .. } = capture.format() else {
        return false;
    };
    cores > 1
        && capture.mapped().is_some_and(|m| {
            let big = big_packets(m, big_endian);
            // The pages looked at are let go again: they would count in the peak.
            m.let_go_before(SAMPLE_BYTES);
            !big
        })
        && std::env::var_os("DUPLEX_ONE_THREAD").is_none()
}

/// At most this much of the file is looked at by `big_packets`.
const SAMPLE_BYTES: usize = 1 << 20;

/// Whether the first packets of a classic pcap (`file`, whole) average more than `BIG` bytes.
/// Then the copy of every payload into the batches costs the reading thread more than the
/// decoding it takes off this one (HTTP bodies: 10-50% slower on two threads). A few thousand
/// packets or a MiB: the first hundreds are often a handshake's and a few big frames. Only a matter of
/// speed: either way the events are the same.
fn big_packets(file: &[u8], big_endian: bool) -> bool {
    const BIG: usize = 512;
    const LOOK: usize = 4096;
    let (mut bytes, mut records) = (0usize, 0usize);
    for (at, len) in classic_records(file, big_endian).take(LOOK) {
        if at >= SAMPLE_BYTES {
            break;
        }
        bytes = bytes.saturating_add(len);
        records += 1;
    }
    records > 0 && bytes / records > BIG
}

/// As [`crate::replay::replay_fed`], split over two threads (see the module doc).
pub(crate) fn replay<R: Read + Send>(
    mut capture: CaptureReader<R>,
    keys: SharedKeys,
    sink: &mut impl FnMut(&Event, Timestamp),
) -> Outcome {
    if let Some(m) = capture.mapped() {
        m.stop_reading_ahead();
    }
    let (full_tx, full_rx) = sync_channel::<Batch>(IN_FLIGHT);
    let (empty_tx, empty_rx) = sync_channel::<Batch>(IN_FLIGHT + 3);
    let mut conns = Conns::default();
    conns.keys = keys;
    std::thread::scope(|s| {
        // Owned by this closure: if the sink panics, the receiver goes as it unwinds, and the
        // reading thread, whose sends then fail, ends instead of waiting for room forever.
        let full_rx = full_rx;
        let reading = std::thread::Builder::new()
            .name("capture-read".into())
            .spawn_scoped(s, move || {
                let mut outcome = Outcome::default();
                let mut reassembler = Reassembler::default();
                let mut out = Sender {
                    gone: false,
                    batch: Batch::default(),
                    full: full_tx,
                    empty: empty_rx,
                };
                read_all(
                    &mut capture,
                    &mut outcome,
                    &mut reassembler,
                    &mut |ev, origin| out.push(ev, origin),
                );
                out.send();
                outcome
            })
            .expect("a thread to read the capture");
        for mut batch in full_rx.iter() {
            batch.play(&mut conns, sink);
            // The reader may have stopped early (a panic): then the batch is just dropped.
            let _ = empty_tx.try_send(batch);
        }
        match reading.join() {
            Ok(outcome) => outcome,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Stream events as the reassembler made them, their bytes in `bytes` (each `Data` names its
/// range there).
#[derive(Default)]
struct Batch {
    events: Vec<Stream<Range<u32>>>,
    bytes: Vec<u8>,
    origin: Timestamp,
}

impl Batch {
    /// Plays the events, which leaves the batch empty for reuse.
    fn play(&mut self, conns: &mut Conns, sink: &mut impl FnMut(&Event, Timestamp)) {
        let origin = self.origin;
        let bytes = &self.bytes;
        for ev in self.events.drain(..) {
            let ev = ev.map_data(|r| &bytes[r.start as usize..r.end as usize]);
            conns.on_owned(ev, &mut |e| sink(&e, origin));
        }
        self.bytes.clear();
    }
}

/// The reading thread's side: fills a batch, sends it when full, reuses those sent back.
struct Sender {
    /// The decoding side is gone (it panicked): nothing more is gathered.
    gone: bool,
    batch: Batch,
    full: SyncSender<Batch>,
    empty: Receiver<Batch>,
}

impl Sender {
    fn push(&mut self, ev: StreamEvent<'_>, origin: Timestamp) {
        if self.gone {
            return;
        }
        let b = &mut self.batch;
        b.origin = origin;
        // One event's bytes are bounded by the reassembler's limits, far below 4 GiB, and a
        // batch is sent once it holds BATCH_BYTES.
        b.events.push(ev.map_data(|data| {
            let at = b.bytes.len() as u32;
            b.bytes.extend_from_slice(data);
            at..b.bytes.len() as u32
        }));
        if b.bytes.len() >= BATCH_BYTES || b.events.len() >= BATCH_EVENTS {
            self.send();
        }
    }

    /// Sends the batch (if it holds anything) and takes an empty one.
    fn send(&mut self) {
        if self.batch.events.is_empty() {
            return;
        }
        let next = self.empty.try_recv().unwrap_or_else(|_| Batch {
            events: Vec::with_capacity(BATCH_EVENTS),
            bytes: Vec::with_capacity(BATCH_BYTES + (16 << 10)),
            origin: self.batch.origin,
        });
        let full = std::mem::replace(&mut self.batch, next);
        // The decoding side gone (it panicked): the rest of the file is read for nothing.
        self.gone = self.full.send(full).is_err();
    }
}

#[cfg(test)]
#[path = "replay_split_tests.rs"]
mod tests;

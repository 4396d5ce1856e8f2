//! Streaming pcap / pcapng reader.
//!
//! The file is read through one bounded buffer (1 MiB, grown up to 16 MiB for a single large
//! record), and each packet is handed out as a slice into that buffer: no copy, no per-packet
//! allocation; with a reader thread ([`Prefetch`]), its buffers are read as they are, not
//! copied, and a mapped file ([`Mapped`](super::mapped::Mapped)) is read where it lies.
//! pcap-parser decodes the file header and pcapng blocks; record headers, framing, refilling
//! and error reporting are done here so that an I/O error keeps its cause and a cut file names
//! the packet it cut.

mod buf;
mod classic;
mod fill;
mod ng;

use std::io::{self, Read};
use std::ops::Range;

use pcap_parser::parse_pcap_header;

use super::prefetch::Prefetch;
use crate::proto::Timestamp;
use buf::Buf;
pub use buf::Feed;
pub(crate) use classic::classic_records;
use ng::Section;

const INITIAL_BUFFER: usize = 1 << 20;
/// The "modified" classic format (its record headers are 24 bytes, the others' 16).
const MODIFIED_MAGIC: [u8; 4] = [0x34, 0xcd, 0xb2, 0xa1];
/// Largest record accepted; a bigger length field is taken as corruption, not a reason to
/// allocate whatever the file says.
pub const MAX_RECORD: usize = 16 << 20;

/// What kind of file is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Legacy pcap; the magic number decides the byte order and the timestamp unit.
    Pcap {
        nanos: bool,
        big_endian: bool,
    },
    Pcapng,
}

/// One captured packet, borrowed from the reader's buffer until the next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// 1-based, counting packet records (also the ones reported as corrupt).
    pub number: u64,
    pub ts: Timestamp,
    pub linktype: i32,
    pub data: &'a [u8],
    /// Length on the wire; larger than `data.len()` when the capture snapped the packet.
    pub orig_len: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("not a pcap or pcapng file: it starts with {first_bytes:02x?}")]
    NotACapture { first_bytes: Vec<u8> },
    #[error("the file ends inside its {need}-byte capture header ({have} bytes present)")]
    TruncatedHeader { need: usize, have: usize },
    #[error(
        "the file ends inside packet {packet}: the record at byte {offset} needs {need} bytes, \
         only {have} present (the capture was cut short)"
    )]
    Truncated {
        packet: u64,
        offset: u64,
        need: u64,
        have: u64,
    },
    #[error("packet {packet} (record at byte {offset}): {what}")]
    Corrupt {
        packet: u64,
        offset: u64,
        what: String,
    },
    #[error("reading the capture: {0}")]
    Io(#[from] io::Error),
}

#[derive(Debug)]
enum Layout {
    Legacy {
        big_endian: bool,
        nanos: bool,
        modified: bool,
        linktype: i32,
    },
    Ng(Section),
}

/// A packet found in the buffer, as positions so the borrow ends before it is returned.
struct Found {
    ts: Timestamp,
    linktype: i32,
    data: Range<usize>,
    orig_len: u32,
}

/// Why a step failed: `Skip` loses one packet, `Fatal` ends the reader.
enum Stop {
    Skip(CaptureError),
    Fatal(CaptureError),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Fatal(CaptureError::Io(e))
    }
}

/// Reads packets one at a time from a pcap or pcapng stream.
///
/// Errors: a corrupt packet in pcapng (unknown interface, unreadable block) is reported and
/// skipped, so the next call goes on with the following record; any other error (not a capture,
/// cut file, I/O, broken framing) ends the reader and later calls return `Ok(None)`. A caller can
/// therefore report every `Err` and keep calling until `Ok(None)`.
pub struct CaptureReader<R: Read> {
    reader: R,
    buf: Buf,
    start: usize,
    end: usize,
    /// File offset of `buf[start]`.
    offset: u64,
    eof: bool,
    done: bool,
    format: CaptureFormat,
    layout: Layout,
    packets: u64,
    last_ts: Timestamp,
    /// Where the TLS secrets of Decryption Secrets Blocks go as they are met.
    keys: Option<crate::proto::tls::SharedKeys>,
    /// The reader thread whose buffers are read instead of `reader`.
    prefetch: Option<Prefetch>,
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header; fails if the stream is not pcap (either byte order, µs or ns
    /// magic, or the "modified" variant) or pcapng.
    pub fn new(reader: R) -> Result<Self, CaptureError> {
        Self::with_prefetch(reader, None)
    }

    /// As `new`, reading `prefetch`'s buffers (when given) rather than `reader`.
    pub fn with_prefetch(reader: R, prefetch: Option<Prefetch>) -> Result<Self, CaptureError> {
        Self::with_feed(reader, prefetch.map(Feed::Prefetch))
    }

    /// As `new`, reading `feed` (when given) rather than `reader`.
    pub fn with_feed(reader: R, feed: Option<Feed>) -> Result<Self, CaptureError> {
        // Never empty: the magic is looked at even when the file is.
        let (buf, end, prefetch) = match feed {
            None => (Buf::Owned(vec![0; INITIAL_BUFFER]), 0, None),
            Some(Feed::Prefetch(p)) => (Buf::Owned(vec![0; 16]), 0, Some(p)),
            Some(Feed::Mapped(m)) => {
                let len = m.len();
                (Buf::Mapped(m), len, None)
            }
        };
        let mapped = matches!(buf, Buf::Mapped(_));
        let mut this = CaptureReader {
            reader,
            buf,
            start: 0,
            end,
            offset: 0,
            eof: mapped,
            done: false,
            format: CaptureFormat::Pcapng,
            layout: Layout::Ng(Section::default()),
            packets: 0,
            last_ts: Timestamp(0),
            keys: None,
            prefetch,
        };
        let have_magic = this.fill_front(4)?;
        let not_a_capture = |this: &Self| CaptureError::NotACapture {
            first_bytes: this.buf[..this.end.min(12)].to_vec(),
        };
        let b = &this.buf;
        // (nanos, big_endian, modified); the pcapng magic reads the same in both orders.
        let legacy = match [b[0], b[1], b[2], b[3]] {
            _ if !have_magic => return Err(not_a_capture(&this)),
            [0xd4, 0xc3, 0xb2, 0xa1] => (false, false, false),
            [0x4d, 0x3c, 0xb2, 0xa1] => (true, false, false),
            [0xa1, 0xb2, 0xc3, 0xd4] => (false, true, false),
            [0xa1, 0xb2, 0x3c, 0x4d] => (true, true, false),
            MODIFIED_MAGIC => (false, false, true),
            [0x0a, 0x0d, 0x0d, 0x0a] => {
                // The byte-order magic is what makes this a section header and not noise.
                if !this.fill_front(12)? || ng::byte_order(&this.buf[8..12]).is_none() {
                    return Err(not_a_capture(&this));
                }
                return Ok(this);
            }
            _ => return Err(not_a_capture(&this)),
        };
        let (nanos, big_endian, modified) = legacy;
        if !this.fill_front(24)? {
            return Err(CaptureError::TruncatedHeader {
                need: 24,
                have: this.end,
            });
        }
        let Ok((_, header)) = parse_pcap_header(&this.buf[..24]) else {
            return Err(not_a_capture(&this));
        };
        let linktype = header.network.0;
        (this.start, this.offset) = (24, 24);
        this.format = CaptureFormat::Pcap { nanos, big_endian };
        this.layout = Layout::Legacy {
            big_endian,
            nanos,
            modified,
            linktype,
        };
        Ok(this)
    }

    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// The mapped file the packets come from, if they do (the reader itself is then never read).
    pub(crate) fn mapped(&mut self) -> Option<&mut super::mapped::Mapped> {
        match &mut self.buf {
            Buf::Mapped(m) => Some(m),
            Buf::Owned(_) => None,
        }
    }

    /// The same reader with its `reader` let go, for a mapped file (which never reads it): a
    /// reader that can move to another thread.
    pub(crate) fn without_reader(self) -> CaptureReader<std::io::Empty> {
        CaptureReader {
            reader: std::io::empty(),
            buf: self.buf,
            start: self.start,
            end: self.end,
            offset: self.offset,
            eof: self.eof,
            done: self.done,
            format: self.format,
            layout: self.layout,
            packets: self.packets,
            last_ts: self.last_ts,
            keys: self.keys,
            prefetch: self.prefetch,
        }
    }

    /// Next packet, or `Ok(None)` at a clean end of file (and after a fatal error).
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        // Each arm finishes its own step: with one `step` for both, the classic record's went
        // through memory, stored as two u32 and loaded as one u64 (linktype and length), a
        // load the stores could not be forwarded to (a stall of a third of a record's time).
        match self.layout {
            Layout::Legacy { .. } => {
                let step = self.next_legacy();
                self.finish(step)
            }
            Layout::Ng(_) => {
                let step = self.next_ng();
                self.finish(step)
            }
        }
    }

    /// Hands `on` every packet, or the error that cost one, to the end of the file. The
    /// classic format's records run in a loop of their own: sharing one exit with pcapng's
    /// blocks, a packet went through memory again and stalled like the step did. `on` is
    /// called in both loops, so it is not inlined: it gets the packet by reference and reads
    /// its fields one by one (a packet passed by value was copied with a load spanning two
    /// of the stores that built it, another stall).
    #[inline(always)]
    pub fn for_each(&mut self, mut on: impl FnMut(Result<&Packet<'_>, CaptureError>)) {
        if matches!(self.layout, Layout::Legacy { .. }) {
            self.for_each_mapped(&mut on);
            while !self.done {
                let step = self.next_legacy();
                match self.finish(step) {
                    Ok(Some(p)) => on(Ok(&p)),
                    Ok(None) => break,
                    Err(e) => on(Err(e)),
                }
            }
            return;
        }
        loop {
            match self.next_packet() {
                Ok(Some(p)) => on(Ok(&p)),
                Ok(None) => break,
                Err(e) => on(Err(e)),
            }
        }
    }

    #[inline(always)]
    fn finish(
        &mut self,
        step: Result<Option<Found>, Stop>,
    ) -> Result<Option<Packet<'_>>, CaptureError> {
        if let Buf::Mapped(m) = &mut self.buf {
            m.read_to(self.start);
        }
        match step {
            Ok(Some(f)) => {
                self.last_ts = f.ts;
                Ok(Some(Packet {
                    number: self.packets,
                    ts: f.ts,
                    linktype: f.linktype,
                    data: &self.buf[f.data],
                    orig_len: f.orig_len,
                }))
            }
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Err(Stop::Skip(e)) => Err(e),
            Err(Stop::Fatal(e)) => {
                self.done = true;
                Err(e)
            }
        }
    }

    /// Secrets met in the file (Decryption Secrets Blocks) go into `keys` as they are read.
    pub fn learn_secrets_into(&mut self, keys: crate::proto::tls::SharedKeys) {
        self.keys = Some(keys);
    }

    fn learn(&self, text: &[u8]) {
        if let Some(keys) = &self.keys
            && let Ok(mut k) = keys.write()
        {
            for line in String::from_utf8_lossy(text).lines() {
                let _ = k.add_line(line);
            }
        }
    }

    /// At end of file: clean if nothing is left over, otherwise the next record was cut.
    fn end_or_truncated(&self, need: usize) -> Result<Option<Found>, Stop> {
        let have = self.end - self.start;
        if have == 0 {
            return Ok(None);
        }
        Err(Stop::Fatal(CaptureError::Truncated {
            packet: self.packets + 1,
            offset: self.offset,
            need: need as u64,
            have: have as u64,
        }))
    }

    /// Corruption in the record that starts at the current position.
    fn corrupt(&self, what: String) -> CaptureError {
        corrupt(self.packets + 1, self.offset, what)
    }
}

fn corrupt(packet: u64, offset: u64, what: String) -> CaptureError {
    CaptureError::Corrupt {
        packet,
        offset,
        what,
    }
}

/// The callers have checked that four bytes are there. One load, swapped for big-endian files
/// (built from single bytes, it took four loads and shifts for every field of every record).
#[inline(always)]
fn read_u32(b: &[u8], big_endian: bool) -> u32 {
    let v = b.first_chunk::<4>().map_or(0, |b| u32::from_le_bytes(*b));
    if big_endian { v.swap_bytes() } else { v }
}

#[cfg(test)]
#[path = "pcap_tests.rs"]
mod tests;

//! The classic format's records read straight from a mapped file: the position, count and
//! time kept in registers, and where the reader is told to the mapping every [`TELL`] bytes
//! rather than at every packet (a fifth of a small packet's reading time went to that
//! bookkeeping).

use std::io::Read;

use super::{
    Buf, CaptureError, CaptureReader, Layout, MAX_RECORD, Packet, prefetch_next, read_u32,
    record_time,
};

/// The mapping learns where the reader is after at most this many bytes (it lets go of pages
/// a quarter of a MiB at a time, 128 KiB behind the reader).
const TELL: usize = 16 << 10;

impl<R: Read> CaptureReader<R> {
    /// Hands `on` every whole, sane record of a mapped classic pcap from the current position;
    /// stops before the first one that is not (cut short, or claiming too many bytes), which
    /// the general loop then reads and reports as before. Nothing for other files.
    #[inline(always)]
    pub(super) fn for_each_mapped(
        &mut self,
        on: &mut impl FnMut(Result<&Packet<'_>, CaptureError>),
    ) {
        let Layout::Legacy {
            big_endian,
            nanos,
            modified,
            linktype,
        } = self.layout
        else {
            return;
        };
        let Buf::Mapped(m) = &self.buf else {
            return;
        };
        if self.done {
            return;
        }
        let file = &m[..self.end];
        let header = if modified { 24 } else { 16 };
        let (mut at, mut packets, mut last_ts) = (self.start, self.packets, self.last_ts);
        let mut told = at;
        while let Some(record) = file.get(at..at + header) {
            let caplen = read_u32(&record[8..], big_endian) as usize;
            if caplen > MAX_RECORD {
                break;
            }
            let Some(data) = file.get(at + header..at + header + caplen) else {
                break;
            };
            let (ts, orig_len) = record_time(record, big_endian, nanos);
            packets += 1;
            at += header + caplen;
            prefetch_next(file, at);
            if at - told >= TELL {
                m.read_to(at);
                told = at;
            }
            last_ts = ts;
            on(Ok(&Packet {
                number: packets,
                ts,
                linktype,
                data,
                orig_len,
            }));
        }
        m.read_to(at);
        self.offset += (at - self.start) as u64;
        self.start = at;
        self.packets = packets;
        self.last_ts = last_ts;
    }
}

#[cfg(test)]
#[path = "mapped_loop_tests.rs"]
mod tests;

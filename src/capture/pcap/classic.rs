//! The classic pcap format's records: one step at a time from the reader's buffer, or straight
//! from a mapped file in a loop of their own (the position, count and time kept in registers,
//! and where the reader is told to the mapping every [`TELL`] bytes rather than at every
//! packet: a fifth of a small packet's reading time went to that bookkeeping).

use std::io::Read;

use super::{
    Buf, CaptureError, CaptureReader, Found, Layout, MAX_RECORD, MODIFIED_MAGIC, Packet, Stop,
    read_u32,
};
use crate::proto::Timestamp;

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

    #[inline(always)]
    pub(super) fn next_legacy(&mut self) -> Result<Option<Found>, Stop> {
        let Layout::Legacy {
            big_endian,
            nanos,
            modified,
            linktype,
        } = self.layout
        else {
            return Ok(None);
        };
        let header = if modified { 24 } else { 16 };
        if !self.fill(header)? {
            return self.end_or_truncated(header);
        }
        let caplen = read_u32(&self.buf[self.start + 8..], big_endian) as usize;
        if caplen > MAX_RECORD {
            let what = format!("record claims {caplen} captured bytes (limit {MAX_RECORD})");
            return Err(Stop::Fatal(self.corrupt(what)));
        }
        let total = header + caplen;
        if !self.fill(total)? {
            return self.end_or_truncated(total);
        }
        let start = self.start;
        // The record is whole (`fill`): its header is read in place. The modified format's
        // first 16 bytes are laid out the same (little-endian).
        let (ts, orig_len) = record_time(&self.buf[start..start + 16], big_endian, nanos);
        self.packets += 1;
        self.start += total;
        self.offset += total as u64;
        prefetch_next(&self.buf, self.start);
        Ok(Some(Found {
            ts,
            linktype,
            data: start + header..start + total,
            orig_len,
        }))
    }
}

/// The records of a whole classic pcap `file` (its header's byte order `big_endian`), read in
/// place without a reader: each one's offset and captured length, until a record header runs
/// past the end. Nothing is checked beyond that: for a quick look at the first packets.
pub(crate) fn classic_records(
    file: &[u8],
    big_endian: bool,
) -> impl Iterator<Item = (usize, usize)> + '_ {
    let header = if file.starts_with(&MODIFIED_MAGIC) {
        24
    } else {
        16
    };
    let mut at = 24usize;
    std::iter::from_fn(move || {
        let len_at = at.checked_add(8)?;
        let len = read_u32(file.get(len_at..len_at.checked_add(4)?)?, big_endian) as usize;
        let record = at;
        at = at.saturating_add(header).saturating_add(len);
        Some((record, len))
    })
}

/// A classic record header's time and original length.
#[inline(always)]
fn record_time(record: &[u8], big_endian: bool, nanos: bool) -> (Timestamp, u32) {
    let (ts_sec, ts_frac) = (
        read_u32(record, big_endian),
        read_u32(&record[4..], big_endian),
    );
    let frac = u64::from(ts_frac) * if nanos { 1 } else { 1_000 };
    let ts = Timestamp(u64::from(ts_sec) * 1_000_000_000 + frac);
    (ts, read_u32(&record[12..], big_endian))
}

/// Asks the CPU for the next record's first four cache lines (its header, the packet's link, IP
/// and TCP headers, the start of its payload) while this packet is decoded: their first touch
/// was a fifth of the per-packet time on small frames.
#[inline]
fn prefetch_next(buf: &[u8], at: usize) {
    const LINES: usize = 4;
    #[cfg(target_arch = "x86_64")]
    if let Some(line) = buf.get(at..) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = line.as_ptr().cast::<i8>();
        // SAFETY: prefetching never faults; the addresses are computed without dereference.
        unsafe {
            for line in 0..LINES {
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64 * line));
            }
        }
    }
}

#[cfg(test)]
#[path = "classic_tests.rs"]
mod tests;

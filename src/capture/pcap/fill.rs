//! Refilling the reader's buffer: from the reader, from the prefetch thread's buffers as they
//! are, or nothing to do for a mapped file, which is whole.

use std::io::{self, Read};

use super::CaptureReader;
use crate::capture::prefetch::HEADROOM;

impl<R: Read> CaptureReader<R> {
    pub(super) fn skip(&mut self, len: usize) {
        self.start += len;
        self.offset += len as u64;
    }

    /// Makes `need` bytes available at `buf[start..]`, reading as much as fits per call.
    /// Returns false at end of file with fewer bytes present.
    #[inline(always)]
    pub(super) fn fill(&mut self, need: usize) -> io::Result<bool> {
        if self.end - self.start >= need {
            return Ok(true);
        }
        self.fill_more(need)
    }

    /// `fill` once the bytes at hand are not enough.
    #[cold]
    #[inline(never)]
    pub(super) fn fill_more(&mut self, need: usize) -> io::Result<bool> {
        if self.prefetch.is_some() {
            return self.fill_prefetched(need);
        }
        if self.eof {
            return Ok(false);
        }
        // A mapped file is all there already.
        let Some(buf) = self.buf.owned() else {
            return Ok(false);
        };
        if buf.len() - self.start < need {
            buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end - self.start < need {
            if self.eof {
                return Ok(false);
            }
            // Grow only as data arrives, so a bogus length at the end of a file costs nothing.
            if self.end == buf.len() {
                let grown = (buf.len() * 2).min(need);
                buf.resize(grown, 0);
            }
            match self.reader.read(&mut buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// As `fill`, from the reader thread's buffers. The bytes left (a record cut by the last
    /// buffer's end) go into the headroom of the next, which becomes ours; only a record larger
    /// than the headroom is put together by copying.
    pub(super) fn fill_prefetched(&mut self, need: usize) -> io::Result<bool> {
        while self.end - self.start < need {
            let Some(p) = self.prefetch.as_mut() else {
                return Ok(false);
            };
            if self.eof {
                return Ok(false);
            }
            let mut next = p.next_buffer()?;
            if next.len() <= HEADROOM {
                self.eof = true; // the bytes left stay for the truncation report
                return Ok(false);
            }
            let rest = self.end - self.start;
            let Some(buf) = self.buf.owned() else {
                return Ok(false);
            };
            if rest <= HEADROOM {
                next[HEADROOM - rest..HEADROOM].copy_from_slice(&buf[self.start..self.end]);
                p.give_back(std::mem::replace(buf, next));
                self.start = HEADROOM - rest;
            } else {
                buf.copy_within(self.start..self.end, 0);
                buf.truncate(rest);
                buf.extend_from_slice(&next[HEADROOM..]);
                self.start = 0;
                p.give_back(next);
            }
            self.end = self.buf.len();
        }
        Ok(true)
    }

    /// `fill`, with the bytes moved to the start of the buffer (for the file header).
    pub(super) fn fill_front(&mut self, need: usize) -> io::Result<bool> {
        let got = self.fill(need)?;
        let Some(buf) = self.buf.owned().filter(|_| self.start != 0) else {
            return Ok(got);
        };
        buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        Ok(got)
    }
}

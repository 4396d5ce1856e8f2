//! A direction of a connection: bytes delivered in order, pieces above a hole held (bounded),
//! the FIN's place remembered.

use super::{Half, PIECES_LIMIT, StreamEvent, Tag};
use crate::capture::packet::TcpSegment;

impl Half {
    pub(super) fn finished(&self) -> bool {
        self.fin.is_some_and(|fin| self.next >= fin)
    }

    pub(super) fn accept(
        &mut self,
        tag: Tag,
        seg: &TcpSegment<'_>,
        limit: usize,
        sink: &mut impl FnMut(StreamEvent<'_>),
    ) {
        // A SYN takes one sequence number before the first byte.
        let data_seq = seg.seq.wrapping_add(u32::from(seg.syn));
        let base = *self.base.get_or_insert(data_seq);
        // Unwrap against the delivery point: the segment is taken to lie within ±2 GiB of it.
        let expected = base.wrapping_add(self.next as u32);
        let start = self.next as i64 + i64::from(data_seq.wrapping_sub(expected) as i32);
        let end = start + seg.payload.len() as i64;
        if seg.fin && self.fin.is_none() && end >= 0 {
            self.set_fin(end as u64);
        }
        let lo = start.max(self.next as i64);
        let hi = self.fin.map_or(end, |fin| end.min(fin as i64));
        if hi <= lo {
            return; // nothing new: retransmission, pure ACK, or past the FIN
        }
        let bytes = &seg.payload[(lo - start) as usize..(hi - start) as usize];
        if lo as u64 == self.next {
            sink(tag.data(bytes));
            self.next = hi as u64;
            self.drain(tag, sink);
        } else {
            self.insert(lo as u64, bytes);
            while self.pending_bytes > limit || self.pending.len() > PIECES_LIMIT {
                self.skip_to_first_pending(tag, sink);
            }
        }
    }

    /// Records the FIN position and drops buffered bytes beyond it.
    fn set_fin(&mut self, fin: u64) {
        self.fin = Some(fin);
        let beyond = self.pending.split_off(&fin);
        self.pending_bytes -= beyond.values().map(Vec::len).sum::<usize>();
        if let Some((&at, chunk)) = self.pending.iter_mut().next_back() {
            let keep = (fin - at) as usize;
            if chunk.len() > keep {
                self.pending_bytes -= chunk.len() - keep;
                chunk.truncate(keep);
            }
        }
    }

    /// Buffers `bytes` at offset `at`, keeping only the parts not buffered already.
    fn insert(&mut self, at: u64, bytes: &[u8]) {
        let end = at + bytes.len() as u64;
        let mut from = at;
        if let Some((&s, chunk)) = self.pending.range(..=at).next_back() {
            from = from.max(s + chunk.len() as u64);
        }
        while from < end {
            let next = self
                .pending
                .range(from..end)
                .next()
                .map(|(&s, c)| (s, s + c.len() as u64));
            let to = next.map_or(end, |(s, _)| s);
            if to > from {
                let piece = bytes[(from - at) as usize..(to - at) as usize].to_vec();
                self.pending_bytes += piece.len();
                self.pending.insert(from, piece);
            }
            match next {
                Some((_, chunk_end)) => from = chunk_end,
                None => break,
            }
        }
    }

    /// Delivers buffered bytes that have become contiguous with `next`.
    fn drain(&mut self, tag: Tag, sink: &mut impl FnMut(StreamEvent<'_>)) {
        while let Some(entry) = self.pending.first_entry() {
            let at = *entry.key();
            if at > self.next {
                break;
            }
            let chunk = entry.remove();
            self.pending_bytes -= chunk.len();
            let end = at + chunk.len() as u64;
            if end > self.next {
                let data = &chunk[(self.next - at) as usize..];
                sink(tag.data(data));
                self.next = end;
            }
        }
    }

    /// Gives up on the hole below the first buffered byte, and delivers from there.
    fn skip_to_first_pending(&mut self, tag: Tag, sink: &mut impl FnMut(StreamEvent<'_>)) {
        let Some((&at, _)) = self.pending.first_key_value() else {
            return;
        };
        self.gap_to(at, tag, sink);
        self.drain(tag, sink);
    }

    fn gap_to(&mut self, to: u64, tag: Tag, sink: &mut impl FnMut(StreamEvent<'_>)) {
        if to > self.next {
            let missing = to - self.next;
            sink(tag.gap(missing));
            self.next = to;
        }
    }

    /// Delivers everything buffered; holes, including one before the FIN, become gaps.
    pub(super) fn flush(&mut self, tag: Tag, sink: &mut impl FnMut(StreamEvent<'_>)) {
        while !self.pending.is_empty() {
            self.skip_to_first_pending(tag, sink);
        }
        if let Some(fin) = self.fin {
            self.gap_to(fin, tag, sink);
        }
    }
}

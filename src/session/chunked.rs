//! Growing stores in fixed-size chunks: a `Vec` that doubles copies everything it holds and for
//! a moment needs half as much again, which is most of the peak memory of a large capture.

use super::row::Row;

/// Rows per chunk: 64 Ki rows of 40 bytes, 2.5 MiB.
const ROWS: usize = 1 << 16;
/// Bytes per chunk of the byte store; an entry (at most 64 KiB) never straddles two.
const BYTES: usize = 1 << 20;

#[derive(Clone, Debug, Default)]
pub struct Rows {
    chunks: Vec<Vec<Row>>,
    len: usize,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&Row> {
        self.chunks.get(i / ROWS)?.get(i % ROWS)
    }

    /// Entry `i`, to complete what its event left open (a body that ended later).
    pub fn get_mut(&mut self, i: usize) -> Option<&mut Row> {
        self.chunks.get_mut(i / ROWS)?.get_mut(i % ROWS)
    }

    pub fn push(&mut self, row: Row) {
        if self.chunks.last().is_none_or(|c| c.len() == ROWS) {
            self.chunks.push(Vec::with_capacity(ROWS));
        }
        if let Some(c) = self.chunks.last_mut() {
            c.push(row);
            self.len += 1;
        }
    }

    /// Bytes reserved, whether used or not.
    #[cfg(test)]
    pub fn capacity_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.capacity() * size_of::<Row>())
            .sum()
    }

    /// Rows `from..to`, in order.
    pub fn range(&self, from: usize, to: usize) -> impl DoubleEndedIterator<Item = &Row> {
        let to = to.min(self.len);
        (from.min(to)..to).filter_map(|i| self.get(i))
    }
}

/// The byte store; an entry is addressed by its global offset.
#[derive(Clone, Debug, Default)]
pub struct Store {
    chunks: Vec<Vec<u8>>,
    /// Bytes held, not counting the unused ends of chunks.
    held: usize,
}

impl Store {
    pub fn len(&self) -> usize {
        self.held
    }

    /// Where the next entry of `n` bytes goes.
    pub fn next_at(&self, n: usize) -> usize {
        match self.chunks.last() {
            Some(c) if c.len() + n <= BYTES => (self.chunks.len() - 1) * BYTES + c.len(),
            _ => self.chunks.len() * BYTES,
        }
    }

    /// Stores `bytes` (at most one chunk) at [`Store::next_at`].
    pub fn push(&mut self, bytes: &[u8]) {
        if bytes.len() > BYTES {
            return;
        }
        if self
            .chunks
            .last()
            .is_none_or(|c| c.len() + bytes.len() > BYTES)
        {
            self.chunks.push(Vec::with_capacity(BYTES));
        }
        if let Some(c) = self.chunks.last_mut() {
            c.extend_from_slice(bytes);
            self.held += bytes.len();
        }
    }

    /// Bytes reserved, whether used or not.
    #[cfg(test)]
    pub fn capacity_bytes(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum()
    }

    pub fn get(&self, at: usize, len: usize) -> Option<&[u8]> {
        let off = at % BYTES;
        self.chunks.get(at / BYTES)?.get(off..off.checked_add(len)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_never_straddle_chunks_and_read_back() {
        let mut s = Store::default();
        let big = vec![7u8; BYTES - 10];
        let at0 = s.next_at(big.len());
        s.push(&big);
        let small = b"twenty bytes, really";
        let at1 = s.next_at(small.len());
        assert_eq!(at1, BYTES, "does not fit the first chunk's end");
        s.push(small);
        assert_eq!(s.get(at0, big.len()), Some(&big[..]));
        assert_eq!(s.get(at1, small.len()), Some(&small[..]));
        assert_eq!(s.get(at1, small.len() + 1), None);
        assert_eq!(s.len(), big.len() + small.len());
    }
}

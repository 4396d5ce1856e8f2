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

/// Entries up to this size are looked for among the recent ones before being stored.
const SHARE_MAX: usize = 512;
/// Recent entries remembered, by a hash of their bytes (one per slot, the newest).
const SLOTS: usize = 4096;

/// The byte store; an entry is addressed by its global offset. An entry equal to a recent one
/// (a message fanned out to every member of a room, JSON that starts alike) is not stored
/// again: its row points at the earlier copy.
#[derive(Clone, Debug, Default)]
pub struct Store {
    chunks: Vec<Vec<u8>>,
    /// Bytes of every entry, shared or not: what the budget counts, so that sharing changes
    /// no row's bytes.
    held: usize,
    /// By hash of the bytes: offset and length of a recent entry.
    recent: Vec<(u32, u16)>,
}

impl Store {
    pub fn len(&self) -> usize {
        self.held
    }

    /// Where an entry of `bytes` is: an earlier equal one, or a new one at the end. `None`
    /// when the store is full (4 GiB of offsets) or the entry too long.
    pub fn put(&mut self, bytes: &[u8]) -> Option<u32> {
        let len = u16::try_from(bytes.len()).ok()?;
        let slot = (!bytes.is_empty() && bytes.len() <= SHARE_MAX).then(|| {
            let mut h = rustc_hash::FxHasher::default();
            std::hash::Hasher::write(&mut h, bytes);
            std::hash::Hasher::finish(&h) as usize % SLOTS
        });
        if let Some(i) = slot
            && let Some(&(at, n)) = self.recent.get(i)
            && n == len
            && self.get(at as usize, bytes.len()) == Some(bytes)
        {
            self.held += bytes.len();
            return Some(at);
        }
        let at = u32::try_from(self.next_at(bytes.len())).ok()?;
        at.checked_add(u32::from(len))?;
        self.push(bytes);
        if let Some(i) = slot {
            if self.recent.is_empty() {
                self.recent = vec![(0, 0); SLOTS];
            }
            self.recent[i] = (at, len);
        }
        Some(at)
    }

    /// Bytes stored, the unused ends of chunks not counted (shared entries count once).
    #[cfg(test)]
    pub fn stored(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    /// Where the next entry of `n` bytes goes.
    pub fn next_at(&self, n: usize) -> usize {
        match self.chunks.last() {
            Some(c) if c.len() + n <= BYTES => (self.chunks.len() - 1) * BYTES + c.len(),
            _ => self.chunks.len() * BYTES,
        }
    }

    /// Stores `bytes` (at most one chunk) at [`Store::next_at`].
    fn push(&mut self, bytes: &[u8]) {
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

    #[test]
    fn an_entry_equal_to_a_recent_one_is_stored_once_and_reads_back() {
        let mut s = Store::default();
        let a = s.put(b"{\"type\":\"chat\",\"user\":\"u").unwrap();
        let b = s.put(b"{\"type\":\"tick\",\"sym\":\"EU").unwrap();
        let a2 = s.put(b"{\"type\":\"chat\",\"user\":\"u").unwrap();
        assert_eq!(a2, a, "shared");
        assert_ne!(b, a);
        // A prefix of an entry is an entry of its own.
        let p = s.put(b"{\"type\"").unwrap();
        assert_ne!(p, a);
        assert_eq!(s.get(p as usize, 7), Some(&b"{\"type\""[..]));
        assert_eq!(
            s.get(a2 as usize, 24),
            Some(&b"{\"type\":\"chat\",\"user\":\"u"[..])
        );
        assert_eq!(s.len(), 24 * 3 + 7, "every entry counts for the budget");
        assert_eq!(s.stored(), 24 * 2 + 7);
        // Empty entries store nothing.
        assert!(s.put(b"").is_some());
        assert_eq!(s.stored(), 24 * 2 + 7);
    }
}

//! UTF-8 validation across chunk and frame boundaries: a code point cut between two chunks is
//! held (at most 3 bytes) until the next chunk completes it.

#[derive(Debug, Default, Clone)]
pub(super) struct Utf8Stream {
    tail: [u8; 4],
    tail_len: u8,
    /// Offset of `tail[0]`.
    tail_at: u64,
}

/// Length of the sequence a lead byte starts (only asked of leads std found incomplete).
fn seq_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

impl Utf8Stream {
    /// Validates `data`, where `data[i]` sits at offset `at + i`. `Err` carries the offset of
    /// the first byte of the invalid sequence.
    pub fn feed(&mut self, mut data: &[u8], mut at: u64) -> Result<(), u64> {
        if self.tail_len > 0 {
            let have = usize::from(self.tail_len);
            let take = seq_len(self.tail[0]).saturating_sub(have).min(data.len());
            let mut seq = self.tail;
            for (d, s) in seq.iter_mut().skip(have).zip(&data[..take]) {
                *d = *s;
            }
            match std::str::from_utf8(&seq[..have + take]) {
                Ok(_) => self.tail_len = 0,
                Err(e) if e.error_len().is_none() => {
                    self.tail = seq;
                    self.tail_len = (have + take) as u8;
                    return Ok(());
                }
                Err(_) => return Err(self.tail_at),
            }
            data = &data[take..];
            at = at.saturating_add(take as u64);
        }
        match std::str::from_utf8(data) {
            Ok(_) => Ok(()),
            Err(e) => {
                let bad = at.saturating_add(e.valid_up_to() as u64);
                if e.error_len().is_some() {
                    return Err(bad);
                }
                // An incomplete sequence at the end: std guarantees it is 1 to 3 bytes.
                let rest = &data[e.valid_up_to()..];
                let n = rest.len().min(3);
                self.tail[..n].copy_from_slice(&rest[..n]);
                self.tail_len = n as u8;
                self.tail_at = bad;
                Ok(())
            }
        }
    }

    /// End of the text: a held partial sequence is invalid.
    pub fn finish(&mut self) -> Result<(), u64> {
        if self.tail_len > 0 {
            self.tail_len = 0;
            return Err(self.tail_at);
        }
        Ok(())
    }
}

/// `bytes` as text if it is valid UTF-8, allowing it to be cut inside the last char when
/// `cut` says more bytes followed.
pub(super) fn preview_text(bytes: &[u8], cut: bool) -> Option<String> {
    preview_str(bytes, cut).map(str::to_owned)
}

/// As `preview_text`, borrowed.
pub(super) fn preview_str(bytes: &[u8], cut: bool) -> Option<&str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s),
        Err(e) if cut && e.error_len().is_none() => {
            std::str::from_utf8(bytes.get(..e.valid_up_to())?).ok()
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_split(bytes: &[u8], split: usize) -> Result<(), u64> {
        let mut v = Utf8Stream::default();
        let (a, b) = bytes.split_at(split);
        v.feed(a, 100)?;
        v.feed(b, 100 + split as u64)?;
        v.finish()
    }

    #[test]
    fn valid_text_split_anywhere() {
        let text = "aé€😀z".as_bytes();
        for split in 0..=text.len() {
            assert_eq!(feed_split(text, split), Ok(()), "split {split}");
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let mut v = Utf8Stream::default();
        for (i, b) in "€😀".bytes().enumerate() {
            assert_eq!(v.feed(&[b], i as u64), Ok(()));
        }
        assert_eq!(v.finish(), Ok(()));
    }

    #[test]
    fn invalid_reported_at_sequence_start() {
        // "ab" then E2 82 followed by 'x' instead of a continuation byte.
        let bytes = b"ab\xe2\x82xcd";
        for split in 0..=bytes.len() {
            assert_eq!(feed_split(bytes, split), Err(102), "split {split}");
        }
        assert_eq!(feed_split(b"ok\xff", 1), Err(102));
    }

    #[test]
    fn truncated_sequence_invalid_at_finish() {
        let mut v = Utf8Stream::default();
        assert_eq!(v.feed(b"a\xf0\x9f\x98", 10), Ok(()));
        assert_eq!(v.finish(), Err(11));
    }

    #[test]
    fn preview_cut_inside_char() {
        let euro = "€".as_bytes();
        assert_eq!(preview_text(&euro[..2], true), Some(String::new()));
        assert_eq!(preview_text(&euro[..2], false), None);
        assert_eq!(preview_text(b"a\xff", true), None);
    }
}

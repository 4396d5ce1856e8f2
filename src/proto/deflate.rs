//! Streaming raw-DEFLATE inflation of permessage-deflate messages (RFC 7692 §7.2.2). Output is
//! handed to a sink piece by piece and never kept, so memory stays bounded whatever the message.
//!
//! It always inflates with a 15-bit window. That is correct for every `max_window_bits`: a
//! larger window than the sender's only wastes a little memory.

use flate2::{Decompress, FlushDecompress, Status};

/// Inflated bytes allowed per message before inflation stops (compression-bomb guard).
pub const INFLATE_LIMIT: u64 = 64 << 20;

/// RFC 7692 §7.2.2: the sender strips this empty stored block; the receiver puts it back.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

const OUT_CHUNK: usize = 32 * 1024;
/// Compressed bytes per call: a bit inflates to at most 258 bytes (one longest match), so 14
/// bytes make at most 28,896, less than [`OUT_CHUNK`]. Fewer than 15 also keeps zlib-rs off its
/// fast path, whose errors all read "repeated call with bad state": the message then names the
/// fault, however the payload was split.
const MAX_IN: usize = 14;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InflateError {
    /// The compressed data is not valid DEFLATE.
    Corrupt(String),
    /// The message passed [`INFLATE_LIMIT`]; the sink got exactly the limit.
    TooLarge,
}

/// The LZ77 window: how far back a message may refer into the ones before it.
const WINDOW: usize = 32 * 1024;

/// One direction's inflater. Its inflate state and output buffer (about 75 KiB) live only while
/// a message is being inflated; between messages, with context takeover, only the window is kept
/// (at most 32 KiB, less while fewer bytes have been inflated), and the next message's state is
/// primed with it. So thousands of idle compressed connections cost little.
pub struct Inflater {
    z: Option<Box<Decompress>>,
    no_context_takeover: bool,
    /// The stream cannot be continued (error, size stop, or a final block was seen).
    needs_reset: bool,
    /// Bytes handed out for the current message.
    produced: u64,
    out: Vec<u8>,
    /// With context takeover: the last inflated bytes, up to [`WINDOW`].
    window: Vec<u8>,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("produced", &self.produced)
            .finish_non_exhaustive()
    }
}

impl Inflater {
    pub fn new(no_context_takeover: bool) -> Self {
        Inflater {
            z: None,
            no_context_takeover,
            needs_reset: false,
            produced: 0,
            out: Vec::new(),
            window: Vec::new(),
        }
    }

    /// Call before the first payload byte of each compressed message.
    pub fn start_message(&mut self) {
        if self.no_context_takeover || self.needs_reset {
            self.z = None;
            self.window.clear();
            self.needs_reset = false;
        }
        if self.out.len() < OUT_CHUNK {
            self.out = vec![0; OUT_CHUNK];
        }
        if self.z.is_none() {
            let mut z = Box::new(Decompress::new(false));
            // The output buffer takes the window's replay, which is thrown away.
            prime(&mut z, &self.window, &mut self.out);
            self.z = Some(z);
        }
        self.produced = 0;
    }

    /// Lets go of the inflate state and buffer; the window stays for context takeover.
    fn rest(&mut self) {
        self.z = None;
        self.out = Vec::new();
        let keep = self.window.len().min(WINDOW);
        self.window.drain(..self.window.len() - keep);
        self.window.shrink_to_fit();
    }

    /// Inflates a piece of the message's (unmasked) payload.
    pub fn feed(&mut self, input: &[u8], sink: impl FnMut(&[u8])) -> Result<(), InflateError> {
        self.run(input, sink)
    }

    /// The message's last frame has ended: inflates the implied tail, then rests.
    pub fn end_message(&mut self, sink: impl FnMut(&[u8])) -> Result<(), InflateError> {
        let r = self.run(&TAIL, sink);
        self.rest();
        r
    }

    fn run(&mut self, mut input: &[u8], mut sink: impl FnMut(&[u8])) -> Result<(), InflateError> {
        loop {
            if self.needs_reset {
                // After a final block the rest of the message is ignored (RFC 7692 §7.2.3.4).
                return Ok(());
            }
            let Some(z) = self.z.as_mut() else {
                return Ok(()); // no message started
            };
            let (in0, out0) = (z.total_in(), z.total_out());
            // A call fed this little cannot fill the buffer: when the input turns bad, every
            // byte inflated before the bad spot has been handed over, however the payload was
            // split into pieces (a full buffer and an error in one call lose what is pending).
            let piece = input.get(..input.len().min(MAX_IN)).unwrap_or_default();
            let result = z.decompress(piece, &mut self.out, FlushDecompress::None);
            let used = usize::try_from(z.total_in() - in0).unwrap_or(usize::MAX);
            let made = usize::try_from(z.total_out() - out0).unwrap_or(usize::MAX);
            input = input.get(used..).unwrap_or_default();
            // Output written before an error is handed over too, so what the sink sees does
            // not depend on how the input was chunked.
            let made_slice = self.out.get(..made).unwrap_or_default();
            let room = INFLATE_LIMIT - self.produced;
            if made as u64 > room {
                sink(made_slice.get(..room as usize).unwrap_or_default());
                self.produced = INFLATE_LIMIT;
                self.needs_reset = true;
                return Err(InflateError::TooLarge);
            }
            if made > 0 {
                sink(made_slice);
                if !self.no_context_takeover {
                    remember(&mut self.window, made_slice);
                }
            }
            self.produced += made as u64;
            let status = result.map_err(|e| {
                self.needs_reset = true;
                InflateError::Corrupt(e.to_string())
            })?;
            if status == Status::StreamEnd {
                self.needs_reset = true;
                return Ok(());
            }
            let out_full = made == self.out.len();
            debug_assert!(
                !out_full || piece.is_empty(),
                "MAX_IN keeps a call's output in the buffer"
            );
            if (input.is_empty() && !out_full) || (used == 0 && made == 0) {
                return Ok(());
            }
        }
    }
}

/// Keeps the newest [`WINDOW`] bytes of what was inflated (trimmed in batches: amortised O(1)).
fn remember(window: &mut Vec<u8>, bytes: &[u8]) {
    window.extend_from_slice(bytes);
    if window.len() > 2 * WINDOW {
        window.drain(..window.len() - WINDOW);
    }
}

/// Gives a fresh stream `window` as its history: one stored (uncompressed, not final) block of
/// those bytes, inflated and thrown away, so back-references of the next message find them.
fn prime(z: &mut Decompress, window: &[u8], sink: &mut [u8]) {
    if window.is_empty() {
        return;
    }
    let len = window.len().min(WINDOW) as u16;
    let data = &window[window.len() - usize::from(len)..];
    let [l0, l1] = len.to_le_bytes();
    let [n0, n1] = (!len).to_le_bytes();
    // BFINAL 0, BTYPE 00 (stored), padded to the byte; then LEN and NLEN; then the bytes.
    let head = [0x00, l0, l1, n0, n1];
    for mut input in [&head[..], data] {
        while !input.is_empty() {
            let before = z.total_in();
            if z.decompress(input, sink, FlushDecompress::None).is_err() {
                return;
            }
            let used = usize::try_from(z.total_in() - before).unwrap_or(input.len());
            if used == 0 {
                return;
            }
            input = &input[used..];
        }
    }
}

/// 65 MiB of zeros deflated and sync-flushed (tail not stripped): more than any limit allows.
#[cfg(test)]
pub(crate) fn zero_bomb() -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::fast(), false);
    let mut z = Vec::with_capacity(1 << 20);
    for _ in 0..65 {
        c.compress_vec(&zeros, &mut z, FlushCompress::None).unwrap();
    }
    c.compress_vec(&[], &mut z, FlushCompress::Sync).unwrap();
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    fn inflate_all(inf: &mut Inflater, pieces: &[&[u8]]) -> Result<Vec<u8>, InflateError> {
        let mut out = Vec::new();
        inf.start_message();
        for p in pieces {
            inf.feed(p, |b| out.extend_from_slice(b))?;
        }
        inf.end_message(|b| out.extend_from_slice(b))?;
        Ok(out)
    }

    /// Compresses like a permessage-deflate sender: sync flush, tail stripped.
    fn deflate_message(c: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 64);
        c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
        while out.len() == out.capacity() {
            out.reserve(1024);
            c.compress_vec(&[], &mut out, FlushCompress::Sync).unwrap();
        }
        assert!(out.ends_with(&TAIL));
        out.truncate(out.len() - 4);
        out
    }

    /// What the sink got before the error, for the payload fed in pieces of `size` bytes.
    fn before_error(payload: &[u8], size: usize) -> Vec<u8> {
        let mut inf = Inflater::new(false);
        let mut out = Vec::new();
        inf.start_message();
        for p in payload.chunks(size) {
            if inf.feed(p, |b| out.extend_from_slice(b)).is_err() {
                return out;
            }
        }
        panic!("the payload was meant to be corrupt");
    }

    #[test]
    fn a_corrupt_payload_hands_over_the_same_bytes_however_it_is_split() {
        // 64 KiB from a few hundred compressed bytes, then a block type that does not exist.
        let data: Vec<u8> = (0..64 * 1024).map(|i| (i % 7 * 37) as u8).collect();
        let mut c = Compress::new(Compression::best(), false);
        let mut payload = deflate_message(&mut c, &data);
        assert!(payload.len() < 2048, "{} compressed bytes", payload.len());
        payload.extend_from_slice(&[0xff; 8]);
        let whole = before_error(&payload, payload.len());
        assert!(
            whole.len() > OUT_CHUNK,
            "more than one buffer before the error"
        );
        assert_eq!(whole, &data[..whole.len()]);
        for size in [1, 2, 15, 16, 100, 1000] {
            assert_eq!(before_error(&payload, size), whole, "pieces of {size}");
        }
    }

    #[test]
    fn rfc7692_hello_and_context_takeover() {
        let mut inf = Inflater::new(false);
        let first = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate_all(&mut inf, &[&first]).unwrap(), b"Hello");
        // §7.2.3.2: the second "Hello" is a back-reference into the first message.
        assert_eq!(
            inflate_all(&mut inf, &[&[0xf2, 0x00, 0x11, 0x00, 0x00]]).unwrap(),
            b"Hello"
        );
        // Without the first message's window the back-reference has nothing to copy: zlib
        // rejects it ("distance too far back"), miniz_oxide copies from a zeroed window.
        let mut fresh = Inflater::new(false);
        let out = inflate_all(&mut fresh, &[&[0xf2, 0x00, 0x11, 0x00, 0x00]]);
        assert_ne!(out.as_deref(), Ok(&b"Hello"[..]));
    }

    #[test]
    fn byte_at_a_time_and_final_block() {
        let mut inf = Inflater::new(true);
        let pieces: Vec<&[u8]> = [0xf2u8, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
            .chunks(1)
            .collect();
        assert_eq!(inflate_all(&mut inf, &pieces).unwrap(), b"Hello");
        // §7.2.3.4: BFINAL set; the appended tail is ignored.
        let bfinal = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate_all(&mut inf, &[&bfinal]).unwrap(), b"Hello");
        assert_eq!(inflate_all(&mut inf, &[&bfinal]).unwrap(), b"Hello");
    }

    #[test]
    fn large_output_streams_through_small_buffer() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut c = Compress::new(Compression::default(), false);
        let mut inf = Inflater::new(false);
        for _ in 0..2 {
            let z = deflate_message(&mut c, &data);
            assert_eq!(inflate_all(&mut inf, &[&z]).unwrap(), data);
        }
    }

    #[test]
    fn between_messages_only_the_window_is_held_and_back_references_still_reach_it() {
        // Messages that refer 20-30 KiB back, into earlier messages.
        let text: Vec<u8> = (0..30_000u32).map(|i| (i * 7 % 253) as u8).collect();
        let mut c = Compress::new(Compression::best(), false);
        let mut inf = Inflater::new(false);
        for round in 0..4 {
            let z = deflate_message(&mut c, &text);
            if round > 0 {
                assert!(z.len() < 1000, "round {round}: {} bytes", z.len());
            }
            assert_eq!(inflate_all(&mut inf, &[&z]).unwrap(), text, "round {round}");
            assert!(
                inf.z.is_none() && inf.out.capacity() == 0,
                "the state was let go"
            );
            assert!(inf.window.capacity() <= WINDOW, "{}", inf.window.capacity());
        }
        let mut nct = Inflater::new(true);
        let mut c = Compress::new(Compression::best(), false);
        let z = deflate_message(&mut c, b"no takeover");
        assert_eq!(inflate_all(&mut nct, &[&z]).unwrap(), b"no takeover");
        assert_eq!(
            nct.window.capacity(),
            0,
            "nothing kept without context takeover"
        );
    }

    #[test]
    fn bomb_stops_at_limit() {
        let z = super::zero_bomb();
        let mut inf = Inflater::new(false);
        inf.start_message();
        let mut total = 0u64;
        let r = inf.feed(&z, |b| total += b.len() as u64);
        assert_eq!(r, Err(InflateError::TooLarge));
        assert_eq!(total, INFLATE_LIMIT);
    }

    #[test]
    fn corrupt_data_is_an_error_then_recovers_next_message() {
        let mut inf = Inflater::new(false);
        // BTYPE=11 is reserved.
        assert!(matches!(
            inflate_all(&mut inf, &[&[0xff, 0xff]]),
            Err(InflateError::Corrupt(_))
        ));
        let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate_all(&mut inf, &[&hello]).unwrap(), b"Hello");
    }
}

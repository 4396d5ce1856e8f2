//! Our frames out: compresses each data message tungstenite writes (RFC 7692 §7.2.1) and
//! passes control frames through. The server's frames are unmasked; the lesson client's come
//! masked from tungstenite, so their payload is unmasked, compressed and masked again with the
//! same key. Sans-IO: tungstenite's frames in, wire bytes out.

use flate2::{Compress, Compression, FlushCompress};

use crate::proto::ws::{Parsed, parse_header, unmask_into};

/// RFC 7692 §7.2.1: a sync flush ends with this empty stored block; the sender strips it.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

#[derive(Debug, Clone, Copy)]
enum State {
    Header,
    Payload {
        left: u64,
        compress: bool,
        fin: bool,
        opcode: u8,
        /// The client's mask key, and where in the payload we are.
        key: Option<[u8; 4]>,
        pos: u64,
    },
}

pub(super) struct Writer {
    z: Compress,
    no_context_takeover: bool,
    /// Frames are masked: the lesson client's writer.
    masked: bool,
    state: State,
    /// A compressed message's first frame went out and its last has not.
    open: bool,
    head: Vec<u8>,
    /// The current frame's compressed payload.
    zbuf: Vec<u8>,
    pub(super) out: Vec<u8>,
    pub(super) out_pos: usize,
}

impl Writer {
    /// `window_bits` 9 to 15 (raw deflate cannot use 8).
    pub(super) fn new(no_context_takeover: bool, window_bits: u8) -> Self {
        Writer {
            z: Compress::new_with_window_bits(Compression::default(), false, window_bits.max(9)),
            no_context_takeover,
            masked: false,
            state: State::Header,
            open: false,
            head: Vec::with_capacity(14),
            zbuf: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
        }
    }

    /// The client's writer: tungstenite's frames come masked, and go out masked.
    pub(super) fn client(no_context_takeover: bool, window_bits: u8) -> Self {
        Writer {
            masked: true,
            ..Writer::new(no_context_takeover, window_bits)
        }
    }

    /// Takes all of `buf` (frames as tungstenite writes them); the wire bytes go to `out`.
    pub(super) fn accept(&mut self, mut buf: &[u8]) -> usize {
        let n = buf.len();
        while !buf.is_empty() {
            buf = self.step(buf);
        }
        n
    }

    fn step<'a>(&mut self, buf: &'a [u8]) -> &'a [u8] {
        match self.state {
            State::Header => {
                let need = match parse_header(&self.head) {
                    Parsed::Need { header_len, .. } => usize::from(header_len) - self.head.len(),
                    Parsed::Header(_) => 0,
                };
                let (take, rest) = buf.split_at(need.min(buf.len()));
                self.head.extend_from_slice(take);
                let Parsed::Header(h) = parse_header(&self.head) else {
                    return rest;
                };
                // tungstenite writes frames with clear RSV bits, masked as the role wants;
                // only data is ours.
                let compress = match h.opcode {
                    1 | 2 => !self.open,
                    0 => self.open,
                    _ => false,
                } && h.rsv == 0
                    && h.mask_key.is_some() == self.masked;
                if compress && h.opcode != 0 {
                    if self.no_context_takeover {
                        self.z.reset();
                    }
                    self.open = true;
                }
                if !compress {
                    self.out.extend_from_slice(&self.head);
                }
                self.head.clear();
                self.state = State::Payload {
                    left: h.payload_len,
                    compress,
                    fin: h.fin,
                    opcode: h.opcode,
                    key: h.mask_key,
                    pos: 0,
                };
                if h.payload_len == 0 {
                    self.end_frame();
                }
                rest
            }
            State::Payload {
                left,
                compress,
                fin,
                opcode,
                key,
                pos,
            } => {
                let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let (take, rest) = buf.split_at(n);
                match (compress, key) {
                    (true, Some(k)) => {
                        let mut plain = vec![0; n];
                        unmask_into(take, k, pos, &mut plain);
                        self.deflate(&plain, FlushCompress::None);
                    }
                    (true, None) => self.deflate(take, FlushCompress::None),
                    (false, _) => self.out.extend_from_slice(take),
                }
                self.state = State::Payload {
                    left: left - n as u64,
                    compress,
                    fin,
                    opcode,
                    key,
                    pos: pos + n as u64,
                };
                if left == n as u64 {
                    self.end_frame();
                }
                rest
            }
        }
    }

    fn end_frame(&mut self) {
        let State::Payload {
            compress,
            fin,
            opcode,
            key,
            ..
        } = self.state
        else {
            return;
        };
        self.state = State::Header;
        if !compress {
            return;
        }
        self.deflate(&[], FlushCompress::Sync);
        if fin {
            // Every sync flush ends with the tail; the last frame's goes.
            if self.zbuf.ends_with(&TAIL) {
                self.zbuf.truncate(self.zbuf.len() - TAIL.len());
            }
            self.open = false;
        }
        let rsv1 = if opcode != 0 { 0x40 } else { 0 };
        self.out.push(u8::from(fin) << 7 | rsv1 | opcode);
        let n = self.zbuf.len();
        let mask = if key.is_some() { 0x80 } else { 0 };
        match n {
            0..=125 => self.out.push(mask | n as u8),
            126..=0xffff => {
                self.out.push(mask | 126);
                self.out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            _ => {
                self.out.push(mask | 127);
                self.out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        match key {
            // The compressed payload goes out under tungstenite's key for this frame.
            Some(k) => {
                self.out.extend_from_slice(&k);
                let start = self.out.len();
                self.out.resize(start + n, 0);
                unmask_into(&self.zbuf, k, 0, &mut self.out[start..]);
                self.zbuf.clear();
            }
            None => self.out.append(&mut self.zbuf),
        }
    }

    fn deflate(&mut self, mut input: &[u8], flush: FlushCompress) {
        loop {
            self.zbuf.reserve(input.len() / 2 + 1024);
            let before = self.z.total_in();
            // Compression itself cannot fail here: the stream is never finished.
            if self.z.compress_vec(input, &mut self.zbuf, flush).is_err() {
                return;
            }
            let used = usize::try_from(self.z.total_in() - before).unwrap_or(input.len());
            input = input.get(used..).unwrap_or_default();
            if input.is_empty() && self.zbuf.len() < self.zbuf.capacity() {
                return;
            }
        }
    }
}

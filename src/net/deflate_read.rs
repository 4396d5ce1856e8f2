//! The peer's frames in: turns each compressed (RSV1) data message into the uncompressed frames
//! tungstenite understands, and passes everything else through unchanged, so that tungstenite
//! still judges every protocol error itself. The server reads masked frames (the client's), the
//! lesson client unmasked ones (the server's). Sans-IO: bytes in, bytes out.

use tokio::io::ReadBuf;

use super::Failure;
use crate::proto::deflate::{InflateError, Inflater};
use crate::proto::ws::{Header, Parsed, parse_header, unmask_into};

/// Inflated bytes per frame handed on: tungstenite never sees a larger one, and its message
/// limit stops a bomb after at most this much more than the limit.
pub(super) const CHUNK: usize = 16 * 1024;
/// Compressed bytes per inflate call: at most about 33 KiB come out of 32.
const FEED: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Msg {
    None,
    /// An uncompressed fragmented message is open.
    Plain,
    /// A compressed one: `opcode` goes on the first frame handed on, 0 (continuation) after.
    Compressed {
        opcode: u8,
        started: bool,
    },
}

#[derive(Debug, Clone, Copy)]
enum State {
    Header,
    /// Copying this many payload bytes unchanged.
    Pass(u64),
    Inflate {
        left: u64,
        key: [u8; 4],
        pos: u64,
        fin: bool,
    },
}

/// What `run` stopped for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Run {
    Output,
    Input,
    /// The server's message budget has no room for more inflated bytes yet.
    Budget,
}

pub(super) struct Reader {
    inflater: Inflater,
    state: State,
    msg: Msg,
    /// Compressed frames longer than this pass unchanged: tungstenite refuses them (1009).
    max_frame: u64,
    /// Frames come masked (the server reads a client's); the lesson client reads unmasked ones.
    masked: bool,
    input: Vec<u8>,
    in_pos: usize,
    out: Vec<u8>,
    out_pos: usize,
    /// Inflated (unmasked) bytes of the current frame not yet handed on.
    inflated: Vec<u8>,
    /// Inflated bytes so far, for the server's budget.
    pub(super) total_inflated: u64,
}

impl Reader {
    pub(super) fn new(no_context_takeover: bool, max_frame: u64) -> Self {
        Reader {
            inflater: Inflater::new(no_context_takeover),
            state: State::Header,
            msg: Msg::None,
            max_frame,
            masked: true,
            input: Vec::new(),
            in_pos: 0,
            out: Vec::new(),
            out_pos: 0,
            inflated: Vec::new(),
            total_inflated: 0,
        }
    }

    /// The client's reader: the server's frames are unmasked, and so are those handed on.
    pub(super) fn client(no_context_takeover: bool, max_frame: u64) -> Self {
        Reader {
            masked: false,
            ..Reader::new(no_context_takeover, max_frame)
        }
    }

    /// Bytes read from the peer.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        // More is read only once what is left cannot go on (at most a partial header).
        self.input.drain(..self.in_pos);
        self.in_pos = 0;
        self.input.extend_from_slice(bytes);
    }

    /// Moves ready bytes into `dst`; how many.
    pub(super) fn take(&mut self, dst: &mut ReadBuf<'_>) -> usize {
        let ready = self.out.get(self.out_pos..).unwrap_or_default();
        let n = ready.len().min(dst.remaining());
        dst.put_slice(&ready[..n]);
        self.out_pos += n;
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
        n
    }

    /// Works until there is output, or it needs input or budget.
    pub(super) fn run(&mut self, may_inflate: impl Fn() -> bool) -> Result<Run, Failure> {
        while self.out_pos == self.out.len() {
            if let Some(stop) = self.step(&may_inflate)? {
                return Ok(stop);
            }
        }
        Ok(Run::Output)
    }

    fn avail(&self) -> &[u8] {
        self.input.get(self.in_pos..).unwrap_or_default()
    }

    fn step(&mut self, may_inflate: &impl Fn() -> bool) -> Result<Option<Run>, Failure> {
        match self.state {
            State::Header => {
                let Parsed::Header(h) = parse_header(self.avail()) else {
                    return Ok(Some(Run::Input));
                };
                let head_end = self.in_pos + usize::from(h.header_len);
                // An unmasked frame XORs with zeros: its bytes stay as they are.
                let key = h.mask_key.unwrap_or_default();
                if self.inflates(&h) {
                    if h.opcode != 0 {
                        self.inflater.start_message();
                        self.msg = Msg::Compressed {
                            opcode: h.opcode,
                            started: false,
                        };
                    }
                    self.state = State::Inflate {
                        left: h.payload_len,
                        key,
                        pos: 0,
                        fin: h.fin,
                    };
                } else {
                    self.track_plain(&h);
                    let head = self.input.get(self.in_pos..head_end).unwrap_or_default();
                    self.out.extend_from_slice(head);
                    self.state = State::Pass(h.payload_len);
                }
                self.in_pos = head_end;
            }
            State::Pass(left) => {
                let n = self
                    .avail()
                    .len()
                    .min(usize::try_from(left).unwrap_or(usize::MAX));
                if n == 0 && left > 0 {
                    return Ok(Some(Run::Input));
                }
                let end = self.in_pos + n;
                self.out.extend_from_slice(&self.input[self.in_pos..end]);
                self.in_pos = end;
                let left = left - n as u64;
                self.state = if left == 0 {
                    State::Header
                } else {
                    State::Pass(left)
                };
            }
            State::Inflate {
                left,
                key,
                pos,
                fin,
            } => {
                if self.inflated.len() >= CHUNK {
                    self.emit(CHUNK, false, key);
                    return Ok(None);
                }
                if left == 0 {
                    if fin {
                        let sink = &mut self.inflated;
                        self.inflater
                            .end_message(|b| sink.extend_from_slice(b))
                            .map_err(failure)?;
                    }
                    while self.inflated.len() > CHUNK {
                        self.emit(CHUNK, false, key);
                    }
                    self.emit(self.inflated.len(), fin, key);
                    if fin {
                        self.msg = Msg::None;
                    }
                    self.state = State::Header;
                    return Ok(None);
                }
                if self.inflated.is_empty() && !may_inflate() {
                    return Ok(Some(Run::Budget));
                }
                let n = self.avail().len().min(FEED).min(left as usize);
                if n == 0 {
                    return Ok(Some(Run::Input));
                }
                let mut piece = [0u8; FEED];
                unmask_into(self.avail(), key, pos, &mut piece[..n]);
                let sink = &mut self.inflated;
                self.inflater
                    .feed(&piece[..n], |b| sink.extend_from_slice(b))
                    .map_err(failure)?;
                self.in_pos += n;
                self.state = State::Inflate {
                    left: left - n as u64,
                    key,
                    pos: pos + n as u64,
                    fin,
                };
            }
        }
        Ok(None)
    }

    /// Whether this frame is one to inflate: anything unusual passes, for tungstenite to judge.
    fn inflates(&self, h: &Header) -> bool {
        let fits = h.payload_len <= self.max_frame && h.mask_key.is_some() == self.masked;
        match (h.opcode, h.rsv, self.msg) {
            (1 | 2, 4, Msg::None) => fits,
            (0, 0, Msg::Compressed { .. }) => fits,
            _ => false,
        }
    }

    /// Follows uncompressed fragmented messages, so their continuations are not inflated.
    fn track_plain(&mut self, h: &Header) {
        match (h.opcode, h.fin, self.msg) {
            (1 | 2, false, Msg::None) if h.rsv == 0 => self.msg = Msg::Plain,
            (0, true, Msg::Plain) => self.msg = Msg::None,
            _ => {}
        }
    }

    /// Hands on the first `n` inflated bytes as one frame, masked again with the client's key
    /// (the server's role) or unmasked (the client's).
    fn emit(&mut self, n: usize, fin: bool, key: [u8; 4]) {
        let opcode = match &mut self.msg {
            Msg::Compressed { opcode, started } if !*started => {
                *started = true;
                *opcode
            }
            _ => 0,
        };
        self.out.push(u8::from(fin) << 7 | opcode);
        let mask = if self.masked { 0x80 } else { 0 };
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
        if self.masked {
            self.out.extend_from_slice(&key);
        }
        let start = self.out.len();
        self.out.resize(start + n, 0);
        unmask_into(&self.inflated[..n], key, 0, &mut self.out[start..]);
        self.inflated.drain(..n);
        self.total_inflated += n as u64;
    }
}

fn failure(e: InflateError) -> Failure {
    match e {
        InflateError::Corrupt(why) => Failure::Corrupt(why),
        InflateError::TooLarge => Failure::TooLarge,
    }
}

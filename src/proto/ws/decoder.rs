//! The per-direction state machine: headers are parsed whole, payloads are consumed as they
//! arrive, and only previews are kept, so memory is bounded whatever the frame lengths.

use super::header::{self, Header, Parsed};
use super::mask::{unmask_extend, unmask_into};
use super::utf8::Utf8Stream;
use super::{DeflateParams, PREVIEW_MAX, WholeFrames, WsError, WsErrorKind, WsEvent};
use crate::proto::deflate::{InflateError, Inflater};

const OP_CONTINUATION: u8 = 0;
const OP_TEXT: u8 = 1;
const OP_BINARY: u8 = 2;
const OP_CLOSE: u8 = 8;

/// Unmasked payload is validated / inflated through a stack buffer of this size.
const SCRATCH: usize = 8 * 1024;

#[derive(Debug)]
pub struct WsDecoder {
    from_client: bool,
    deflate: Option<DeflateParams>,
    /// Stream offset of the next unconsumed byte.
    offset: u64,
    frame: Option<FrameState>,
    msg: Option<MsgState>,
    /// Created with the first compressed message.
    inflater: Option<Inflater>,
    /// Bytes missing when the last `decode` left an incomplete header unconsumed.
    pending: Option<u64>,
    /// Unmasked payload on its way to UTF-8 validation or inflation (allocated on first use).
    scratch: Vec<u8>,
    /// Counting mode ([`crate::proto::lean`]): previews only for close frames (their code).
    lean: bool,
    /// Counting mode: whole frames of this `decode` not yet handed out.
    counted: WholeFrames,
    /// Whole small frames take [`whole`]'s path (off only to test it against the general one).
    fast: bool,
}

#[path = "whole.rs"]
mod whole;

/// A frame whose header is parsed and whose payload is still arriving.
#[derive(Debug)]
struct FrameState {
    h: Header,
    start: u64,
    /// Payload bytes consumed so far.
    done: u64,
    payload: Vec<u8>,
    /// The frame carries part of the open data message.
    in_msg: bool,
    /// PREVIEW_MAX, or 0 in counting mode (but for close frames).
    preview_max: usize,
}

#[derive(Debug)]
struct MsgState {
    opcode: u8,
    start: u64,
    frames: u32,
    wire_len: u64,
    len: u64,
    compressed: bool,
    /// Inflation goes on (no error or size stop yet).
    inflating: bool,
    preview: Vec<u8>,
    utf8: Utf8Stream,
    /// An invalid sequence was found (reported once).
    utf8_bad: bool,
    /// PREVIEW_MAX, or 0 in counting mode.
    preview_max: usize,
}

impl MsgState {
    fn is_text(&self) -> bool {
        self.opcode == OP_TEXT
    }

    /// Text whose UTF-8 is still being checked (stops at the first invalid sequence).
    fn validating(&self) -> bool {
        self.is_text() && !self.utf8_bad
    }

    /// Takes a piece of the message's content (after inflation). `at` maps content to stream
    /// offsets for error reports: `Some(offset of data[0])`, or `None` (compressed) for `fallback`.
    fn content(&mut self, data: &[u8], at: Option<u64>, fallback: u64, errs: &mut Vec<WsEvent>) {
        self.len = self.len.saturating_add(data.len() as u64);
        let room = self.preview_max.saturating_sub(self.preview.len());
        self.preview
            .extend_from_slice(&data[..room.min(data.len())]);
        if self.validating()
            && let Err(bad) = self.utf8.feed(data, at.unwrap_or(0))
        {
            self.utf8_bad = true;
            errs.push(error(
                at.map_or(fallback, |_| bad),
                WsErrorKind::InvalidUtf8,
            ));
        }
    }
}

pub(super) fn error(offset: u64, kind: WsErrorKind) -> WsEvent {
    WsEvent::Error(WsError { offset, kind })
}

impl WsDecoder {
    /// `from_client`: frames written by the client (must be masked). `base_offset`: stream
    /// offset of the first byte this decoder will see.
    pub fn new(from_client: bool, deflate: Option<DeflateParams>, base_offset: u64) -> Self {
        WsDecoder {
            from_client,
            deflate,
            offset: base_offset,
            frame: None,
            msg: None,
            inflater: None,
            pending: None,
            scratch: Vec::new(),
            lean: crate::proto::lean::on(),
            counted: WholeFrames::default(),
            fast: true,
        }
    }

    /// Without the whole-frame fast path: the general path alone, for tests to compare.
    #[cfg(test)]
    pub(super) fn general_only(mut self) -> Self {
        self.fast = false;
        self
    }

    /// Stream offset of the next byte to be consumed.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Consumes as much of `buf` as it can. An incomplete frame header is left unconsumed
    /// (present it again with more bytes appended); payload bytes are consumed as they come.
    /// Returns the number of bytes consumed.
    pub fn decode(&mut self, buf: &[u8], out: &mut Vec<WsEvent>) -> usize {
        let used = self.decode_frames(buf, out);
        if self.counted != WholeFrames::default() {
            out.push(WsEvent::Counted(std::mem::take(&mut self.counted)));
        }
        used
    }

    fn decode_frames(&mut self, buf: &[u8], out: &mut Vec<WsEvent>) -> usize {
        let mut pos = 0;
        self.pending = None;
        loop {
            if self.frame.is_none() {
                let rest = buf.get(pos..).unwrap_or_default();
                if let Some(used) = self.whole_frame(rest, out) {
                    pos += used;
                    continue;
                }
                match header::parse(rest) {
                    Parsed::Need {
                        header_len,
                        payload_len,
                    } => {
                        if !rest.is_empty() {
                            let short = u64::from(header_len).saturating_sub(rest.len() as u64);
                            self.pending = Some(short.saturating_add(payload_len.unwrap_or(0)));
                        }
                        return pos;
                    }
                    Parsed::Header(h) => {
                        pos += usize::from(h.header_len);
                        self.start_frame(h, out);
                        self.offset = self.offset.saturating_add(u64::from(h.header_len));
                    }
                }
            }
            let rest = buf.get(pos..).unwrap_or_default();
            let Some(f) = &self.frame else { return pos };
            // Bounded by `rest.len()`, so the cast back to usize cannot truncate.
            let take = (f.h.payload_len - f.done).min(rest.len() as u64) as usize;
            let chunk = rest.get(..take).unwrap_or_default();
            self.payload(chunk, out);
            pos += chunk.len();
            if self
                .frame
                .as_ref()
                .is_some_and(|f| f.done < f.h.payload_len)
            {
                return pos; // input exhausted mid-payload
            }
            self.end_frame(out);
        }
    }

    /// End of stream: reports a frame (or message) left incomplete. The frame is not emitted.
    pub fn finish(&mut self, out: &mut Vec<WsEvent>) {
        if let Some(f) = self.frame.take() {
            let missing = f.h.payload_len - f.done;
            out.push(error(f.start, WsErrorKind::Truncated { missing }));
        } else if let Some(missing) = self.pending.take() {
            out.push(error(self.offset, WsErrorKind::Truncated { missing }));
        } else if let Some(m) = &self.msg {
            let frames = m.frames;
            out.push(error(m.start, WsErrorKind::UnfinishedMessage { frames }));
        }
        self.msg = None;
    }

    /// Checks a parsed header (errors in byte order) and opens the frame.
    fn start_frame(&mut self, h: Header, out: &mut Vec<WsEvent>) {
        let start = self.offset;
        let deflate = self.deflate.is_some();
        let is_data_start = matches!(h.opcode, OP_TEXT | OP_BINARY);
        // RSV1 is permessage-deflate's "compressed" bit when negotiated; RSV2/3 never are.
        let foreign_rsv = if deflate { h.rsv & 0b011 } else { h.rsv };
        if foreign_rsv != 0 {
            out.push(error(start, WsErrorKind::RsvWithoutExtension(foreign_rsv)));
        }
        let rsv1 = h.rsv & 0b100 != 0;
        if deflate && rsv1 && h.is_control() {
            out.push(error(start, WsErrorKind::CompressedControlFrame));
        } else if deflate && rsv1 && h.opcode == OP_CONTINUATION {
            out.push(error(start, WsErrorKind::Rsv1OnContinuation));
        }
        if matches!(h.opcode, 3..=7 | 11..=15) {
            out.push(error(start, WsErrorKind::ReservedOpcode(h.opcode)));
        }
        if h.is_control() && !h.fin {
            out.push(error(start, WsErrorKind::FragmentedControlFrame));
        }
        let mask_at = start.saturating_add(1);
        match (self.from_client, h.mask_key.is_some()) {
            (true, false) => out.push(error(mask_at, WsErrorKind::UnmaskedClientFrame)),
            (false, true) => out.push(error(mask_at, WsErrorKind::MaskedServerFrame)),
            _ => {}
        }
        if h.is_control() && h.payload_len > 125 {
            let at = start.saturating_add(1);
            out.push(error(at, WsErrorKind::ControlFrameTooLong(h.payload_len)));
        }
        let len_at = start.saturating_add(2);
        if !h.length_minimal() {
            out.push(error(len_at, WsErrorKind::NonMinimalLength));
        }
        if h.len7 == 127 && h.payload_len >> 63 != 0 {
            out.push(error(len_at, WsErrorKind::LengthMsbSet));
        }

        let mut in_msg = false;
        if is_data_start {
            if self.msg.is_some() {
                out.push(error(start, WsErrorKind::DataFrameInsideFragmentedMessage));
            }
            let compressed = deflate && rsv1;
            if compressed {
                let nct = self.deflate.is_some_and(|d| d.no_context_takeover);
                self.inflater
                    .get_or_insert_with(|| Inflater::new(nct))
                    .start_message();
            }
            self.msg = Some(MsgState {
                opcode: h.opcode,
                start,
                frames: 0,
                wire_len: 0,
                len: 0,
                compressed,
                inflating: compressed,
                preview: Vec::new(),
                utf8: Utf8Stream::default(),
                utf8_bad: false,
                preview_max: if self.lean { 0 } else { PREVIEW_MAX },
            });
            in_msg = true;
        } else if h.opcode == OP_CONTINUATION {
            in_msg = self.msg.is_some();
            if !in_msg {
                out.push(error(start, WsErrorKind::ContinuationWithoutStart));
            }
        }
        if in_msg && let Some(m) = &mut self.msg {
            m.frames = m.frames.saturating_add(1);
        }
        let max = if self.lean && h.opcode != OP_CLOSE {
            0
        } else {
            PREVIEW_MAX
        };
        let cap = usize::try_from(h.payload_len).map_or(max, |n| n.min(max));
        self.frame = Some(FrameState {
            h,
            start,
            done: 0,
            payload: Vec::with_capacity(cap),
            preview_max: max,
            in_msg,
        });
    }

    /// Consumes payload bytes of the open frame; `chunk` never runs past the frame's end.
    fn payload(&mut self, chunk: &[u8], out: &mut Vec<WsEvent>) {
        let Some(f) = &mut self.frame else { return };
        let at = self.offset;
        let pos = f.done;
        let key = f.h.mask_key;
        let room = f
            .preview_max
            .saturating_sub(f.payload.len())
            .min(chunk.len());
        unmask_extend(&chunk[..room], key, pos, &mut f.payload);
        f.done += chunk.len() as u64;
        self.offset = self.offset.saturating_add(chunk.len() as u64);
        let (frame_start, in_msg) = (f.start, f.in_msg);
        let Some(m) = self.msg.as_mut().filter(|_| in_msg) else {
            return;
        };
        m.wire_len = m.wire_len.saturating_add(chunk.len() as u64);
        if !m.compressed && !m.validating() {
            // Only the preview needs these bytes; the rest is counted, never touched.
            let need = m
                .preview_max
                .saturating_sub(m.preview.len())
                .min(chunk.len());
            unmask_extend(&chunk[..need], key, pos, &mut m.preview);
            m.len = m.len.saturating_add(chunk.len() as u64);
            return;
        }
        if m.compressed && !m.inflating {
            return;
        }
        if key.is_some() && self.scratch.is_empty() {
            self.scratch = vec![0; SCRATCH];
        }
        for (i, piece) in chunk.chunks(SCRATCH).enumerate() {
            let offset_in_chunk = (i * SCRATCH) as u64;
            let plain: &[u8] = match (key, self.scratch.get_mut(..piece.len())) {
                (Some(k), Some(dst)) => {
                    unmask_into(piece, k, pos + offset_in_chunk, dst);
                    dst
                }
                _ => piece,
            };
            if m.compressed {
                if !m.inflating {
                    break; // failed earlier in this chunk
                }
                inflate(&mut self.inflater, m, plain, frame_start, out, false);
            } else {
                m.content(
                    plain,
                    Some(at.saturating_add(offset_in_chunk)),
                    frame_start,
                    out,
                );
            }
        }
    }
}

#[path = "frame_end.rs"]
mod frame_end;

/// Inflates `data` into the message (or the implied tail when `tail`); reports a failure once.
fn inflate(
    inflater: &mut Option<Inflater>,
    m: &mut MsgState,
    data: &[u8],
    frame_start: u64,
    out: &mut Vec<WsEvent>,
    tail: bool,
) {
    let Some(inf) = inflater else { return };
    let mut sink = |b: &[u8]| m.content(b, None, frame_start, out);
    let r = if tail {
        inf.end_message(&mut sink)
    } else {
        inf.feed(data, &mut sink)
    };
    let kind = match r {
        Ok(()) => return,
        Err(InflateError::Corrupt(why)) => WsErrorKind::Inflate(why),
        Err(InflateError::TooLarge) => WsErrorKind::MessageTooLarge,
    };
    m.inflating = false;
    out.push(error(frame_start, kind));
}

//! The small-frame fast path: a whole unfragmented text or binary frame, present in the input
//! with nothing to report about its header, is decoded in one go, without the frame and message
//! states of the general path. Anything else (control frames, fragments, RSV bits, a wrong mask,
//! a cut frame, payloads over [`SCRATCH`]) goes the general way, which gives the same events
//! (`proptests_whole.rs` compares them). In counting mode the frames it takes are counted
//! instead (one `WsEvent::Counted` per `decode`): the same counts, not the same events.

use super::{OP_BINARY, OP_TEXT, SCRATCH, WsDecoder, error};
use crate::proto::ByteRange;
use crate::proto::ws::header::{self, Parsed};
use crate::proto::ws::mask::{unmask_extend, unmask_into};
use crate::proto::ws::utf8::preview_text;
use crate::proto::ws::{Frame, Message, PREVIEW_MAX, WsErrorKind, WsEvent};

impl WsDecoder {
    /// Decodes the frame at the start of `buf` if it qualifies; returns the bytes it used.
    pub(super) fn whole_frame(&mut self, buf: &[u8], out: &mut Vec<WsEvent>) -> Option<usize> {
        let (&b0, &b1) = (buf.first()?, buf.get(1)?);
        // FIN, no RSV bit, text or binary, a mask exactly when the client wrote it, and no
        // message open (a new one inside it is an error the general path reports).
        let data = matches!(b0 & 0x0f, OP_TEXT | OP_BINARY);
        if b0 & 0xf0 != 0x80 || !data || (b1 & 0x80 != 0) != self.from_client {
            return None;
        }
        if self.msg.is_some() || !self.fast {
            return None;
        }
        let Parsed::Header(h) = header::parse(buf) else {
            return None;
        };
        // At most SCRATCH bytes: a 64-bit length is never minimal there.
        if !h.length_minimal() || h.payload_len > SCRATCH as u64 {
            return None;
        }
        let hl = usize::from(h.header_len);
        let len = h.payload_len as usize;
        let payload = buf.get(hl..hl + len)?;

        let start = self.offset;
        let payload_at = start.saturating_add(u64::from(h.header_len));
        let end = payload_at.saturating_add(h.payload_len);
        let is_text = h.opcode == OP_TEXT;
        let keep = if self.lean { 0 } else { len.min(PREVIEW_MAX) };
        let mut preview = Vec::with_capacity(keep);
        unmask_extend(&payload[..keep], h.mask_key, 0, &mut preview);
        let mut utf8_ok = true;
        if is_text {
            let plain = match h.mask_key {
                Some(key) => {
                    if self.scratch.is_empty() {
                        self.scratch = vec![0; SCRATCH];
                    }
                    let dst = &mut self.scratch[..len];
                    unmask_into(payload, key, 0, dst);
                    &*dst
                }
                None => payload,
            };
            // An invalid or an unfinished sequence: both reported where it starts.
            if let Err(e) = std::str::from_utf8(plain) {
                utf8_ok = false;
                let at = payload_at.saturating_add(e.valid_up_to() as u64);
                out.push(error(at, WsErrorKind::InvalidUtf8));
            }
        }
        if self.lean {
            let c = &mut self.counted;
            if is_text {
                c.text = c.text.saturating_add(1);
            } else {
                c.binary = c.binary.saturating_add(1);
            }
            c.masked = c.masked.saturating_add(u64::from(h.mask_key.is_some()));
            c.payload_bytes = c.payload_bytes.saturating_add(h.payload_len);
            self.offset = end;
            return Some(hl + len);
        }
        let text = if is_text && utf8_ok {
            preview_text(&preview, len > preview.len())
        } else {
            None
        };
        let len_end = start.saturating_add(2 + u64::from(h.ext_len()));
        let message = Message {
            opcode: h.opcode,
            len: h.payload_len,
            wire_len: h.payload_len,
            frames: 1,
            compressed: false,
            preview: preview.clone(),
            text,
            range: ByteRange::new(start, end),
        };
        out.push(WsEvent::Frame(Box::new(Frame {
            fin: true,
            rsv: 0,
            opcode: h.opcode,
            masked: h.mask_key.is_some(),
            mask_key: h.mask_key,
            payload_len: h.payload_len,
            header_len: h.header_len,
            range: ByteRange::new(start, end),
            len_range: ByteRange::new(start.saturating_add(2).min(len_end), len_end),
            mask_range: h.mask_key.map(|_| ByteRange::new(len_end, payload_at)),
            payload_range: ByteRange::new(payload_at, end),
            payload: preview,
            close: None,
            is_text,
        })));
        out.push(WsEvent::Message(Box::new(message)));
        self.offset = end;
        Some(hl + len)
    }
}

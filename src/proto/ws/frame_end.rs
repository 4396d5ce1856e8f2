//! The end of a frame and of a message: the frame's event (its ranges, its close payload), the
//! message's (UTF-8 checked to the last byte, the deflated tail inflated).

use super::{MsgState, OP_CLOSE, WsDecoder, error, inflate};
use crate::proto::ByteRange;
use crate::proto::ws::close::close_payload;
use crate::proto::ws::utf8::preview_text;
use crate::proto::ws::{Frame, Message, WsErrorKind, WsEvent};

impl WsDecoder {
    /// The open frame's last payload byte is consumed: emit it, and its message if it ends one.
    pub(super) fn end_frame(&mut self, out: &mut Vec<WsEvent>) {
        let Some(f) = self.frame.take() else { return };
        let h = f.h;
        let payload_at = f.start.saturating_add(u64::from(h.header_len));
        let end = payload_at.saturating_add(h.payload_len);
        let close = if h.opcode == OP_CLOSE {
            close_payload(&f.payload, h.payload_len, payload_at, out)
        } else {
            None
        };
        let msg_text = self
            .msg
            .as_ref()
            .is_some_and(|m| m.is_text() && !m.compressed);
        let is_text = f.in_msg && msg_text;
        let message = if f.in_msg && h.fin {
            self.msg
                .take()
                .map(|m| self.end_message(m, f.start, end, out))
        } else {
            None
        };
        let len_end = f.start.saturating_add(2 + u64::from(h.ext_len()));
        out.push(WsEvent::Frame(Box::new(Frame {
            fin: h.fin,
            rsv: h.rsv,
            opcode: h.opcode,
            masked: h.mask_key.is_some(),
            mask_key: h.mask_key,
            payload_len: h.payload_len,
            header_len: h.header_len,
            range: ByteRange::new(f.start, end),
            len_range: ByteRange::new(f.start.saturating_add(2).min(len_end), len_end),
            mask_range: h.mask_key.map(|_| ByteRange::new(len_end, payload_at)),
            payload_range: ByteRange::new(payload_at, end),
            payload: f.payload,
            close,
            is_text,
        })));
        if let Some(m) = message {
            out.push(WsEvent::Message(Box::new(m)));
        }
    }

    fn end_message(
        &mut self,
        mut m: MsgState,
        last_start: u64,
        end: u64,
        out: &mut Vec<WsEvent>,
    ) -> Message {
        if m.compressed && m.inflating {
            inflate(&mut self.inflater, &mut m, &[], last_start, out, true);
        }
        if m.is_text()
            && !m.utf8_bad
            && let Err(bad) = m.utf8.finish()
        {
            m.utf8_bad = true;
            let at = if m.compressed { last_start } else { bad };
            out.push(error(at, WsErrorKind::InvalidUtf8));
        }
        let text = if m.validating() && !self.lean {
            preview_text(&m.preview, m.len > m.preview.len() as u64)
        } else {
            None
        };
        Message {
            opcode: m.opcode,
            len: m.len,
            wire_len: m.wire_len,
            frames: m.frames,
            compressed: m.compressed,
            preview: m.preview,
            text,
            range: ByteRange::new(m.start, end),
        }
    }
}

//! RFC 6455 WebSocket frames and messages, decoded one direction at a time, with RFC 7692
//! permessage-deflate. Sans-IO: bytes in, [`WsEvent`]s out. Decoding goes on after a protocol
//! violation wherever the framing is still intact, so a learner sees both the frame and what is
//! wrong with it.

pub mod build;
mod close;
mod decoder;
mod handshake;
mod header;
mod mask;
mod upgrade_rules;
mod utf8;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod proptests_whole;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod violation_tests;

pub use close::close_code_valid;
pub use decoder::WsDecoder;
pub use handshake::{DeflateParams, GUID, accept_key, negotiated_deflate};
pub use upgrade_rules::{Broken, UpgradeRequest, broken_rules};
// The server's permessage-deflate adapter parses frames and offers with the same code.
pub(crate) use handshake::{split_outside_quotes, unquote};
pub(crate) use header::{Header, Parsed, parse as parse_header};
pub(crate) use mask::unmask_into;

use super::ByteRange;

/// Payload bytes kept per frame and per message for display; the rest is only counted.
pub const PREVIEW_MAX: usize = 4096;

/// An inflated message may grow to this size before inflation stops (compression-bomb guard).
pub const MESSAGE_MAX: u64 = super::deflate::INFLATE_LIMIT;

#[derive(Debug, Clone, PartialEq)]
pub enum WsEvent {
    Frame(Box<Frame>),
    Message(Box<Message>),
    Error(WsError),
    /// Counting mode only: whole frames counted instead of reported.
    Counted(WholeFrames),
}

/// Counting mode ([`crate::proto::lean`]): the whole unfragmented text and binary frames of one
/// `decode`, counted rather than reported one by one (two boxed events each, which the counts
/// never read). Each is a frame and a message of its own; none is a control frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WholeFrames {
    pub text: u64,
    pub binary: u64,
    /// Of those, written with a mask.
    pub masked: u64,
    pub payload_bytes: u64,
}

impl WholeFrames {
    pub fn frames(&self) -> u64 {
        self.text.saturating_add(self.binary)
    }

    /// The frames counted by opcode (text 1, binary 2), those of which there were any.
    pub fn by_opcode(&self) -> impl Iterator<Item = (u8, u64)> {
        [(1, self.text), (2, self.binary)]
            .into_iter()
            .filter(|&(_, n)| n > 0)
    }
}

/// One frame, as it was on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub fin: bool,
    /// RSV1 = 4, RSV2 = 2, RSV3 = 1.
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub mask_key: Option<[u8; 4]>,
    pub payload_len: u64,
    /// 2 to 14.
    pub header_len: u8,
    /// The whole frame.
    pub range: ByteRange,
    /// The extended length bytes (empty for 7-bit lengths).
    pub len_range: ByteRange,
    pub mask_range: Option<ByteRange>,
    pub payload_range: ByteRange,
    /// Unmasked, first up to [`PREVIEW_MAX`] bytes (still compressed under permessage-deflate).
    pub payload: Vec<u8>,
    /// Close frames (opcode 8) with a payload of at least 2 bytes.
    pub close: Option<Close>,
    /// The frame carries part of an uncompressed text message (opcode 1, or 0 continuing one).
    pub is_text: bool,
}

impl Frame {
    /// A text frame's preview when it is valid UTF-8 on its own (cut at a char boundary when
    /// the preview is cut).
    pub fn text(&self) -> Option<&str> {
        let cut = self.payload_len > self.payload.len() as u64;
        self.is_text
            .then(|| utf8::preview_str(&self.payload, cut))
            .flatten()
    }

    /// The preview as it crossed the wire (masked again with the key), for the XOR view.
    pub fn masked_preview(&self) -> Vec<u8> {
        match self.mask_key {
            Some(key) => self
                .payload
                .iter()
                .zip(key.iter().cycle())
                .map(|(b, k)| b ^ k)
                .collect(),
            None => self.payload.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    pub code: u16,
    /// Lossy when the reason is not valid UTF-8 (an error is reported then).
    pub reason: String,
}

/// A data message reassembled from its frames (control frames are not messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// 1 text, 2 binary.
    pub opcode: u8,
    /// After inflation; stops counting at [`MESSAGE_MAX`] or at an inflate error.
    pub len: u64,
    /// Sum of the frames' payload lengths.
    pub wire_len: u64,
    pub frames: u32,
    pub compressed: bool,
    /// First up to [`PREVIEW_MAX`] bytes of the (inflated) message.
    pub preview: Vec<u8>,
    /// Text messages where no invalid UTF-8 was found: the preview, cut at a char boundary.
    pub text: Option<String>,
    /// First frame start .. last frame end.
    pub range: ByteRange,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("WebSocket at byte {offset}: {kind}")]
pub struct WsError {
    /// Stream offset of the offending byte: the frame start or the field at fault.
    pub offset: u64,
    pub kind: WsErrorKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WsErrorKind {
    #[error(
        "client frame is not masked; every client-to-server frame must be masked (RFC 6455 §5.1)"
    )]
    UnmaskedClientFrame,
    #[error("server frame is masked; server-to-client frames must not be masked (RFC 6455 §5.1)")]
    MaskedServerFrame,
    #[error(
        "control frame carries {0} payload bytes; control frames carry at most 125 (RFC 6455 §5.5)"
    )]
    ControlFrameTooLong(u64),
    #[error("control frame has FIN=0; control frames must not be fragmented (RFC 6455 §5.5)")]
    FragmentedControlFrame,
    #[error("opcode {0:#x} is reserved and no extension defines it (RFC 6455 §5.2)")]
    ReservedOpcode(u8),
    #[error("reserved bit(s) {} set but no negotiated extension defines them (RFC 6455 §5.2)", rsv_names(*.0))]
    RsvWithoutExtension(u8),
    #[error(
        "RSV1 (compressed) set on a control frame; permessage-deflate compresses data messages only (RFC 7692 §6.1)"
    )]
    CompressedControlFrame,
    #[error(
        "RSV1 set on a continuation frame; permessage-deflate marks only a message's first frame (RFC 7692 §6.1)"
    )]
    Rsv1OnContinuation,
    #[error(
        "continuation frame (opcode 0) but no fragmented message is open to continue (RFC 6455 §5.4)"
    )]
    ContinuationWithoutStart,
    #[error(
        "new data frame before the open fragmented message got its FIN frame; the open message is dropped (RFC 6455 §5.4)"
    )]
    DataFrameInsideFragmentedMessage,
    #[error("text message is not valid UTF-8 (RFC 6455 §8.1)")]
    InvalidUtf8,
    #[error("close reason is not valid UTF-8 (RFC 6455 §5.5.1)")]
    InvalidUtf8CloseReason,
    #[error(
        "close code {0} must not be sent; use 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4)"
    )]
    InvalidCloseCode(u16),
    #[error(
        "close frame payload is 1 byte; it must be empty or start with a 2-byte code (RFC 6455 §5.5.1)"
    )]
    CloseFrameOneByte,
    #[error(
        "payload length uses a longer form than needed; the minimal encoding is required (RFC 6455 §5.2)"
    )]
    NonMinimalLength,
    #[error("64-bit payload length has its most significant bit set; it must be 0 (RFC 6455 §5.2)")]
    LengthMsbSet,
    #[error("permessage-deflate: message does not inflate ({0}); the rest of it is not inflated")]
    Inflate(String),
    #[error("inflated message passed {} MiB; stopped inflating it (compression-bomb guard)", MESSAGE_MAX >> 20)]
    MessageTooLarge,
    #[error("stream ended inside a frame; {missing} more byte(s) were needed")]
    Truncated { missing: u64 },
    #[error("stream ended inside a fragmented message after {frames} frame(s), none with FIN")]
    UnfinishedMessage { frames: u32 },
}

fn rsv_names(rsv: u8) -> String {
    let names: Vec<&str> = [(4, "RSV1"), (2, "RSV2"), (1, "RSV3")]
        .into_iter()
        .filter(|(bit, _)| rsv & bit != 0)
        .map(|(_, name)| name)
        .collect();
    names.join("+")
}

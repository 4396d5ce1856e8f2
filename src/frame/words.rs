//! What the decoder's findings and the close codes mean, in the learner's language. The decoder
//! writes its errors in English (`WsErrorKind`'s Display); these are the same sentences from
//! the catalog, so that zh-CN output is Chinese.

use crate::proto::ws::WsErrorKind;
use crate::tr;

/// The rule the bytes break, as a sentence ending with its RFC section.
pub fn rule(kind: &WsErrorKind) -> String {
    use WsErrorKind as K;
    match kind {
        K::UnmaskedClientFrame => tr!("frame.rule.unmasked_client"),
        K::MaskedServerFrame => tr!("frame.rule.masked_server"),
        K::ControlFrameTooLong(n) => tr!("frame.rule.control_too_long", n = n),
        K::FragmentedControlFrame => tr!("frame.rule.fragmented_control"),
        K::ReservedOpcode(op) => tr!("frame.rule.reserved_opcode", op = op),
        K::RsvWithoutExtension(rsv) => tr!("frame.rule.rsv", bits = rsv_names(*rsv)),
        K::CompressedControlFrame => tr!("frame.rule.compressed_control"),
        K::Rsv1OnContinuation => tr!("frame.rule.rsv1_continuation"),
        K::ContinuationWithoutStart => tr!("frame.rule.orphan_continuation"),
        K::DataFrameInsideFragmentedMessage => tr!("frame.rule.data_inside_fragmented"),
        K::InvalidUtf8 => tr!("frame.rule.invalid_utf8"),
        K::InvalidUtf8CloseReason => tr!("frame.rule.invalid_utf8_reason"),
        K::InvalidCloseCode(code) => tr!("frame.rule.invalid_close_code", code = code),
        K::CloseFrameOneByte => tr!("frame.rule.close_one_byte"),
        K::NonMinimalLength => tr!("frame.rule.non_minimal_length"),
        K::LengthMsbSet => tr!("frame.rule.length_msb"),
        K::Truncated { missing } => tr!("frame.rule.truncated", n = missing),
        K::UnfinishedMessage { frames } => tr!("frame.rule.unfinished", n = frames),
        // Not met without permessage-deflate; the decoder's own words.
        other => other.to_string(),
    }
}

fn rsv_names(rsv: u8) -> String {
    let names: Vec<&str> = [(4, "RSV1"), (2, "RSV2"), (1, "RSV3")]
        .into_iter()
        .filter(|(bit, _)| rsv & bit != 0)
        .map(|(_, name)| name)
        .collect();
    names.join("+")
}

/// The close code RFC 6455 has a server answer with (§7.4.1), when the finding ends the
/// connection; `None` for a stream that is only unfinished (the server waits for the rest).
pub fn prescribed_close(kind: &WsErrorKind) -> Option<u16> {
    use WsErrorKind as K;
    match kind {
        K::InvalidUtf8 | K::InvalidUtf8CloseReason | K::Inflate(_) => Some(1007),
        K::MessageTooLarge => Some(1009),
        K::Truncated { .. } | K::UnfinishedMessage { .. } => None,
        _ => Some(1002),
    }
}

/// What a close code means (RFC 6455 §7.4.1 and the IANA registry).
pub fn close_meaning(code: u16) -> String {
    match code {
        1000 => tr!("frame.code.1000"),
        1001 => tr!("frame.code.1001"),
        1002 => tr!("frame.code.1002"),
        1003 => tr!("frame.code.1003"),
        1005 => tr!("frame.code.1005"),
        1006 => tr!("frame.code.1006"),
        1007 => tr!("frame.code.1007"),
        1008 => tr!("frame.code.1008"),
        1009 => tr!("frame.code.1009"),
        1010 => tr!("frame.code.1010"),
        1011 => tr!("frame.code.1011"),
        1012 => tr!("frame.code.1012"),
        1013 => tr!("frame.code.1013"),
        1014 => tr!("frame.code.1014"),
        1015 => tr!("frame.code.1015"),
        3000..=3999 => tr!("frame.code.registered"),
        4000..=4999 => tr!("frame.code.private"),
        _ => tr!("frame.code.forbidden"),
    }
}

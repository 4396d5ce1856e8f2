//! The errors a learner meets on `duplex replay`, in the learner's language. English is the
//! errors' own `Display`, as before; per-packet details inside them stay as the decoder wrote.

use std::io;

use crate::capture::pcap::CaptureError;
use crate::lang::{self, Lang};

fn zh() -> bool {
    lang::current() == Lang::ZhCn
}

/// An I/O error: the common kinds in Chinese, else the system's words.
pub fn io_text(e: &io::Error) -> String {
    if !zh() {
        return e.to_string();
    }
    match e.kind() {
        io::ErrorKind::NotFound => crate::tr!("cli.err.not_found"),
        io::ErrorKind::PermissionDenied => crate::tr!("cli.err.denied"),
        io::ErrorKind::IsADirectory => crate::tr!("cli.err.is_dir"),
        _ => e.to_string(),
    }
}

/// Why a file is not a capture duplex can read.
pub fn capture_text(e: &CaptureError) -> String {
    if !zh() {
        return e.to_string();
    }
    match e {
        CaptureError::NotACapture { first_bytes } => {
            crate::tr!("cli.err.not_capture", bytes = format!("{first_bytes:02x?}"))
        }
        CaptureError::TruncatedHeader { need, have } => {
            crate::tr!("cli.err.truncated_header", need = need, have = have)
        }
        CaptureError::Truncated {
            packet,
            offset,
            need,
            have,
        } => crate::tr!(
            "cli.err.truncated",
            packet = packet,
            offset = offset,
            need = need,
            have = have
        ),
        CaptureError::Corrupt {
            packet,
            offset,
            what,
        } => crate::tr!(
            "cli.err.corrupt",
            packet = packet,
            offset = offset,
            what = what
        ),
        CaptureError::Io(e) => crate::tr!("cli.err.reading", error = io_text(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_the_errors_own_words_and_chinese_is_chinese() {
        let e = CaptureError::TruncatedHeader { need: 24, have: 3 };
        let en = lang::scoped(Lang::En, || capture_text(&e));
        assert_eq!(en, e.to_string());
        let zh = lang::scoped(Lang::ZhCn, || capture_text(&e));
        assert_eq!(zh, "文件在 24 字节的抓包文件头里就结束了（只有 3 字节）");
        let nf = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(lang::scoped(Lang::ZhCn, || io_text(&nf)), "文件不存在");
        // The catalog's English records what the errors say.
        let e = CaptureError::Truncated {
            packet: 2,
            offset: 40,
            need: 16,
            have: 3,
        };
        let en = crate::i18n::lookup("cli.err.truncated", Lang::En);
        let filled = crate::i18n::fill(
            &en,
            &[
                ("packet", "2".into()),
                ("offset", "40".into()),
                ("need", "16".into()),
                ("have", "3".into()),
            ],
        );
        assert_eq!(filled, e.to_string());
    }
}

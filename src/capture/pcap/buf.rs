//! Where a capture reader's bytes are: its own buffer, or the mapped file.

use super::super::mapped::Mapped;
use super::super::prefetch::Prefetch;

/// Where the bytes come from when not from the reader itself.
pub enum Feed {
    /// A reader thread's buffers.
    Prefetch(Prefetch),
    /// The whole file, mapped.
    Mapped(Mapped),
}

/// The bytes packets are handed out from: the reader's buffer, or the mapped file.
pub(super) enum Buf {
    Owned(Vec<u8>),
    Mapped(Mapped),
}

impl std::ops::Deref for Buf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buf::Owned(v) => v,
            Buf::Mapped(m) => m,
        }
    }
}

impl Buf {
    /// The buffer to fill; None for a mapped file, which is whole and never filled.
    pub(super) fn owned(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            Buf::Owned(v) => Some(v),
            Buf::Mapped(_) => None,
        }
    }
}

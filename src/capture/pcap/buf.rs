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
    /// The buffer to fill. A mapped file is whole and never filled, so this copy is never
    /// made; it only keeps the type honest.
    pub(super) fn owned(&mut self) -> &mut Vec<u8> {
        if let Buf::Mapped(m) = self {
            *self = Buf::Owned(m.to_vec());
        }
        match self {
            Buf::Owned(v) => v,
            Buf::Mapped(_) => unreachable!("replaced just above"),
        }
    }
}

//! What can go wrong decoding HTTP/1.x, with messages a person can act on.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("HTTP at byte {offset}: {kind}")]
pub struct HttpError {
    /// Stream offset of the head, header line or chunk line at fault.
    pub offset: u64,
    pub kind: HttpErrorKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HttpErrorKind {
    #[error("malformed message head ({0}); this is not HTTP/1.x or the peer sent broken syntax")]
    BadHead(httparse::Error),
    #[error(
        "no end of head within {0} bytes; the peer is not speaking HTTP/1.x or the head is far too large"
    )]
    HeadTooLarge(usize),
    #[error("more than {0} header fields in one message")]
    TooManyHeaders(usize),
    #[error("Content-Length {0:?} is not a decimal number of bytes")]
    BadContentLength(String),
    #[error("Content-Length given as both {first} and {second}; the body length is ambiguous")]
    ConflictingLengths { first: u64, second: u64 },
    #[error(
        "request Transfer-Encoding {0:?} does not end in chunked, so its body length is unknown"
    )]
    TransferEncodingNotChunked(String),
    #[error("chunk-size line {0:?} is not a hex size with optional ;extensions")]
    BadChunkSize(String),
    #[error("chunk size {0:?} does not fit in 64 bits")]
    ChunkSizeOverflow(String),
    #[error("chunk-size line longer than {0} bytes")]
    ChunkLineTooLong(usize),
    #[error("chunk data is not followed by CRLF; the chunk size does not match its data")]
    MissingChunkCrlf,
    #[error("malformed trailer section ({0})")]
    BadTrailers(httparse::Error),
    #[error("trailer section longer than {0} bytes")]
    TrailersTooLarge(usize),
    #[error("stream ended {got} bytes into a body of {expected} bytes")]
    Truncated { expected: u64, got: u64 },
    #[error("stream ended inside a chunked body after {got} decoded bytes, before the last chunk")]
    TruncatedChunked { got: u64 },
    #[error("stream ended inside a message head ({got} bytes of it received)")]
    TruncatedHead { got: u64 },
}

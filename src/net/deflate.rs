//! permessage-deflate (RFC 7692) for the built-in server, as a byte-stream adapter between the
//! upgraded socket and tungstenite (which has no extensions): the client's compressed messages
//! are inflated into plain frames before tungstenite reads them, and tungstenite's messages are
//! compressed on their way out. The tap sits below, on the TCP socket, so it sees and decodes
//! the compressed wire exactly as replay does. The lesson client uses it too, in the other
//! role (`deflate_client.rs`): it masks what it writes and reads unmasked frames.

#[path = "deflate_client.rs"]
mod client;
#[cfg(test)]
#[path = "deflate_client_tests.rs"]
mod client_tests;
#[path = "deflate_read.rs"]
mod read;
#[cfg(test)]
#[path = "deflate_tests.rs"]
mod tests;
#[path = "deflate_write.rs"]
mod write;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::deflate_offer::Agreed;
use crate::capture::tap::WeakTapHandle;

/// How often inflation waiting for the server's message budget looks again.
const BUDGET_RETRY: Duration = Duration::from_millis(20);

/// Why the client's compressed data could not be handed on; the read fails with it (an
/// `io::Error` whose inner error is this), and `limits::close_code_for` picks the close.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("permessage-deflate: the message does not inflate ({0})")]
    Corrupt(String),
    #[error("permessage-deflate: the message inflates past every limit")]
    TooLarge,
}

impl Failure {
    pub fn close(&self) -> (CloseCode, &'static str) {
        match self {
            // As Python websockets and Autobahn (case 3.4 under compression) expect.
            Failure::Corrupt(_) => (CloseCode::Protocol, "compressed data does not inflate"),
            Failure::TooLarge => (CloseCode::Size, "message too big"),
        }
    }
}

/// The upgraded socket, compressing and inflating when permessage-deflate was agreed, else
/// passing every byte straight through.
pub struct Deflate<S> {
    io: S,
    rx: Option<Box<Rx>>,
    tx: Option<Box<write::Writer>>,
    /// The lesson client, until the server's 101 has been read.
    handshake: Option<Box<client::Handshake>>,
    /// Bytes read past the 101 when nothing was agreed: handed on first.
    ahead: Vec<u8>,
    /// The client's agreed `Sec-WebSocket-Extensions`.
    agreed: Option<String>,
}

struct Rx {
    reader: read::Reader,
    conn: Option<WeakTapHandle>,
    retry: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Inflated bytes already counted on the connection's budget.
    counted: u64,
    /// After a failure the rest is read as it comes (the close drains it).
    failed: bool,
}

impl<S> Deflate<S> {
    /// No extension: bytes pass unchanged.
    pub fn plain(io: S) -> Self {
        Deflate {
            io,
            rx: None,
            tx: None,
            handshake: None,
            ahead: Vec::new(),
            agreed: None,
        }
    }

    /// As `agreed`. Compressed frames longer than `max_frame` are left for tungstenite to
    /// refuse; inflated bytes draw on `conn`'s message budget, like bytes read.
    pub fn new(io: S, agreed: &Agreed, max_frame: u64, conn: Option<WeakTapHandle>) -> Self {
        Deflate {
            rx: Some(Box::new(Rx {
                reader: read::Reader::new(agreed.c2s.no_context_takeover, max_frame),
                conn,
                retry: None,
                counted: 0,
                failed: false,
            })),
            tx: Some(Box::new(write::Writer::new(
                agreed.s2c.no_context_takeover,
                agreed.s2c.window_bits,
            ))),
            ..Deflate::plain(io)
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Deflate<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.handshake.is_some() {
            return this.poll_read_head(cx, buf);
        }
        if !this.ahead.is_empty() {
            let n = this.ahead.len().min(buf.remaining());
            buf.put_slice(&this.ahead[..n]);
            this.ahead.drain(..n);
            return Poll::Ready(Ok(()));
        }
        let rx = match this.rx.as_mut() {
            Some(rx) if !rx.failed => rx,
            _ => return Pin::new(&mut this.io).poll_read(cx, buf),
        };
        loop {
            if rx.reader.take(buf) > 0 {
                return Poll::Ready(Ok(()));
            }
            let handle = rx.conn.as_ref().and_then(WeakTapHandle::upgrade);
            let run = rx
                .reader
                .run(|| handle.as_ref().is_none_or(|h| h.may_hold()));
            if let Some(h) = &handle {
                h.held(usize::try_from(rx.reader.total_inflated - rx.counted).unwrap_or(0));
            }
            rx.counted = rx.reader.total_inflated;
            match run {
                Err(f) => {
                    rx.failed = true;
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, f)));
                }
                Ok(read::Run::Output) => {}
                Ok(read::Run::Budget) => {
                    let retry = rx
                        .retry
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(BUDGET_RETRY)));
                    ready!(retry.as_mut().poll(cx));
                    rx.retry = None;
                }
                Ok(read::Run::Input) => {
                    let mut raw = [0u8; 8192];
                    let mut rb = ReadBuf::new(&mut raw);
                    ready!(Pin::new(&mut this.io).poll_read(cx, &mut rb))?;
                    if rb.filled().is_empty() {
                        return Poll::Ready(Ok(())); // end of stream
                    }
                    rx.reader.push(rb.filled());
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> Deflate<S> {
    /// Writes out what the compressor has produced.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(tx) = self.tx.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        while tx.out_pos < tx.out.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &tx.out[tx.out_pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            tx.out_pos += n;
        }
        tx.out.clear();
        tx.out_pos = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Deflate<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.tx.is_none() {
            return Pin::new(&mut this.io).poll_write(cx, buf);
        }
        ready!(this.poll_drain(cx))?;
        let n = this.tx.as_mut().map_or(0, |tx| tx.accept(buf));
        // Out to the socket now if it takes it, as a plain write would be: tungstenite does not
        // flush the close it answers before it lets go of the connection.
        if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

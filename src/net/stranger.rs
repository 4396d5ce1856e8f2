//! The door of every connection: its first bytes are read (through the tap, so the decoder sees
//! them too) before hyper's, to answer a client speaking HTTP/2 with prior knowledge or TLS in
//! its own protocol rather than with a 400 it cannot read. Ordinary requests are told at their
//! first byte or two and handed on to hyper, those bytes first.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::capture::tap::{Limits, TapHandle, TapStream, Verdict};
use crate::proto::event::Stall;
use crate::proto::stranger::{self, Sniffed};
use crate::proto::tls::{self, HelloRead};

/// The GOAWAY's debug data: bytes on the wire, which tools print as they are (ASCII).
const H2_DEBUG: &str = "this port speaks HTTP/1.1 only: use http:// without HTTP/2 prior knowledge";

/// What came through the door.
pub enum Door {
    /// An HTTP/1.x client (or one too slow to tell): these bytes go to hyper first.
    Http(Vec<u8>),
    /// A TLS client on a server with TLS on: these bytes go to rustls first.
    Tls(Vec<u8>),
    /// Answered and closed, or gone.
    Done,
}

/// Reads the client's first bytes until they are told apart, keeping the server's first-byte
/// and head limits (`limits` gives those in force now); answers and closes a stranger. With
/// `tls`, a TLS handshake record is no stranger.
pub async fn door(
    tls: bool,
    tap: &mut TapStream<TcpStream>,
    handle: &TapHandle,
    limits: impl Fn() -> Limits,
    stop: impl Future<Output = ()>,
) -> Door {
    let mut buf = Vec::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let told = stranger::sniff(&buf);
        match told {
            Sniffed::Http1 => return Door::Http(buf),
            Sniffed::H2Preface => {
                answer(tap, &stranger::h2_refusal(H2_DEBUG)).await;
                return Door::Done;
            }
            Sniffed::Tls if tls => return Door::Tls(buf),
            Sniffed::Tls => match tls::read_hello(&buf) {
                HelloRead::Partial { .. } => {}
                HelloRead::Done { hello: Ok(_), .. } => {
                    answer(tap, &stranger::TLS_ALERT).await;
                    return Door::Done;
                }
                // A record header and no ClientHello: hyper's 400, as for any broken head.
                HelloRead::Done { hello: Err(_), .. } => return Door::Http(buf),
            },
            Sniffed::NeedMore => {}
        }
        let wait = match handle.verdict(&limits()) {
            Verdict::Wait(d) => d,
            Verdict::Idle(why) => {
                handle.mark_timeout(why);
                return Door::Done;
            }
            // A ClientHello cut short still gets TLS's answer; anything else is a head that
            // did not finish, which hyper's loop answers 408 as for any request.
            Verdict::Stalled if told == Sniffed::Tls => {
                handle.mark_timeout(Stall::Head);
                answer(tap, &stranger::TLS_ALERT).await;
                return Door::Done;
            }
            Verdict::Stalled => return Door::Http(buf),
            Verdict::WriteStalled => {
                handle.mark_timeout(Stall::Write);
                handle.kill(true);
                return Door::Done;
            }
        };
        let mut chunk = [0u8; 4096];
        tokio::select! {
            r = tap.read(&mut chunk) => match r {
                // The client closed before it could be told: hyper sees the same end.
                Ok(0) => return Door::Http(buf),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(_) => return Door::Done,
            },
            () = tokio::time::sleep(wait) => {}
            () = &mut stop => return Door::Done,
        }
    }
}

/// Writes `bytes`, then closes: the tap's close sends our FIN and reads what the client still
/// sends (its SETTINGS, say) before letting go, so the answer is not lost to an RST.
async fn answer(tap: &mut TapStream<TcpStream>, bytes: &[u8]) {
    if tap.write_all(bytes).await.is_ok() {
        let _ = tap.flush().await;
    }
    let _ = tap.shutdown().await;
}

/// A stream whose first reads give `prefix`: the bytes the door read, handed on to hyper.
pub struct Prefixed<S> {
    prefix: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    pub fn new(prefix: Vec<u8>, inner: S) -> Self {
        Prefixed {
            prefix,
            at: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(rest) = this.prefix.get(this.at..).filter(|r| !r.is_empty()) {
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.at += n;
            if this.at == this.prefix.len() {
                this.prefix = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

//! The tapped socket's reads and writes: every byte copied into the tap as it crosses, the
//! farewell of a request the server gave up on, the close.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{BUDGET_RETRY, TapStream};
use crate::proto::Dir;

impl<S: AsyncRead + AsyncWrite + Unpin> TapStream<S> {
    /// Writes the farewell, closes our side (lingering) and fails the read, so the server lets go.
    fn poll_farewell(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(b) = self.farewell.as_mut().filter(|b| !b.is_empty()) {
            match ready!(Pin::new(&mut self.inner).poll_write(cx, b)) {
                Ok(n) => {
                    let sent = b.split_to(n);
                    self.copy(Dir::S2c, &sent);
                    if n == 0 {
                        break;
                    }
                }
                Err(e) => {
                    self.on_error(&e);
                    return Poll::Ready(Err(e));
                }
            }
        }
        let _ = ready!(self.poll_close(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the server gave up on this request",
        )))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TapStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // A kill wakes the task that read last. Registered again only when that task's waker
        // changed (a pointer comparison here, against an atomic exchange at every read).
        if !this
            .reader
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            this.handle.register_reader(cx.waker());
            this.reader = Some(cx.waker().clone());
        }
        this.poll_read_tapped(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TapStream<S> {
    fn poll_read_tapped(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self;
        if let Err(e) = this.check_kill() {
            return Poll::Ready(Err(e));
        }
        if this.farewell.is_none() {
            this.farewell = this.handle.take_farewell();
        }
        if this.farewell.is_some() {
            return this.poll_farewell(cx);
        }
        // Our close read what the client still sent; we do not wait for more.
        if this.closing.closed() {
            return Poll::Ready(Ok(()));
        }
        if !this.handle.may_read() {
            let retry = this
                .budget_retry
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(BUDGET_RETRY)));
            if retry.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.budget_retry = None;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let before = buf.filled().len();
        let room = buf.remaining() > 0;
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        match &r {
            Poll::Ready(Ok(())) => {
                let got = buf.filled().get(before..).unwrap_or_default();
                if got.is_empty() && room {
                    this.on_fin(Dir::C2s);
                } else if !got.is_empty() {
                    this.handle.did_read(got.len());
                    let ts = this.clock.now();
                    this.handle.touch_at(this.clock.instant(ts), |a| {
                        if a.in_flight == 0 && a.head_since.is_none() {
                            a.head_since = a.last;
                        }
                        a.heard = true;
                        a.last_in = a.last;
                    });
                    this.copy_at(Dir::C2s, ts, got);
                }
            }
            Poll::Ready(Err(e)) => this.on_error(e),
            Poll::Pending => {}
        }
        r
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TapStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = this.check_kill() {
            return Poll::Ready(Err(e));
        }
        // Stamped before the write: once written, the client may act on the bytes before this
        // thread runs again, and its next step must not seem to come first.
        let ts = this.clock.now();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        match &r {
            Poll::Ready(Ok(n)) => {
                this.handle
                    .touch_at(this.clock.instant(ts), |a| a.write_since = None);
                this.copy_at(Dir::S2c, ts, buf.get(..*n).unwrap_or(buf));
            }
            Poll::Ready(Err(e)) => this.on_error(e),
            Poll::Pending => this.handle.write_waits(cx.waker()),
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = this.check_kill() {
            return Poll::Ready(Err(e));
        }
        let ts = this.clock.now();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        match &r {
            Poll::Ready(Ok(n)) => {
                let mut left = *n;
                let mut written = Vec::with_capacity(left);
                for b in bufs {
                    if left == 0 {
                        break;
                    }
                    let take = left.min(b.len());
                    written.extend_from_slice(&b[..take]);
                    left -= take;
                }
                this.handle
                    .touch_at(this.clock.instant(ts), |a| a.write_since = None);
                this.copy_at(Dir::S2c, ts, &written);
            }
            Poll::Ready(Err(e)) => this.on_error(e),
            Poll::Pending => this.handle.write_waits(cx.waker()),
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        if let Poll::Ready(Err(e)) = &r {
            this.on_error(e);
        }
        r
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // A killed socket says no goodbye, not even a FIN before its RST.
        if let Err(e) = this.check_kill() {
            return Poll::Ready(Err(e));
        }
        this.poll_close(cx)
    }
}

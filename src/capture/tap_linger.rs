//! The server's close, lingering (nginx's `lingering_close`): our FIN, then read and drop what
//! the client still sends until its own FIN. Closing a socket with unread input makes the kernel
//! send an RST, which also throws away answers not yet delivered: a client that pipelined
//! requests, or is still sending a body we refused, would lose what was already written to it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::TapStream;
use crate::proto::Dir;

/// How long the close waits for the client's FIN at most. The connection keeps its slot
/// meanwhile; 2 s is ample for a client to read its last answers and close (nginx allows 30 s,
/// but it is not counting connections against a small limit).
const LINGER_TIME: Duration = Duration::from_secs(2);

/// Past this many bytes read while lingering, the client is not about to stop: give up and reset.
/// Every byte is copied to the tap, so a client that floods a closing connection must not get
/// two seconds of loopback speed (gigabytes) out of it; 1 MiB is far more than the requests a
/// client pipelines or the body it sends before it sees our answer.
const LINGER_BYTES: usize = 1024 * 1024;

/// Each read while lingering.
const LINGER_READ: usize = 16 * 1024;

/// Where the server's close of a connection stands.
pub(super) enum Closing {
    Open,
    /// Our FIN is sent; reading until the client's, or the deadline.
    Lingering {
        deadline: Pin<Box<Sleep>>,
        read: usize,
    },
    /// Done; `rst`: we gave up on a client still sending, and reset the connection.
    Done {
        rst: bool,
    },
}

impl Closing {
    /// We closed with input still arriving: the close is an RST.
    pub(super) fn reset(&self) -> bool {
        matches!(self, Closing::Done { rst: true })
    }

    /// Our close has begun: the socket reads as ended from now on.
    pub(super) fn closed(&self) -> bool {
        !matches!(self, Closing::Open)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TapStream<S> {
    /// Sends our FIN, then lingers. Ready once the client has closed too or we gave up on it.
    pub(super) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Closing::Open = self.closing {
            if let Err(e) = ready!(Pin::new(&mut self.inner).poll_shutdown(cx)) {
                self.on_error(&e);
                return Poll::Ready(Err(e));
            }
            self.on_fin(Dir::S2c);
            // The wait is the close's, not the client's idling: keep the idle timer away.
            self.handle.touch(|_| {});
            self.closing = Closing::Lingering {
                deadline: Box::pin(tokio::time::sleep(LINGER_TIME)),
                read: 0,
            };
        }
        let mut buf = [0u8; LINGER_READ];
        loop {
            // A kill still ends the connection at once (see `TapHandle::kill`).
            self.handle.register_reader(cx.waker());
            self.check_kill()?;
            let Closing::Lingering { deadline, read } = &mut self.closing else {
                return Poll::Ready(Ok(()));
            };
            let mut rb = ReadBuf::new(&mut buf);
            let n = match Pin::new(&mut self.inner).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => rb.filled().len(),
                Poll::Ready(Err(e)) => {
                    // The client reset: the tap reports its RST.
                    self.on_error(&e);
                    return self.lingered(false);
                }
                Poll::Pending if deadline.as_mut().poll(cx).is_ready() => {
                    // Nothing unread now: the close is a FIN.
                    return self.lingered(false);
                }
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                self.on_fin(Dir::C2s);
                return self.lingered(false);
            }
            *read += n;
            let flooding = *read >= LINGER_BYTES;
            // Real wire bytes, even if nobody reads them.
            self.copy(Dir::C2s, &buf[..n]);
            self.handle.touch(|_| {});
            if flooding {
                return self.lingered(true);
            }
        }
    }

    /// Ends the linger; `rst`: with input still arriving, so make the close the RST that the
    /// kernel would send anyway, and say so.
    fn lingered(&mut self, rst: bool) -> Poll<io::Result<()>> {
        if rst && let Some(abort) = self.abort {
            abort(&self.inner);
        }
        self.closing = Closing::Done { rst };
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    use super::super::{Clock, TapEvent, TapHandle, TapStream};
    use crate::capture::tap_queue::{TapRx, tap_channel};
    use crate::proto::Dir;
    use crate::proto::event::CloseHow;

    fn tapped() -> (DuplexStream, TapStream<DuplexStream>, TapRx, TapHandle) {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let (tx, rx) = tap_channel();
        let handle = TapHandle::default();
        let tap = TapStream::new(
            server,
            1,
            "c".into(),
            "s".into(),
            Clock::start(),
            tx,
            handle.clone(),
        );
        (client, tap, rx, handle)
    }

    /// The tap's close notice, once the tap is gone.
    fn close_of(mut rx: TapRx) -> (CloseHow, Option<Dir>, Vec<u8>) {
        let mut late = Vec::new();
        while let Ok(e) = rx.try_recv() {
            match e {
                TapEvent::Chunk(c) if c.dir == Dir::C2s => late.extend_from_slice(&c.bytes),
                TapEvent::Close { how, by, .. } => return (how, by, late),
                _ => {}
            }
        }
        panic!("no close notice");
    }

    #[tokio::test]
    async fn a_close_reads_until_the_clients_fin_and_taps_what_it_read() {
        let (mut client, mut tap, rx, _) = tapped();
        let peer = tokio::spawn(async move {
            client
                .write_all(b"GET /late HTTP/1.1\r\n\r\n")
                .await
                .unwrap();
            let mut rest = Vec::new();
            client.read_to_end(&mut rest).await.unwrap();
            // `client` drops here: its FIN ends the linger.
        });
        tap.shutdown().await.unwrap();
        peer.await.unwrap();
        drop(tap);
        let (how, by, late) = close_of(rx);
        assert_eq!((how, by), (CloseHow::Fin, Some(Dir::S2c)));
        assert_eq!(late, b"GET /late HTTP/1.1\r\n\r\n");
    }

    #[tokio::test]
    async fn a_client_that_floods_the_close_is_reset() {
        let (mut client, mut tap, rx, _) = tapped();
        let flood =
            tokio::spawn(async move { while client.write_all(&[b'x'; 4096]).await.is_ok() {} });
        tap.shutdown().await.unwrap();
        drop(tap);
        flood.await.unwrap();
        let (how, by, late) = close_of(rx);
        assert_eq!((how, by), (CloseHow::Rst, Some(Dir::S2c)));
        assert!(late.len() >= super::LINGER_BYTES, "{}", late.len());
    }

    #[tokio::test]
    async fn a_kill_ends_the_linger_at_once() {
        let (_client, mut tap, rx, handle) = tapped();
        let closing = tokio::spawn(async move {
            let r = tap.shutdown().await;
            (r.is_err(), tap)
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        handle.kill(false);
        let (failed, tap) = tokio::time::timeout(std::time::Duration::from_millis(500), closing)
            .await
            .expect("the kill did not wait for the linger")
            .unwrap();
        assert!(failed);
        drop(tap);
        assert_eq!(close_of(rx).0, CloseHow::Fin);
    }
}

//! `TapStream<S>`: wraps a live socket and copies every byte that crosses it, with a timestamp,
//! into a channel, together with one open and one close notice per connection.
//!
//! The clock is read here, never in `proto`: the decoders get the timestamps as plain numbers.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc::UnboundedSender;

use crate::proto::event::CloseHow;
use crate::proto::{ConnId, Dir, Timestamp};

/// A monotonic clock: timestamps are nanoseconds since its origin (the server's start).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Instant,
    /// The wall-clock time of the origin, in nanoseconds since the Unix epoch.
    wall: u64,
}

impl Clock {
    pub fn start() -> Self {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Clock {
            origin: Instant::now(),
            wall,
        }
    }

    pub fn now(&self) -> Timestamp {
        Timestamp(u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX))
    }

    /// A timestamp of this clock as nanoseconds since the Unix epoch (for capture files).
    pub fn wall(&self, ts: Timestamp) -> Timestamp {
        Timestamp(self.wall.saturating_add(ts.0))
    }
}

/// Bytes that crossed a connection in one direction.
#[derive(Debug, Clone)]
pub struct TapChunk {
    pub conn: ConnId,
    pub dir: Dir,
    pub ts: Timestamp,
    pub bytes: Bytes,
}

/// What a tap reports: each connection opens once, carries chunks, and closes once.
#[derive(Debug, Clone)]
pub enum TapEvent {
    Open {
        conn: ConnId,
        ts: Timestamp,
        client: String,
        server: String,
    },
    Chunk(TapChunk),
    /// A direction's first FIN: our shutdown (s2c) or the peer's EOF (c2s). The session shows
    /// it only if traffic follows before the close (a half-close).
    Fin {
        conn: ConnId,
        ts: Timestamp,
        dir: Dir,
    },
    Close {
        conn: ConnId,
        ts: Timestamp,
        how: CloseHow,
        /// The side that closed first, where known.
        by: Option<Dir>,
    },
}

#[path = "tap_handle.rs"]
mod handle;
pub use handle::{Slot, TapHandle, Verdict, WeakTapHandle};

#[path = "tap_linger.rs"]
mod linger;

/// A socket whose traffic is copied out. Reads are client → server, writes server → client.
pub struct TapStream<S> {
    inner: S,
    conn: ConnId,
    clock: Clock,
    tx: UnboundedSender<TapEvent>,
    handle: TapHandle,
    /// Who ended the conversation first: the peer's EOF (c2s) or our shutdown (s2c).
    first_fin: Option<Dir>,
    /// The FINs already reported, by `Dir::index`: a peer's EOF is read again and again.
    fins: [bool; 2],
    reset: bool,
    /// A last answer being written (see `TapHandle::farewell`).
    farewell: Option<Bytes>,
    /// Makes the socket answer a later close with an RST (see `TapHandle::kill`).
    abort: Option<fn(&S)>,
    /// Killed by the server: how it went.
    killed: Option<CloseHow>,
    /// The server's own close, which lingers (see `linger`).
    closing: linger::Closing,
}

impl<S> TapStream<S> {
    /// Wraps `inner`, reporting the open at once.
    pub fn new(
        inner: S,
        conn: ConnId,
        client: String,
        server: String,
        clock: Clock,
        tx: UnboundedSender<TapEvent>,
        handle: TapHandle,
    ) -> Self {
        let _ = tx.send(TapEvent::Open {
            conn,
            ts: clock.now(),
            client,
            server,
        });
        handle.touch(|_| {});
        TapStream {
            inner,
            conn,
            clock,
            tx,
            handle,
            first_fin: None,
            fins: [false; 2],
            reset: false,
            farewell: None,
            abort: None,
            killed: None,
            closing: linger::Closing::Open,
        }
    }

    /// How to turn this socket's close into an RST, for kills that ask for one.
    pub fn with_abort(mut self, abort: fn(&S)) -> Self {
        self.abort = Some(abort);
        self
    }

    /// Fails every read and write once the handle says the server killed the connection.
    fn check_kill(&mut self) -> io::Result<()> {
        if self.killed.is_none() {
            let Some(rst) = self.handle.killed() else {
                return Ok(());
            };
            let abort = self.abort.filter(|_| rst);
            if let Some(abort) = abort {
                abort(&self.inner);
            }
            self.killed = Some(if abort.is_some() {
                CloseHow::Rst
            } else {
                CloseHow::Fin
            });
        }
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the server dropped this connection",
        ))
    }

    fn copy(&self, dir: Dir, bytes: &[u8]) {
        self.copy_at(dir, self.clock.now(), bytes);
    }

    fn copy_at(&self, dir: Dir, ts: Timestamp, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let _ = self.tx.send(TapEvent::Chunk(TapChunk {
            conn: self.conn,
            dir,
            ts,
            bytes: Bytes::copy_from_slice(bytes),
        }));
    }

    fn on_error(&mut self, e: &io::Error) {
        if matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
        ) {
            self.reset = true;
        }
    }

    fn on_fin(&mut self, dir: Dir) {
        self.first_fin.get_or_insert(dir);
        if !std::mem::replace(&mut self.fins[dir.index()], true) {
            let _ = self.tx.send(TapEvent::Fin {
                conn: self.conn,
                ts: self.clock.now(),
                dir,
            });
        }
    }

    /// How the connection ended, as far as this end can tell.
    fn close_how(&self) -> (CloseHow, Option<Dir>) {
        // A WebSocket cut for idling is killed as well as timed out: the reason wins.
        if self.handle.timed_out() && self.killed != Some(CloseHow::Rst) {
            (CloseHow::Timeout, Some(Dir::S2c))
        } else if let Some(how) = self.killed {
            (how, Some(Dir::S2c))
        } else if self.closing.reset() {
            (CloseHow::Rst, Some(Dir::S2c))
        } else if self.reset {
            (CloseHow::Rst, Some(Dir::C2s))
        } else {
            // Dropped without a shutdown: closing the socket sends our FIN now.
            (CloseHow::Fin, Some(self.first_fin.unwrap_or(Dir::S2c)))
        }
    }
}

impl<S> Drop for TapStream<S> {
    fn drop(&mut self) {
        // A kill not yet seen by a read or write still gets its RST.
        let _ = self.check_kill();
        let (how, by) = self.close_how();
        let _ = self.tx.send(TapEvent::Close {
            conn: self.conn,
            ts: self.clock.now(),
            how,
            by,
        });
    }
}

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
        this.handle.register_reader(cx.waker());
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
        let before = buf.filled().len();
        let room = buf.remaining() > 0;
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        match &r {
            Poll::Ready(Ok(())) => {
                let got = buf.filled().get(before..).unwrap_or_default();
                if got.is_empty() && room {
                    this.on_fin(Dir::C2s);
                } else if !got.is_empty() {
                    this.handle.touch(|a| {
                        if a.in_flight == 0 && a.head_since.is_none() {
                            a.head_since = a.last;
                        }
                    });
                    this.copy(Dir::C2s, got);
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
                this.handle.touch(|_| {});
                this.copy_at(Dir::S2c, ts, buf.get(..*n).unwrap_or(buf));
            }
            Poll::Ready(Err(e)) => this.on_error(e),
            Poll::Pending => {}
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
                this.handle.touch(|_| {});
                this.copy_at(Dir::S2c, ts, &written);
            }
            Poll::Ready(Err(e)) => this.on_error(e),
            Poll::Pending => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::sync::mpsc;

    fn drain(rx: &mut mpsc::UnboundedReceiver<TapEvent>) -> Vec<TapEvent> {
        let mut v = Vec::new();
        while let Ok(e) = rx.try_recv() {
            v.push(e);
        }
        v
    }

    /// A tapped in-memory socket: the client's end, the tap, its notices and its handle.
    fn tapped(
        id: ConnId,
    ) -> (
        tokio::io::DuplexStream,
        TapStream<tokio::io::DuplexStream>,
        mpsc::UnboundedReceiver<TapEvent>,
        TapHandle,
    ) {
        let (client, server) = tokio::io::duplex(64);
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = TapHandle::default();
        let tap = TapStream::new(
            server,
            id,
            "c".into(),
            "s".into(),
            Clock::start(),
            tx,
            handle.clone(),
        );
        (client, tap, rx, handle)
    }

    #[tokio::test]
    async fn copies_both_directions_and_closes_once() {
        let (client, mut tap, mut rx, _) = tapped(7);
        let mut client = client;
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 16];
        let n = tap.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
        tap.write_all(b"pong!").await.unwrap();
        drop(client);
        assert_eq!(tap.read(&mut buf).await.unwrap(), 0);
        drop(tap);
        let evs = drain(&mut rx);
        assert!(matches!(evs[0], TapEvent::Open { conn: 7, .. }));
        let chunks: Vec<_> = evs
            .iter()
            .filter_map(|e| match e {
                TapEvent::Chunk(c) => Some((c.dir, c.bytes.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            chunks,
            vec![
                (Dir::C2s, Bytes::from_static(b"ping")),
                (Dir::S2c, Bytes::from_static(b"pong!"))
            ]
        );
        let closes: Vec<_> = evs
            .iter()
            .filter(|e| matches!(e, TapEvent::Close { .. }))
            .collect();
        assert_eq!(closes.len(), 1);
        assert!(matches!(
            closes[0],
            TapEvent::Close {
                how: CloseHow::Fin,
                by: Some(Dir::C2s),
                ..
            }
        ));
    }

    #[tokio::test]
    async fn timeout_mark_wins_over_fin() {
        let (_client, mut tap, mut rx, handle) = tapped(1);
        tap.shutdown().await.unwrap();
        handle.mark_timeout();
        drop(tap);
        let evs = drain(&mut rx);
        assert!(matches!(
            evs.last(),
            Some(TapEvent::Close {
                how: CloseHow::Timeout,
                by: Some(Dir::S2c),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn a_started_head_stalls_while_silence_is_idle() {
        let (mut client, mut tap, _rx, handle) = tapped(1);
        let (idle, head) = (Some(Duration::from_millis(40)), Duration::from_millis(20));
        assert!(matches!(handle.verdict(idle, head), Verdict::Wait(_)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(handle.verdict(idle, head), Verdict::Idle);
        client.write_all(b"GET / HT").await.unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(tap.read(&mut buf).await.unwrap(), 8);
        assert!(matches!(handle.verdict(idle, head), Verdict::Wait(_)));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(handle.verdict(idle, head), Verdict::Stalled);
        handle.request_started();
        assert!(matches!(handle.verdict(idle, head), Verdict::Wait(_)));
    }
}

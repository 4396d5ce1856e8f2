//! `TapStream<S>`: wraps a live socket and copies every byte that crosses it, with a timestamp,
//! into a bounded queue (`tap_queue`), together with one open and one close notice per
//! connection.
//!
//! The clock is read here, never in `proto`: the decoders get the timestamps as plain numbers.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::tap_queue::{ConnTx, TapTx};
use crate::proto::event::{CloseHow, Stall};
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

    /// The instant of one of this clock's timestamps (no second look at the clock).
    pub fn instant(&self, ts: Timestamp) -> Instant {
        self.origin + std::time::Duration::from_nanos(ts.0)
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
        /// The server's limit that ended it, if one did.
        why: Option<Stall>,
    },
    /// Bytes of one direction that found the queue full and were let go; `ts` is the first
    /// one's. Told before the connection's next chunk, FIN or close.
    Skipped {
        conn: ConnId,
        ts: Timestamp,
        dir: Dir,
        bytes: u64,
    },
}

#[path = "tap_budget.rs"]
mod budget;
#[path = "tap_handle.rs"]
mod handle;
pub use budget::{Budget, FREE as BUDGET_FREE};
pub use handle::{Limits, Slot, TapHandle, Verdict, WeakTapHandle};

/// How often a read waiting for the budget looks again.
const BUDGET_RETRY: std::time::Duration = std::time::Duration::from_millis(10);

#[path = "tap_linger.rs"]
mod linger;

/// A socket whose traffic is copied out. Reads are client → server, writes server → client.
pub struct TapStream<S> {
    inner: S,
    clock: Clock,
    out: ConnTx,
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
    /// When to look again at a budget that had no room (see `Budget`).
    budget_retry: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The server's own close, which lingers (see `linger`).
    closing: linger::Closing,
    /// The waker last registered for a kill (see `poll_read`).
    reader: Option<std::task::Waker>,
}

impl<S> TapStream<S> {
    /// Wraps `inner`, reporting the open at once.
    pub fn new(
        inner: S,
        conn: ConnId,
        client: String,
        server: String,
        clock: Clock,
        tx: TapTx,
        handle: TapHandle,
    ) -> Self {
        let out = ConnTx::open(tx, conn, clock.now(), client, server);
        handle.touch(|_| {});
        TapStream {
            inner,
            clock,
            out,
            handle,
            first_fin: None,
            fins: [false; 2],
            reset: false,
            farewell: None,
            abort: None,
            killed: None,
            budget_retry: None,
            closing: linger::Closing::Open,
            reader: None,
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

    fn copy(&mut self, dir: Dir, bytes: &[u8]) {
        self.copy_at(dir, self.clock.now(), bytes);
    }

    /// Never waits: with the queue full, the bytes are only counted (see `tap_queue`).
    fn copy_at(&mut self, dir: Dir, ts: Timestamp, bytes: &[u8]) {
        self.out.chunk(dir, ts, bytes);
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
            self.out.fin(self.clock.now(), dir);
        }
    }

    /// How the connection ended, as far as this end can tell.
    fn close_how(&self) -> (CloseHow, Option<Dir>) {
        // A WebSocket cut for idling is killed as well as timed out: the reason wins.
        if self.handle.stall().is_some() && self.killed != Some(CloseHow::Rst) {
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
        // A kill that came while no one polled the socket still ends it the way it asked.
        let _ = self.check_kill();
        let (how, by) = self.close_how();
        self.out
            .close(self.clock.now(), how, by, self.handle.stall());
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::capture::tap_queue::{TapRx, tap_channel};

    fn drain(rx: &mut TapRx) -> Vec<TapEvent> {
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
        TapRx,
        TapHandle,
    ) {
        let (client, server) = tokio::io::duplex(64);
        let (tx, rx) = tap_channel();
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
        handle.mark_timeout(Stall::Idle);
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

    fn limits(idle: u64, first_byte: u64, head: u64, write: u64) -> Limits {
        let ms = Duration::from_millis;
        Limits {
            idle: Some(ms(idle)),
            first_byte: ms(first_byte),
            head: ms(head),
            write: ms(write),
        }
    }

    #[tokio::test]
    async fn a_started_head_stalls_while_silence_is_idle() {
        let (mut client, mut tap, _rx, handle) = tapped(1);
        let l = limits(40, 1000, 20, 1000);
        // Something was heard already: the keep-alive limit applies, not the first byte's.
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 32];
        assert!(tap.read(&mut buf).await.unwrap() > 0);
        handle.request_started();
        handle.request_done();
        assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(handle.verdict(&l), Verdict::Idle(Stall::Idle));
        client.write_all(b"GET / HT").await.unwrap();
        assert_eq!(tap.read(&mut buf).await.unwrap(), 8);
        assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(handle.verdict(&l), Verdict::Stalled);
        handle.request_started();
        assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
    }

    #[tokio::test]
    async fn a_silent_new_connection_meets_the_first_byte_limit() {
        let (_client, _tap, _rx, handle) = tapped(1);
        let l = limits(10_000, 20, 1000, 1000);
        assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(handle.verdict(&l), Verdict::Idle(Stall::FirstByte));
    }

    #[tokio::test]
    async fn a_client_that_does_not_read_stalls_the_write() {
        let (_client, mut tap, mut rx, handle) = tapped(1);
        let l = limits(10_000, 10_000, 1000, 20);
        // 64 bytes fit in the pipe; the rest waits for a reader that never comes.
        let write = tokio::time::timeout(Duration::from_millis(40), tap.write_all(&[b'x'; 200]));
        assert!(write.await.is_err(), "the write waits");
        assert_eq!(handle.verdict(&l), Verdict::WriteStalled);
        handle.mark_timeout(Stall::Write);
        handle.kill(false);
        assert!(
            tap.write_all(b"more").await.is_err(),
            "a killed socket fails"
        );
        drop(tap);
        let why = drain(&mut rx).into_iter().find_map(|e| match e {
            TapEvent::Close { why, .. } => why,
            _ => None,
        });
        assert_eq!(why, Some(Stall::Write));
    }
}

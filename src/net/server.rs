//! The accept loop and one hyper HTTP/1.x connection per accepted, tapped socket.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{mpsc, watch};

use super::{Shared, routes};
use crate::capture::tap::{Clock, TapEvent, TapHandle, TapStream};
use crate::proto::ConnId;

/// How long a shutdown waits for clients to finish before leaving them.
const DRAIN: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Close a keep-alive connection that sends no request for this long (None: never).
    pub keepalive: Option<Duration>,
    /// Copy every byte out to the tap (true: what `duplex serve` does). False serves the bare
    /// socket, for measuring what the tap costs (`cargo bench --bench serve`).
    pub tap: bool,
}

/// Serves `listener` until `stop` resolves, then shuts down: no more accepts, HTTP connections
/// finish their exchange and close, WebSocket clients get close 1001. Returns once every client
/// is done or the drain time is up. Every tapped notice goes to `tx`.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    clock: Clock,
    tx: UnboundedSender<TapEvent>,
    stop: impl Future<Output = ()>,
) {
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let shared = Shared {
        shutdown: shutdown_rx,
        alive: alive_tx,
    };
    let mut next_id: ConnId = 1;
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            r = listener.accept() => match r {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let id = next_id;
        next_id = next_id.wrapping_add(1);
        let ctx = Conn {
            id,
            peer,
            config,
            clock,
            tx: tx.clone(),
            shared: shared.clone(),
        };
        tokio::spawn(ctx.run(stream));
    }
    drop(listener);
    let _ = shutdown_tx.send(true);
    drop(shared);
    // Every task holds a clone of `alive`: recv() gives None once all of them are gone.
    let _ = tokio::time::timeout(DRAIN, alive_rx.recv()).await;
}

struct Conn {
    id: ConnId,
    peer: SocketAddr,
    config: Config,
    clock: Clock,
    tx: UnboundedSender<TapEvent>,
    shared: Shared,
}

impl Conn {
    async fn run(self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        if !self.config.tap {
            return self.run_untapped(stream).await;
        }
        let local = stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let handle = TapHandle::default();
        let tap = TapStream::new(
            stream,
            self.id,
            self.peer.to_string(),
            local,
            self.clock,
            self.tx,
            handle.clone(),
        );
        let shared = self.shared.clone();
        let service = service_fn(move |req| routes::route(req, shared.clone()));
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(self.config.keepalive);
        let conn = builder
            .serve_connection(TokioIo::new(tap), service)
            .with_upgrades();
        tokio::pin!(conn);
        let result = tokio::select! {
            r = conn.as_mut() => r,
            () = super::stopped(self.shared.shutdown.clone()) => {
                conn.as_mut().graceful_shutdown();
                tokio::time::timeout(DRAIN, conn.as_mut()).await.unwrap_or(Ok(()))
            }
        };
        if let Err(e) = result
            && e.is_timeout()
        {
            // hyper's header read timer runs from the end of one exchange to the next head:
            // it is the idle keep-alive timer.
            handle.mark_timeout();
        }
        // Dropping `conn` drops the tapped socket, which reports the close.
    }
}

// ---- The tap switch: the same server with no copies, the baseline of the tap's cost. ----

impl Default for Config {
    fn default() -> Self {
        Config {
            keepalive: None,
            tap: true,
        }
    }
}

impl Conn {
    /// Serves the bare socket: no tap, so no events and no copies. Keep the builder in step with
    /// `run`, or the benchmark compares two different servers.
    async fn run_untapped(self, stream: TcpStream) {
        let shared = self.shared.clone();
        let service = service_fn(move |req| routes::route(req, shared.clone()));
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(self.config.keepalive);
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        tokio::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => {}
            () = super::stopped(self.shared.shutdown.clone()) => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(DRAIN, conn.as_mut()).await;
            }
        }
    }
}

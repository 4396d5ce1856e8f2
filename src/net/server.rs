//! The accept loop and one hyper HTTP/1.x connection per accepted, tapped socket.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::control::Control;
use super::stranger::{self, Door, Prefixed};
use super::tls::Tls;
use super::tls_accept::{self, Io};
use super::{Shared, limits, routes};
use crate::capture::tap::{Budget, Clock, Limits, Slot, TapHandle, TapStream};
use crate::capture::tap_queue::TapTx;
use crate::proto::ConnId;
use timers::{serve_http, watch_ws};

#[path = "server_watch.rs"]
mod timers;

/// How long a shutdown waits for clients to finish before leaving them.
const DRAIN: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Close a keep-alive connection that sends no request for this long (None: never).
    pub keepalive: Option<Duration>,
    /// Copy every byte out to the tap (true: what `duplex serve` does). False serves the bare
    /// socket, for measuring what the tap costs (`cargo bench --bench serve`).
    pub tap: bool,
    /// Answer 408 to a request head not complete this long after its first byte.
    pub head_timeout: Duration,
    /// Answer 413 to a declared body larger than this.
    pub max_body: u64,
    /// Answer 503 to connections beyond this many open at once.
    pub max_conns: usize,
    /// Requests served on one keep-alive connection; the last answer says `Connection: close`
    /// (nginx's `keepalive_requests`, 1000 by default).
    pub max_requests: u32,
    /// End a request whose body stops arriving for this long.
    pub body_timeout: Duration,
    /// Abort a connection whose client has not read what the server wrote for this long.
    pub write_timeout: Duration,
    /// Ping a WebSocket client silent for half this long; close it (1001) when still silent
    /// after all of it (None: never).
    pub ws_idle: Option<Duration>,
    /// Close a new connection that sends nothing for this long.
    pub first_byte_timeout: Duration,
    /// Accept WebSocket compression (permessage-deflate) when a client offers it.
    pub deflate: bool,
}

/// The idle limit for new and kept-alive connections alike once three quarters of
/// `max_conns` are open: a crowd of silent sockets must not keep others out for long.
pub const CROWDED_IDLE: Duration = Duration::from_secs(2);

impl Default for Config {
    fn default() -> Self {
        Config {
            keepalive: Some(Duration::from_secs(75)),
            head_timeout: Duration::from_secs(10),
            max_body: 16 * 1024 * 1024,
            max_conns: 1024,
            max_requests: 1000,
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            ws_idle: Some(Duration::from_secs(60)),
            first_byte_timeout: Duration::from_secs(10),
            tap: true,
            deflate: true,
        }
    }
}

/// Serves `listener` until `stop` resolves, then shuts down: no more accepts, HTTP connections
/// finish their exchange and close, WebSocket clients get close 1001. Returns once every client
/// is done or the drain time is up. Every tapped notice goes to `tx`.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    clock: Clock,
    tx: TapTx,
    stop: impl Future<Output = ()>,
) {
    serve_with(listener, config, clock, tx, stop, Arc::default()).await;
}

/// As [`serve`], with `control` to change the keep-alive timeout or kill a connection while
/// it runs.
pub async fn serve_with(
    listener: TcpListener,
    config: Config,
    clock: Clock,
    tx: TapTx,
    stop: impl Future<Output = ()>,
    control: Arc<Control>,
) {
    serve_tls(listener, config, clock, tx, stop, control, None).await;
}

/// As [`serve_with`], answering TLS clients with `tls` on the same port as plain HTTP (the
/// first byte tells them apart).
pub async fn serve_tls(
    listener: TcpListener,
    config: Config,
    clock: Clock,
    tx: TapTx,
    stop: impl Future<Output = ()>,
    control: Arc<Control>,
    tls: Option<Arc<Tls>>,
) {
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let shared = Shared {
        shutdown: shutdown_rx,
        alive: alive_tx,
        limits: super::WsLimits {
            ws_idle: config.ws_idle,
            body: config.body_timeout,
        },
        conn: None,
        deflate: config.deflate,
        control: control.clone(),
    };
    let mut next_id: ConnId = 1;
    let open = Arc::new(AtomicUsize::new(0));
    let budget = Budget::new(limits::WS_BUDGET);
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
        // A full server first closes its longest-silent connection to make room.
        if open.load(Ordering::Relaxed) >= config.max_conns && !control.evict_silent() {
            let tap = tap(stream, id, peer, clock, &tx, TapHandle::default());
            let alive = shared.alive.clone();
            tokio::spawn(async move {
                limits::refuse(tap).await;
                drop(alive);
            });
            continue;
        }
        let slot = Slot::take(&open);
        let ctx = Conn {
            slot,
            budget: budget.clone(),
            open: open.clone(),
            id,
            peer,
            config,
            clock,
            tx: tx.clone(),
            shared: shared.clone(),
            control: control.clone(),
            tls: tls.clone(),
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
    slot: Slot,
    budget: Arc<Budget>,
    /// How many connections are open, to see when the server is crowded.
    open: Arc<AtomicUsize>,
    id: ConnId,
    peer: SocketAddr,
    config: Config,
    clock: Clock,
    tx: TapTx,
    shared: Shared,
    control: Arc<Control>,
    tls: Option<Arc<Tls>>,
}

fn tap(
    stream: TcpStream,
    id: ConnId,
    peer: SocketAddr,
    clock: Clock,
    tx: &TapTx,
    handle: TapHandle,
) -> TapStream<TcpStream> {
    let _ = stream.set_nodelay(true);
    let local = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    TapStream::new(
        stream,
        id,
        peer.to_string(),
        local,
        clock,
        tx.clone(),
        handle,
    )
    .with_abort(|s| {
        let _ = s.set_zero_linger();
    })
}

impl Conn {
    async fn run(self, stream: TcpStream) {
        if !self.config.tap {
            let _ = stream.set_nodelay(true);
            return self.run_untapped(stream).await;
        }
        // The slot goes with the socket, which may outlive this task (a WebSocket).
        let handle = TapHandle::with_slot(self.slot, self.budget.clone());
        self.control.opened(self.peer, &handle);
        let mut tap = tap(
            stream,
            self.id,
            self.peer,
            self.clock,
            &self.tx,
            handle.clone(),
        );
        let crowd = Crowd {
            open: self.open.clone(),
            max: self.config.max_conns,
        };
        let (config, ctl) = (self.config, &self.control);
        let now = || limits(&config, ctl.keepalive(config.keepalive), &crowd);
        let stop = super::stopped(self.shared.shutdown.clone());
        let io = match stranger::door(self.tls.is_some(), &mut tap, &handle, now, stop).await {
            Door::Http(first) => Io::Plain(Prefixed::new(first, tap)),
            Door::Tls(first) => {
                let Some(tls) = self.tls.as_deref() else {
                    return;
                };
                let stop = super::stopped(self.shared.shutdown.clone());
                match tls_accept::handshake(tls, first, tap, &handle, now, stop).await {
                    Some(io) => io,
                    None => return,
                }
            }
            Door::Done => return,
        };
        let tls = io.is_tls();
        let mut shared = self.shared.clone();
        shared.conn = Some(handle.downgrade());
        let (h, max_body) = (handle.clone(), self.config.max_body);
        let max_requests = self.config.max_requests;
        let served = Arc::new(AtomicU32::new(0));
        let (control, configured) = (self.control.clone(), self.config.keepalive);
        let service = service_fn(move |req| {
            h.request_started();
            let last = served.fetch_add(1, Ordering::Relaxed).saturating_add(1) >= max_requests;
            let (shared, h, control) = (shared.clone(), h.clone(), control.clone());
            let persist = !last && Control::persists(&req);
            async move {
                let mut resp = match limits::check_body(&req, max_body) {
                    Some(resp) => resp,
                    None => routes::route(req, shared).await?,
                };
                if resp.status() != hyper::StatusCode::SWITCHING_PROTOCOLS
                    && !resp.headers().contains_key(hyper::header::CONNECTION)
                {
                    control.announce(&mut resp, persist, configured);
                }
                if last && resp.status() != hyper::StatusCode::SWITCHING_PROTOCOLS {
                    // hyper closes the connection after an answer that says so.
                    resp.headers_mut().insert(
                        hyper::header::CONNECTION,
                        hyper::header::HeaderValue::from_static("close"),
                    );
                }
                Ok::<_, std::convert::Infallible>(limits::track(resp, h))
            }
        });
        let mut builder = http1::Builder::new();
        // Both timers are kept here, not by hyper: it cannot tell idle from stalled mid-head.
        builder
            .timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(None)
            .max_header_size(limits::MAX_HEAD);
        let conn = builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let weak = handle.downgrade();
        // True when hyper is done with the connection by itself: it ended, or was upgraded.
        let done = serve_http(
            conn,
            handle,
            &self.control,
            self.config,
            &crowd,
            &self.shared,
            tls,
        )
        .await;
        if done {
            // Upgraded, the socket lives on in its WebSocket task; else it is gone already.
            let write = self.config.write_timeout;
            watch_ws(weak, self.control, write, self.shared.shutdown).await;
        }
    }
}

/// The open connections against the most allowed.
struct Crowd {
    open: Arc<AtomicUsize>,
    max: usize,
}

impl Crowd {
    fn crowded(&self) -> bool {
        self.open.load(Ordering::Relaxed).saturating_mul(4) >= self.max.saturating_mul(3)
    }
}

/// The limits that hold now: tighter idle limits while the server is crowded.
fn limits(config: &Config, idle: Option<Duration>, crowd: &Crowd) -> Limits {
    let mut l = Limits {
        idle,
        first_byte: config.first_byte_timeout,
        head: config.head_timeout,
        write: config.write_timeout,
    };
    if crowd.crowded() {
        l.idle = Some(l.idle.map_or(CROWDED_IDLE, |i| i.min(CROWDED_IDLE)));
        l.first_byte = l.first_byte.min(CROWDED_IDLE);
    }
    l
}

// ---- The tap switch: the same server with no copies, the baseline of the tap's cost. ----

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

//! The watchers of a connection's time limits: while hyper serves HTTP on it, and once it is
//! upgraded to a WebSocket.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

use super::super::control::Control;
use super::super::tls_accept::Io;
use super::super::{Shared, limits, routes};
use super::{Config, Crowd, DRAIN};
use crate::capture::tap::{TapHandle, Verdict, WeakTapHandle};
use crate::proto::event::Stall;

/// How often an upgraded connection's idleness is looked at, at most, while a WebSocket idle
/// timeout is set, and while none is.
const WS_TICK: Duration = Duration::from_millis(200);
const WS_TICK_UNSET: Duration = Duration::from_secs(1);

/// Serves HTTP on the connection until hyper is done with it (true) or the server closes it
/// (false). Dropping `conn` on return drops the tapped socket, unless it was upgraded.
pub(super) async fn serve_http<S>(
    conn: http1::UpgradeableConnection<TokioIo<Io>, S>,
    handle: TapHandle,
    control: &Control,
    config: Config,
    crowd: &Crowd,
    shared: &Shared,
    tls: bool,
) -> bool
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = routes::RespBody>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(conn);
    let mut stop = std::pin::pin!(super::super::stopped(shared.shutdown.clone()));
    loop {
        let idle = control.keepalive(config.keepalive);
        let now = super::limits(&config, idle, crowd);
        let wait = match handle.verdict(&now) {
            // While a request is in flight nothing wakes this loop when it ends: look again
            // soon enough that the idle close after it is not late by a whole tick.
            Verdict::Wait(d) => now.idle.map_or(d, |i| d.min(i / 4)),
            Verdict::Idle(why) => {
                handle.mark_timeout(why);
                return false;
            }
            Verdict::WriteStalled => {
                handle.mark_timeout(Stall::Write);
                handle.kill(true);
                return false;
            }
            // Under TLS a 408 written on the socket would be garbage to the client: just close.
            Verdict::Stalled if tls => {
                handle.mark_timeout(Stall::Head);
                handle.kill(false);
                return false;
            }
            Verdict::Stalled => {
                handle.mark_timeout(Stall::Head);
                // The tapped socket writes the 408 the next time hyper reads, then fails.
                handle.farewell(bytes::Bytes::from_static(limits::REQUEST_TIMEOUT));
                let _ = tokio::time::timeout(DRAIN, conn.as_mut()).await;
                return false;
            }
        };
        tokio::select! {
            _ = conn.as_mut() => return true,
            () = tokio::time::sleep(wait) => {}
            () = &mut stop => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(DRAIN, conn.as_mut()).await;
                return false;
            }
        }
    }
}

/// Cuts an upgraded connection on which no byte has crossed, either way, for the WebSocket idle
/// timeout a lesson set, as a proxy or load balancer in front of a server does: a FIN, no close
/// frame. Pings and pongs are bytes, which is why heartbeats keep a WebSocket alive. Ends with
/// the socket or the server.
/// Also aborts one whose client has not read for `write`.
pub(super) async fn watch_ws(
    weak: WeakTapHandle,
    control: Arc<Control>,
    write: Duration,
    shutdown: watch::Receiver<bool>,
) {
    let mut stop = std::pin::pin!(super::super::stopped(shutdown));
    loop {
        let Some(h) = weak.upgrade() else {
            return;
        };
        if h.write_stalled(write) {
            h.mark_timeout(Stall::Write);
            h.kill(true);
            return;
        }
        let wait = match control.ws_idle() {
            Some(idle) if h.quiet() >= idle => {
                h.mark_timeout(Stall::Idle);
                h.kill(false);
                return;
            }
            Some(idle) => idle.saturating_sub(h.quiet()).min(WS_TICK),
            None => WS_TICK_UNSET.min(write / 4),
        };
        drop(h);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut stop => return,
        }
    }
}

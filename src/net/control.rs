//! What a lesson may change on a running server: the keep-alive timeout and whether answers
//! announce it, an idle timeout for WebSockets, the origins a WebSocket may come from, and which
//! connection to kill.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use hyper::header::{CONNECTION, HeaderValue};
use rustc_hash::FxHashMap as HashMap;

use super::origin::Origin;
use crate::capture::tap::{TapHandle, WeakTapHandle};

/// How long a connection must have said nothing before a full server closes it for a newcomer:
/// a client that has just connected gets time to send its request.
const SILENT_EVICT: Duration = Duration::from_millis(500);

/// No override: the server's `Config` decides.
const UNSET: u64 = u64::MAX;
/// An override meaning "never close an idle connection".
const NEVER: u64 = u64::MAX - 1;

#[derive(Debug)]
pub struct Control {
    keepalive_ms: AtomicU64,
    /// Answers say `Connection: keep-alive` and `Keep-Alive: timeout=N`, as nginx and Apache do.
    announce: AtomicBool,
    /// Cut a WebSocket idle this long (NEVER: leave it), as a proxy in front would.
    ws_idle_ms: AtomicU64,
    /// The origins a WebSocket upgrade may come from (None: any, unchecked).
    origins: RwLock<Option<Arc<[Origin]>>>,
    /// The open connections by the client's address.
    conns: Mutex<HashMap<SocketAddr, WeakTapHandle>>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            keepalive_ms: AtomicU64::new(UNSET),
            announce: AtomicBool::new(false),
            ws_idle_ms: AtomicU64::new(NEVER),
            origins: RwLock::default(),
            conns: Mutex::default(),
        }
    }
}

impl Control {
    /// The idle timeout from now on, for new and open connections alike (None: never).
    pub fn set_keepalive(&self, idle: Option<Duration>) {
        let ms = idle.map_or(NEVER, |d| {
            u64::try_from(d.as_millis()).unwrap_or(NEVER).min(NEVER - 1)
        });
        self.keepalive_ms.store(ms, Ordering::Relaxed);
    }

    /// Whether answers that keep the connection open say so, with the timeout.
    pub fn set_announce(&self, on: bool) {
        self.announce.store(on, Ordering::Relaxed);
    }

    /// Adds `Connection: keep-alive` and, when there is a timeout, `Keep-Alive: timeout=N` to
    /// an answer that leaves the connection open (`persist`), if the server announces them.
    pub fn announce<B>(
        &self,
        resp: &mut hyper::Response<B>,
        persist: bool,
        configured: Option<Duration>,
    ) {
        if !persist || !self.announce.load(Ordering::Relaxed) {
            return;
        }
        let h = resp.headers_mut();
        h.insert(CONNECTION, HeaderValue::from_static("keep-alive"));
        if let Some(idle) = self.keepalive(configured) {
            let secs = idle.as_secs_f64().round().max(1.0);
            if let Ok(v) = HeaderValue::from_str(&format!("timeout={secs}")) {
                h.insert("keep-alive", v);
            }
        }
    }

    /// Whether the client wants the connection kept after this request: HTTP/1.1 unless it says
    /// `Connection: close`, HTTP/1.0 only if it says `Connection: keep-alive`.
    pub fn persists<B>(req: &hyper::Request<B>) -> bool {
        let says = |token: &str| {
            req.headers().get_all(CONNECTION).iter().any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            })
        };
        match req.version() {
            hyper::Version::HTTP_11 => !says("close"),
            hyper::Version::HTTP_10 => says("keep-alive"),
            _ => false,
        }
    }

    /// The WebSocket idle timeout from now on (None: never).
    pub fn set_ws_idle(&self, idle: Option<Duration>) {
        let ms = idle.map_or(NEVER, |d| {
            u64::try_from(d.as_millis()).unwrap_or(NEVER).min(NEVER - 1)
        });
        self.ws_idle_ms.store(ms, Ordering::Relaxed);
    }

    pub fn ws_idle(&self) -> Option<Duration> {
        match self.ws_idle_ms.load(Ordering::Relaxed) {
            NEVER => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// From now on refuse (403) a WebSocket upgrade whose Origin is not one of `allowed`;
    /// None checks no Origin.
    pub fn set_origins(&self, allowed: Option<Vec<Origin>>) {
        *self.origins.write().unwrap_or_else(PoisonError::into_inner) = allowed.map(Arc::from);
    }

    /// The origins a WebSocket upgrade may come from (None: any).
    pub fn origins(&self) -> Option<Arc<[Origin]>> {
        self.origins
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The idle timeout to apply, given the configured one.
    pub fn keepalive(&self, configured: Option<Duration>) -> Option<Duration> {
        match self.keepalive_ms.load(Ordering::Relaxed) {
            UNSET => configured,
            NEVER => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    pub(super) fn opened(&self, client: SocketAddr, handle: &TapHandle) {
        let mut conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        // Closed connections leave dead entries: sweep them as new ones come.
        if conns.len() >= 64 && conns.len().is_power_of_two() {
            conns.retain(|_, h| h.upgrade().is_some());
        }
        conns.insert(client, handle.downgrade());
    }

    /// Makes room when every slot is taken: closes the connection that has been open longest
    /// without sending a byte (at least `SILENT_EVICT`), marked as ended by the first-byte
    /// limit. A crowd of silent sockets then cannot keep a client that speaks out. False when
    /// none qualifies.
    pub(super) fn evict_silent(&self) -> bool {
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        let victim = conns
            .values()
            .filter_map(WeakTapHandle::upgrade)
            .filter_map(|h| h.silent_for().map(|d| (d, h)))
            .filter(|(d, _)| *d >= SILENT_EVICT)
            .max_by_key(|(d, _)| *d);
        let Some((_, h)) = victim else {
            return false;
        };
        h.mark_timeout(crate::proto::event::Stall::FirstByte);
        h.kill(false);
        true
    }

    /// Kills the server's side of the connection from `client`, with a FIN or an RST and no
    /// goodbye above TCP. False when no such connection is open.
    pub fn kill(&self, client: SocketAddr, rst: bool) -> bool {
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        match conns.get(&client).and_then(WeakTapHandle::upgrade) {
            Some(h) => {
                h.kill(rst);
                true
            }
            None => false,
        }
    }
}

//! What a lesson may change on a running server: the keep-alive timeout, and which connection
//! to kill.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rustc_hash::FxHashMap as HashMap;

use crate::capture::tap::{TapHandle, WeakTapHandle};

/// No override: the server's `Config` decides.
const UNSET: u64 = u64::MAX;
/// An override meaning "never close an idle connection".
const NEVER: u64 = u64::MAX - 1;

#[derive(Debug)]
pub struct Control {
    keepalive_ms: AtomicU64,
    /// The open connections by the client's address.
    conns: Mutex<HashMap<SocketAddr, WeakTapHandle>>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            keepalive_ms: AtomicU64::new(UNSET),
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

//! The built-in server: a hyper HTTP/1.x server whose every socket is tapped, and the session
//! that decodes the tapped bytes into events as they happen.

pub mod catalog;
pub mod chat;
pub mod client;
pub mod command;
pub mod control;
pub mod deflate;
pub mod deflate_offer;
pub mod game;
pub mod heartbeat;
pub mod limits;
pub mod live;
pub mod maybe_tls;
pub mod origin;
pub mod record;
pub mod routes;
pub mod server;
pub mod session;
pub mod stranger;
pub mod ticker;
pub mod tls;
pub mod tls_accept;
pub mod tls_serve;
mod upgrade_check;
pub mod ws_echo;

use tokio::sync::{mpsc, watch};

use crate::capture::tap::WeakTapHandle;

/// What every connection task and WebSocket task shares.
#[derive(Clone)]
pub struct Shared {
    /// Turns true when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// Held by every task still serving a client; the server waits until all are dropped.
    pub alive: mpsc::Sender<()>,
    /// The time limits routes apply themselves.
    pub limits: WsLimits,
    /// The connection a request came on (None outside a request).
    pub conn: Option<WeakTapHandle>,
    /// Accept permessage-deflate offers (`duplex serve --no-deflate` turns it off).
    pub deflate: bool,
    /// What may change while the server runs: here, the origins an upgrade may come from.
    pub control: std::sync::Arc<control::Control>,
}

/// The time limits a route applies itself.
#[derive(Clone, Copy, Debug)]
pub struct WsLimits {
    /// See `server::Config::ws_idle`.
    pub ws_idle: Option<std::time::Duration>,
    /// See `server::Config::body_timeout`.
    pub body: std::time::Duration,
}

/// Resolves once the server shuts down.
pub async fn stopped(mut shutdown: watch::Receiver<bool>) {
    // The guard `wait_for` returns is not Send: drop it here, before the caller awaits more.
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}

//! One client WebSocket run by a task of its own, told what to send through a channel: the
//! sandbox's quick actions and the composer share it.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::msg::Msg;
use crate::net::client::Ws;

/// What an open WebSocket is told to do.
pub enum WsCmd {
    Text(String),
    /// Bytes written as they are on the TCP socket, past the WebSocket library: frames it would
    /// never write (unmasked, reserved bits, a length that lies).
    Raw(Vec<u8>),
    /// Drop the socket with no close frame: the server sees the connection end abruptly.
    Kill,
}

/// A handle on the task: its commands, and this end's address once connected (how the server's
/// tap names the connection).
#[derive(Clone)]
pub struct Link {
    pub cmd: UnboundedSender<WsCmd>,
    pub local: Arc<OnceLock<SocketAddr>>,
}

impl Link {
    /// The task has ended: the connection is gone.
    pub fn closed(&self) -> bool {
        self.cmd.is_closed()
    }
}

/// Opens `ws://addr/ws/echo` on `rt`; outcomes and failures go to `tx` as notes.
pub fn open(rt: &Handle, addr: SocketAddr, tx: UnboundedSender<Msg>) -> Link {
    let (cmd_tx, mut cmd_rx) = unbounded_channel();
    let local = Arc::new(OnceLock::new());
    let link = Link {
        cmd: cmd_tx,
        local: local.clone(),
    };
    rt.spawn(async move {
        let note = |s: String| {
            let _ = tx.send(Msg::Note(s));
        };
        let mut ws = match Ws::connect(addr, "/ws/echo", &[]).await {
            Ok((ws, status)) => {
                if let Ok(a) = ws.local_addr() {
                    let _ = local.set(a);
                }
                note(crate::tr!("sandbox.ws_status", status = status));
                ws
            }
            Err(e) => return note(crate::tr!("sandbox.ws_failed", error = e)),
        };
        while let Some(cmd) = cmd_rx.recv().await {
            match cmd {
                WsCmd::Text(t) => {
                    if let Err(e) = ws.send_text(&t).await {
                        return note(crate::tr!("sandbox.send_failed", error = e));
                    }
                    // Read the echo so the socket's buffer never fills.
                    let _ = ws.next(Duration::from_secs(2)).await;
                }
                WsCmd::Raw(bytes) => {
                    if let Err(e) = ws.write_raw(&bytes).await {
                        return note(crate::tr!("sandbox.send_failed", error = e));
                    }
                    // Read what the server answers (an echo, a pong, its close) until it ends
                    // the connection or falls quiet: the tap shows it all.
                    loop {
                        match ws.next(Duration::from_millis(800)).await {
                            Ok(Some(_)) => {}
                            Ok(None) => return,
                            Err(crate::net::client::ClientError::Timeout(_)) => break,
                            Err(_) => return,
                        }
                    }
                }
                WsCmd::Kill => return,
            }
        }
    });
    link
}

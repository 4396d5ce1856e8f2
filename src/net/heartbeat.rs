//! The server's WebSocket heartbeat (`--ws-idle`): a client silent for half the limit gets a
//! ping, which any live client answers with a pong; one still silent when the whole limit has
//! passed is closed with 1001. A client in the middle of a slow message keeps sending bytes, and
//! bytes count as heard.

use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Sleep;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::Shared;
use crate::capture::tap::WeakTapHandle;

pub struct Heartbeat {
    idle: Option<Duration>,
    conn: Option<WeakTapHandle>,
    /// When the route last heard from the client, or the start.
    heard: Instant,
    pinged: Option<Instant>,
    /// Set once and moved only when it fires early: a timer made or moved per message costs a
    /// tenth of an echo's round trip. Hearing only moves the due time later, so waking at the
    /// old deadline and looking again is never late.
    timer: Pin<Box<Sleep>>,
}

const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

#[derive(Debug, PartialEq, Eq)]
pub enum Beat {
    /// Send a ping now.
    Ping,
    /// Silent past the whole limit: close the connection.
    Gone,
}

impl Heartbeat {
    pub fn new(shared: &Shared) -> Self {
        let idle = shared.limits.ws_idle;
        let heard = Instant::now();
        // With no limit the timer never runs out (a year is as good as never here).
        let first = idle.map_or(YEAR, |i| i / 2);
        Heartbeat {
            idle,
            conn: shared.conn.clone(),
            heard,
            pinged: None,
            timer: Box::pin(tokio::time::sleep_until((heard + first).into())),
        }
    }

    /// The last time the client sent anything: a byte on its socket, or a message here.
    fn last(&self) -> Instant {
        let Some(h) = self.conn.as_ref().and_then(WeakTapHandle::upgrade) else {
            return self.heard;
        };
        // A read held back for the memory budget is the server not listening, not silence.
        [h.last_in(), h.budget_wait()]
            .into_iter()
            .flatten()
            .fold(self.heard, Instant::max)
    }

    /// A message from the client (for sockets without a tap).
    pub fn heard(&mut self) {
        self.heard = Instant::now();
    }

    /// Resolves when a ping is due, or when the client has been silent past the limit.
    pub async fn due(&mut self) -> Beat {
        let Some(idle) = self.idle else {
            return std::future::pending().await;
        };
        loop {
            self.timer.as_mut().await;
            let last = self.last();
            if self.pinged.is_some_and(|p| last >= p) {
                self.pinged = None;
            }
            let quiet = last.elapsed();
            let next = match self.pinged {
                _ if quiet >= idle => return Beat::Gone,
                None if quiet >= idle / 2 => {
                    self.pinged = Some(Instant::now());
                    return Beat::Ping;
                }
                None => idle / 2 - quiet,
                Some(_) => idle - quiet,
            };
            self.timer.as_mut().reset((Instant::now() + next).into());
        }
    }

    /// Acts on a beat: sends the ping (true: go on), or closes with 1001 and marks the
    /// connection as ended by this limit (false: the route is done).
    pub async fn act<S>(&self, ws: &mut WebSocketStream<S>, beat: Beat) -> bool
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        match beat {
            Beat::Ping => ws.send(Message::Ping(Bytes::new())).await.is_ok(),
            Beat::Gone => {
                if let Some(h) = self.conn.as_ref().and_then(WeakTapHandle::upgrade) {
                    h.mark_timeout(crate::proto::event::Stall::WsIdle);
                }
                let frame = CloseFrame {
                    code: CloseCode::Away,
                    reason: "no answer to ping".into(),
                };
                let _ = ws.close(Some(frame)).await;
                // A client that answers nothing will not answer the close either: wait briefly.
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::{mpsc, watch};

    fn shared(idle_ms: u64) -> Shared {
        let (_stop, shutdown) = watch::channel(false);
        let (alive, _) = mpsc::channel(1);
        Shared {
            shutdown,
            alive,
            limits: super::super::WsLimits {
                ws_idle: Some(Duration::from_millis(idle_ms)),
                body: Duration::from_secs(1),
            },
            conn: None,
            deflate: true,
            control: std::sync::Arc::default(),
        }
    }

    #[tokio::test]
    async fn silence_gets_a_ping_then_the_close() {
        let mut hb = Heartbeat::new(&shared(60));
        let t = Instant::now();
        assert_eq!(hb.due().await, Beat::Ping);
        assert!(t.elapsed() >= Duration::from_millis(30));
        assert_eq!(hb.due().await, Beat::Gone);
        assert!(t.elapsed() >= Duration::from_millis(60));
    }

    #[tokio::test]
    async fn an_answer_to_the_ping_starts_over() {
        let mut hb = Heartbeat::new(&shared(60));
        assert_eq!(hb.due().await, Beat::Ping);
        hb.heard();
        let t = Instant::now();
        assert_eq!(hb.due().await, Beat::Ping, "a new ping, not the close");
        assert!(t.elapsed() >= Duration::from_millis(25));
    }
}

//! `/ws/echo`: the WebSocket upgrade through hyper, then an echo of every message.

use futures_util::{SinkExt, StreamExt};
use hyper::Request;
use hyper::Response;
use hyper::body::Incoming;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::heartbeat::Heartbeat;
use super::routes::RespBody;
use super::{Shared, limits, live};

/// Answers a WebSocket upgrade request with 101 and runs the echo on the upgraded connection.
pub fn upgrade(req: Request<Incoming>, shared: Shared) -> Response<RespBody> {
    live::upgrade_with(req, shared, limits::ws_config(), echo)
}

async fn echo<S>(mut ws: WebSocketStream<S>, shared: Shared)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let stop = super::stopped(shared.shutdown.clone());
    tokio::pin!(stop);
    let mut heart = Heartbeat::new(&shared);
    // Echo takes messages of up to 16 MiB: what it holds draws on the server's budget.
    let conn = shared.conn.as_ref().and_then(|c| c.upgrade());
    if let Some(c) = &conn {
        c.meter();
    }
    loop {
        let msg = tokio::select! {
            // The socket first: a message ready is taken without polling the timer and the
            // shutdown watch (tokio's budget still lets them in under a flood).
            biased;
            m = ws.next() => m,
            beat = heart.due() => if heart.act(&mut ws, beat).await {
                continue;
            } else {
                return;
            },
            () = &mut stop => {
                let frame = CloseFrame { code: CloseCode::Away, reason: "server shutting down".into() };
                let _ = ws.close(Some(frame)).await;
                // Wait (briefly) for the client's answering close so both frames are on the wire.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
                return;
            }
        };
        heart.heard();
        let reply = match msg {
            Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => m,
            // tungstenite answers pings and echoes the close by itself; keep reading until it ends.
            Some(Ok(_)) => continue,
            Some(Err(e)) => return limits::close_after_error(&mut ws, &e).await,
            None => return,
        };
        if ws.send(reply).await.is_err() {
            return;
        }
        if let Some(c) = &conn {
            c.message_done();
        }
    }
}

//! `/ws/echo`: the WebSocket upgrade through hyper, then an echo of every message.

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};

use super::routes::{RespBody, text};
use super::{Shared, limits};

/// Answers a WebSocket upgrade request with 101 and runs the echo on the upgraded connection.
pub fn upgrade(mut req: Request<Incoming>, shared: Shared) -> Response<RespBody> {
    let h = req.headers();
    let is_ws = h
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let version_ok = h
        .get("sec-websocket-version")
        .is_some_and(|v| v.as_bytes() == b"13");
    let key = h.get(SEC_WEBSOCKET_KEY).map(|k| k.as_bytes().to_vec());
    let (true, true, Some(key)) = (is_ws, version_ok, key) else {
        let mut resp = text(
            StatusCode::UPGRADE_REQUIRED,
            "text/plain; charset=utf-8",
            "/ws/echo speaks WebSocket: send Upgrade: websocket, Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key\n",
        );
        resp.headers_mut()
            .insert("sec-websocket-version", HeaderValue::from_static("13"));
        return resp;
    };
    let accept = derive_accept_key(&key);
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let _alive = shared.alive.clone();
        match on_upgrade.await {
            Ok(upgraded) => {
                let config = Some(limits::ws_config());
                let ws =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, config)
                        .await;
                echo(ws, shared).await;
            }
            Err(_) => {
                // The client went away before the switch: the tap reports how.
            }
        }
    });
    let mut resp = text(StatusCode::SWITCHING_PROTOCOLS, "text/plain", "");
    resp.headers_mut().remove(hyper::header::CONTENT_TYPE);
    let hs = resp.headers_mut();
    hs.insert(UPGRADE, HeaderValue::from_static("websocket"));
    hs.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        hs.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}

async fn echo<S>(mut ws: WebSocketStream<S>, shared: Shared)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let stop = super::stopped(shared.shutdown.clone());
    tokio::pin!(stop);
    loop {
        let msg = tokio::select! {
            m = ws.next() => m,
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
        let reply = match msg {
            Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => m,
            // tungstenite answers pings and echoes the close by itself; keep reading until it ends.
            Some(Ok(_)) => continue,
            Some(Err(e)) => return limits::close_after_error(ws, &e).await,
            None => return,
        };
        if ws.send(reply).await.is_err() {
            return;
        }
    }
}

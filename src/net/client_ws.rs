//! [`Ws`]: tokio-tungstenite over plain TCP or TLS, with permessage-deflate when offered.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use reqwest::header::{HeaderName, HeaderValue};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

use super::{ClientError, DEFAULT_TIMEOUT, Message, SEC_EXT, Stream};
use crate::net::deflate::Deflate;

/// A WebSocket client connection, over plain TCP (`ws://`) or TLS (`wss://`).
pub struct Ws {
    ws: WebSocketStream<Deflate<Stream>>,
}

impl Ws {
    /// Opens `ws://server/path` with `headers` added to the upgrade request. Returns the client
    /// and the server's answer status (101 when the switch happened).
    pub async fn connect(
        server: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(Self, u16), ClientError> {
        Self::connect_with(server, path, headers, None).await
    }

    /// As [`Ws::connect`], offering permessage-deflate with `offer` (a
    /// `Sec-WebSocket-Extensions` value) when given. What the server agreed to is
    /// [`Ws::extension`]; from then on messages go out compressed and come in inflated.
    pub async fn connect_with(
        server: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
        offer: Option<&str>,
    ) -> Result<(Self, u16), ClientError> {
        Self::connect_tls(server, path, headers, offer, None).await
    }

    /// As [`Ws::connect_with`], over TLS (`wss://`) with `tls` when given.
    pub async fn connect_tls(
        server: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
        offer: Option<&str>,
        tls: Option<&TlsConnector>,
    ) -> Result<(Self, u16), ClientError> {
        let scheme = if tls.is_some() { "wss" } else { "ws" };
        let mut req = format!("{scheme}://{server}{path}").into_client_request()?;
        for (name, value) in headers {
            let bad = || ClientError::BadHeader(format!("{name}: {value}"));
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            let v = HeaderValue::from_str(value).map_err(|_| bad())?;
            req.headers_mut().append(n, v);
        }
        if let Some(offer) = offer {
            let v = HeaderValue::from_str(offer)
                .map_err(|_| ClientError::BadHeader(format!("{SEC_EXT}: {offer}")))?;
            req.headers_mut().append(SEC_EXT, v);
        }
        let config = ws_client_config();
        let max_frame = config.max_frame_size.map_or(u64::MAX, |f| f as u64);
        let connect = async {
            let sock = Stream::connect(server, tls).await?;
            let io = Deflate::client(sock, offer.is_some(), max_frame);
            let (ws, resp) =
                tokio_tungstenite::client_async_with_config(req, io, Some(config)).await?;
            Ok::<_, ClientError>((Ws { ws }, resp.status().as_u16()))
        };
        tokio::time::timeout(DEFAULT_TIMEOUT, connect)
            .await
            .map_err(|_| ClientError::Timeout(DEFAULT_TIMEOUT))?
    }

    /// This end's address: how the server names the connection.
    pub fn local_addr(&self) -> Result<SocketAddr, ClientError> {
        Ok(self.ws.get_ref().get_ref().tcp().local_addr()?)
    }

    /// The permessage-deflate the server agreed to (its `Sec-WebSocket-Extensions`), if any.
    pub fn extension(&self) -> Option<&str> {
        self.ws.get_ref().extension()
    }

    pub async fn send_text(&mut self, text: &str) -> Result<(), ClientError> {
        self.ws.send(Message::text(text)).await?;
        Ok(())
    }

    pub async fn send_binary(&mut self, bytes: impl Into<Bytes>) -> Result<(), ClientError> {
        self.ws.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }

    /// One message in `parts.len()` frames: the first with the data opcode and FIN=0, then
    /// continuation frames, the last with FIN=1. `text` picks the opcode (1 text, 2 binary).
    /// Parts need not be valid UTF-8 on their own, only together.
    pub async fn send_fragmented(
        &mut self,
        text: bool,
        parts: &[&[u8]],
    ) -> Result<(), ClientError> {
        let first = if text { Data::Text } else { Data::Binary };
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            let opcode = if i == 0 { first } else { Data::Continue };
            let frame = Frame::message(part.to_vec(), OpCode::Data(opcode), i == last);
            self.ws.feed(Message::Frame(frame)).await?;
        }
        self.ws.flush().await?;
        Ok(())
    }

    pub async fn ping(&mut self, payload: impl Into<Bytes>) -> Result<(), ClientError> {
        self.ws.send(Message::Ping(payload.into())).await?;
        Ok(())
    }

    /// Sends a close frame with `code` and `reason`; read on with [`Ws::next`] for the answer.
    pub async fn close(&mut self, code: u16, reason: &str) -> Result<(), ClientError> {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        self.ws.close(Some(frame)).await?;
        Ok(())
    }

    /// The next message (pongs and close frames included), or `None` once the connection has
    /// ended; an error if nothing comes within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Result<Option<Message>, ClientError> {
        match tokio::time::timeout(timeout, self.ws.next()).await {
            Err(_) => Err(ClientError::Timeout(timeout)),
            Ok(None) => Ok(None),
            Ok(Some(Ok(m))) => Ok(Some(m)),
            Ok(Some(Err(e))) => Err(e.into()),
        }
    }

    /// Writes `bytes` as they are on the TCP socket under the WebSocket, bypassing the library:
    /// frames it would never make (unmasked, a reserved opcode), to see the server refuse them.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        use tokio::io::AsyncWriteExt;
        let sock = self.ws.get_mut();
        sock.write_all(bytes).await?;
        sock.flush().await?;
        Ok(())
    }

    /// The stream itself, for what this wrapper does not offer.
    pub fn into_inner(self) -> WebSocketStream<Deflate<Stream>> {
        self.ws
    }
}

/// The lesson's WebSocket clients read through a small buffer, as the server does.
fn ws_client_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(crate::net::limits::WS_READ_BUFFER)
}

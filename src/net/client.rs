//! The lesson clients: what a lesson (or a test) uses to put traffic on the built-in server's
//! sockets. Three of them, from polite to rude:
//!
//! - [`Http`]: reqwest, plain `http://` only; HTTP/1.0 or 1.1, a fresh connection per request
//!   or one pooled connection, repeated N times.
//! - [`RawTcp`]: bytes exactly as written, for hand-made requests and malformed input.
//! - [`Ws`]: tokio-tungstenite; text, binary, fragments, ping, close, each as a lesson names it;
//!   with permessage-deflate when it offers it (`super::deflate`, in the client's role).
//!
//! Every wait here is bounded: a client never hangs a lesson.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use reqwest::header::{HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

use super::deflate::Deflate;
pub use super::tls::client::Stream;
use tokio_rustls::TlsConnector;

pub use reqwest::Method;

const SEC_EXT: &str = "sec-websocket-extensions";
pub use tokio_tungstenite::tungstenite::Message;

/// The longest a connect, a request or a read waits unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("HTTP request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("HTTP request failed: {0}")]
    Hyper(#[from] hyper::Error),
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    #[error("WebSocket error: {0}")]
    Ws(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("header {0:?} is not a valid HTTP header")]
    BadHeader(String),
    #[error("the path {0:?} cannot go on a request line: {1}")]
    BadPath(String, String),
}

// ---------------------------------------------------------------------------------------------
// HTTP

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpVersion {
    Http10,
    Http11,
}

/// Whether the requests share a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// A client with no idle pool: every request opens (and then closes) its own connection.
    Fresh,
    /// The shared client: a connection left idle is taken again by the next request.
    Pooled,
}

/// One request as a lesson describes it; send it with [`Http::send`].
#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: Method,
    /// The path and query, from the leading `/`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub version: HttpVersion,
    pub reuse: Reuse,
    /// Sent this many times, one after the other (at least once).
    pub repeat: u32,
}

impl HttpRequest {
    /// `GET path`, HTTP/1.1, pooled, once.
    pub fn get(path: &str) -> Self {
        HttpRequest {
            method: Method::GET,
            path: path.to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
            version: HttpVersion::Http11,
            reuse: Reuse::Pooled,
            repeat: 1,
        }
    }

    pub fn method(mut self, m: Method) -> Self {
        self.method = m;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    pub fn version(mut self, v: HttpVersion) -> Self {
        self.version = v;
        self
    }

    pub fn reuse(mut self, r: Reuse) -> Self {
        self.reuse = r;
        self
    }

    pub fn repeat(mut self, n: u32) -> Self {
        self.repeat = n;
        self
    }
}

/// What came back for one request.
#[derive(Clone, Debug)]
pub struct HttpReply {
    pub status: u16,
    /// In the order received; names as the client library gives them (lowercase).
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// From sending the request to the last byte of the body.
    pub elapsed: Duration,
}

/// An HTTP client for one server, e.g. `http://127.0.0.1:PORT`.
pub struct Http {
    server: SocketAddr,
    base: String,
    /// The kept-alive connection of `Reuse::Pooled`, while the server keeps it open.
    kept: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
    fresh: reqwest::Client,
    /// Speak TLS (`https://`) with this: every request then goes on a hyper connection.
    tls: Option<TlsConnector>,
}

impl Http {
    pub fn new(server: SocketAddr) -> Result<Self, ClientError> {
        let build = |idle: usize| {
            reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(idle)
                .timeout(DEFAULT_TIMEOUT)
                .build()
        };
        Ok(Http {
            server,
            base: format!("http://{server}"),
            kept: tokio::sync::Mutex::new(None),
            fresh: build(0)?,
            tls: None,
        })
    }

    /// An `https://` client for `server` that trusts what `tls` trusts.
    pub fn with_tls(server: SocketAddr, tls: TlsConnector) -> Result<Self, ClientError> {
        let mut h = Self::new(server)?;
        h.base = format!("https://{server}");
        h.tls = Some(tls);
        Ok(h)
    }

    /// Sends `req` `req.repeat` times in sequence; one reply per request, in order.
    pub async fn send(&self, req: &HttpRequest) -> Result<Vec<HttpReply>, ClientError> {
        if req.reuse == Reuse::Pooled || self.tls.is_some() {
            let mut replies = Vec::with_capacity(req.repeat.max(1) as usize);
            for _ in 0..req.repeat.max(1) {
                if req.reuse == Reuse::Fresh {
                    // A connection of its own, dropped (closed) after its answer.
                    *self.kept.lock().await = None;
                }
                replies.push(self.send_kept(req).await?);
                if req.reuse == Reuse::Fresh {
                    *self.kept.lock().await = None;
                }
            }
            return Ok(replies);
        }
        let client = &self.fresh;
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &req.headers {
            let bad = || ClientError::BadHeader(format!("{name}: {value}"));
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            let v = HeaderValue::from_str(value).map_err(|_| bad())?;
            headers.append(n, v);
        }
        let version = match req.version {
            HttpVersion::Http10 => reqwest::Version::HTTP_10,
            HttpVersion::Http11 => reqwest::Version::HTTP_11,
        };
        let url = format!("{}{}", self.base, req.path);
        let mut replies = Vec::with_capacity(req.repeat.max(1) as usize);
        for _ in 0..req.repeat.max(1) {
            let started = Instant::now();
            let resp = client
                .request(req.method.clone(), &url)
                .version(version)
                .headers(headers.clone())
                .body(req.body.clone())
                .send()
                .await?;
            let status = resp.status().as_u16();
            let headers = header_pairs(resp.headers());
            let body = resp.bytes().await?;
            replies.push(HttpReply {
                status,
                headers,
                body,
                elapsed: started.elapsed(),
            });
        }
        Ok(replies)
    }
}

/// Headers as (lowercase name, value) pairs, in the order received.
fn header_pairs(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(n, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (n.as_str().to_owned(), v)
        })
        .collect()
}

impl Http {
    /// One request on the kept-alive connection, opening a new one when there is none or the
    /// server has closed it. A pool with a single connection: unlike a racing pool, it never
    /// opens a second connection while the first is on its way back, so counts are exact.
    async fn send_kept(&self, req: &HttpRequest) -> Result<HttpReply, ClientError> {
        let mut kept = self.kept.lock().await;
        let started = Instant::now();
        let reused = kept.as_ref().is_some_and(|s| !s.is_closed());
        let resp = match self.try_kept(&mut kept, req, reused).await {
            // The server closed the idle connection as the request left: once more, anew.
            // (Or after an HTTP/1.0 answer, before the close was seen.)
            Err(ClientError::Hyper(_)) if reused => {
                *kept = None;
                self.try_kept(&mut kept, req, false).await?
            }
            r => r?,
        };
        let status = resp.status().as_u16();
        let headers = header_pairs(resp.headers());
        let body = tokio::time::timeout(DEFAULT_TIMEOUT, resp.into_body().collect())
            .await
            .map_err(|_| ClientError::Timeout(DEFAULT_TIMEOUT))??
            .to_bytes();
        Ok(HttpReply {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }

    async fn try_kept(
        &self,
        kept: &mut Option<SendRequest<Full<Bytes>>>,
        req: &HttpRequest,
        reuse: bool,
    ) -> Result<hyper::Response<hyper::body::Incoming>, ClientError> {
        // Before any connection opens: a bad path would leave an idle one behind.
        let uri: hyper::Uri = req
            .path
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| {
                ClientError::BadPath(req.path.clone(), e.to_string())
            })?;
        if !reuse || kept.as_ref().is_none_or(SendRequest::is_closed) {
            let connect = Stream::connect(self.server, self.tls.as_ref());
            let sock = tokio::time::timeout(DEFAULT_TIMEOUT, connect)
                .await
                .map_err(|_| ClientError::Timeout(DEFAULT_TIMEOUT))??;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(sock)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            *kept = Some(sender);
        }
        let sender = kept.as_mut().ok_or(ClientError::Timeout(DEFAULT_TIMEOUT))?;
        tokio::time::timeout(DEFAULT_TIMEOUT, sender.ready())
            .await
            .map_err(|_| ClientError::Timeout(DEFAULT_TIMEOUT))??;
        let mut builder = hyper::Request::builder()
            .method(req.method.clone())
            .uri(uri)
            .version(match req.version {
                HttpVersion::Http10 => hyper::Version::HTTP_10,
                HttpVersion::Http11 => hyper::Version::HTTP_11,
            });
        // What reqwest sends unasked, so both kinds of connection send the same head.
        let has = |n: &str| req.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
        if !has("host") {
            builder = builder.header("host", self.server.to_string());
        }
        if !has("accept") {
            builder = builder.header("accept", "*/*");
        }
        for (name, value) in &req.headers {
            let bad = || ClientError::BadHeader(format!("{name}: {value}"));
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            let v = HeaderValue::from_str(value).map_err(|_| bad())?;
            builder = builder.header(n, v);
        }
        let request = builder
            .body(Full::new(req.body.clone()))
            .map_err(|e| ClientError::BadHeader(e.to_string()))?;
        let resp = tokio::time::timeout(DEFAULT_TIMEOUT, sender.send_request(request))
            .await
            .map_err(|_| ClientError::Timeout(DEFAULT_TIMEOUT))??;
        Ok(resp)
    }
}

// ---------------------------------------------------------------------------------------------
// Raw TCP

/// Why a raw read stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadEnd {
    /// The server closed its side (FIN).
    Closed,
    /// The byte limit was reached.
    Limit,
    /// Nothing more came before the timeout.
    Timeout,
    /// The server reset the connection.
    Reset,
}

/// A plain TCP connection: the bytes go out exactly as given.
pub struct RawTcp {
    sock: TcpStream,
}

impl RawTcp {
    pub async fn connect(server: SocketAddr) -> Result<Self, ClientError> {
        let sock = tokio::time::timeout(DEFAULT_TIMEOUT, TcpStream::connect(server))
            .await
            .map_err(|_| ClientError::Timeout(DEFAULT_TIMEOUT))??;
        sock.set_nodelay(true)?;
        Ok(RawTcp { sock })
    }

    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.sock.write_all(bytes).await?;
        Ok(())
    }

    /// Reads until the server closes, `limit` bytes have come, or `timeout` has passed since the
    /// call; returns what came and why it stopped.
    pub async fn read(
        &mut self,
        limit: usize,
        timeout: Duration,
    ) -> Result<(Vec<u8>, ReadEnd), ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut got = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        while got.len() < limit {
            let want = (limit - got.len()).min(buf.len());
            let n = match tokio::time::timeout_at(deadline, self.sock.read(&mut buf[..want])).await
            {
                Err(_) => return Ok((got, ReadEnd::Timeout)),
                Ok(Ok(0)) => return Ok((got, ReadEnd::Closed)),
                Ok(Ok(n)) => n,
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    return Ok((got, ReadEnd::Reset));
                }
                Ok(Err(e)) => return Err(e.into()),
            };
            got.extend_from_slice(&buf[..n]);
        }
        Ok((got, ReadEnd::Limit))
    }

    /// This end's address: how the server names the connection.
    pub fn local_addr(&self) -> Result<SocketAddr, ClientError> {
        Ok(self.sock.local_addr()?)
    }

    /// Sends FIN: "I am done writing", while still reading.
    pub async fn shutdown_write(&mut self) -> Result<(), ClientError> {
        self.sock.shutdown().await?;
        Ok(())
    }

    /// The socket itself, for what this wrapper does not offer.
    pub fn into_inner(self) -> TcpStream {
        self.sock
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket

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
        .read_buffer_size(super::limits::WS_READ_BUFFER)
}

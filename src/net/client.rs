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
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use reqwest::header::{HeaderName, HeaderValue};

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

#[path = "client_tcp.rs"]
mod tcp;
pub use tcp::{RawTcp, ReadEnd};

#[path = "client_ws.rs"]
mod ws;
pub use ws::Ws;

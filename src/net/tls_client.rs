//! The lesson clients' TLS: rustls trusting only the lesson server's own certificate, and a
//! socket that is plain TCP or TLS over it, so HTTP and WebSocket clients take either.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::net::maybe_tls::MaybeTls;

/// A client that trusts `cert` (and nothing else), offering ALPN `http/1.1`, never resuming.
pub fn connector(cert: &CertificateDer<'static>) -> io::Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).map_err(io::Error::other)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // Every `tls = true` action shows a full handshake (certificate included): a lesson
    // reads it, and a resumed one would depend on what earlier actions left in a cache.
    config.resumption = rustls::client::Resumption::disabled();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// A client socket: plain, or TLS (checked against the name `localhost`).
pub type Stream = MaybeTls<TcpStream, TlsStream<TcpStream>>;

impl Stream {
    /// Connects to `server`, with TLS when `tls` is given.
    pub async fn connect(server: SocketAddr, tls: Option<&TlsConnector>) -> io::Result<Stream> {
        let sock = TcpStream::connect(server).await?;
        sock.set_nodelay(true)?;
        match tls {
            None => Ok(Stream::Plain(sock)),
            Some(c) => {
                let name = ServerName::try_from("localhost").map_err(io::Error::other)?;
                Ok(Stream::Tls(Box::new(c.connect(name, sock).await?)))
            }
        }
    }

    /// The TCP socket under any TLS.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0,
        }
    }
}

//! [`RawTcp`]: bytes exactly as written, for hand-made requests and malformed input.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{ClientError, DEFAULT_TIMEOUT};

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

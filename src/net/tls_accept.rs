//! The TLS side of the door: a connection whose first byte is a TLS handshake record, on a
//! server with TLS on, is handed to rustls (above the tap, which keeps copying the ciphertext)
//! under the same time limits as an HTTP head: a handshake that stalls is closed.

use std::future::Future;

use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

use super::maybe_tls::MaybeTls;
use super::stranger::Prefixed;
use super::tls::Tls;
use crate::capture::tap::{Limits, TapHandle, TapStream, Verdict};
use crate::proto::event::Stall;

/// The tapped socket, prefixed with what the door read.
pub type Tapped = Prefixed<TapStream<TcpStream>>;

/// What hyper serves: the tapped socket itself, or TLS over it.
pub type Io = MaybeTls<Tapped, TlsStream<Tapped>>;

/// Runs the TLS handshake on `tap` (whose first bytes the door read into `first`), keeping the
/// server's limits (`limits` gives those in force now); None when it failed, stalled or the
/// server stopped: the socket is dropped, which closes it.
pub async fn handshake(
    tls: &Tls,
    first: Vec<u8>,
    tap: TapStream<TcpStream>,
    handle: &TapHandle,
    limits: impl Fn() -> Limits,
    stop: impl Future<Output = ()>,
) -> Option<Io> {
    let mut accept = tls.acceptor.accept(Prefixed::new(first, tap));
    let mut stop = std::pin::pin!(stop);
    loop {
        let wait = match handle.verdict(&limits()) {
            Verdict::Wait(d) => d,
            Verdict::Idle(why) => {
                handle.mark_timeout(why);
                return None;
            }
            // The ClientHello started a "head" that is not done: the handshake took too long.
            Verdict::Stalled => {
                handle.mark_timeout(Stall::Head);
                return None;
            }
            Verdict::WriteStalled => {
                handle.mark_timeout(Stall::Write);
                handle.kill(true);
                return None;
            }
        };
        tokio::select! {
            r = &mut accept => return r.ok().map(|s| Io::Tls(Box::new(s))),
            () = tokio::time::sleep(wait) => {}
            () = &mut stop => return None,
        }
    }
}

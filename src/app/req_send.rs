//! The composer's sockets: each send writes the composed bytes as they are over plain TCP, reads
//! the answer just far enough to say its status, and tells the status line.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::msg::Msg;

/// No answer takes longer than this to be read.
const ANSWER_WAIT: Duration = Duration::from_secs(5);
/// A body still coming after this (an event stream) is left to the ladder.
const BODY_WAIT: Duration = Duration::from_secs(2);

pub struct Sender {
    addr: SocketAddr,
    rt: Handle,
    tx: UnboundedSender<Msg>,
    /// The kept connection's task, fed bytes to send; started on the first kept send.
    kept: Option<UnboundedSender<Vec<u8>>>,
}

impl Sender {
    pub fn new(addr: SocketAddr, rt: Handle, tx: UnboundedSender<Msg>) -> Sender {
        Sender {
            addr,
            rt,
            tx,
            kept: None,
        }
    }

    /// Sends `bytes` on a connection of their own, closed once the answer is in.
    pub fn send_new(&self, bytes: Vec<u8>) {
        let (addr, tx) = (self.addr, self.tx.clone());
        self.rt.spawn(async move {
            let note = match TcpStream::connect(addr).await {
                Ok(mut s) => exchange(&mut s, &bytes).await,
                Err(e) => crate::tr!("reqcomp.cannot_connect", error = e),
            };
            let _ = tx.send(Msg::Note(note));
        });
    }

    /// Sends `bytes` on the composer's kept connection, opening it when there is none (or the
    /// server has closed it).
    pub fn send_kept(&mut self, bytes: Vec<u8>) {
        if let Some(k) = &self.kept
            && k.send(bytes.clone()).is_ok()
        {
            return;
        }
        let (cmd_tx, mut cmd_rx) = unbounded_channel::<Vec<u8>>();
        let _ = cmd_tx.send(bytes);
        self.kept = Some(cmd_tx);
        let (addr, tx) = (self.addr, self.tx.clone());
        self.rt.spawn(async move {
            let mut sock: Option<TcpStream> = None;
            loop {
                let bytes = match &mut sock {
                    Some(s) => {
                        let mut one = [0u8; 1];
                        tokio::select! {
                            cmd = cmd_rx.recv() => cmd,
                            // Idle, the only thing the server can do is close (its timeout).
                            r = s.read(&mut one) => {
                                let note = match r {
                                    Ok(0) | Err(_) => crate::tr!("reqcomp.kept_closed"),
                                    Ok(_) => crate::tr!("reqcomp.kept_extra"),
                                };
                                sock = None;
                                let _ = tx.send(Msg::Note(note));
                                continue;
                            }
                        }
                    }
                    None => cmd_rx.recv().await,
                };
                let Some(bytes) = bytes else { return };
                let reused = sock.is_some();
                if sock.is_none() {
                    match TcpStream::connect(addr).await {
                        Ok(s) => sock = Some(s),
                        Err(e) => {
                            let note = crate::tr!("reqcomp.cannot_connect", error = e);
                            let _ = tx.send(Msg::Note(note));
                            continue;
                        }
                    }
                }
                let Some(s) = sock.as_mut() else { continue };
                let said = exchange(s, &bytes).await;
                let key = if reused {
                    "reqcomp.on_kept"
                } else {
                    "reqcomp.on_new_kept"
                };
                let _ = tx.send(Msg::Note(crate::tr!(key, said = said)));
            }
        });
    }
}

/// Writes `bytes`, reads one answer; what the status line says about it.
async fn exchange(s: &mut TcpStream, bytes: &[u8]) -> String {
    let _ = s.set_nodelay(true);
    let port = s.local_addr().map(|a| a.port()).unwrap_or(0);
    if let Err(e) = s.write_all(bytes).await {
        return crate::tr!("reqcomp.send_failed", error = e);
    }
    let head = bytes.starts_with(b"HEAD ");
    let answer = tokio::time::timeout(ANSWER_WAIT + BODY_WAIT, read_answer(s, head));
    match answer.await {
        Ok(Some(status)) => crate::tr!(
            "reqcomp.answer",
            status = crate::ui::visible(&status),
            n = bytes.len(),
            port = port
        ),
        Ok(None) => crate::tr!("reqcomp.no_answer", n = bytes.len(), port = port),
        Err(_) => crate::tr!("reqcomp.answer_slow", secs = ANSWER_WAIT.as_secs()),
    }
}

/// Reads one answer to its end (length, chunked, or close); its status line, none when the
/// connection ended first.
pub async fn read_answer(s: &mut TcpStream, head_request: bool) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    };
    let text = String::from_utf8_lossy(&got[..end]).into_owned();
    let status = text.lines().next().unwrap_or_default().to_string();
    let code: u16 = status
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let value = |name: &str| {
        text.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let mut body = got[end..].to_vec();
    if head_request || code < 200 || code == 204 || code == 304 {
        return Some(status);
    }
    let chunked = value("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let length: Option<usize> = value("content-length").and_then(|v| v.parse().ok());
    // A body that streams on (an event stream) is read for a while, then left.
    let _ = tokio::time::timeout(BODY_WAIT, async {
        loop {
            let done = match (chunked, length) {
                (true, _) => body.ends_with(b"0\r\n\r\n"),
                (false, Some(n)) => body.len() >= n,
                (false, None) => false,
            };
            if done {
                return;
            }
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => body.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    Some(status)
}

//! The lesson client's side of permessage-deflate. Bytes pass unchanged until the end of the
//! server's answer to the upgrade; when that 101 accepts the offer, compression starts on the
//! very next byte, each way. Reading the answer here, below tungstenite, means a frame that came
//! in the same read as the 101 is inflated too.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, ReadBuf};

use super::{Deflate, Rx, read, write};
use crate::proto::ws::negotiated_deflate;

/// A response head longer than this is not one we wait for: bytes pass on unchanged.
const HEAD_MAX: usize = 64 * 1024;

/// Waiting for the 101.
pub(super) struct Handshake {
    head: Vec<u8>,
    /// The request offered permessage-deflate: an answer that accepts it without an offer
    /// is not followed (tungstenite then refuses the compressed frames).
    offered: bool,
    max_frame: u64,
}

impl<S> Deflate<S> {
    /// The lesson client's socket: plain until the server's 101 has been read, then as it
    /// agreed, when `offered` went with the request. Frames longer than `max_frame` pass
    /// unchanged (tungstenite refuses them).
    pub fn client(io: S, offered: bool, max_frame: u64) -> Self {
        Deflate {
            handshake: Some(Box::new(Handshake {
                head: Vec::new(),
                offered,
                max_frame,
            })),
            ..Deflate::plain(io)
        }
    }

    /// The `Sec-WebSocket-Extensions` value the server agreed to, once compression is on.
    pub fn extension(&self) -> Option<&str> {
        self.agreed.as_deref()
    }

    /// The socket beneath.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// The response head is complete: compression starts if it agreed; `rest` (what came after
    /// the head in the same read) is read next.
    fn start(&mut self, hs: &Handshake, rest: &[u8]) {
        let value = extensions(&hs.head);
        let agreed = match (&value, hs.offered) {
            (Some(v), true) => negotiated_deflate(v).ok().flatten(),
            _ => None,
        };
        let Some((c2s, s2c)) = agreed else {
            self.ahead.extend_from_slice(rest);
            return;
        };
        let mut reader = read::Reader::client(s2c.no_context_takeover, hs.max_frame);
        reader.push(rest);
        self.rx = Some(Box::new(Rx {
            reader,
            conn: None,
            retry: None,
            counted: 0,
            failed: false,
        }));
        self.tx = Some(Box::new(write::Writer::client(
            c2s.no_context_takeover,
            c2s.window_bits,
        )));
        self.agreed = value;
    }
}

impl<S: AsyncRead + Unpin> Deflate<S> {
    /// Reads while the 101 is awaited: never past its end in one read.
    pub(super) fn poll_read_head(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let mut raw = [0u8; 8192];
        let want = buf.remaining().min(raw.len());
        let mut rb = ReadBuf::new(&mut raw[..want]);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut rb))?;
        let got = rb.filled();
        let Some(mut hs) = self.handshake.take() else {
            buf.put_slice(got);
            return Poll::Ready(Ok(()));
        };
        if got.is_empty() {
            return Poll::Ready(Ok(())); // end of stream: nothing more to wait for
        }
        let before = hs.head.len();
        hs.head.extend_from_slice(got);
        let from = before.saturating_sub(3);
        match find(&hs.head[from..], b"\r\n\r\n") {
            Some(i) => {
                let end = from + i + 4;
                hs.head.truncate(end);
                let here = end - before;
                buf.put_slice(&got[..here]);
                let rest = got[here..].to_vec();
                self.start(&hs, &rest);
            }
            None => {
                buf.put_slice(got);
                if hs.head.len() <= HEAD_MAX {
                    self.handshake = Some(hs);
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The `Sec-WebSocket-Extensions` values of a 101 head, joined as one list; None for another
/// status or none given.
pub(super) fn extensions(head: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?;
    if status != "101" {
        return None;
    }
    let values: Vec<&str> = lines
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case("sec-websocket-extensions"))
        .map(|(_, v)| v.trim())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

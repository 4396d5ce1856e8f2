//! A connection of the reassembler: who is the client, which way a segment travels, and what
//! one segment does to the connection (data, FIN, RST, the close once both sides are done).

use std::net::SocketAddr;

use super::{CloseHow, Conn, Half, StreamEvent, Tag};
use crate::capture::packet::TcpSegment;
use crate::proto::{Dir, Timestamp};

/// (client, server, handshake) from a connection's first segment. Without a SYN, the side on
/// an ephemeral port (≥ 32768) is the client if exactly one is; otherwise the higher port.
pub(super) fn roles(seg: &TcpSegment<'_>) -> (SocketAddr, SocketAddr, bool) {
    let (src, dst) = (seg.src, seg.dst);
    if seg.syn {
        return if seg.ack_flag {
            (dst, src, true)
        } else {
            (src, dst, true)
        };
    }
    let (sp, dp) = (src.port(), dst.port());
    let src_is_client = match (sp >= 32768, dp >= 32768) {
        (true, false) => true,
        (false, true) => false,
        _ => sp >= dp,
    };
    if src_is_client {
        (src, dst, false)
    } else {
        (dst, src, false)
    }
}

impl Conn {
    /// The direction `seg` travels.
    pub(super) fn dir_of(&self, seg: &TcpSegment<'_>) -> Dir {
        if seg.src == self.client {
            Dir::C2s
        } else {
            Dir::S2c
        }
    }

    /// Out-of-order bytes and pieces held in both directions.
    pub(super) fn buffered(&self) -> (usize, usize) {
        let [a, b] = &self.halves;
        (
            a.pending_bytes + b.pending_bytes,
            a.pending.len() + b.pending.len(),
        )
    }

    /// Takes one segment; returns true once the connection is closed.
    pub(super) fn segment(
        &mut self,
        ts: Timestamp,
        seg: &TcpSegment<'_>,
        limit: usize,
        sink: &mut impl FnMut(StreamEvent<'_>),
    ) -> bool {
        let dir = self.dir_of(seg);
        let was_finished = self.halves[dir.index()].finished();
        self.halves[dir.index()].accept(self.tag(dir, ts), seg, limit, sink);
        let fin_now = !was_finished && self.halves[dir.index()].finished();
        if seg.fin || seg.rst {
            self.first_close.get_or_insert(dir);
        }
        if seg.rst {
            self.flush(ts, sink);
            sink(self.close(ts, CloseHow::Rst));
            return true;
        }
        if self.halves.iter().all(Half::finished) {
            sink(self.close(ts, CloseHow::Fin));
            return true;
        }
        if fin_now {
            sink(StreamEvent::Fin {
                conn: self.id,
                ts,
                dir,
            });
        }
        false
    }

    /// Delivers everything buffered in both directions, holes as gaps.
    pub(super) fn flush(&mut self, ts: Timestamp, sink: &mut impl FnMut(StreamEvent<'_>)) {
        for dir in [Dir::C2s, Dir::S2c] {
            let tag = self.tag(dir, ts);
            self.halves[dir.index()].flush(tag, sink);
        }
    }

    fn tag(&self, dir: Dir, ts: Timestamp) -> Tag {
        Tag {
            conn: self.id,
            dir,
            ts,
        }
    }

    /// `by` is whoever sent the first FIN or RST; nobody for `Eof`.
    pub(super) fn close(&self, ts: Timestamp, how: CloseHow) -> StreamEvent<'static> {
        let by = if how == CloseHow::Eof {
            None
        } else {
            self.first_close
        };
        StreamEvent::Close {
            conn: self.id,
            ts,
            how,
            by,
        }
    }
}

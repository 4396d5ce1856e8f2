//! Appending events made ready (see `ready`): the row is built, so what is left is its bytes
//! (cut to the store's budget), the indices into the side stores, the connection and the totals.

use super::conn::Closed;
use super::detail::MessageSide;
use super::ready::{Entry, Ready, Side, Tag};
use super::row::{Row, RowKind, flags};
use super::{ConnKind, Session, close_how, close_why};
use crate::proto::Dir;

impl Session {
    /// Appends the next entry of `ready`, in order; false once there is none.
    pub fn push_ready(&mut self, ready: &mut Ready<'_>) -> bool {
        let Some(e) = ready.entries.next() else {
            return false;
        };
        let mut row = e.row;
        self.stats.events += 1;
        self.last_ts = self.last_ts.max(row.ts);
        self.note_activity(row.conn, row.ts);
        match e.tag {
            // Not a row: the message's row, reported at its head, takes the body's size.
            Tag::Body => {
                if let Some(Side::Body {
                    bytes,
                    complete,
                    framing,
                    preview,
                }) = ready.sides.next()
                {
                    self.body_ended(&row, bytes, complete, framing, preview);
                }
                return true;
            }
            Tag::Message => {
                let dir = row.dir.map_or(0, Dir::index);
                self.stats.add_message(dir, e.aux);
                // A single frame, not inflated: the frame's row tells it all.
                if row.kind != RowKind::WsMessage {
                    return true;
                }
            }
            _ => {}
        }
        self.keep_ready(&mut row, &e, ready.bytes.as_slice());
        let (ts, dir) = (row.ts, row.dir.map_or(0, Dir::index));
        match e.tag {
            Tag::Row | Tag::Body => {}
            Tag::Open => {
                if let Some(Side::Open {
                    client,
                    server,
                    seen,
                    live,
                }) = ready.sides.next()
                {
                    let c = self.conn_mut(row.conn, ts);
                    c.client = client;
                    c.server = server;
                    c.seen_open = seen;
                    c.live_open = live;
                    c.opened = c.opened.min(ts);
                }
            }
            Tag::Close => {
                let c = self.conn_mut(row.conn, ts);
                c.closed = Some(Closed {
                    at: ts,
                    how: close_how(row.code),
                    by: row.dir,
                    why: close_why(row.code),
                });
                self.tls_closed(row.conn);
            }
            Tag::Http => {
                if row.has(flags::BODY_PENDING) {
                    let at = self.rows.len();
                    self.body_follows(row.conn, row.dir, at);
                }
                row.extra = u32::try_from(self.http.len()).unwrap_or(u32::MAX);
                if let Some(Side::Http(side)) = ready.sides.next() {
                    self.http.push(side);
                }
                let c = self.conn_mut(row.conn, ts);
                c.bytes[dir] += u64::from(row.head_len).saturating_add(row.payload_len);
                if row.kind == RowKind::HttpRequest {
                    c.requests += 1;
                } else {
                    c.responses += 1;
                    c.keep_alive = !row.has(flags::CLOSE);
                    if row.code == 101 {
                        c.kind = ConnKind::Ws;
                    } else if row.has(flags::STREAMING) {
                        c.kind = ConnKind::Sse;
                    }
                }
            }
            Tag::Frame => {
                let c = self.conn_mut(row.conn, ts);
                c.kind = ConnKind::Ws;
                c.frames += 1;
                c.bytes[dir] += u64::from(row.head_len).saturating_add(row.payload_len);
            }
            Tag::Message => {
                let frames = row.extra;
                row.extra = u32::try_from(self.messages.len()).unwrap_or(u32::MAX);
                self.messages.push(MessageSide {
                    wire_len: e.aux,
                    frames,
                });
            }
            Tag::Sse => self.conn_mut(row.conn, ts).kind = ConnKind::Sse,
            Tag::TlsRecord => self.tls_record(&row),
            Tag::Handshake => {
                if let Some(Side::Handshake(h)) = ready.sides.next() {
                    self.tls_handshake(&mut row, h);
                }
            }
            Tag::Keys => {
                if let Some(Side::Keys(k)) = ready.sides.next() {
                    self.tls_keys(&mut row, k);
                }
            }
        }
        self.stats.add_row(&row);
        self.rows.push(row);
        true
    }

    /// Stores the entry's bytes, `ready`'s from its `bytes_at`, cut to the store's budget.
    fn keep_ready(&mut self, row: &mut Row, e: &Entry, ready: &[u8]) {
        let (at, len) = (row.bytes_at as usize, usize::from(row.bytes_kept));
        row.bytes_at = 0;
        row.bytes_kept = 0;
        if e.full == 0 {
            return;
        }
        let bytes = ready.get(at..at + len).unwrap_or_default();
        let fixed = usize::from(e.fixed).min(bytes.len());
        let n = self.budget(usize::from(e.full)).min(bytes.len() - fixed);
        self.keep_exact(row, &bytes[..fixed + n], (n as u64) < e.whole);
    }
}

//! A body that ends after its message was reported at its head: the message's row, its
//! connection and the totals take the body's size then, so every view shows it in place.

use super::{Session, flags};
use crate::proto::http1::Framing;
use crate::proto::{ConnId, Dir};

/// Rows of messages whose body is still arriving, by connection and direction.
pub(super) type OpenBodies = rustc_hash::FxHashMap<(ConnId, u8), usize>;

impl Session {
    /// A message reported at its head, row `i`: its body will follow.
    pub(super) fn body_follows(&mut self, conn: ConnId, dir: Option<Dir>, i: usize) {
        let dir = dir.map_or(0, Dir::index) as u8;
        self.open_bodies.insert((conn, dir), i);
    }

    /// The body of the message reported at its head ended (`at` tells its connection,
    /// direction and time).
    pub(super) fn body_ended(
        &mut self,
        at: &super::Row,
        bytes: u64,
        complete: bool,
        framing: Framing,
        preview: Vec<u8>,
    ) {
        let dir = at.dir.map_or(0, Dir::index);
        let Some(i) = self.open_bodies.remove(&(at.conn, dir as u8)) else {
            return;
        };
        let Some(row) = self.rows.get_mut(i) else {
            return;
        };
        row.payload_len = bytes;
        row.flags &= !flags::BODY_PENDING;
        if !complete {
            row.flags |= flags::BODY_CUT;
        }
        let (kind, extra) = (row.kind, row.extra as usize);
        self.stats.add_body(kind, dir, bytes);
        if let Some(side) = self.http.get_mut(extra) {
            side.body_ended(framing, preview);
        }
        let c = self.conn_mut(at.conn, at.ts);
        c.bytes[dir] = c.bytes[dir].saturating_add(bytes);
    }
}

//! The TLS layer's rows: records as they crossed, handshake messages, and whether duplex holds
//! a connection's keys. What an eavesdropper on the path sees is told apart here too.

use super::conn::TlsInfo;
use super::row::{Row, RowKind, flags};
use super::{KEEP_HEAD, Session, error_layer};
use crate::proto::Dir;
use crate::proto::event::{ClientHello, Layer, ServerHello, TlsKeys};

/// Content type of an alert record (RFC 8446 §5.1).
const ALERT: u8 = 21;

/// Kept per handshake message beside its row.
#[derive(Clone, Debug)]
pub(crate) struct HandshakeSide {
    pub msg: &'static str,
    pub hello: ClientHello,
    pub server: Option<ServerHello>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct TlsStore {
    pub handshakes: Vec<HandshakeSide>,
    pub keys: Vec<TlsKeys>,
}

impl Session {
    /// A TLS record's row was built: its connection and the totals count it.
    pub(super) fn tls_record(&mut self, row: &Row) {
        let dir = row.dir.map_or(0, Dir::index);
        self.stats.add_tls_record(dir, row);
        let c = self.conn_mut(row.conn, row.ts);
        let t = c.tls.get_or_insert_with(TlsInfo::default);
        t.records[dir] += 1;
        t.bytes[dir] += 5 + row.payload_len;
        t.decrypted += u64::from(row.tls_plaintext().is_some());
        // The server's first word an alert, not a ServerHello: this port did not speak TLS.
        if row.dir == Some(Dir::S2c) && row.opcode == ALERT && !t.server_hello {
            self.hello_unanswered(row.conn);
        }
    }

    pub(super) fn tls_handshake(&mut self, row: &mut Row, h: HandshakeSide) {
        row.extra = u32::try_from(self.tls.handshakes.len()).unwrap_or(u32::MAX);
        let (msg, server) = (h.msg, h.server.as_ref().map(|s| (s.version, s.suite)));
        self.tls.handshakes.push(h);
        let at = u32::try_from(self.rows.len()).ok();
        let c = self.conn_mut(row.conn, row.ts);
        let t = c.tls.get_or_insert_with(TlsInfo::default);
        match msg {
            "client_hello" if row.dir != Some(Dir::S2c) => t.hello_row = at,
            "server_hello" => {
                t.server_hello = true;
                t.hello_row = None;
                if let Some((version, suite)) = server {
                    t.version = Some(version);
                    t.suite = Some(suite);
                }
            }
            _ => {}
        }
    }

    pub(super) fn tls_keys(&mut self, row: &mut Row, k: TlsKeys) {
        row.extra = u32::try_from(self.tls.keys.len()).unwrap_or(u32::MAX);
        let c = self.conn_mut(row.conn, row.ts);
        let t = c.tls.get_or_insert_with(TlsInfo::default);
        t.decrypting = Some(k.decrypting);
        t.version.get_or_insert(k.version);
        t.suite.get_or_insert(k.suite);
        self.tls.keys.push(k);
    }

    /// The connection ended: a ClientHello still waiting for its ServerHello never got one.
    pub(super) fn tls_closed(&mut self, conn: crate::proto::ConnId) {
        if self
            .conn(conn)
            .and_then(|c| c.tls)
            .is_some_and(|t| t.hello_row.is_some())
        {
            self.hello_unanswered(conn);
        }
    }

    /// The ClientHello got no ServerHello: its row becomes the stranger of a plain port, in the
    /// words duplex has always used for it.
    fn hello_unanswered(&mut self, conn: crate::proto::ConnId) {
        let Some(i) = self
            .conn_position(conn)
            .and_then(|p| self.conns[p].tls.as_mut())
            .and_then(|t| {
                t.stranger = true;
                t.hello_row.take()
            })
        else {
            return;
        };
        let Some(old) = self.rows.get(i as usize).copied() else {
            return;
        };
        let Some(side) = self.tls.handshakes.get(old.extra as usize) else {
            return;
        };
        let what = crate::output::stranger::tls_hello(&side.hello);
        let mut row = Row {
            kind: RowKind::Error,
            code: 3,
            payload_len: 0,
            flags: 0,
            extra: u32::MAX,
            ..old
        };
        self.keep(&mut row, what.as_bytes(), KEEP_HEAD);
        self.stats.replace_row(&old, &row);
        if let Some(r) = self.rows.get_mut(i as usize) {
            *r = row;
        }
    }

    /// Whether someone on the path, without the keys, sees this row: TCP, the TLS records and
    /// the handshake in clear, and everything of a connection that is not TLS.
    pub fn on_the_path(&self, row: &Row) -> bool {
        let tls = self.conn(row.conn).is_some_and(|c| c.tls.is_some());
        match row.kind {
            RowKind::TcpOpen | RowKind::TcpClose | RowKind::TcpFin | RowKind::TlsRecord => true,
            RowKind::TlsHandshake => !row.has(flags::ENCRYPTED),
            RowKind::TlsKeys => false,
            RowKind::Error => {
                !tls || !matches!(error_layer(row.code), Layer::Http | Layer::WebSocket)
            }
            RowKind::HttpRequest
            | RowKind::HttpResponse
            | RowKind::WsFrame
            | RowKind::WsMessage
            | RowKind::SseEvent
            | RowKind::WsAbnormalClose => !tls,
        }
    }

    /// Whether any connection spoke TLS.
    pub fn has_tls(&self) -> bool {
        self.stats.tls_records[0].count + self.stats.tls_records[1].count > 0
            || self.conns.iter().any(|c| c.tls.is_some())
    }

    /// The stored handshake message of a `TlsHandshake` row.
    pub(crate) fn handshake_side(&self, row: &Row) -> Option<&HandshakeSide> {
        (row.kind == RowKind::TlsHandshake)
            .then(|| self.tls.handshakes.get(row.extra as usize))
            .flatten()
    }

    /// The stored keys event of a `TlsKeys` row.
    pub fn keys_of(&self, row: &Row) -> Option<&TlsKeys> {
        (row.kind == RowKind::TlsKeys)
            .then(|| self.tls.keys.get(row.extra as usize))
            .flatten()
    }

    /// The message name of a `TlsHandshake` row (`client_hello`, ...).
    pub fn handshake_msg(&self, row: &Row) -> Option<&'static str> {
        self.handshake_side(row).map(|h| h.msg)
    }

    /// The ClientHello and ServerHello fields of a `TlsHandshake` row.
    pub fn handshake_hellos(&self, row: &Row) -> Option<(&ClientHello, Option<&ServerHello>)> {
        self.handshake_side(row)
            .map(|h| (&h.hello, h.server.as_ref()))
    }
}

//! The TLS layer's rows: records as they crossed, handshake messages, and whether duplex holds
//! a connection's keys. What an eavesdropper on the path sees is told apart here too.

use super::conn::TlsInfo;
use super::row::{Row, RowKind, flags};
use super::{KEEP_HEAD, Session, error_layer};
use crate::proto::Dir;
use crate::proto::event::{
    ClientHello, Event, Layer, ServerHello, TlsHandshake, TlsKeys, TlsRecord,
};

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
    pub(super) fn tls_record(&mut self, ev: &Event, r: &TlsRecord, row: &mut Row) {
        row.kind = RowKind::TlsRecord;
        row.opcode = r.content_type;
        row.code = r.version;
        row.head_len = 5;
        row.payload_len = u64::from(r.length);
        if r.encrypted {
            row.flags |= flags::ENCRYPTED;
        }
        if let Some(inner) = r.inner {
            let n = match inner {
                20..=24 => inner - 19,
                _ => 6,
            };
            row.flags |= n << flags::INNER_SHIFT;
        }
        row.extra = r.plaintext.unwrap_or(u32::MAX);
        let [v0, v1] = r.version.to_be_bytes();
        let [l0, l1] = r.length.to_be_bytes();
        self.keep(row, &[r.content_type, v0, v1, l0, l1], 5);
        let dir = ev.dir.map_or(0, Dir::index);
        self.stats.add_tls_record(dir, row);
        let c = self.conn_mut(ev.conn, ev.ts);
        let t = c.tls.get_or_insert_with(TlsInfo::default);
        t.records[dir] += 1;
        t.bytes[dir] += 5 + u64::from(r.length);
        t.decrypted += u64::from(r.plaintext.is_some());
        // The server's first word an alert, not a ServerHello: this port did not speak TLS.
        if ev.dir == Some(Dir::S2c) && r.content_type == ALERT && !t.server_hello {
            self.hello_unanswered(ev.conn);
        }
    }

    pub(super) fn tls_handshake(&mut self, ev: &Event, h: &TlsHandshake, row: &mut Row) {
        row.kind = RowKind::TlsHandshake;
        row.payload_len = h.bytes;
        if h.encrypted {
            row.flags |= flags::ENCRYPTED;
        }
        // The host name kept as the row's bytes: a search for it finds the hello.
        if let Some(sni) = &h.hello.sni {
            self.keep(row, sni.as_bytes(), KEEP_HEAD);
        }
        row.extra = u32::try_from(self.tls.handshakes.len()).unwrap_or(u32::MAX);
        self.tls.handshakes.push(HandshakeSide {
            msg: h.msg,
            hello: h.hello.clone(),
            server: h.server.clone(),
        });
        let at = u32::try_from(self.rows.len()).ok();
        let c = self.conn_mut(ev.conn, ev.ts);
        let t = c.tls.get_or_insert_with(TlsInfo::default);
        match h.msg {
            "client_hello" if ev.dir != Some(Dir::S2c) => t.hello_row = at,
            "server_hello" => {
                t.server_hello = true;
                t.hello_row = None;
                if let Some(s) = &h.server {
                    t.version = Some(s.version);
                    t.suite = Some(s.suite);
                }
            }
            _ => {}
        }
    }

    pub(super) fn tls_keys(&mut self, ev: &Event, k: &TlsKeys, row: &mut Row) {
        row.kind = RowKind::TlsKeys;
        row.code = k.version;
        if k.decrypting {
            row.flags |= flags::ENCRYPTED;
        }
        row.extra = u32::try_from(self.tls.keys.len()).unwrap_or(u32::MAX);
        self.tls.keys.push(k.clone());
        let c = self.conn_mut(ev.conn, ev.ts);
        let t = c.tls.get_or_insert_with(TlsInfo::default);
        t.decrypting = Some(k.decrypting);
        t.version.get_or_insert(k.version);
        t.suite.get_or_insert(k.suite);
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

//! Totals kept up to date by `push`, so the stats view never walks the timeline.

use super::row::{Row, RowKind};

/// Count and bytes of one kind of entry in one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub head_bytes: u64,
    pub payload_bytes: u64,
}

impl Tally {
    pub fn bytes(&self) -> u64 {
        self.head_bytes.saturating_add(self.payload_bytes)
    }

    /// Average bytes per entry (head + payload), 0 when none.
    pub fn average(&self) -> u64 {
        self.bytes().checked_div(self.count).unwrap_or(0)
    }

    fn add(&mut self, head: u64, payload: u64) {
        self.count += 1;
        self.head_bytes = self.head_bytes.saturating_add(head);
        self.payload_bytes = self.payload_bytes.saturating_add(payload);
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events pushed (including messages not kept as rows).
    pub events: u64,
    pub conns_opened: u32,
    pub conns_closed: u32,
    /// Indexed by [`RowKind::index`] then [`crate::proto::Dir::index`]; entries without a
    /// direction count as client to server.
    pub by_kind: [[Tally; 2]; RowKind::COUNT],
    /// WebSocket control frames (close, ping, pong), per direction.
    pub ws_control: [Tally; 2],
    /// Whole WebSocket data messages, kept as rows or not, per direction.
    pub ws_messages: [Tally; 2],
    /// TLS records per direction: `head_bytes` what TLS adds (the 5-byte header, and for a
    /// protected record its tag, explicit nonce, inner type and padding), `payload_bytes` the
    /// rest (plaintext).
    pub tls_records: [Tally; 2],
    /// TLS records whose plaintext duplex read, per direction.
    pub tls_decrypted: [u64; 2],
}

/// Bytes an AEAD tag takes: 16 for every suite duplex knows (AES-GCM, ChaCha20-Poly1305).
pub const TLS_TAG: u64 = 16;

impl Stats {
    /// What crossed the wire one way: HTTP heads and bodies, frame headers and payloads.
    pub fn wire(&self, dir: usize) -> Tally {
        let mut t = Tally::default();
        for kind in [
            RowKind::HttpRequest,
            RowKind::HttpResponse,
            RowKind::WsFrame,
        ] {
            let k = self.by_kind[kind.index()][dir & 1];
            t.count += k.count;
            t.head_bytes += k.head_bytes;
            t.payload_bytes += k.payload_bytes;
        }
        t
    }

    pub fn kind(&self, kind: RowKind) -> Tally {
        let [a, b] = self.by_kind[kind.index()];
        Tally {
            count: a.count + b.count,
            head_bytes: a.head_bytes + b.head_bytes,
            payload_bytes: a.payload_bytes + b.payload_bytes,
        }
    }

    pub(crate) fn add_row(&mut self, row: &Row) {
        let dir = row.dir.map_or(0, |d| d.index());
        let payload = match row.kind {
            RowKind::HttpRequest | RowKind::HttpResponse | RowKind::WsFrame => row.payload_len,
            RowKind::WsMessage | RowKind::SseEvent | RowKind::TlsRecord => row.payload_len,
            _ => 0,
        };
        self.by_kind[row.kind.index()][dir].add(u64::from(row.head_len), payload);
        if row.kind == RowKind::WsFrame && row.opcode & 0x8 != 0 {
            self.ws_control[dir].add(u64::from(row.head_len), row.payload_len);
        }
        match row.kind {
            RowKind::TcpOpen => self.conns_opened += 1,
            RowKind::TcpClose => self.conns_closed += 1,
            _ => {}
        }
    }

    /// A body reported after its message's row: its bytes join that row's tally.
    pub(crate) fn add_body(&mut self, kind: RowKind, dir: usize, bytes: u64) {
        let t = &mut self.by_kind[kind.index()][dir & 1];
        t.payload_bytes = t.payload_bytes.saturating_add(bytes);
    }

    /// A TLS record's bytes, split into what TLS adds and what it carries. A protected record
    /// not decrypted counts its tag as overhead, the rest as carried.
    pub(crate) fn add_tls_record(&mut self, dir: usize, row: &Row) {
        let len = row.payload_len;
        let carried = match row.tls_plaintext() {
            Some(p) => u64::from(p).min(len),
            None if row.has(super::row::flags::ENCRYPTED) => len.saturating_sub(TLS_TAG),
            None => len,
        };
        self.tls_records[dir & 1].add(5 + len - carried, carried);
        self.tls_decrypted[dir & 1] += u64::from(row.tls_plaintext().is_some());
    }

    /// A row that changed its kind after the fact (a ClientHello that turned out a stranger).
    pub(crate) fn replace_row(&mut self, old: &Row, new: &Row) {
        let dir = old.dir.map_or(0, |d| d.index());
        let t = &mut self.by_kind[old.kind.index()][dir];
        t.count = t.count.saturating_sub(1);
        t.head_bytes = t.head_bytes.saturating_sub(u64::from(old.head_len));
        self.add_row(new);
    }

    pub(crate) fn add_message(&mut self, dir: usize, wire_len: u64) {
        self.ws_messages[dir & 1].add(0, wire_len);
    }
}

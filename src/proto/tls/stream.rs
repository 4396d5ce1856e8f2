//! A TLS connection read from the path: both directions' records framed (bounded), the
//! handshake messages named, and, when the key log knows this connection, the records decrypted
//! and their application data handed back as plaintext. Sans-IO.

use super::crypt::{self, RecordCipher};
use super::handshake::{self, Message};
use super::keylog::SharedKeys;
use super::{ServerHello, handshake_name};
use crate::proto::Dir;
use crate::proto::event::{DecodeError, EventKind, Layer, TlsHandshake, TlsRecord};

#[path = "stream_keys.rs"]
mod keys;
use keys::{build, check_header};

/// The largest fragment read: 2^14 plus 256 of protection (RFC 8446 §5.2; an AEAD record of
/// TLS 1.2 grows by 24 at most). Past it is an error, never an allocation of the size claimed.
pub const MAX_RECORD: usize = (1 << 14) + 256;

/// What a chunk of bytes turned into, in order.
#[derive(Debug, PartialEq)]
pub enum Out {
    Event(EventKind),
    /// Decrypted application data, for the HTTP/WebSocket decoders.
    Plain(Vec<u8>),
    /// The plaintext of this direction can no longer be followed (a record that did not
    /// decrypt): its decoders stop.
    Stop,
}

/// Which keys a TLS 1.3 direction uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Epoch {
    Clear,
    Handshake,
    App,
}

struct Side {
    /// Bytes not yet a whole record; `offset` is the stream offset of `buf[0]`.
    buf: Vec<u8>,
    offset: u64,
    /// Handshake bytes not yet a whole message, and whether they came decrypted.
    hs: Vec<u8>,
    /// Records that carried the bytes in `hs` (a ClientHello's `bytes` counts their headers).
    hs_records: u64,
    hs_broken: bool,
    epoch: Epoch,
    cipher: Option<RecordCipher>,
    /// Protected records of this epoch so far: the next one's sequence number.
    seq: u64,
    /// TLS 1.2: a ChangeCipherSpec went this way, what follows is protected.
    changed: bool,
    /// Framing lost: bytes are only counted.
    dead: bool,
    /// Decryption failed once: records are listed, not opened.
    stopped: bool,
}

impl Side {
    fn new() -> Self {
        Side {
            buf: Vec::new(),
            offset: 0,
            hs: Vec::new(),
            hs_records: 0,
            hs_broken: false,
            epoch: Epoch::Clear,
            cipher: None,
            seq: 0,
            changed: false,
            dead: false,
            stopped: false,
        }
    }
}

/// Both directions of one TLS connection.
pub struct TlsStream {
    sides: [Side; 2],
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    /// The ServerHello's choice (not a HelloRetryRequest's).
    chosen: Option<ServerHello>,
    keys_said: bool,
}

impl Default for TlsStream {
    fn default() -> Self {
        TlsStream::new()
    }
}

impl TlsStream {
    pub fn new() -> Self {
        TlsStream {
            sides: [Side::new(), Side::new()],
            client_random: None,
            server_random: None,
            chosen: None,
            keys_said: false,
        }
    }

    /// Bytes of direction `dir`, in stream order; what they make is appended to `out`.
    pub fn feed(&mut self, dir: Dir, data: &[u8], keys: Option<&SharedKeys>, out: &mut Vec<Out>) {
        let side = &mut self.sides[dir.index()];
        if side.dead {
            return;
        }
        side.buf.extend_from_slice(data);
        let buf = std::mem::take(&mut side.buf);
        let mut pos = 0;
        while let Some(h) = buf.get(pos..pos + 5) {
            let header: [u8; 5] = [h[0], h[1], h[2], h[3], h[4]];
            let offset = self.sides[dir.index()].offset + pos as u64;
            if let Err(what) = check_header(&header) {
                self.lose(dir, offset, what, out);
                return;
            }
            let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
            let Some(fragment) = buf.get(pos + 5..pos + 5 + len) else {
                break;
            };
            self.record(dir, &header, fragment, offset, keys, out);
            pos += 5 + len;
            if self.sides[dir.index()].dead {
                return;
            }
        }
        let side = &mut self.sides[dir.index()];
        side.offset += pos as u64;
        side.buf = buf;
        side.buf.drain(..pos);
    }

    /// Direction `dir` ended: a record cut short is said.
    pub fn end(&mut self, dir: Dir, out: &mut Vec<Out>) {
        let side = &mut self.sides[dir.index()];
        if side.dead || side.buf.is_empty() {
            return;
        }
        let what = format!(
            "the stream ended {} bytes into a TLS record",
            side.buf.len()
        );
        let offset = side.offset;
        self.lose(dir, offset, what, out);
    }

    /// Bytes of `dir` were lost: records can no longer be framed.
    pub fn gap(&mut self, dir: Dir) {
        let side = &mut self.sides[dir.index()];
        side.dead = true;
        side.buf = Vec::new();
    }

    fn lose(&mut self, dir: Dir, offset: u64, what: String, out: &mut Vec<Out>) {
        let side = &mut self.sides[dir.index()];
        side.dead = true;
        side.buf = Vec::new();
        out.push(error(offset, what));
        out.push(Out::Stop);
    }

    fn record(
        &mut self,
        dir: Dir,
        header: &[u8; 5],
        fragment: &[u8],
        offset: u64,
        keys: Option<&SharedKeys>,
        out: &mut Vec<Out>,
    ) {
        let kind = header[0];
        let tls13 = self.chosen.as_ref().is_some_and(|c| c.version == 0x0304);
        let side = &self.sides[dir.index()];
        let encrypted = kind == 23 || (side.changed && kind != 20);
        let mut rec = TlsRecord {
            content_type: kind,
            version: u16::from_be_bytes([header[1], header[2]]),
            length: fragment.len() as u16,
            offset,
            encrypted,
            inner: None,
            plaintext: None,
        };
        if !encrypted {
            out.push(Out::Event(EventKind::TlsRecord(Box::new(rec))));
            match kind {
                22 => self.handshake(dir, fragment, false, keys, out),
                20 if !tls13 => self.change_cipher_spec(dir, keys, out),
                _ => {}
            }
            return;
        }
        let opened = self.open(dir, header, fragment, keys);
        match opened {
            Some(Ok(o)) => {
                rec.inner = Some(o.inner);
                rec.plaintext = Some(o.plaintext.len() as u32);
                out.push(Out::Event(EventKind::TlsRecord(Box::new(rec))));
                match o.inner {
                    22 => self.handshake(dir, &o.plaintext, true, keys, out),
                    23 if !o.plaintext.is_empty() => out.push(Out::Plain(o.plaintext)),
                    _ => {}
                }
            }
            Some(Err(what)) => {
                out.push(Out::Event(EventKind::TlsRecord(Box::new(rec))));
                self.sides[dir.index()].stopped = true;
                out.push(error(
                    offset,
                    format!("a record of {} bytes: {what}", fragment.len()),
                ));
                out.push(Out::Stop);
            }
            None => out.push(Out::Event(EventKind::TlsRecord(Box::new(rec)))),
        }
    }

    /// Decrypts a protected record if the keys are known: None when they are not.
    fn open(
        &mut self,
        dir: Dir,
        header: &[u8; 5],
        fragment: &[u8],
        keys: Option<&SharedKeys>,
    ) -> Option<Result<crypt::Opened, String>> {
        let suite = self.chosen.as_ref().and_then(|c| crypt::suite(c.suite));
        let cr = self.client_random;
        let sr = self.server_random;
        let side = &mut self.sides[dir.index()];
        if side.stopped || side.epoch == Epoch::Clear && suite.is_some_and(|s| s.tls13) {
            side.seq += 1;
            return None;
        }
        let (Some(suite), Some(cr), Some(keys)) = (suite, cr, keys) else {
            side.seq += 1;
            return None;
        };
        if side.cipher.is_none() {
            side.cipher = build(keys, suite, side.epoch, dir, &cr, sr.as_ref());
            if let Some(c) = &mut side.cipher {
                c.set_seq(side.seq);
            }
        }
        // TLS 1.3 without the handshake secrets: the first record that opens with the
        // application keys is the end of the encrypted handshake.
        if side.cipher.is_none() && side.epoch == Epoch::Handshake {
            let mut app = build(keys, suite, Epoch::App, dir, &cr, None);
            if let Some(Ok(o)) = app.as_mut().map(|c| c.open(header, fragment)) {
                side.epoch = Epoch::App;
                side.cipher = app;
                side.seq = 1;
                return Some(Ok(o));
            }
        }
        side.seq += 1;
        Some(side.cipher.as_mut()?.open(header, fragment))
    }

    fn change_cipher_spec(&mut self, dir: Dir, keys: Option<&SharedKeys>, out: &mut Vec<Out>) {
        let side = &mut self.sides[dir.index()];
        side.changed = true;
        side.epoch = Epoch::App;
        side.cipher = None;
        side.seq = 0;
        self.say_keys(keys, out);
    }

    fn handshake(
        &mut self,
        dir: Dir,
        bytes: &[u8],
        encrypted: bool,
        keys: Option<&SharedKeys>,
        out: &mut Vec<Out>,
    ) {
        let side = &mut self.sides[dir.index()];
        if side.hs_broken {
            return;
        }
        side.hs_records = if side.hs.is_empty() {
            1
        } else {
            side.hs_records + 1
        };
        side.hs.extend_from_slice(bytes);
        let hs = std::mem::take(&mut side.hs);
        let (msgs, used) = match handshake::split(&hs) {
            Ok(split) => split,
            Err(what) => {
                self.sides[dir.index()].hs_broken = true;
                let offset = self.sides[dir.index()].offset;
                out.push(error(offset, what));
                return;
            }
        };
        for m in msgs {
            self.message(dir, &m, encrypted, keys, out);
        }
        let side = &mut self.sides[dir.index()];
        side.hs = hs;
        side.hs.drain(..used);
    }

    fn message(
        &mut self,
        dir: Dir,
        m: &Message,
        encrypted: bool,
        keys: Option<&SharedKeys>,
        out: &mut Vec<Out>,
    ) {
        let mut ev = TlsHandshake {
            msg: handshake_name(m.kind),
            hello: Default::default(),
            server: None,
            encrypted,
            bytes: 4 + m.body.len() as u64,
        };
        let mut then_keys = false;
        match (dir, m.kind) {
            (Dir::C2s, 1) => {
                if let Some((hello, random)) = handshake::client_hello(m.body) {
                    // As on the plain port: the bytes of the records that carried it.
                    ev.bytes += 5 * self.sides[0].hs_records;
                    ev.hello = hello;
                    self.client_random = Some(random);
                }
            }
            (Dir::S2c, 2) => {
                if let Some(sh) = handshake::server_hello(m.body) {
                    ev.server = Some(sh.hello.clone());
                    if sh.retry {
                        ev.msg = "hello_retry_request";
                    } else {
                        self.server_random = Some(sh.random);
                        then_keys = sh.hello.version == 0x0304;
                        self.chosen = Some(sh.hello);
                        if then_keys {
                            for s in &mut self.sides {
                                s.epoch = Epoch::Handshake;
                                s.seq = 0;
                            }
                        }
                    }
                }
            }
            (Dir::S2c, 8) => {
                if let Some(c) = &mut self.chosen {
                    c.alpn = handshake::encrypted_extensions_alpn(m.body).or(c.alpn.take());
                    ev.server = Some(c.clone());
                }
            }
            // TLS 1.3: this side's Finished ends its handshake keys.
            (_, 20) if encrypted && self.is_tls13() => {
                let side = &mut self.sides[dir.index()];
                side.epoch = Epoch::App;
                side.cipher = None;
                side.seq = 0;
            }
            (_, 24) if encrypted => {
                let side = &mut self.sides[dir.index()];
                side.seq = 0;
                if let Some(c) = &mut side.cipher
                    && c.update().is_none()
                {
                    side.cipher = None;
                }
            }
            _ => {}
        }
        out.push(Out::Event(EventKind::TlsHandshake(Box::new(ev))));
        if then_keys {
            self.say_keys(keys, out);
        }
    }

    fn is_tls13(&self) -> bool {
        self.chosen.as_ref().is_some_and(|c| c.version == 0x0304)
    }
}

fn error(offset: u64, what: String) -> Out {
    Out::Event(EventKind::Error(DecodeError {
        layer: Layer::Tls,
        offset: Some(offset),
        what,
    }))
}

#[cfg(test)]
#[path = "stream_tests.rs"]
pub(crate) mod tests;

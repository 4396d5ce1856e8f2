//! Just enough TLS to name a stranger: the records of a ClientHello (RFC 8446 §4.1.2) and the
//! extensions that say who the client wanted (SNI, RFC 6066 §3), what it would speak on top
//! (ALPN, RFC 7301) and which TLS versions it offers (RFC 8446 §4.2.1). Bounded and total: any
//! bytes give an answer, never a panic.
//!
//! Beside it, in submodules: the names of the protocol's numbers, and the keys a passive
//! decryption needs (`keylog`).

pub mod keylog;
pub mod names;

pub use keylog::{KeyLog, SharedKeys};
pub use names::{content_type_name, handshake_name, suite_name};

/// Record bytes read for one ClientHello at most: real ones fit in one record of a few KiB.
pub const MAX_HELLO: usize = 32 * 1024;
/// Records one ClientHello may span at most (each read again per call: keeps that cheap).
const MAX_RECORDS: usize = 8;
/// A TLSPlaintext fragment is at most 2^14 bytes (RFC 8446 §5.1).
const MAX_FRAGMENT: usize = 1 << 14;
const HANDSHAKE: u8 = 22;
const CLIENT_HELLO: u8 = 1;

/// What the client's first handshake message says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// The host name of the server_name extension.
    pub sni: Option<String>,
    /// The ALPN protocols offered, in the client's order (`h2`, `http/1.1`).
    pub alpn: Vec<String>,
    /// supported_versions when sent (TLS 1.3 clients), else the legacy version; GREASE left out.
    pub versions: Vec<u16>,
    /// The cipher suites offered, in the client's order; GREASE left out.
    pub suites: Vec<u16>,
}

/// What the server's ServerHello chose (and, in TLS 1.3, its EncryptedExtensions' ALPN).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerHello {
    /// Negotiated: supported_versions' choice in TLS 1.3, else the legacy version.
    pub version: u16,
    pub suite: u16,
    /// The protocol chosen: in the ServerHello (1.2) or the EncryptedExtensions (1.3, when
    /// decrypted).
    pub alpn: Option<String>,
}

/// The outcome of reading the records at the start of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloRead {
    /// Not enough bytes yet: at least `need` in all.
    Partial { need: usize },
    /// Decided after `used` bytes: the hello, or why these records hold none.
    Done {
        used: usize,
        hello: Result<ClientHello, String>,
    },
}

/// Whether `first` starts like a TLS handshake record (type 22, version 3.x), as far as it goes.
pub fn looks_like_record(first: &[u8]) -> bool {
    match first {
        [] => true,
        [t] => *t == HANDSHAKE,
        [t, major, rest @ ..] => {
            *t == HANDSHAKE && *major == 3 && rest.first().is_none_or(|minor| *minor <= 4)
        }
    }
}

/// Reads the handshake records at the start of `buf` until one whole handshake message is in.
pub fn read_hello(buf: &[u8]) -> HelloRead {
    let mut msg: Vec<u8> = Vec::new();
    let mut pos = 0;
    for _ in 0..MAX_RECORDS {
        let Some(header) = buf.get(pos..pos + 5) else {
            return HelloRead::Partial { need: pos + 5 };
        };
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if header[0] != HANDSHAKE {
            return done(
                pos,
                format!("a record of type {} among the handshake", header[0]),
            );
        }
        if len == 0 || len > MAX_FRAGMENT {
            return done(
                pos,
                format!("a handshake record of {len} bytes (1 to 16384 allowed)"),
            );
        }
        // Not a ClientHello is told by its first byte, without waiting for the whole record.
        if let Some(&kind) = buf.get(pos + 5).filter(|_| msg.is_empty())
            && kind != CLIENT_HELLO
        {
            let why = format!("handshake message type {kind} where a ClientHello begins");
            return done(pos, why);
        }
        let Some(body) = buf.get(pos + 5..pos + 5 + len) else {
            return HelloRead::Partial {
                need: pos + 5 + len,
            };
        };
        pos += 5 + len;
        msg.extend_from_slice(body);
        if msg.len() < 4 {
            continue;
        }
        let want = 4 + (usize::from(msg[1]) << 16 | usize::from(msg[2]) << 8 | usize::from(msg[3]));
        if want > MAX_HELLO {
            return done(
                pos,
                format!("a handshake message of {want} bytes, past {MAX_HELLO}"),
            );
        }
        if msg.len() >= want {
            let hello = parse_hello(&msg[4..want]);
            return HelloRead::Done { used: pos, hello };
        }
    }
    done(
        pos,
        format!("a ClientHello spread over more than {MAX_RECORDS} records"),
    )
}

fn done(used: usize, why: String) -> HelloRead {
    HelloRead::Done {
        used,
        hello: Err(why),
    }
}

/// The body of a ClientHello (after its 4-byte handshake header).
fn parse_hello(body: &[u8]) -> Result<ClientHello, String> {
    let short = |what: &str| format!("the ClientHello ends inside its {what}");
    let mut r = Reader(body);
    let legacy = r.u16().ok_or_else(|| short("version"))?;
    r.take(32).ok_or_else(|| short("random"))?;
    r.vec8().ok_or_else(|| short("session id"))?;
    let suites = r.vec16().ok_or_else(|| short("cipher suites"))?;
    r.vec8().ok_or_else(|| short("compression methods"))?;
    let mut hello = ClientHello {
        suites: u16s(suites),
        ..ClientHello::default()
    };
    // Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.2).
    let mut exts = Reader(r.vec16().unwrap_or_default());
    let mut offered = None;
    while !exts.0.is_empty() {
        let kind = exts.u16().ok_or_else(|| short("extensions"))?;
        let data = exts.vec16().ok_or_else(|| short("extensions"))?;
        match kind {
            0 => hello.sni = server_name(data),
            16 => hello.alpn = alpn(data),
            43 => offered = Some(versions(data)),
            _ => {}
        }
    }
    hello.versions = offered.unwrap_or_else(|| vec![legacy]);
    Ok(hello)
}

/// The first host_name of a server_name list.
fn server_name(data: &[u8]) -> Option<String> {
    let mut list = Reader(Reader(data).vec16()?);
    while !list.0.is_empty() {
        let kind = list.u8()?;
        let name = list.vec16()?;
        if kind == 0 {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
    }
    None
}

fn alpn(data: &[u8]) -> Vec<String> {
    let mut list = Reader(Reader(data).vec16().unwrap_or_default());
    let mut out = Vec::new();
    while let Some(p) = list.vec8() {
        out.push(String::from_utf8_lossy(p).into_owned());
    }
    out
}

fn versions(data: &[u8]) -> Vec<u16> {
    u16s(Reader(data).vec8().unwrap_or_default())
}

/// A list of 16-bit values, GREASE left out.
fn u16s(list: &[u8]) -> Vec<u16> {
    list.chunks_exact(2)
        .map(|v| u16::from_be_bytes([v[0], v[1]]))
        .filter(|v| !is_grease(*v))
        .collect()
}

/// GREASE values (RFC 8701) are there to be ignored: 0x0a0a, 0x1a1a ... 0xfafa.
fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 12 == (v >> 4) & 0xf
}

/// A TLS version's name: 0x0304 is "TLS 1.3".
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301..=0x0304 => format!("TLS 1.{}", v - 0x0301),
        _ => format!("0x{v:04x}"),
    }
}

/// A cursor over bytes whose every read is checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }

    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

#[cfg(test)]
#[path = "tests.rs"]
pub(crate) mod tests;

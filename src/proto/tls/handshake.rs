//! Handshake messages inside the records (RFC 8446 §4): gathered across records, named, and the
//! few that matter to a reader parsed (ServerHello, EncryptedExtensions).

use super::Reader;
use super::{ClientHello, ServerHello};

/// A handshake message held for parsing at most; real ones (certificate chains) are far less.
pub const MAX_MESSAGE: usize = 256 * 1024;

/// ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256 of "HelloRetryRequest".
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// One whole handshake message: its type and body (the 4-byte header taken off).
pub struct Message<'a> {
    pub kind: u8,
    pub body: &'a [u8],
}

/// Splits the whole messages off the front of `buf`; returns them and the bytes they used, or
/// the error of a message announced past `MAX_MESSAGE`.
pub fn split(buf: &[u8]) -> Result<(Vec<Message<'_>>, usize), String> {
    let mut msgs = Vec::new();
    let mut pos = 0;
    while let Some(h) = buf.get(pos..pos + 4) {
        let len = usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3]);
        if len > MAX_MESSAGE {
            return Err(format!(
                "a handshake message of {len} bytes, past the {MAX_MESSAGE} read here"
            ));
        }
        let Some(body) = buf.get(pos + 4..pos + 4 + len) else {
            break;
        };
        msgs.push(Message { kind: h[0], body });
        pos += 4 + len;
    }
    Ok((msgs, pos))
}

/// A ClientHello's fields and its random.
pub fn client_hello(body: &[u8]) -> Option<(ClientHello, [u8; 32])> {
    let hello = super::parse_hello(body).ok()?;
    let random = body.get(2..34)?.try_into().ok()?;
    Some((hello, random))
}

/// What a ServerHello says: the choice, its random, and whether it is a HelloRetryRequest.
pub struct ServerHelloRead {
    pub hello: ServerHello,
    pub random: [u8; 32],
    pub retry: bool,
}

pub fn server_hello(body: &[u8]) -> Option<ServerHelloRead> {
    let mut r = Reader(body);
    let legacy = r.u16()?;
    let random: [u8; 32] = r.take(32)?.try_into().ok()?;
    r.vec8()?;
    let suite = r.u16()?;
    r.u8()?;
    let mut hello = ServerHello {
        version: legacy,
        suite,
        alpn: None,
    };
    let mut exts = Reader(r.vec16().unwrap_or_default());
    while !exts.0.is_empty() {
        let kind = exts.u16()?;
        let data = exts.vec16()?;
        match kind {
            43 => hello.version = Reader(data).u16()?,
            16 => hello.alpn = alpn_choice(data),
            _ => {}
        }
    }
    Some(ServerHelloRead {
        hello,
        random,
        retry: random == HRR_RANDOM,
    })
}

/// The ALPN protocol EncryptedExtensions names, if any (TLS 1.3).
pub fn encrypted_extensions_alpn(body: &[u8]) -> Option<String> {
    let mut exts = Reader(Reader(body).vec16()?);
    while !exts.0.is_empty() {
        let kind = exts.u16()?;
        let data = exts.vec16()?;
        if kind == 16 {
            return alpn_choice(data);
        }
    }
    None
}

/// The one protocol of a server's ALPN extension.
fn alpn_choice(data: &[u8]) -> Option<String> {
    let mut list = Reader(Reader(data).vec16()?);
    let name = list.vec8()?;
    Some(String::from_utf8_lossy(name).into_owned())
}

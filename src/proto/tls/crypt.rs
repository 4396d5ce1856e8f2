//! Record protection as a passive reader needs it: the AEADs of TLS 1.2 (RFC 5288, RFC 7905)
//! and TLS 1.3 (RFC 8446 §5.2), and the key schedules that turn logged secrets into their keys
//! (TLS 1.3's HKDF-Expand-Label, RFC 8446 §7.1; TLS 1.2's PRF, RFC 5246 §5 and §6.3).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use hkdf::hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};

/// The AEAD tag's length, the same for all three.
pub const TAG: usize = 16;
/// TLS 1.2 AES-GCM's explicit nonce before each ciphertext.
const EXPLICIT: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

/// What a suite this reader can decrypt is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    pub cipher: Cipher,
    pub hash: Hash,
    pub tls13: bool,
}

/// The suites decrypted here; others are listed, not read.
pub fn suite(id: u16) -> Option<Suite> {
    use Cipher::*;
    use Hash::*;
    let (cipher, hash, tls13) = match id {
        0x1301 => (Aes128Gcm, Sha256, true),
        0x1302 => (Aes256Gcm, Sha384, true),
        0x1303 => (ChaCha20Poly1305, Sha256, true),
        0xc02b | 0xc02f | 0x009c | 0x009e => (Aes128Gcm, Sha256, false),
        0xc02c | 0xc030 | 0x009d | 0x009f => (Aes256Gcm, Sha384, false),
        0xcca8 | 0xcca9 | 0xccaa => (ChaCha20Poly1305, Sha256, false),
        _ => return None,
    };
    Some(Suite {
        cipher,
        hash,
        tls13,
    })
}

impl Cipher {
    fn key_len(self) -> usize {
        match self {
            Cipher::Aes128Gcm => 16,
            _ => 32,
        }
    }

    /// TLS 1.2's fixed IV: a 4-byte salt for GCM, the whole 12-byte IV for ChaCha20.
    fn tls12_iv_len(self) -> usize {
        match self {
            Cipher::ChaCha20Poly1305 => 12,
            _ => 4,
        }
    }
}

impl Hash {
    pub fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }
}

enum Aeads {
    A128(Box<Aes128Gcm>),
    A256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

/// One direction's record protection: key, IV and the sequence number of the next record.
pub struct RecordCipher {
    aead: Aeads,
    iv: [u8; 12],
    /// TLS 1.2 AES-GCM: the nonce is salt || the record's explicit 8 bytes.
    explicit: bool,
    tls13: bool,
    suite: Suite,
    /// TLS 1.3: the traffic secret, for KeyUpdate.
    secret: Vec<u8>,
    seq: u64,
}

/// A record opened: its real content type and its plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub inner: u8,
    pub plaintext: Vec<u8>,
}

impl RecordCipher {
    fn with(suite: Suite, key: &[u8], iv: &[u8]) -> Option<Self> {
        let aead = match suite.cipher {
            Cipher::Aes128Gcm => Aeads::A128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            Cipher::Aes256Gcm => Aeads::A256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            Cipher::ChaCha20Poly1305 => {
                Aeads::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        };
        let mut fixed = [0; 12];
        fixed.get_mut(..iv.len())?.copy_from_slice(iv);
        Some(RecordCipher {
            aead,
            iv: fixed,
            explicit: !suite.tls13 && suite.cipher != Cipher::ChaCha20Poly1305,
            tls13: suite.tls13,
            suite,
            secret: Vec::new(),
            seq: 0,
        })
    }

    /// TLS 1.3: the keys of a traffic secret (RFC 8446 §7.3); None if the secret is too short.
    pub fn tls13(suite: Suite, secret: &[u8]) -> Option<Self> {
        let key = expand_label(suite.hash, secret, b"key", suite.cipher.key_len())?;
        let iv = expand_label(suite.hash, secret, b"iv", 12)?;
        let mut c = RecordCipher::with(suite, &key, &iv)?;
        c.secret = secret.to_vec();
        Some(c)
    }

    /// TLS 1.2: the client's (`client` true) or server's keys from the master secret and both
    /// randoms (RFC 5246 §6.3: the key block, no MAC keys with an AEAD).
    pub fn tls12(
        suite: Suite,
        master: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        client: bool,
    ) -> Option<Self> {
        let (k, i) = (suite.cipher.key_len(), suite.cipher.tls12_iv_len());
        let mut seed = server_random.to_vec();
        seed.extend_from_slice(client_random);
        let block = prf(suite.hash, master, b"key expansion", &seed, 2 * (k + i));
        let (ck, rest) = block.split_at(k);
        let (sk, rest) = rest.split_at(k);
        let (ci, si) = rest.split_at(i);
        if client {
            RecordCipher::with(suite, ck, ci)
        } else {
            RecordCipher::with(suite, sk, si)
        }
    }

    /// The sequence number of the next record (records passed by before the keys were known).
    pub fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }

    /// TLS 1.3 KeyUpdate: the next generation of this direction's secret (RFC 8446 §7.2).
    pub fn update(&mut self) -> Option<()> {
        let next = expand_label(
            self.suite.hash,
            &self.secret,
            b"traffic upd",
            self.suite.hash.len(),
        )?;
        *self = RecordCipher::tls13(self.suite, &next)?;
        Some(())
    }

    /// Decrypts one record whose 5-byte header is `header`; the sequence number moves on only
    /// when it opens.
    pub fn open(&mut self, header: &[u8; 5], fragment: &[u8]) -> Result<Opened, String> {
        let mut nonce = self.iv;
        let seq = self.seq.to_be_bytes();
        let (body, aad) = if self.explicit {
            let Some((explicit, body)) = fragment.split_at_checked(EXPLICIT) else {
                return Err("a record too short for its explicit nonce".into());
            };
            nonce[4..].copy_from_slice(explicit);
            (body, tls12_aad(&seq, header, body.len()))
        } else {
            for (n, s) in nonce[4..].iter_mut().zip(seq) {
                *n ^= s;
            }
            let aad = if self.tls13 {
                header.to_vec()
            } else {
                tls12_aad(&seq, header, fragment.len())
            };
            (fragment, aad)
        };
        if body.len() < TAG {
            return Err(format!(
                "a record of {} bytes, shorter than its tag",
                body.len()
            ));
        }
        let payload = Payload {
            msg: body,
            aad: &aad,
        };
        let plain = match &self.aead {
            Aeads::A128(a) => a.decrypt((&nonce).into(), payload),
            Aeads::A256(a) => a.decrypt((&nonce).into(), payload),
            Aeads::ChaCha(a) => a.decrypt((&nonce).into(), payload),
        }
        .map_err(|_| "the record does not decrypt: wrong keys, or a damaged record".to_string())?;
        self.seq += 1;
        if !self.tls13 {
            return Ok(Opened {
                inner: header[0],
                plaintext: plain,
            });
        }
        // TLSInnerPlaintext: content, the real type, then zeros (RFC 8446 §5.2).
        let Some(end) = plain.iter().rposition(|b| *b != 0) else {
            return Err("a decrypted record with no content type (all padding)".into());
        };
        let mut plaintext = plain;
        let inner = plaintext[end];
        plaintext.truncate(end);
        Ok(Opened { inner, plaintext })
    }
}

/// seq_num || type || version || length of the plaintext (RFC 5246 §6.2.3.3).
fn tls12_aad(seq: &[u8; 8], header: &[u8; 5], len: usize) -> Vec<u8> {
    let plain = len.saturating_sub(TAG) as u16;
    let mut aad = seq.to_vec();
    aad.extend_from_slice(&header[..3]);
    aad.extend_from_slice(&plain.to_be_bytes());
    aad
}

/// HKDF-Expand-Label(secret, label, "", len) (RFC 8446 §7.1).
pub fn expand_label(hash: Hash, secret: &[u8], label: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push((6 + label.len()) as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(0);
    let mut out = vec![0; len];
    match hash {
        Hash::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out),
        Hash::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out),
    }
    .ok()?;
    Some(out)
}

/// TLS 1.2's PRF: P_hash(secret, label || seed) cut to `len` bytes (RFC 5246 §5).
pub fn prf(hash: Hash, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut seed_all = label.to_vec();
    seed_all.extend_from_slice(seed);
    match hash {
        Hash::Sha256 => p_hash::<Hmac<Sha256>>(secret, &seed_all, len),
        Hash::Sha384 => p_hash::<Hmac<Sha384>>(secret, &seed_all, len),
    }
}

fn p_hash<M: Mac + KeyInit>(secret: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mac = |parts: &[&[u8]]| {
        let mut m = <M as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    };
    let mut out = Vec::with_capacity(len + 48);
    let mut a = mac(&[seed]);
    while out.len() < len {
        out.extend(mac(&[&a, seed]));
        a = mac(&[&a]);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
#[path = "crypt_tests.rs"]
mod tests;

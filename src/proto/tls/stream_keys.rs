//! Key setup for `TlsStream`: the `tls_keys` event, the record header check and the record
//! ciphers built from the key log.

use super::{Epoch, MAX_RECORD, Out, TlsStream};
use crate::proto::Dir;
use crate::proto::event::{EventKind, TlsKeys};
use crate::proto::tls::crypt::{self, RecordCipher};
use crate::proto::tls::keylog::{SharedKeys, hex};
use crate::proto::tls::suite_name;

impl TlsStream {
    /// The `tls_keys` event, once: after TLS 1.3's ServerHello, at TLS 1.2's first
    /// ChangeCipherSpec (before it the master secret may not even exist yet).
    pub(super) fn say_keys(&mut self, keys: Option<&SharedKeys>, out: &mut Vec<Out>) {
        let (Some(chosen), Some(cr)) = (&self.chosen, self.client_random) else {
            return;
        };
        if self.keys_said {
            return;
        }
        self.keys_said = true;
        let tls13 = chosen.version == 0x0304;
        let labels: &[&str] = if tls13 {
            &["CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]
        } else {
            &["CLIENT_RANDOM"]
        };
        let known = keys.is_some_and(|k| {
            k.read()
                .is_ok_and(|k| labels.iter().all(|l| k.get(l, &cr).is_some()))
        });
        let supported = crypt::suite(chosen.suite).is_some_and(|s| s.tls13 == tls13);
        let need = if !supported {
            Some(format!(
                "{} is not decrypted here (only AES-GCM and ChaCha20-Poly1305 suites are)",
                suite_name(chosen.suite)
            ))
        } else if !known {
            Some(format!("{} {}", labels.join(" / "), hex(&cr)))
        } else {
            None
        };
        let k = TlsKeys {
            version: chosen.version,
            suite: chosen.suite,
            decrypting: supported && known,
            client_random: cr,
            need,
        };
        out.push(Out::Event(EventKind::TlsKeys(Box::new(k))));
    }
}

/// A record header is a TLS one (types 20 to 24, version 3.x) and within the size limit.
pub(super) fn check_header(h: &[u8; 5]) -> Result<(), String> {
    let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
    if !(20..=24).contains(&h[0]) || h[1] != 3 {
        return Err(format!(
            "not a TLS record header: type {}, version {}.{}",
            h[0], h[1], h[2]
        ));
    }
    if len > MAX_RECORD {
        return Err(format!(
            "a TLS record of {len} bytes, past the {MAX_RECORD} allowed"
        ));
    }
    Ok(())
}

/// The cipher of `dir` in `epoch`, from the key log (None if it lacks the secret).
pub(super) fn build(
    keys: &SharedKeys,
    suite: crypt::Suite,
    epoch: Epoch,
    dir: Dir,
    cr: &[u8; 32],
    sr: Option<&[u8; 32]>,
) -> Option<RecordCipher> {
    let keys = keys.read().ok()?;
    if !suite.tls13 {
        let master = keys.get("CLIENT_RANDOM", cr)?;
        return RecordCipher::tls12(suite, master, cr, sr?, dir == Dir::C2s);
    }
    let label = match (epoch, dir) {
        (Epoch::Handshake, Dir::C2s) => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        (Epoch::Handshake, Dir::S2c) => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        (Epoch::App, Dir::C2s) => "CLIENT_TRAFFIC_SECRET_0",
        (Epoch::App, Dir::S2c) => "SERVER_TRAFFIC_SECRET_0",
        (Epoch::Clear, _) => return None,
    };
    RecordCipher::tls13(suite, keys.get(label, cr)?)
}

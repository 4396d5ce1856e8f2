//! TLS on the built-in server (`duplex serve --tls`): a certificate made at start for
//! `localhost`, `127.0.0.1` and `::1`, rustls with the ring provider (TLS 1.3 and 1.2, ALPN
//! `http/1.1`), and every secret rustls derives handed to the tap's decoder, to `--keylog` and
//! to the `--record` capture.
//!
//! The tap sits below rustls: it copies the ciphertext, and the decoder decrypts it with the
//! same keys, as Wireshark would with a key log.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use rcgen::PublicKeyData as _;
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::Digest as _;
use tokio_rustls::TlsAcceptor;

pub use crate::proto::tls::keylog::SharedKeys;

#[path = "tls_client.rs"]
pub mod client;

/// The names the certificate is good for: what a learner types on this machine.
pub const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The server's certificate, as a client needs it to trust the server.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The certificate, PEM.
    pub pem: String,
    pub der: CertificateDer<'static>,
    /// Where it was written (None: kept in memory only).
    pub path: Option<PathBuf>,
    pub key_path: Option<PathBuf>,
    /// sha256 of the SubjectPublicKeyInfo, base64: Chromium's
    /// `--ignore-certificate-errors-spki-list` takes it.
    pub spki_sha256: String,
}

/// What a TLS-speaking server needs: the acceptor, the certificate, and the secrets' sinks.
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub cert: Cert,
    pub secrets: Arc<Secrets>,
}

impl Tls {
    /// A fresh certificate and key; written to `dir` (the certificate as `cert.pem`, the key as
    /// `key.pem`, readable only by its owner) when given. Secrets go to `keys` and, with
    /// `keylog`, appended to that file.
    pub fn new(dir: Option<&Path>, keys: SharedKeys, keylog: Option<&Path>) -> io::Result<Tls> {
        let names: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
        let made = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
        let spki = made.signing_key.subject_public_key_info();
        let spki_sha256 =
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&spki));
        let pem = made.cert.pem();
        let key_pem = made.signing_key.serialize_pem();
        let (path, key_path) = match dir {
            Some(d) => {
                let (c, k) = write_pair(d, &pem, &key_pem)?;
                (Some(c), Some(k))
            }
            None => (None, None),
        };
        let der = made.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
        let secrets = Arc::new(Secrets::new(keys, keylog)?);
        let config = server_config(der.clone(), key, secrets.clone())?;
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert: Cert {
                pem,
                der,
                path,
                key_path,
                spki_sha256,
            },
            secrets,
        })
    }
}

/// The default place of the certificate: `tls/` in duplex's data directory.
pub fn default_dir() -> Option<PathBuf> {
    crate::lesson::progress::data_dir().map(|d| d.join("tls"))
}

/// Where a lesson server's certificate is written for the learner's tools: one file per port,
/// as two lessons may run at once.
pub fn lesson_cert_path(port: u16) -> PathBuf {
    default_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("lesson-{port}.pem"))
}

pub fn write_lesson_cert(port: u16, pem: &str) -> io::Result<PathBuf> {
    let p = lesson_cert_path(port);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&p, pem)?;
    Ok(p)
}

fn write_pair(dir: &Path, cert: &str, key: &str) -> io::Result<(PathBuf, PathBuf)> {
    let at = |p: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| at(dir, e))?;
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, cert).map_err(|e| at(&c, e))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        // A key left from an earlier run may have other rights: tighten them first.
        if k.exists() {
            std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| at(&k, e))?;
        }
    }
    let mut f = opts.open(&k).map_err(|e| at(&k, e))?;
    f.write_all(key.as_bytes()).map_err(|e| at(&k, e))?;
    Ok((c, k))
}

fn server_config(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    secrets: Arc<Secrets>,
) -> io::Result<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.key_log = secrets;
    Ok(config)
}

/// Where every secret rustls derives goes, synchronously, before the records it protects are
/// written: the decoder's key log, the `--keylog` file, and the lines the recording still owes.
pub struct Secrets {
    pub keys: SharedKeys,
    file: Option<Mutex<(PathBuf, File)>>,
    /// Lines not yet written into the recording (only while one is made).
    unrecorded: Mutex<Option<Vec<String>>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets")
    }
}

impl Secrets {
    pub fn new(keys: SharedKeys, keylog: Option<&Path>) -> io::Result<Secrets> {
        let file = match keylog {
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
                Some(Mutex::new((p.to_owned(), f)))
            }
            None => None,
        };
        Ok(Secrets {
            keys,
            file,
            unrecorded: Mutex::new(None),
        })
    }

    /// The `--keylog` file, if any.
    pub fn keylog_path(&self) -> Option<PathBuf> {
        let f = self.file.as_ref()?;
        Some(f.lock().unwrap_or_else(PoisonError::into_inner).0.clone())
    }

    /// From now on keep the lines for the recording, to be taken with [`Secrets::take_unrecorded`].
    pub fn recording(&self) {
        *self
            .unrecorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
    }

    /// The key log lines logged since the last call (NSS format, each ending in a newline).
    pub fn take_unrecorded(&self) -> String {
        let mut u = self
            .unrecorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        u.as_mut()
            .map(|v| v.drain(..).collect())
            .unwrap_or_default()
    }
}

/// One SSLKEYLOGFILE line: `LABEL <client random hex> <secret hex>`.
pub fn nss_line(label: &str, client_random: &[u8], secret: &[u8]) -> String {
    let mut s = String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
    s.push_str(label);
    for part in [client_random, secret] {
        s.push(' ');
        for b in part {
            let _ = write!(s, "{b:02x}");
        }
    }
    s.push('\n');
    s
}

impl rustls::KeyLog for Secrets {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Ok(mut k) = self.keys.write() {
            k.insert(label, client_random, secret);
        }
        let line = nss_line(label, client_random, secret);
        if let Some(f) = &self.file {
            let mut f = f.lock().unwrap_or_else(PoisonError::into_inner);
            let (path, file) = &mut *f;
            // Flushed per line: Wireshark reads the file while the server runs.
            if let Err(e) = file.write_all(line.as_bytes()).and_then(|()| file.flush()) {
                let file = path.display();
                eprintln!(
                    "duplex serve: {}",
                    crate::tr!("tls.keylog_failed", file = file, error = e)
                );
            }
        }
        if let Some(v) = self
            .unrecorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            v.push(line);
        }
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;

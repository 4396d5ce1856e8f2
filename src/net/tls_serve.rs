//! `duplex serve --tls`: the certificate made and written, and the lines that say how to trust
//! it (curl, Python, Chromium).

use std::sync::Arc;

use super::command::TlsOpts;
use super::tls::SharedKeys;
use super::tls::{self, Tls};

/// Makes the certificate, writes it where `opts` says, and prints how to reach the server on
/// `port` with TLS.
pub fn start(opts: &TlsOpts, keys: SharedKeys, port: u16) -> Result<Arc<Tls>, String> {
    let dir = opts
        .cert_dir
        .clone()
        .or_else(tls::default_dir)
        .ok_or_else(|| crate::tr!("tls.no_dir"))?;
    let t = Tls::new(Some(&dir), keys, opts.keylog.as_deref())
        .map_err(|e| crate::tr!("tls.cannot_start", error = e))?;
    for line in lines(&t, port) {
        eprintln!("duplex serve: {line}");
    }
    Ok(Arc::new(t))
}

/// What `--tls` prints after the listening line.
pub fn lines(t: &Tls, port: u16) -> Vec<String> {
    let cert = t
        .cert
        .path
        .as_ref()
        .map_or_else(String::new, |p| p.display().to_string());
    let key = t
        .cert
        .key_path
        .as_ref()
        .map_or_else(String::new, |p| p.display().to_string());
    let mut v = vec![
        crate::tr!("tls.same_port", port = port),
        crate::tr!("tls.cert", cert = cert, key = key),
        crate::tr!("tls.curl", cert = cert, port = port),
        crate::tr!("tls.chromium", spki = t.cert.spki_sha256),
    ];
    if let Some(k) = &opts_keylog(t) {
        v.push(crate::tr!("tls.keylog", file = k));
    }
    v
}

fn opts_keylog(t: &Tls) -> Option<String> {
    t.secrets.keylog_path().map(|p| p.display().to_string())
}

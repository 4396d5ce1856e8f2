//! A stranger on the HTTP/1.1 port in words, for the transcript and the views alike.

use crate::proto::event::{ClientHello, TlsHandshake};
use crate::proto::tls::version_name;

/// The HTTP/2 preface, in a sentence.
pub fn h2_preface() -> String {
    crate::tr!("stranger.h2_preface")
}

/// A TLS ClientHello on a port that does not speak TLS, in a sentence: the server it named
/// and the protocols it offered.
pub fn tls_handshake(t: &TlsHandshake) -> String {
    tls_hello(&t.hello)
}

/// [`tls_handshake`] from the hello alone.
pub fn tls_hello(h: &ClientHello) -> String {
    let versions: Vec<String> = h.versions.iter().map(|v| version_name(*v)).collect();
    let alpn = if h.alpn.is_empty() {
        crate::tr!("stranger.no_alpn")
    } else {
        h.alpn.join(", ")
    };
    let versions = versions.join(", ");
    match &h.sni {
        Some(sni) => crate::tr!(
            "stranger.tls_hello",
            sni = sni,
            alpn = alpn,
            versions = versions
        ),
        None => crate::tr!(
            "stranger.tls_hello_no_sni",
            alpn = alpn,
            versions = versions
        ),
    }
}

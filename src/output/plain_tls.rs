//! The TLS layer in the transcript's words: records, handshake messages, keys. Protocol
//! tokens (content types, message names, suites) stay as on the wire in every language.

use crate::proto::event::{ClientHello, TlsHandshake, TlsKeys, TlsRecord};
use crate::proto::tls::{content_type_name, suite_name, version_name};
use crate::tr;

pub fn record(r: &TlsRecord) -> String {
    let mut s = tr!(
        "plain.tls_record",
        kind = content_type_name(r.content_type),
        version = version_name(r.version),
        n = r.length
    );
    if r.encrypted {
        s.push_str(&tr!("plain.tls_encrypted"));
    }
    match (r.inner, r.plaintext) {
        (Some(inner), Some(p)) => {
            s.push_str(&tr!(
                "plain.tls_inner",
                kind = content_type_name(inner),
                n = p
            ));
        }
        (None, Some(p)) => s.push_str(&tr!("plain.tls_plaintext", n = p)),
        _ => {}
    }
    s
}

/// A handshake message; a ClientHello that got no ServerHello is the stranger of a plain port.
pub fn handshake(h: &TlsHandshake, stranger: bool) -> String {
    match h.msg {
        "client_hello" if stranger => super::stranger::tls_handshake(h),
        "client_hello" => client_hello(&h.hello, h.bytes),
        "server_hello" => match &h.server {
            Some(s) => {
                let alpn = s
                    .alpn
                    .as_ref()
                    .map_or_else(String::new, |a| tr!("plain.tls_alpn_chosen", alpn = a));
                tr!(
                    "plain.tls_server_hello",
                    version = version_name(s.version),
                    suite = suite_name(s.suite),
                    alpn = alpn,
                    n = h.bytes
                )
            }
            None => tr!("plain.tls_message", msg = h.msg, n = h.bytes),
        },
        msg if h.encrypted => tr!("plain.tls_message_decrypted", msg = msg, n = h.bytes),
        msg => tr!("plain.tls_message", msg = msg, n = h.bytes),
    }
}

fn client_hello(hello: &ClientHello, bytes: u64) -> String {
    let versions: Vec<String> = hello.versions.iter().map(|v| version_name(*v)).collect();
    let alpn = if hello.alpn.is_empty() {
        tr!("stranger.no_alpn")
    } else {
        hello.alpn.join(", ")
    };
    let sni = hello.sni.clone().unwrap_or_else(|| tr!("plain.tls_no_sni"));
    tr!(
        "plain.tls_client_hello",
        versions = versions.join(", "),
        sni = sni,
        alpn = alpn,
        suites = hello.suites.len(),
        n = bytes
    )
}

pub fn keys(k: &TlsKeys) -> String {
    let (version, suite) = (version_name(k.version), suite_name(k.suite));
    match &k.need {
        _ if k.decrypting => tr!("plain.tls_keys", version = version, suite = suite),
        Some(need) => tr!(
            "plain.tls_keys_missing",
            version = version,
            suite = suite,
            need = need
        ),
        None => tr!("plain.tls_keys_none", version = version, suite = suite),
    }
}

//! The rules a request must keep for a server to switch it to WebSocket (RFC 6455 §4.1,
//! §4.2.1): a 101 answering one that breaks them is the server's mistake, worth naming.

use base64::Engine;

/// What the decoder kept of an upgrade request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeRequest {
    /// Minor HTTP version: 0 for HTTP/1.0.
    pub minor: u8,
    pub key: Option<String>,
    pub version: Option<String>,
}

/// A broken rule: `http` when it is the request line's, else the WebSocket headers'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub http: bool,
    pub what: String,
}

/// Every rule the request breaks, for a server that answered it 101 anyway.
pub fn broken_rules(req: &UpgradeRequest) -> Vec<Broken> {
    let mut out = Vec::new();
    let mut broke = |http, what: String| out.push(Broken { http, what });
    if req.minor == 0 {
        broke(
            true,
            "101 Switching Protocols answers an HTTP/1.0 request: the WebSocket handshake needs \
             HTTP/1.1 or later (RFC 6455 §4.1), and HTTP/1.0 has no Upgrade (RFC 9110 §7.8)"
                .into(),
        );
    }
    match req.key.as_deref().map(str::trim) {
        None => broke(
            false,
            "101 Switching Protocols answers a request without Sec-WebSocket-Key: the server \
             must refuse it (RFC 6455 §4.2.1)"
                .into(),
        ),
        Some(key) => {
            let decoded = base64::engine::general_purpose::STANDARD.decode(key);
            let how = match decoded {
                Ok(b) if b.len() == 16 => None,
                Ok(b) => Some(format!("decodes to {} bytes", b.len())),
                Err(_) => Some("is not base64".to_owned()),
            };
            if let Some(how) = how {
                broke(
                    false,
                    format!(
                        "101 Switching Protocols answers Sec-WebSocket-Key {key:?}, which {how}: \
                         the key must be base64 of 16 random bytes (RFC 6455 §4.1)"
                    ),
                );
            }
        }
    }
    match req.version.as_deref().map(str::trim) {
        Some("13") => {}
        v => broke(
            false,
            format!(
                "101 Switching Protocols answers Sec-WebSocket-Version {}: only 13 is WebSocket; \
                 the server must answer 426 with Sec-WebSocket-Version: 13 (RFC 6455 §4.2.2)",
                v.map_or("(missing)".to_owned(), |v| format!("{v:?}"))
            ),
        ),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(minor: u8, key: Option<&str>, version: Option<&str>) -> UpgradeRequest {
        UpgradeRequest {
            minor,
            key: key.map(Into::into),
            version: version.map(Into::into),
        }
    }

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

    #[test]
    fn a_good_request_breaks_nothing() {
        assert_eq!(broken_rules(&req(1, Some(KEY), Some("13"))), []);
        assert_eq!(
            broken_rules(&req(1, Some(" dGhlIHNhbXBsZSBub25jZQ== "), Some(" 13"))),
            []
        );
    }

    #[test]
    fn each_rule_is_named() {
        let one = |r: UpgradeRequest| {
            let b = broken_rules(&r);
            assert_eq!(b.len(), 1, "{b:?}");
            b.into_iter().next().unwrap()
        };
        let b = one(req(0, Some(KEY), Some("13")));
        assert!(b.http && b.what.contains("HTTP/1.0"), "{b:?}");
        let b = one(req(1, None, Some("13")));
        assert!(
            !b.http && b.what.contains("without Sec-WebSocket-Key"),
            "{b:?}"
        );
        let b = one(req(1, Some("c2hvcnQ="), Some("13")));
        assert!(b.what.contains("decodes to 5 bytes"), "{b:?}");
        let b = one(req(1, Some("not base64!"), Some("13")));
        assert!(b.what.contains("is not base64"), "{b:?}");
        let b = one(req(1, Some(KEY), Some("8")));
        assert!(b.what.contains("Sec-WebSocket-Version \"8\""), "{b:?}");
        let b = one(req(1, Some(KEY), None));
        assert!(b.what.contains("(missing)"), "{b:?}");
        assert_eq!(broken_rules(&req(0, None, None)).len(), 3);
    }
}

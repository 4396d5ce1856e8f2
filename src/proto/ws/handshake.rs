//! What the opening handshake fixes for the frames that follow: the accept key proof and the
//! permessage-deflate parameters (RFC 7692 §7.1).

use base64::Engine;
use sha1::{Digest, Sha1};

/// The GUID every server appends to the client's key (RFC 6455 §1.3).
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// How ONE direction's sender compresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    /// The sender resets its compressor after each message.
    pub no_context_takeover: bool,
    /// LZ77 window the sender uses, 8-15 (the receiver may always use a larger one).
    pub window_bits: u8,
}

impl Default for DeflateParams {
    fn default() -> Self {
        DeflateParams {
            no_context_takeover: false,
            window_bits: 15,
        }
    }
}

/// base64(SHA-1(key + GUID)): the `Sec-WebSocket-Accept` a server must answer (RFC 6455 §4.2.2).
pub fn accept_key(sec_websocket_key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(sec_websocket_key.trim().as_bytes());
    sha.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// Parses the server's `Sec-WebSocket-Extensions` value from the 101 response. Returns
/// (client→server params, server→client params) if permessage-deflate was accepted.
pub fn negotiated_deflate(
    ext_header: &str,
) -> Result<Option<(DeflateParams, DeflateParams)>, String> {
    let mut found = None;
    for ext in split_outside_quotes(ext_header, ',') {
        let mut parts = split_outside_quotes(ext, ';').into_iter();
        let name = parts.next().unwrap_or_default().trim();
        if !name.eq_ignore_ascii_case("permessage-deflate") {
            continue; // another extension: not ours to judge
        }
        if found.is_some() {
            return Err(
                "permessage-deflate is accepted twice; a server accepts one offer (RFC 7692 §5)"
                    .into(),
            );
        }
        found = Some(deflate_params(parts)?);
    }
    Ok(found)
}

fn deflate_params<'a>(
    params: impl Iterator<Item = &'a str>,
) -> Result<(DeflateParams, DeflateParams), String> {
    let (mut c2s, mut s2c) = (DeflateParams::default(), DeflateParams::default());
    let mut seen: Vec<String> = Vec::new();
    for param in params {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.trim(), Some(unquote(v.trim()))),
            None => (param.trim(), None),
        };
        if key.is_empty() {
            continue; // tolerate "permessage-deflate;" with a trailing separator
        }
        let lower = key.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(format!(
                "permessage-deflate parameter `{key}` appears twice (RFC 7692 §7.1)"
            ));
        }
        match (lower.as_str(), value) {
            ("server_no_context_takeover", None) => s2c.no_context_takeover = true,
            ("client_no_context_takeover", None) => c2s.no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => s2c.window_bits = window_bits(key, v)?,
            ("client_max_window_bits", Some(v)) => c2s.window_bits = window_bits(key, v)?,
            // Without a value the client keeps its default window (RFC 7692 §7.1.2.2).
            ("client_max_window_bits", None) => {}
            ("server_max_window_bits", None) => {
                return Err(
                    "permessage-deflate parameter `server_max_window_bits` needs a value 8-15 (RFC 7692 §7.1.2.1)"
                        .into(),
                );
            }
            ("server_no_context_takeover" | "client_no_context_takeover", Some(v)) => {
                return Err(format!(
                    "permessage-deflate parameter `{key}` takes no value, got `{v}` (RFC 7692 §7.1.1)"
                ));
            }
            _ => {
                return Err(format!(
                    "unknown permessage-deflate parameter `{key}`; known: server_no_context_takeover, \
                     client_no_context_takeover, server_max_window_bits, client_max_window_bits (RFC 7692 §7.1)"
                ));
            }
        }
        seen.push(lower);
    }
    Ok((c2s, s2c))
}

fn window_bits(key: &str, value: &str) -> Result<u8, String> {
    // RFC 7692 §7.1.2: 1*DIGIT without leading zero, 8 to 15.
    match value.parse::<u8>() {
        Ok(bits @ 8..=15) if !value.starts_with('0') && !value.starts_with('+') => Ok(bits),
        _ => Err(format!(
            "permessage-deflate parameter `{key}={value}`: window bits must be a number 8-15 (RFC 7692 §7.1.2)"
        )),
    }
}

pub(crate) fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
}

/// Splits on `sep` except inside double quotes (a quoted value may hold any separator).
pub(crate) fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(no_context_takeover: bool, window_bits: u8) -> DeflateParams {
        DeflateParams {
            no_context_takeover,
            window_bits,
        }
    }

    #[test]
    fn accept_key_rfc6455_example() {
        // RFC 6455 §1.3 and §4.2.2.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn no_deflate() {
        assert_eq!(negotiated_deflate(""), Ok(None));
        assert_eq!(negotiated_deflate("x-webkit-other; a=1"), Ok(None));
    }

    #[test]
    fn plain_and_parameterised() {
        assert_eq!(
            negotiated_deflate("permessage-deflate"),
            Ok(Some((p(false, 15), p(false, 15))))
        );
        assert_eq!(
            negotiated_deflate(
                "permessage-deflate; client_no_context_takeover; server_max_window_bits=10"
            ),
            Ok(Some((p(true, 15), p(false, 10))))
        );
        assert_eq!(
            negotiated_deflate(
                "foo, Permessage-Deflate ; server_no_context_takeover ;client_max_window_bits=\"9\""
            ),
            Ok(Some((p(false, 9), p(true, 15))))
        );
        assert_eq!(
            negotiated_deflate("permessage-deflate; client_max_window_bits"),
            Ok(Some((p(false, 15), p(false, 15))))
        );
    }

    #[test]
    fn bad_responses_are_errors() {
        for bad in [
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; level=9",
            "permessage-deflate, permessage-deflate",
        ] {
            let err = negotiated_deflate(bad).expect_err(bad);
            assert!(err.contains("RFC 7692"), "{bad}: {err}");
        }
    }

    #[test]
    fn quoted_separators_do_not_split() {
        assert_eq!(
            split_outside_quotes(r#"a="x,y", b"#, ','),
            vec![r#"a="x,y""#, " b"]
        );
    }
}

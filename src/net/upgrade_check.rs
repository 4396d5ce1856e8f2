//! The rules a WebSocket upgrade request must keep (RFC 6455 §4.1, §4.2.1), each refused with
//! its own status and a sentence naming the rule, so a learner's hand-made request is judged;
//! then the server's own policy, the origins it takes upgrades from (§4.2.2, §10.2).

use base64::Engine;
use hyper::header::{HeaderValue, ORIGIN, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Request, StatusCode, Version};

use super::origin::{self, Origin};
use super::routes::{RespBody, text};

/// The refusal `req` earns, or `None` when it may be upgraded. With `origins`, an `Origin` that
/// is present and not among them earns a 403 (a missing one passes: see `origin::allows`).
pub fn refusal<B>(
    req: &Request<B>,
    origins: Option<&[Origin]>,
) -> Option<hyper::Response<RespBody>> {
    let h = req.headers();
    let path = req.uri().path();
    let is_ws = h
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !is_ws {
        return Some(needs_version(crate::tr!(
            "server.upgrade_required",
            path = path
        )));
    }
    if req.version() < Version::HTTP_11 {
        return Some(bad(crate::tr!("server.upgrade_http10")));
    }
    match h.get("sec-websocket-version").map(HeaderValue::as_bytes) {
        Some(b"13") => {}
        v => {
            let asked = v.map_or_else(
                || "(none)".into(),
                |v| String::from_utf8_lossy(v).into_owned(),
            );
            return Some(needs_version(crate::tr!(
                "server.upgrade_version",
                asked = crate::ui::visible(&asked)
            )));
        }
    }
    match h.get(SEC_WEBSOCKET_KEY) {
        None => Some(bad(crate::tr!("server.upgrade_no_key"))),
        Some(k) if !key_ok(k.as_bytes()) => {
            let got = String::from_utf8_lossy(k.as_bytes()).into_owned();
            Some(bad(crate::tr!(
                "server.upgrade_bad_key",
                key = crate::ui::visible(&got)
            )))
        }
        Some(_) => {
            let sent = h.get_all(ORIGIN).iter().map(HeaderValue::as_bytes);
            let foreign = origins.and_then(|o| origin::allows(o, sent).err())?;
            Some(text(
                StatusCode::FORBIDDEN,
                "text/plain; charset=utf-8",
                crate::tr!(
                    "server.upgrade_origin",
                    origin = crate::ui::visible(&foreign)
                ) + "\n",
            ))
        }
    }
}

/// A key is 16 bytes in base64: 24 characters ending in `==`.
fn key_ok(key: &[u8]) -> bool {
    let key = key.trim_ascii();
    base64::engine::general_purpose::STANDARD
        .decode(key)
        .is_ok_and(|raw| raw.len() == 16)
}

/// 426 with the version this server speaks (RFC 6455 §4.4).
fn needs_version(why: String) -> hyper::Response<RespBody> {
    let mut resp = text(
        StatusCode::UPGRADE_REQUIRED,
        "text/plain; charset=utf-8",
        why + "\n",
    );
    resp.headers_mut()
        .insert("sec-websocket-version", HeaderValue::from_static("13"));
    resp
}

pub fn bad(why: String) -> hyper::Response<RespBody> {
    text(
        StatusCode::BAD_REQUEST,
        "text/plain; charset=utf-8",
        why + "\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_sixteen_bytes_in_base64() {
        assert!(key_ok(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!key_ok(b"dGhlIHNhbXBsZQ=="));
        assert!(!key_ok(b"not base64 at all!!!!!!!"));
        assert!(!key_ok(b""));
    }
}

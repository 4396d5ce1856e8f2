//! `GET /api/catalog`: data that rarely changes, served the way HTTP caches like it: with an
//! `ETag` and `Cache-Control`, and `304 Not Modified` (no body) when the client already has it.

use http_body_util::{BodyExt, Empty};
use hyper::header::{CACHE_CONTROL, ETAG, HeaderValue, IF_NONE_MATCH};
use hyper::{Request, Response, StatusCode};

use super::routes::{self, RespBody};

const CATALOG: &str = r#"{"symbols":[{"sym":"DPX","name":"Duplex Corp","currency":"USD","tick":0.01},{"sym":"WSK","name":"WebSocket Kit","currency":"USD","tick":0.01},{"sym":"HTP","name":"Hypertext Partners","currency":"EUR","tick":0.05}],"exchange":"loopback","updated":"2026-01-01"}"#;

/// The entity tag: a hash of the body, so it changes exactly when the body does.
fn etag() -> String {
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in CATALOG.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{h:016x}\"")
}

pub fn catalog<B>(req: &Request<B>) -> Response<RespBody> {
    let tag = etag();
    let fresh = req
        .headers()
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == tag
        });
    let mut resp = if fresh {
        let mut r = Response::new(Empty::new().map_err(|never| match never {}).boxed());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        routes::text(StatusCode::OK, "application/json", CATALOG)
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(ETAG, v);
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(inm: Option<&str>) -> Response<RespBody> {
        let mut b = Request::builder().uri("/api/catalog");
        if let Some(v) = inm {
            b = b.header(IF_NONE_MATCH, v);
        }
        catalog(&b.body(()).unwrap())
    }

    #[test]
    fn first_fetch_is_200_with_a_tag_and_a_revalidation_is_304() {
        let first = get(None);
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[ETAG].to_str().unwrap().to_owned();
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert_eq!(get(Some(&tag)).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(get(Some(&format!("W/{tag}"))).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(get(Some("\"other\"")).status(), StatusCode::OK);
        assert_eq!(get(Some("*")).status(), StatusCode::NOT_MODIFIED);
    }
}

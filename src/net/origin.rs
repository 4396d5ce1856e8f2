//! Origins as RFC 6454 serialises them (`scheme://host[:port]`), for a server that checks the
//! `Origin` of a WebSocket upgrade (RFC 6455 §4.2.2, §10.2).

use std::fmt;

/// A serialised origin, scheme and host in lower case, the port left out when it is the
/// scheme's default, so that equal origins compare equal as values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    /// `s` as an origin, or `None` when it is not `scheme://host[:port]` with nothing after:
    /// no path (not even `/`), no user, no `*`. `null` (an opaque origin) is none either.
    pub fn parse(s: &str) -> Option<Origin> {
        let (scheme, rest) = s.split_once("://")?;
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !scheme_ok {
            return None;
        }
        // An IPv6 literal carries colons inside its brackets. A host is what a browser sends:
        // letters (punycode for others), digits, `-._~%`; no `*`, no wildcard.
        let (host, port) = if rest.starts_with('[') {
            let end = rest.find(']')? + 1;
            let (h, after) = rest.split_at(end);
            let inside = &h[1..end - 1];
            if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                return None;
            }
            match after {
                "" => (h, None),
                a => (h, Some(a.strip_prefix(':')?)),
            }
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        let host_ok = !host.is_empty()
            && (host.starts_with('[')
                || host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        if !host_ok {
            return None;
        }
        let port = match port {
            None => None,
            Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
                Some(p.parse::<u16>().ok()?)
            }
            Some(_) => return None,
        };
        let scheme = scheme.to_ascii_lowercase();
        let port = port.filter(|p| Some(*p) != default_port(&scheme));
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

/// Whether an upgrade whose `Origin` header values are `sent` may go on, given the `allowed`
/// list. A request with no Origin passes: browsers always send one, and any other client
/// could write whatever Origin it liked, so only a present and foreign one is refused. Two
/// Origin fields must both be allowed.
pub fn allows<'a>(
    allowed: &[Origin],
    mut sent: impl Iterator<Item = &'a [u8]>,
) -> Result<(), String> {
    let judge = |v: &[u8]| {
        let text = String::from_utf8_lossy(v);
        let text = text.trim();
        match Origin::parse(text) {
            Some(o) if allowed.contains(&o) => Ok(()),
            _ => Err(text.to_owned()),
        }
    };
    sent.try_for_each(judge)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(s: &str) -> Option<String> {
        Origin::parse(s).map(|o| o.to_string())
    }

    #[test]
    fn origins_are_serialised_as_rfc_6454_does() {
        assert_eq!(
            o("http://localhost:8000").as_deref(),
            Some("http://localhost:8000")
        );
        assert_eq!(
            o("HTTP://Example.TEST").as_deref(),
            Some("http://example.test")
        );
        assert_eq!(
            o("https://example.test:443").as_deref(),
            Some("https://example.test")
        );
        assert_eq!(
            o("http://example.test:443").as_deref(),
            Some("http://example.test:443")
        );
        assert_eq!(o("http://[::1]:8080").as_deref(), Some("http://[::1]:8080"));
        assert_eq!(o("http://[::1]").as_deref(), Some("http://[::1]"));
        assert_eq!(
            o("chrome-extension://abc").as_deref(),
            Some("chrome-extension://abc")
        );
        for bad in [
            "*",
            "null",
            "",
            "http://",
            "http://x/",
            "http://x/path",
            "http://user@x",
            "localhost:8000",
            "http://x:",
            "http://x:65536",
            "http://x:8a",
            "http://[::1",
            "http://[::1]x",
            "1http://x",
            "http://*",
            "http://x y",
        ] {
            assert_eq!(o(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_missing_origin_passes_a_foreign_one_does_not() {
        let allowed = [Origin::parse("http://a.test").unwrap()];
        let none: [&[u8]; 0] = [];
        assert_eq!(allows(&allowed, none.into_iter()), Ok(()));
        assert_eq!(
            allows(&allowed, [&b"HTTP://A.test:80"[..]].into_iter()),
            Ok(())
        );
        assert_eq!(
            allows(&allowed, [&b"http://b.test"[..]].into_iter()),
            Err("http://b.test".into())
        );
        assert_eq!(
            allows(&allowed, [&b"http://a.test"[..], b"null"].into_iter()),
            Err("null".into())
        );
    }
}

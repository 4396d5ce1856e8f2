//! The server's side of permessage-deflate negotiation (RFC 7692 §5, §7.1): read the client's
//! offers in order, accept the first one this server can honour, and say what was agreed.

use crate::proto::ws::{DeflateParams, split_outside_quotes, unquote};

/// An accepted offer: the `Sec-WebSocket-Extensions` value of the 101, and how each side
/// compresses from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreed {
    pub header: String,
    /// How the client compresses (what the server inflates).
    pub c2s: DeflateParams,
    /// How the server compresses.
    pub s2c: DeflateParams,
}

/// The first permessage-deflate offer among the request's `Sec-WebSocket-Extensions` values
/// (each may list several extensions) that this server accepts; None: answer without one.
pub fn negotiate<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Agreed> {
    values
        .into_iter()
        .flat_map(|v| split_outside_quotes(v, ','))
        .find_map(accept)
}

/// One offer: None when it is another extension or one the server must or will decline.
fn accept(offer: &str) -> Option<Agreed> {
    let mut parts = split_outside_quotes(offer, ';').into_iter();
    if !parts
        .next()?
        .trim()
        .eq_ignore_ascii_case("permessage-deflate")
    {
        return None;
    }
    let (mut c2s, mut s2c) = (DeflateParams::default(), DeflateParams::default());
    let mut answer = vec!["permessage-deflate".to_owned()];
    let mut seen: Vec<String> = Vec::new();
    for param in parts {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.trim(), Some(unquote(v.trim()))),
            None => (param.trim(), None),
        };
        if key.is_empty() {
            continue; // "permessage-deflate;" with a trailing separator
        }
        let key = key.to_ascii_lowercase();
        // §7.1: a duplicate parameter or an unknown one declines the offer.
        if seen.contains(&key) {
            return None;
        }
        match (key.as_str(), value) {
            ("server_no_context_takeover", None) => {
                s2c.no_context_takeover = true;
                answer.push(key.clone());
            }
            ("client_no_context_takeover", None) => {
                c2s.no_context_takeover = true;
                answer.push(key.clone());
            }
            // zlib cannot deflate raw with a 256-byte window (8): decline rather than overrun it.
            ("server_max_window_bits", Some(v)) => {
                s2c.window_bits = bits(v).filter(|b| *b >= 9)?;
                answer.push(format!("{key}={}", s2c.window_bits));
            }
            // The client may use a smaller window than asked; any inflates with a 15-bit one.
            ("client_max_window_bits", Some(v)) => {
                c2s.window_bits = bits(v)?;
                answer.push(format!("{key}={}", c2s.window_bits));
            }
            ("client_max_window_bits", None) => {}
            _ => return None,
        }
        seen.push(key);
    }
    Some(Agreed {
        header: answer.join("; "),
        c2s,
        s2c,
    })
}

/// §7.1.2: 1*DIGIT without a leading zero, 8 to 15.
fn bits(v: &str) -> Option<u8> {
    let ok = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && !v.starts_with('0');
    v.parse::<u8>().ok().filter(|b| ok && (8..=15).contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ws::negotiated_deflate;

    fn one(v: &str) -> Option<String> {
        negotiate([v]).map(|a| a.header)
    }

    #[test]
    fn plain_and_parameterised_offers() {
        assert_eq!(
            one("permessage-deflate").as_deref(),
            Some("permessage-deflate")
        );
        assert_eq!(
            one("permessage-deflate; client_max_window_bits").as_deref(),
            Some("permessage-deflate")
        );
        assert_eq!(
            one("Permessage-Deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=\"10\"; client_max_window_bits=9").as_deref(),
            Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9")
        );
    }

    #[test]
    fn the_first_offer_the_server_can_honour_wins() {
        let a = negotiate([
            "x-foo, permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; level=9, permessage-deflate; server_no_context_takeover",
        ])
        .unwrap();
        assert_eq!(a.header, "permessage-deflate; server_no_context_takeover");
        assert!(a.s2c.no_context_takeover && !a.c2s.no_context_takeover);
    }

    #[test]
    fn offers_declined() {
        for bad in [
            "",
            "x-webkit-deflate-frame",
            "permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; unknown",
        ] {
            assert_eq!(one(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_answer_reads_back_as_what_was_agreed() {
        // The tap decodes the 101 with the replay parser: both must agree.
        for offer in [
            "permessage-deflate",
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=9",
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=12",
        ] {
            let a = negotiate([offer]).unwrap();
            assert_eq!(
                negotiated_deflate(&a.header),
                Ok(Some((a.c2s, a.s2c))),
                "{offer}"
            );
        }
    }
}

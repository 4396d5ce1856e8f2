//! The filter line a learner types (`conn=2 proto=ws opcode=1`) read into the session's `Filter`.

use crate::session::{Filter, Kinds, RowKind};

/// Reads `conn=N`, `proto=tcp|tls|http|ws|sse|error` (repeatable: protocols add up), `opcode=N`
/// and any other word as text to look for. An error names the word it could not read.
pub fn parse(line: &str) -> Result<Filter, String> {
    let mut f = Filter::default();
    let mut kinds = Kinds::NONE;
    let mut words = Vec::new();
    for word in line.split_whitespace() {
        match word.split_once('=') {
            Some(("conn", n)) => {
                f.conn = Some(n.parse().map_err(|_| crate::tr!("filter.conn", n = n))?);
            }
            Some(("opcode", n)) => {
                f.opcode = Some(n.parse().map_err(|_| crate::tr!("filter.opcode", n = n))?);
            }
            Some(("proto", p)) => {
                let add: &[RowKind] = match p {
                    "tcp" => &[RowKind::TcpOpen, RowKind::TcpClose, RowKind::TcpFin],
                    "tls" => &[RowKind::TlsRecord, RowKind::TlsHandshake, RowKind::TlsKeys],
                    "http" => &[RowKind::HttpRequest, RowKind::HttpResponse],
                    "ws" => &[
                        RowKind::WsFrame,
                        RowKind::WsMessage,
                        RowKind::WsAbnormalClose,
                    ],
                    "sse" => &[RowKind::SseEvent],
                    "error" => &[RowKind::Error],
                    _ => return Err(crate::tr!("filter.proto", p = p)),
                };
                kinds = add.iter().fold(kinds, |k, r| k.with(*r));
            }
            _ => words.push(word),
        }
    }
    if kinds != Kinds::NONE {
        f.kinds = kinds;
    }
    if !words.is_empty() {
        f.text = Some(words.join(" "));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_term() {
        let f = parse("conn=2 proto=ws opcode=1 hello").unwrap();
        assert_eq!(f.conn, Some(2));
        assert_eq!(f.opcode, Some(1));
        assert!(f.kinds.contains(RowKind::WsFrame));
        assert!(!f.kinds.contains(RowKind::HttpRequest));
        assert_eq!(f.text.as_deref(), Some("hello"));
        assert_eq!(parse("").unwrap(), Filter::default());
    }

    #[test]
    fn names_the_word_it_cannot_read() {
        assert_eq!(parse("conn=x").unwrap_err(), "conn=x: a number, from 1");
        assert!(parse("proto=quic").unwrap_err().starts_with("proto=quic"));
    }
}

//! The raw TCP actions: send bytes as written, read what comes back, close with a FIN or an RST.

use super::{Ctx, Outcome, Unit, end_name, plural};
use crate::lesson::model::{ActionKind, TcpEnd};
use crate::net::client::{RawTcp, ReadEnd};
use crate::tr;

impl Ctx {
    pub(super) async fn tcp_action(&mut self, kind: &ActionKind) -> Outcome {
        match kind {
            ActionKind::TcpSend { conn, data } => {
                if !self.tcp.contains_key(conn) {
                    let raw = RawTcp::connect(self.addr)
                        .await
                        .map_err(|e| e.to_string())?;
                    self.tcp.insert(conn.clone(), raw);
                }
                let raw = self.tcp.get_mut(conn).ok_or("no connection")?;
                raw.send(data).await.map_err(|e| e.to_string())?;
                let from = raw.local_addr().map(|a| a.to_string()).unwrap_or_default();
                Ok(tr!(
                    "action.tcp_sent",
                    bytes = plural(data.len(), Unit::Bytes),
                    conn = conn,
                    from = from
                ))
            }
            ActionKind::TcpRead {
                conn,
                limit,
                timeout,
            } => {
                let raw = self.tcp.get_mut(conn).ok_or_else(|| {
                    format!("no TCP connection named \"{conn}\" (send on it first)")
                })?;
                let (got, end) = raw
                    .read(*limit, *timeout)
                    .await
                    .map_err(|e| e.to_string())?;
                if end == ReadEnd::Closed {
                    // As clients do: the server's close lingers until our FIN (or 2 s).
                    let _ = raw.shutdown_write().await;
                }
                let why = match end {
                    ReadEnd::Closed => tr!("action.read_closed"),
                    ReadEnd::Limit => tr!("action.read_limit"),
                    ReadEnd::Timeout => tr!("action.read_timeout"),
                    ReadEnd::Reset => tr!("action.read_reset"),
                };
                let line = got.split(|&b| b == b'\n').next().unwrap_or_default();
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                // Bytes that are not text (a WebSocket frame) are shown in hex, not as mojibake.
                let first = match std::str::from_utf8(line) {
                    Ok(s) if !s.chars().any(char::is_control) => format!("{s:?}"),
                    _ => tr!(
                        "action.hex",
                        hex = line
                            .iter()
                            .take(32)
                            .map(|b| format!("{b:02x}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                };
                let said = tr!(
                    "action.tcp_read",
                    bytes = plural(got.len(), Unit::Bytes),
                    why = why,
                    first = first
                );
                Ok(match refusal_body(&got) {
                    Some(b) => said + &tr!("action.tcp_read_body", body = format!("{b:?}")),
                    None => said,
                })
            }
            ActionKind::TcpClose { conn, how } => {
                let raw = self
                    .tcp
                    .remove(conn)
                    .ok_or_else(|| format!("no TCP connection named \"{conn}\""))?;
                let sock = raw.into_inner();
                if *how == TcpEnd::Rst {
                    let _ = sock.set_zero_linger();
                }
                drop(sock);
                Ok(tr!("action.tcp_closed", conn = conn, end = end_name(*how)))
            }
            _ => Err("not a TCP action".into()),
        }
    }
}

/// The body of an HTTP refusal (4xx, 5xx) when it is one short line of text, as the built-in
/// server's refusals are: it names the broken rule, which the status line alone does not.
fn refusal_body(got: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(got).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?;
    let line = body.strip_suffix('\n').unwrap_or(body);
    let short = !line.is_empty() && line.chars().count() <= 200;
    (head.starts_with("HTTP/")
        && (status.starts_with('4') || status.starts_with('5'))
        && short
        && !line.chars().any(char::is_control))
    .then_some(line)
}

#[cfg(test)]
mod tests {
    use super::refusal_body;

    #[test]
    fn a_refusal_s_one_line_body_is_quoted_and_nothing_else() {
        let r = b"HTTP/1.1 403 Forbidden\r\ncontent-length: 9\r\n\r\nno thanks\n";
        assert_eq!(refusal_body(r), Some("no thanks"));
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi";
        assert_eq!(refusal_body(ok), None);
        let two = b"HTTP/1.1 404 Not Found\r\n\r\na\nb\n";
        assert_eq!(refusal_body(two), None);
        assert_eq!(refusal_body(b"HTTP/1.1 400 Bad Request\r\n"), None);
    }
}

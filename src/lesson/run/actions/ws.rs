//! The WebSocket actions: connect, send, ping, close, receive, and either side dying.

use std::time::{Duration, Instant};

use super::{Ctx, Outcome, cut, end_name, plural};
use crate::lesson::model::{ActionKind, TcpEnd, WsPayload};
use crate::lesson::run::ticker;
use crate::net::client::{Message, Ws};

impl Ctx {
    /// Runs one of the WebSocket actions; `label` gets what the client measured.
    pub(super) async fn ws_action(&mut self, kind: &ActionKind, label: Option<&str>) -> Outcome {
        match kind {
            ActionKind::WsConnect {
                conn,
                path,
                headers,
            } => {
                let hs: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let (ws, status) = Ws::connect(self.addr, path, &hs)
                    .await
                    .map_err(|e| e.to_string())?;
                let from = ws.local_addr().map(|a| a.to_string()).unwrap_or_default();
                self.ws.insert(conn.clone(), ws);
                Ok(format!(
                    "opened ws://{}{path} from {from} as \"{conn}\": the server answered {status}",
                    self.addr
                ))
            }
            ActionKind::WsSend { conn, payload } => {
                let ws = self.ws(conn)?;
                let what = match payload {
                    WsPayload::Text(t) => {
                        ws.send_text(t).await.map_err(|e| e.to_string())?;
                        format!("a text message of {}", plural(t.len(), "byte"))
                    }
                    WsPayload::Binary(b) => {
                        ws.send_binary(b.clone()).await.map_err(|e| e.to_string())?;
                        format!("a binary message of {}", plural(b.len(), "byte"))
                    }
                    WsPayload::Fragments { text, parts } => {
                        let ps: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                        ws.send_fragmented(*text, &ps)
                            .await
                            .map_err(|e| e.to_string())?;
                        format!(
                            "one {} message in {} frames",
                            if *text { "text" } else { "binary" },
                            parts.len()
                        )
                    }
                };
                Ok(format!("\"{conn}\" sent {what}"))
            }
            ActionKind::WsPing { conn, payload } => {
                self.ws(conn)?
                    .ping(payload.clone().into_bytes())
                    .await
                    .map_err(|e| e.to_string())?;
                let start = Instant::now();
                // The pong is read so the client library answers in time; whatever else comes
                // first is kept for nobody (a lesson that wants messages uses ws_recv).
                let ws = self.ws(conn)?;
                let deadline = start + Duration::from_secs(5);
                loop {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match ws.next(left).await {
                        Ok(Some(Message::Pong(_))) => {
                            return Ok(format!(
                                "\"{conn}\" sent a ping; the pong came back after {:.2} ms",
                                start.elapsed().as_secs_f64() * 1e3
                            ));
                        }
                        Ok(Some(_)) => continue,
                        Ok(None) => return Err("the connection ended before the pong".into()),
                        Err(e) => return Err(format!("no pong: {e}")),
                    }
                }
            }
            ActionKind::WsClose { conn, code, reason } => {
                let mut ws = self
                    .ws
                    .remove(conn)
                    .ok_or_else(|| format!("no WebSocket named \"{conn}\" is open"))?;
                ws.close(*code, reason).await.map_err(|e| e.to_string())?;
                let mut answer = "no close frame came back".to_owned();
                let deadline = Instant::now() + Duration::from_secs(3);
                while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                    match ws.next(left).await {
                        Ok(Some(Message::Close(Some(f)))) => {
                            answer = format!(
                                "the server answered close {} {:?}",
                                u16::from(f.code),
                                f.reason.as_str()
                            )
                        }
                        Ok(Some(Message::Close(None))) => {
                            answer = "the server answered with an empty close frame".into()
                        }
                        Ok(Some(_)) => continue,
                        Ok(None) | Err(_) => break,
                    }
                }
                Ok(format!("\"{conn}\" sent close {code} {reason:?}; {answer}"))
            }
            ActionKind::WsRecv {
                conn,
                count,
                timeout,
            } => {
                let ws = self.ws(conn)?;
                let deadline = Instant::now() + *timeout;
                let (mut got, mut last, mut lat) = (0u32, String::new(), Vec::new());
                while got < *count {
                    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                        break;
                    };
                    match ws.next(left).await {
                        Ok(Some(Message::Text(t))) => {
                            got += 1;
                            if let Some(ms) = ticker::latency_ms(t.as_str()) {
                                lat.push(ms);
                            }
                            last = cut(t.as_str(), 60);
                        }
                        Ok(Some(Message::Binary(b))) => {
                            got += 1;
                            last = format!("{} of binary", plural(b.len(), "byte"));
                        }
                        Ok(Some(_)) => continue,
                        Ok(None) => break,
                        Err(_) => break,
                    }
                }
                if let Some(l) = label {
                    let c = self.measures.client(l);
                    c.updates += u64::from(got);
                    c.latencies_ms.extend(lat);
                }
                if got < *count {
                    return Err(format!(
                        "\"{conn}\" received {got} of {count} messages before {:.1} s passed",
                        timeout.as_secs_f64()
                    ));
                }
                Ok(format!(
                    "\"{conn}\" received {}; the last: {last}",
                    plural(got as usize, "message")
                ))
            }
            ActionKind::WsDrop { conn, how } => {
                let ws = self
                    .ws
                    .remove(conn)
                    .ok_or_else(|| format!("no WebSocket named \"{conn}\" is open"))?;
                let stream = ws.into_inner();
                if *how == TcpEnd::Rst {
                    let _ = stream.get_ref().set_zero_linger();
                }
                drop(stream);
                Ok(format!(
                    "the client \"{conn}\" died: its socket closed with {} and no close frame",
                    end_name(*how)
                ))
            }
            ActionKind::ServerDrop { conn, how } => {
                let ws = self.ws(conn)?;
                let client = ws.local_addr().map_err(|e| e.to_string())?;
                if !self.control.kill(client, *how == TcpEnd::Rst) {
                    return Err(format!("the server has no open connection from {client}"));
                }
                // What the survivor sees: its next read fails with no close frame.
                let ws = self.ws(conn)?;
                let seen = match ws.next(Duration::from_secs(3)).await {
                    Ok(None) => "the stream ended with no close frame: abnormal closure, code 1006 (a code never sent on the wire)".to_owned(),
                    Ok(Some(Message::Close(_))) => "a close frame (unexpected)".to_owned(),
                    Ok(Some(m)) => format!("one more message first ({} bytes)", m.len()),
                    Err(e) => format!("an error, {e}: abnormal closure, code 1006 (never sent on the wire)"),
                };
                self.ws.remove(conn);
                Ok(format!(
                    "the server dropped its side of \"{conn}\" ({client}) with {}; the client saw {seen}",
                    end_name(*how)
                ))
            }
            _ => Err("not a WebSocket action".into()),
        }
    }
}

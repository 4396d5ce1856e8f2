//! The WebSocket actions: connect, send, ping, close, receive, and either side dying.

use std::time::{Duration, Instant};

use super::{Ctx, Outcome, Unit, cut, end_name, plural};
use crate::lesson::model::{ActionKind, TcpEnd, WsPayload};
use crate::lesson::run::ticker;
use crate::net::client::{Message, Ws};
use crate::tr;

impl Ctx {
    /// Runs one of the WebSocket actions; `label` gets what the client measured.
    pub(super) async fn ws_action(&mut self, kind: &ActionKind, label: Option<&str>) -> Outcome {
        match kind {
            ActionKind::WsConnect {
                conn,
                path,
                headers,
                deflate,
                tls,
            } => {
                let hs: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let offer = deflate.as_ref().map(|d| d.header());
                let tls = self.connector(*tls)?;
                let secure = tls.is_some();
                let (ws, status) = Ws::connect_tls(self.addr, path, &hs, offer.as_deref(), tls)
                    .await
                    .map_err(|e| e.to_string())?;
                let from = ws.local_addr().map(|a| a.to_string()).unwrap_or_default();
                let agreed = match (&offer, ws.extension()) {
                    (None, _) => String::new(),
                    (Some(_), Some(ext)) => tr!("action.ws_deflate_agreed", ext = ext),
                    (Some(_), None) => tr!("action.ws_deflate_refused"),
                };
                self.ws.insert(conn.clone(), ws);
                let opened = if secure {
                    tr!(
                        "action.wss_opened",
                        addr = self.addr,
                        path = path,
                        from = from,
                        conn = conn,
                        status = status
                    )
                } else {
                    tr!(
                        "action.ws_opened",
                        addr = self.addr,
                        path = path,
                        from = from,
                        conn = conn,
                        status = status
                    )
                };
                Ok(opened + &agreed)
            }
            ActionKind::WsSend { conn, payload } => {
                let ws = self.ws(conn)?;
                let what = match payload {
                    WsPayload::Text(t) => {
                        ws.send_text(t).await.map_err(|e| e.to_string())?;
                        tr!("action.ws_text", bytes = plural(t.len(), Unit::Bytes))
                    }
                    WsPayload::Binary(b) => {
                        ws.send_binary(b.clone()).await.map_err(|e| e.to_string())?;
                        tr!("action.ws_binary", bytes = plural(b.len(), Unit::Bytes))
                    }
                    WsPayload::Fragments { text, parts } => {
                        let ps: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                        ws.send_fragmented(*text, &ps)
                            .await
                            .map_err(|e| e.to_string())?;
                        if *text {
                            tr!("action.ws_fragments_text", n = parts.len())
                        } else {
                            tr!("action.ws_fragments_binary", n = parts.len())
                        }
                    }
                };
                Ok(tr!("action.ws_sent", conn = conn, what = what))
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
                            let ms = start.elapsed().as_secs_f64() * 1e3;
                            return Ok(tr!("action.ws_pong", conn = conn, ms = format!("{ms:.2}")));
                        }
                        Ok(Some(_)) => continue,
                        Ok(None) => return Err(tr!("action.ws_no_pong_end")),
                        Err(e) => return Err(tr!("action.ws_no_pong", e = e)),
                    }
                }
            }
            ActionKind::WsClose { conn, code, reason } => {
                let mut ws = self
                    .ws
                    .remove(conn)
                    .ok_or_else(|| format!("no WebSocket named \"{conn}\" is open"))?;
                ws.close(*code, reason).await.map_err(|e| e.to_string())?;
                let mut answer = tr!("action.ws_no_close_back");
                let deadline = Instant::now() + Duration::from_secs(3);
                while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                    match ws.next(left).await {
                        Ok(Some(Message::Close(Some(f)))) => {
                            answer = tr!(
                                "action.ws_close_back",
                                code = u16::from(f.code),
                                reason = format!("{:?}", f.reason.as_str())
                            )
                        }
                        Ok(Some(Message::Close(None))) => answer = tr!("action.ws_close_empty"),
                        Ok(Some(_)) => continue,
                        Ok(None) | Err(_) => break,
                    }
                }
                Ok(tr!(
                    "action.ws_closed",
                    conn = conn,
                    code = code,
                    reason = format!("{reason:?}"),
                    answer = answer
                ))
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
                            last = tr!(
                                "action.ws_binary_last",
                                bytes = plural(b.len(), Unit::Bytes)
                            );
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
                    return Err(tr!(
                        "action.ws_recv_short",
                        conn = conn,
                        got = got,
                        count = count,
                        s = format!("{:.1}", timeout.as_secs_f64())
                    ));
                }
                Ok(tr!(
                    "action.ws_received",
                    conn = conn,
                    messages = plural(got as usize, Unit::Messages),
                    last = last
                ))
            }
            ActionKind::WsRaw { conn, data } => {
                let ws = self.ws(conn)?;
                ws.write_raw(data).await.map_err(|e| e.to_string())?;
                // What the server makes of them: usually a close frame naming the rule broken.
                let answer = match ws.next(Duration::from_secs(2)).await {
                    Ok(Some(Message::Close(Some(f)))) => tr!(
                        "action.ws_close_back",
                        code = u16::from(f.code),
                        reason = format!("{:?}", f.reason.as_str())
                    ),
                    Ok(Some(Message::Close(None))) => tr!("action.ws_close_empty"),
                    Ok(Some(m)) => tr!("action.seen_more", n = m.len()),
                    Ok(None) => tr!("action.seen_ended"),
                    Err(_) => tr!("action.ws_raw_quiet"),
                };
                // A close frame read is answered by the library on the next read: read on until
                // the connection ends, then let the socket go, so neither side is left waiting.
                if answer != tr!("action.ws_raw_quiet") {
                    let deadline = Instant::now() + Duration::from_secs(2);
                    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                        match ws.next(left).await {
                            Ok(Some(_)) => continue,
                            _ => break,
                        }
                    }
                    self.ws.remove(conn);
                }
                Ok(tr!(
                    "action.ws_raw",
                    conn = conn,
                    bytes = plural(data.len(), Unit::Bytes),
                    answer = answer
                ))
            }
            ActionKind::WsDrop { conn, how } => {
                let ws = self
                    .ws
                    .remove(conn)
                    .ok_or_else(|| format!("no WebSocket named \"{conn}\" is open"))?;
                let stream = ws.into_inner();
                if *how == TcpEnd::Rst {
                    let _ = stream.get_ref().get_ref().tcp().set_zero_linger();
                }
                drop(stream);
                Ok(tr!("action.ws_died", conn = conn, end = end_name(*how)))
            }
            ActionKind::ServerDrop { conn, how } => {
                let ws = self.ws(conn)?;
                let client = ws.local_addr().map_err(|e| e.to_string())?;
                if !self.control.kill(client, *how == TcpEnd::Rst) {
                    return Err(tr!("action.ws_no_conn", client = client));
                }
                // What the survivor sees: its next read fails with no close frame.
                let ws = self.ws(conn)?;
                let seen = match ws.next(Duration::from_secs(3)).await {
                    Ok(None) => tr!("action.seen_ended"),
                    Ok(Some(Message::Close(_))) => tr!("action.seen_close"),
                    Ok(Some(m)) => tr!("action.seen_more", n = m.len()),
                    Err(e) => tr!("action.seen_error", e = e),
                };
                self.ws.remove(conn);
                Ok(tr!(
                    "action.server_dropped",
                    conn = conn,
                    client = client,
                    end = end_name(*how),
                    seen = seen
                ))
            }
            _ => Err("not a WebSocket action".into()),
        }
    }
}

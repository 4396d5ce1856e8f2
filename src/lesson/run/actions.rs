//! Doing what a step's actions say, on real sockets to the lesson's own server, and saying in a
//! line what happened.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::expect::matches;
use super::log::Log;
use super::measure::Measures;
use super::ticker;
use crate::capture::tap::Clock;
use crate::lesson::model::{ActionKind, Matcher, Reuse, TcpEnd, Version, WsPayload};
use crate::net::client::{self, Http, HttpRequest, Message, RawTcp, ReadEnd, Ws};
use crate::net::control::Control;

/// What a lesson's actions share: the server, the clients by name, the log.
pub struct Ctx {
    pub addr: SocketAddr,
    pub clock: Clock,
    pub control: Arc<Control>,
    pub log: Arc<Mutex<Log>>,
    pub notify: Arc<Notify>,
    pub measures: Measures,
    /// Where shipped captures are read from when the binary does not carry them.
    pub assets: Option<std::path::PathBuf>,
    /// The log index where the current step began.
    pub step_start: usize,
    http: Option<Http>,
    ws: HashMap<String, Ws>,
    tcp: HashMap<String, RawTcp>,
    bots: Vec<JoinHandle<()>>,
    bots_stop: watch::Sender<bool>,
}

pub type Outcome = Result<String, String>;

impl Ctx {
    pub fn new(
        addr: SocketAddr,
        clock: Clock,
        control: Arc<Control>,
        log: Arc<Mutex<Log>>,
        notify: Arc<Notify>,
    ) -> Self {
        Ctx {
            addr,
            clock,
            control,
            log,
            notify,
            measures: Measures::default(),
            assets: None,
            step_start: 0,
            http: None,
            ws: HashMap::new(),
            tcp: HashMap::new(),
            bots: Vec::new(),
            bots_stop: watch::channel(false).0,
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn http(&mut self) -> Result<&Http, String> {
        if self.http.is_none() {
            self.http = Some(Http::new(self.addr).map_err(|e| e.to_string())?);
        }
        self.http
            .as_ref()
            .ok_or_else(|| "no HTTP client".to_owned())
    }

    fn ws(&mut self, name: &str) -> Result<&mut Ws, String> {
        self.ws.get_mut(name).ok_or_else(|| {
            format!("no WebSocket named \"{name}\" is open (connect it first with ws_connect)")
        })
    }

    /// Runs one action; `label` gets what the clients measured.
    pub async fn run(&mut self, kind: &ActionKind, label: Option<&str>) -> Outcome {
        match kind {
            ActionKind::Http {
                method,
                path,
                headers,
                body,
                version,
                connection,
                repeat,
            } => {
                let method = client::Method::from_bytes(method.as_bytes())
                    .map_err(|_| format!("\"{method}\" is not an HTTP method"))?;
                let mut req = HttpRequest::get(path)
                    .method(method.clone())
                    .body(body.clone().into_bytes())
                    .repeat(*repeat)
                    .version(match version {
                        Version::Http10 => client::HttpVersion::Http10,
                        Version::Http11 => client::HttpVersion::Http11,
                    })
                    .reuse(match connection {
                        Reuse::New => client::Reuse::Fresh,
                        Reuse::Pooled => client::Reuse::Pooled,
                    });
                for (n, v) in headers {
                    req = req.header(n, v);
                }
                let replies = self.http()?.send(&req).await.map_err(|e| e.to_string())?;
                let mut statuses: Vec<String> =
                    replies.iter().map(|r| r.status.to_string()).collect();
                statuses.dedup();
                let ms: Vec<f64> = replies
                    .iter()
                    .map(|r| r.elapsed.as_secs_f64() * 1e3)
                    .collect();
                let v = if *version == Version::Http10 {
                    "1.0"
                } else {
                    "1.1"
                };
                let times = if replies.len() > 1 {
                    format!("×{} ", replies.len())
                } else {
                    String::new()
                };
                let conn = match connection {
                    Reuse::New => "a new connection each time",
                    Reuse::Pooled => "reusing an idle connection when there is one",
                };
                Ok(format!(
                    "{method} {path} HTTP/{v} {times}({conn}): status {}, {} received, {:.1} ms per request on average",
                    statuses.join("/"),
                    plural(
                        replies.iter().map(|r| r.body.len()).sum::<usize>(),
                        "body byte"
                    ),
                    ms.iter().sum::<f64>() / ms.len().max(1) as f64,
                ))
            }
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
                Ok(format!(
                    "sent {} on TCP connection \"{conn}\" from {from}",
                    plural(data.len(), "byte")
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
                let why = match end {
                    ReadEnd::Closed => "the server closed its side (FIN)",
                    ReadEnd::Limit => "the byte limit was reached",
                    ReadEnd::Timeout => "nothing more came in time",
                    ReadEnd::Reset => "the server reset the connection (RST)",
                };
                let first = String::from_utf8_lossy(&got);
                let first = first.lines().next().unwrap_or("");
                Ok(format!(
                    "read {} ({why}); first line: {first:?}",
                    plural(got.len(), "byte")
                ))
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
                Ok(format!(
                    "closed TCP connection \"{conn}\" with {}",
                    end_name(*how)
                ))
            }
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
                loop {
                    match ws.next(Duration::from_secs(5)).await {
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
            ActionKind::Wait {
                seconds,
                until,
                timeout,
            } => match (seconds, until) {
                (Some(s), _) => {
                    tokio::time::sleep(Duration::from_secs_f64(*s)).await;
                    Ok(format!("waited {s} s"))
                }
                (None, Some(m)) => self.wait_until(m, *timeout).await,
                (None, None) => Ok("nothing to wait for".into()),
            },
            ActionKind::Keepalive { seconds } => {
                let idle = (*seconds > 0.0).then(|| Duration::from_secs_f64(*seconds));
                self.control.set_keepalive(idle);
                Ok(match idle {
                    Some(_) => format!("the server now closes a connection idle for {seconds} s"),
                    None => "the server now keeps idle connections open forever".into(),
                })
            }
            ActionKind::Ticker { via, updates, hz } => {
                let r = ticker::run(self.addr, *via, *updates, *hz).await?;
                let said = r.describe(*via);
                if let Some(l) = label {
                    let c = self.measures.client(l);
                    c.updates += r.updates;
                    c.latencies_ms.extend(r.latencies_ms);
                }
                Ok(said)
            }
            ActionKind::ChatUsers { count, room } => self.chat_users(*count, room).await,
            ActionKind::Replay { capture } => self.replay(capture, label),
        }
    }

    async fn wait_until(&mut self, m: &Matcher, timeout: Duration) -> Outcome {
        let start = Instant::now();
        loop {
            let notified = self.notify.notified();
            let found = {
                let log = self.lock();
                log.entries
                    .get(self.step_start..)
                    .unwrap_or_default()
                    .iter()
                    .any(|e| matches(e, m))
            };
            if found {
                return Ok(format!(
                    "the awaited {} came after {:.2} s",
                    m.kind,
                    start.elapsed().as_secs_f64()
                ));
            }
            let Some(left) = timeout.checked_sub(start.elapsed()) else {
                return Err(format!(
                    "no matching {} within {:.1} s",
                    m.kind,
                    timeout.as_secs_f64()
                ));
            };
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }

    async fn chat_users(&mut self, count: u32, room: &str) -> Outcome {
        let stop = self.bots_stop.subscribe();
        let first = self.bots.len();
        for i in 0..count {
            let name = format!("user{}", first as u32 + i + 1);
            let path = format!("/ws/chat?name={name}&room={room}");
            let (mut ws, _) = Ws::connect(self.addr, &path, &[])
                .await
                .map_err(|e| format!("{name} could not join: {e}"))?;
            let mut stop = stop.clone();
            self.bots.push(tokio::spawn(async move {
                // A simulated user reads everything so it never counts as too slow.
                loop {
                    tokio::select! {
                        r = ws.next(Duration::from_secs(3600)) => if !matches!(r, Ok(Some(_))) { return },
                        _ = stop.changed() => break,
                    }
                }
                let _ = ws.close(1000, "bye").await;
                let _ = tokio::time::timeout(Duration::from_secs(1), ws.next(Duration::from_secs(1))).await;
            }));
        }
        Ok(format!(
            "{} joined room \"{room}\"",
            plural(count as usize, "simulated user")
        ))
    }

    fn replay(&mut self, capture: &str, label: Option<&str>) -> Outcome {
        let bytes: Vec<u8> = match None::<&[u8]> {
            Some(b) => b.to_vec(),
            None => {
                let dir = self
                    .assets
                    .clone()
                    .unwrap_or_else(|| "assets/captures".into());
                std::fs::read(dir.join(capture))
                    .map_err(|e| format!("cannot read capture {capture}: {e}"))?
            }
        };
        let mut events = Vec::new();
        let mut origin = None;
        let outcome = crate::replay::replay(bytes.as_slice(), &mut |ev, o| {
            origin.get_or_insert(o);
            events.push(ev.clone());
        })
        .map_err(|e| format!("{capture}: {e}"))?;
        let n = events.len();
        let origin = origin.unwrap_or_default();
        let mut log = self.lock();
        for ev in events {
            log.push_replayed(ev, label, origin);
        }
        drop(log);
        self.notify.notify_waiters();
        Ok(format!(
            "replayed {capture}: {} packets, {}",
            outcome.packets,
            plural(n, "event")
        ))
    }

    /// Lets every client go: simulated users say goodbye, named sockets close.
    pub async fn finish(&mut self) {
        let _ = self.bots_stop.send(true);
        for b in self.bots.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(2), b).await;
        }
        for (_, mut ws) in self.ws.drain() {
            let _ = ws.close(1000, "lesson over").await;
            let _ = ws.next(Duration::from_secs(1)).await;
        }
        self.tcp.clear();
        self.http = None;
    }
}

fn end_name(how: TcpEnd) -> &'static str {
    match how {
        TcpEnd::Fin => "a FIN",
        TcpEnd::Rst => "an RST",
    }
}

pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `s` cut to `max` characters, with an ellipsis when cut.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

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
use crate::lesson::model::{ActionKind, Matcher, Reuse, Version};
use crate::net::client::{self, Http, HttpRequest, RawTcp, Ws};
use crate::net::control::Control;
use crate::tr;

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
    /// The `https://` client, for `http` actions with `tls = true`.
    https: Option<Http>,
    /// A TLS client that trusts the lesson server's certificate (None: the server has no TLS).
    pub tls: Option<tokio_rustls::TlsConnector>,
    ws: HashMap<String, Ws>,
    tcp: HashMap<String, RawTcp>,
    bots: Vec<JoinHandle<()>>,
    bots_stop: watch::Sender<bool>,
}

pub type Outcome = Result<String, String>;

mod tcp;
mod words;
mod ws;

use words::end_name;
pub use words::{Unit, cut, plural};

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
            https: None,
            tls: None,
            ws: HashMap::new(),
            tcp: HashMap::new(),
            bots: Vec::new(),
            bots_stop: watch::channel(false).0,
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn http(&mut self, tls: bool) -> Result<&Http, String> {
        if tls {
            if self.https.is_none() {
                let c = self.connector(true)?.cloned().ok_or("no TLS client")?;
                self.https = Some(Http::with_tls(self.addr, c).map_err(|e| e.to_string())?);
            }
            return self
                .https
                .as_ref()
                .ok_or_else(|| "no HTTP client".to_owned());
        }
        if self.http.is_none() {
            self.http = Some(Http::new(self.addr).map_err(|e| e.to_string())?);
        }
        self.http
            .as_ref()
            .ok_or_else(|| "no HTTP client".to_owned())
    }

    /// The TLS client when `on`, None when not; an error when the server speaks no TLS.
    fn connector(&self, on: bool) -> Result<Option<&tokio_rustls::TlsConnector>, String> {
        match (on, &self.tls) {
            (false, _) => Ok(None),
            (true, Some(c)) => Ok(Some(c)),
            (true, None) => Err(tr!("action.no_tls")),
        }
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
                tls,
            } => {
                let tls = *tls;
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
                let replies = self
                    .http(tls)?
                    .send(&req)
                    .await
                    .map_err(|e| e.to_string())?;
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
                    Reuse::New => tr!("action.http_new"),
                    Reuse::Pooled => tr!("action.http_pooled"),
                };
                let body: usize = replies.iter().map(|r| r.body.len()).sum();
                let avg = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
                Ok(tr!(
                    "action.http",
                    method = method,
                    path = path,
                    v = v,
                    times = times,
                    conn = conn,
                    status = statuses.join("/"),
                    received = plural(body, Unit::BodyBytes),
                    ms = format!("{avg:.1}")
                ))
            }
            ActionKind::TcpSend { .. }
            | ActionKind::TcpRead { .. }
            | ActionKind::TcpClose { .. } => self.tcp_action(kind).await,
            ActionKind::WsConnect { .. }
            | ActionKind::WsSend { .. }
            | ActionKind::WsPing { .. }
            | ActionKind::WsClose { .. }
            | ActionKind::WsRecv { .. }
            | ActionKind::WsDrop { .. }
            | ActionKind::WsRaw { .. }
            | ActionKind::ServerDrop { .. } => self.ws_action(kind, label).await,
            ActionKind::Wait {
                seconds,
                until,
                count,
                timeout,
            } => match (seconds, until) {
                (Some(s), _) => {
                    tokio::time::sleep(Duration::from_secs_f64(*s)).await;
                    Ok(tr!("action.waited", s = s))
                }
                (None, Some(m)) => self.wait_until(m, *count, *timeout).await,
                (None, None) => Ok(tr!("action.nothing_to_wait")),
            },
            ActionKind::Keepalive { seconds, announce } => {
                let idle = (*seconds > 0.0).then(|| Duration::from_secs_f64(*seconds));
                self.control.set_keepalive(idle);
                self.control.set_announce(*announce);
                let says = if *announce {
                    tr!("action.keepalive_says")
                } else {
                    String::new()
                };
                Ok(match idle {
                    Some(_) => tr!("action.keepalive_idle", s = seconds, says = says),
                    None => tr!("action.keepalive_forever", says = says),
                })
            }
            ActionKind::WsIdle { seconds } => {
                let idle = (*seconds > 0.0).then(|| Duration::from_secs_f64(*seconds));
                self.control.set_ws_idle(idle);
                Ok(match idle {
                    Some(_) => tr!("action.ws_idle", s = seconds),
                    None => tr!("action.ws_idle_off"),
                })
            }
            ActionKind::Origins { allow } => {
                self.control
                    .set_origins((!allow.is_empty()).then(|| allow.clone()));
                Ok(if allow.is_empty() {
                    tr!("action.origins_off")
                } else {
                    let list: Vec<String> = allow.iter().map(ToString::to_string).collect();
                    tr!("action.origins", list = list.join(", "))
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

    async fn wait_until(&mut self, m: &Matcher, count: u32, timeout: Duration) -> Outcome {
        let start = Instant::now();
        loop {
            let notified = self.notify.notified();
            let found = {
                let log = self.lock();
                log.entries
                    .get(self.step_start..)
                    .unwrap_or_default()
                    .iter()
                    .filter(|e| matches(e, m))
                    .count()
            };
            if found >= count as usize {
                let what = match count {
                    1 => tr!("action.awaited_one", kind = m.kind),
                    n => tr!("action.awaited", n = n, kind = m.kind),
                };
                return Ok(tr!(
                    "action.came_after",
                    what = what,
                    s = format!("{:.2}", start.elapsed().as_secs_f64())
                ));
            }
            let Some(left) = timeout.checked_sub(start.elapsed()) else {
                return Err(tr!(
                    "action.wait_timeout",
                    found = found,
                    count = count,
                    kind = m.kind,
                    s = format!("{:.1}", timeout.as_secs_f64())
                ));
            };
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }

    async fn chat_users(&mut self, count: u32, room: &str) -> Outcome {
        let max = crate::lesson::load::conns::CHAT_USERS_MAX as usize;
        if self.bots.len() + count as usize > max {
            return Err(format!(
                "{} simulated chat users would be more than {max} in one lesson",
                self.bots.len() + count as usize
            ));
        }
        let stop = self.bots_stop.subscribe();
        let first = self.bots.len();
        for i in 0..count {
            let name = format!("user{}", first as u32 + i + 1);
            let path = format!("/ws/chat?name={name}&room={room}");
            let (mut ws, _) = Ws::connect(self.addr, &path, &[])
                .await
                .map_err(|e| tr!("action.chat_no_join", name = name, e = e))?;
            // The 101 comes before the server adds the user to the room; its welcome comes
            // after. Without waiting for it, a later joiner could arrive first and go unheard.
            match ws.next(Duration::from_secs(5)).await {
                Ok(Some(_)) => {}
                _ => return Err(tr!("action.chat_no_welcome", name = name)),
            }
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
        Ok(tr!(
            "action.chat_joined",
            users = plural(count as usize, Unit::Users),
            room = room
        ))
    }

    fn replay(&mut self, capture: &str, label: Option<&str>) -> Outcome {
        let bytes: Vec<u8> = match crate::lesson::builtin::shipped_capture(capture) {
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
        let source = log.new_source(capture);
        for ev in events {
            log.push_replayed(ev, label, origin, &source);
        }
        drop(log);
        self.notify.notify_waiters();
        Ok(tr!(
            "action.replayed",
            capture = capture,
            packets = outcome.packets,
            events = plural(n, Unit::Events)
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

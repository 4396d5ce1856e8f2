//! The sandbox: the built-in server running in-process on 127.0.0.1:0, its traffic decoded live,
//! and quick actions that play the lesson clients against it.

use std::net::SocketAddr;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

use super::msg::Msg;
use super::traffic::Traffic;
use super::ws_link::{self, Link, WsCmd};
use crate::capture::tap::Clock;
use crate::capture::tap_queue::tap_channel;
use crate::net::client::{Http, HttpRequest, Message, Ws};
use crate::net::{server, session};

pub struct Sandbox {
    pub url: String,
    addr: SocketAddr,
    rt: Handle,
    tx: UnboundedSender<Msg>,
    stop: Option<oneshot::Sender<()>>,
    /// Open WebSockets, newest last.
    sockets: Vec<Link>,
    sent: u32,
    /// One HTTP client for every GET, so its kept-alive connection is reused and, once idle,
    /// counts down to the server's timeout in the lifetimes.
    http: Arc<Http>,
    pub traffic: Traffic,
}

impl Sandbox {
    /// Starts the server; its decoded events arrive as `Msg::Live`.
    pub fn start(rt: Handle, tx: UnboundedSender<Msg>) -> Result<Sandbox, String> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| crate::tr!("sandbox.cannot_listen", addr = "127.0.0.1", error = e))?;
        let addr = std_listener
            .local_addr()
            .map_err(|e| crate::tr!("sandbox.no_address", error = e))?;
        let listener = {
            let _in_rt = rt.enter();
            tokio::net::TcpListener::from_std(std_listener)
                .map_err(|e| crate::tr!("sandbox.cannot_listen", addr = addr, error = e))?
        };
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (tap_tx, tap_rx) = tap_channel();
        let clock = Clock::start();
        let config = server::Config::default();
        let control = std::sync::Arc::new(crate::net::control::Control::default());
        let stop = async {
            let _ = stop_rx.await;
        };
        // TLS beside plain HTTP on the same port: a learner's own wss:// client is decoded too.
        let keys = crate::net::tls::SharedKeys::default();
        let tls = crate::net::tls::Tls::new(None, keys.clone(), None).ok();
        rt.spawn(server::serve_tls(
            listener,
            config,
            clock,
            tap_tx,
            stop,
            control.clone(),
            tls.map(Arc::new),
        ));
        let live = tx.clone();
        rt.spawn(async move {
            let mut decoders = session::Session::with_keys(keys);
            let mut out = Vec::new();
            // A batch of notices is one message, one redraw.
            session::in_order(tap_rx, clock, |batch| {
                for ev in batch {
                    decoders.on(ev, &mut out);
                }
                if !out.is_empty() {
                    let _ = live.send(Msg::Live(std::mem::take(&mut out)));
                }
            })
            .await;
        });
        Ok(Sandbox {
            url: format!("http://{addr}/"),
            addr,
            rt,
            tx,
            stop: Some(stop_tx),
            sockets: Vec::new(),
            sent: 0,
            http: Arc::new(
                Http::new(addr).map_err(|e| crate::tr!("sandbox.no_client", error = e))?,
            ),
            traffic: Traffic::live(super::traffic::LiveClock {
                clock,
                control,
                configured: config.keepalive,
            }),
        })
    }

    pub fn on_live(&mut self, events: &[crate::proto::event::Event]) {
        self.traffic.push_live(events);
    }

    fn note(&self, s: String) {
        let _ = self.tx.send(Msg::Note(s));
    }

    pub fn send_get(&self) {
        let (http, tx) = (self.http.clone(), self.tx.clone());
        self.rt.spawn(async move {
            let note = match http.send(&HttpRequest::get("/echo")).await {
                Ok(replies) => match replies.first() {
                    Some(r) => crate::tr!("sandbox.get_status", status = r.status),
                    None => crate::tr!("sandbox.get_no_answer"),
                },
                Err(e) => crate::tr!("sandbox.get_failed", error = e),
            };
            let _ = tx.send(Msg::Note(note));
        });
    }

    pub fn open_ws(&mut self) {
        // Queued before the task starts: a quick "→ 101" must not be overwritten by it.
        self.note(crate::tr!("sandbox.opening"));
        self.sockets
            .push(ws_link::open(&self.rt, self.addr, self.tx.clone()));
    }

    /// The newest WebSocket still open, for the composer; one is opened when none is.
    pub fn newest_ws(&mut self) -> Link {
        while self.sockets.last().is_some_and(Link::closed) {
            self.sockets.pop();
        }
        if self.sockets.is_empty() {
            self.open_ws();
        }
        self.sockets.last().cloned().expect("one was just opened")
    }

    pub fn send_text(&mut self) {
        self.sent += 1;
        let text = format!("hello {}", self.sent);
        // A socket whose task has ended has a closed channel: drop it and try the one before.
        while let Some(s) = self.sockets.last() {
            if s.cmd.send(WsCmd::Text(text.clone())).is_ok() {
                return;
            }
            self.sockets.pop();
        }
        self.note(crate::tr!("sandbox.no_ws"));
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn push_ticker(&self) {
        let (addr, tx) = (self.addr, self.tx.clone());
        self.rt.spawn(async move {
            let note = match Ws::connect(addr, "/ws/ticker?hz=20", &[]).await {
                Ok((mut ws, _)) => {
                    let mut got = 0;
                    while got < 10 {
                        match ws.next(std::time::Duration::from_secs(3)).await {
                            Ok(Some(Message::Text(_))) => got += 1,
                            Ok(Some(_)) => {}
                            _ => break,
                        }
                    }
                    let _ = ws.close(1000, "enough").await;
                    let _ = ws.next(std::time::Duration::from_secs(1)).await;
                    crate::tr!("sandbox.ticker", n = got)
                }
                Err(e) => crate::tr!("sandbox.ticker_failed", error = e),
            };
            let _ = tx.send(Msg::Note(note));
        });
    }

    pub fn kill_last(&mut self) {
        // A socket whose task has ended (the ticker closes itself) is skipped, not "killed".
        while let Some(s) = self.sockets.pop() {
            if s.cmd.send(WsCmd::Kill).is_ok() {
                return self.note(crate::tr!("sandbox.killed"));
            }
        }
        self.note(crate::tr!("sandbox.nothing_to_kill"));
    }

    pub fn draw_side(&self, f: &mut Frame, area: Rect, note: &str) {
        let lines = vec![
            Line::from(crate::tr!("sandbox.server", url = self.url)),
            Line::from(crate::tr!("sandbox.join")),
            Line::from(format!("  curl {}echo", self.url)),
            Line::from(format!(
                "  websocat {}ws/echo",
                self.url.replacen("http", "ws", 1)
            )),
            Line::from(""),
            Line::from(crate::tr!("sandbox.keys1")),
            Line::from(crate::tr!("sandbox.keys2")),
            Line::from(crate::tr!("sandbox.keys3")),
            Line::from(""),
            Line::from(crate::tr!("sandbox.events", n = self.traffic.len())),
            Line::from(crate::ui::visible(note).into_owned()),
        ];
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::new()
                    .borders(Borders::ALL)
                    .title(crate::tr!("sandbox.title")),
            ),
            area,
        );
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

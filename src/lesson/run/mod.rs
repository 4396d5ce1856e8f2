//! Playing a lesson: a fresh built-in server on 127.0.0.1, the step's actions on real sockets,
//! every tapped byte decoded into the log, then the expectations checked on what was seen.

pub mod actions;
pub mod expect;
pub mod log;
pub mod measure;
pub mod task;
pub mod ticker;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

use self::actions::Ctx;
use self::expect::Verdict;
use self::log::{Entry, Log};
use self::task::{TaskControl, TaskMode, TaskReport};
use crate::capture::tap::{Clock, TapEvent};
use crate::capture::tap_queue::{TapRx, tap_channel};
use crate::lesson::model::{Action, Lesson, Metric, Step};
use crate::net::control::Control;
use crate::net::server::{self, Config};
use crate::net::session::{Session, in_order};

/// How long the traffic must stay quiet before a step's events count as complete, and the
/// longest a step waits for that (a stream that never pauses).
const QUIET: Duration = Duration::from_millis(80);
const SETTLE_MAX: Duration = Duration::from_millis(700);

/// What one action did.
#[derive(Clone, Debug)]
pub struct ActionReport {
    pub label: Option<String>,
    /// A line in plain words, or why it failed.
    pub outcome: Result<String, String>,
}

/// A table of measures: a row per label, a column per metric.
#[derive(Clone, Debug)]
pub struct TableReport {
    pub metrics: Vec<Metric>,
    pub rows: Vec<(String, Vec<Option<f64>>)>,
}

#[derive(Clone, Debug)]
pub struct StepReport {
    pub actions: Vec<ActionReport>,
    /// The events the step's traffic produced.
    pub events: Vec<Entry>,
    pub verdicts: Vec<Verdict>,
    pub table: Option<TableReport>,
    /// The step's tasks, in order: who did each, and what matched.
    pub tasks: Vec<TaskReport>,
}

impl ActionReport {
    /// `[label] what it did`, or `[label] FAILED: why`, as the transcript and the UI show it.
    pub fn line(&self) -> String {
        let label = self
            .label
            .as_deref()
            .map(|l| format!("[{l}] "))
            .unwrap_or_default();
        match &self.outcome {
            Ok(s) => format!("{label}{s}"),
            Err(e) => crate::tr!("action.failed", label = label, e = e),
        }
    }
}

impl StepReport {
    /// Every action worked and every expectation held.
    pub fn passed(&self) -> bool {
        self.actions.iter().all(|a| a.outcome.is_ok())
            && self.verdicts.iter().all(|v| v.ok)
            && self.tasks.iter().all(TaskReport::ok)
    }
}

/// A lesson being played against its own server.
pub struct Player {
    pub lesson: Lesson,
    ctx: Ctx,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    decoder: Option<JoinHandle<()>>,
    task_mode: TaskMode,
    tasks: Arc<TaskControl>,
}

impl Player {
    /// Starts a fresh server on 127.0.0.1 for `lesson`.
    pub async fn start(lesson: Lesson) -> Result<Player, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let clock = Clock::start();
        let control = Arc::new(Control::default());
        let log = Arc::new(Mutex::new(Log::default()));
        let notify = Arc::new(Notify::new());
        let (tx, rx) = tap_channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let config = Config::default();
        // TLS beside plain HTTP on the same port, with a certificate only this process trusts.
        let keys = crate::net::tls::SharedKeys::default();
        let tls = crate::net::tls::Tls::new(None, keys.clone(), None)
            .ok()
            .map(Arc::new);
        // The learner's own tools trust it through this file (`{cert}` in a lesson's text).
        if let Some(t) = &tls {
            let _ = crate::net::tls::write_lesson_cert(addr.port(), &t.cert.pem);
        }
        let connector = tls
            .as_ref()
            .and_then(|t| crate::net::tls::client::connector(&t.cert.der).ok());
        let server = tokio::spawn(server::serve_tls(
            listener,
            config,
            clock,
            tx,
            async {
                let _ = stop_rx.await;
            },
            control.clone(),
            tls,
        ));
        let session = Session::with_keys(keys);
        let decoder = tokio::spawn(decode(rx, log.clone(), notify.clone(), clock, session));
        let mut ctx = Ctx::new(addr, clock, control, log, notify);
        ctx.tls = connector;
        Ok(Player {
            lesson,
            ctx,
            stop: Some(stop_tx),
            server: Some(server),
            decoder: Some(decoder),
            task_mode: TaskMode::Solve,
            tasks: Arc::default(),
        })
    }

    /// Where shipped captures are read from when the binary does not carry them.
    pub fn set_assets(&mut self, dir: std::path::PathBuf) {
        self.ctx.assets = Some(dir);
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.ctx.addr
    }

    /// The clock the events are stamped with.
    pub fn clock(&self) -> Clock {
        self.ctx.clock
    }

    /// The server's controls: its keep-alive as the lesson set it.
    pub fn control(&self) -> Arc<Control> {
        self.ctx.control.clone()
    }

    /// The idle timeout the server starts with.
    pub fn configured_keepalive() -> Option<Duration> {
        Config::default().keepalive
    }

    /// The log, for views that show events as they arrive.
    pub fn log(&self) -> Arc<Mutex<Log>> {
        self.ctx.log.clone()
    }

    /// Runs step `i`: its actions in order, then waits for the traffic to settle and checks.
    pub async fn run_step(&mut self, i: usize) -> Option<StepReport> {
        let step: Step = self.lesson.steps.get(i)?.clone();
        let start = self.ctx.lock().entries.len();
        self.ctx.step_start = start;
        let mut actions = Vec::new();
        for a in &step.actions {
            actions.push(self.act(a).await);
        }
        let mut tasks = Vec::new();
        self.settle().await;
        // Expectations are about the step's actions: what the learner (or a solution) does
        // for a task comes after, and is the task's to judge.
        let actions_end = self.ctx.lock().entries.len();
        if !step.tasks.is_empty() {
            self.tasks.set_acted(i, actions.clone());
        }
        for (n, t) in step.tasks.iter().enumerate() {
            tasks.push(self.run_task(i, n, t).await);
        }
        if !step.tasks.is_empty() {
            self.settle().await;
        }
        let shared = self.ctx.log.clone();
        let log = shared.lock().unwrap_or_else(PoisonError::into_inner);
        let events = log.entries.get(start..).unwrap_or_default().to_vec();
        self.ctx.measures.refresh(&log);
        drop(log);
        let m = &self.ctx.measures;
        let judged = events.get(..actions_end - start).unwrap_or(&events);
        let verdicts = step
            .expects
            .iter()
            .map(|x| expect::check(x, judged, m))
            .collect();
        let table = step.table.as_ref().map(|t| TableReport {
            metrics: t.metrics.clone(),
            rows: t
                .rows
                .iter()
                .map(|r| (r.clone(), t.metrics.iter().map(|x| m.get(r, *x)).collect()))
                .collect(),
        });
        Some(StepReport {
            actions,
            events,
            verdicts,
            table,
            tasks,
        })
    }

    /// Runs one action, measured under its label.
    async fn act(&mut self, a: &Action) -> ActionReport {
        let label = a.label.as_deref();
        let began = Instant::now();
        self.ctx.lock().begin(self.ctx.clock.now(), label);
        let outcome = self.ctx.run(&a.kind, label).await;
        if let Some(l) = label {
            self.ctx.measures.client(l).elapsed_ms += began.elapsed().as_secs_f64() * 1e3;
        }
        ActionReport {
            label: a.label.clone(),
            outcome,
        }
    }

    /// Waits until no event has come for a little while, or at most `SETTLE_MAX`.
    async fn settle(&self) {
        let until = Instant::now() + SETTLE_MAX;
        let mut seen = self.ctx.lock().entries.len();
        while Instant::now() < until {
            tokio::time::sleep(QUIET).await;
            let now = self.ctx.lock().entries.len();
            if now == seen {
                return;
            }
            seen = now;
        }
    }

    /// Closes every client, then the server; the last events (the closes) reach the log.
    pub async fn finish(mut self) -> Vec<Entry> {
        let start = self.ctx.lock().entries.len();
        self.ctx.finish().await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), s).await;
        }
        if let Some(d) = self.decoder.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), d).await;
        }
        let log = self.ctx.lock();
        log.entries.get(start..).unwrap_or_default().to_vec()
    }
}

/// Decodes the tap's notices into the log as they come, in time order; ends when the server is
/// gone.
async fn decode(
    rx: TapRx,
    log: Arc<Mutex<Log>>,
    notify: Arc<Notify>,
    clock: Clock,
    mut session: Session,
) {
    let mut out = Vec::new();
    in_order(rx, clock, |batch| {
        let mut l = log.lock().unwrap_or_else(PoisonError::into_inner);
        for ev in batch {
            match &ev {
                TapEvent::Chunk(c) => l.bytes(c.ts, c.dir, c.bytes.len()),
                // Let go for lack of room in the queue, they crossed the wire all the same.
                TapEvent::Skipped { ts, dir, bytes, .. } => {
                    l.bytes(*ts, *dir, usize::try_from(*bytes).unwrap_or(usize::MAX));
                }
                _ => {}
            }
            session.on(ev, &mut out);
            for e in out.drain(..) {
                l.push(e);
            }
        }
        drop(l);
        notify.notify_waiters();
    })
    .await;
    session.finish(clock.now(), &mut out);
    let mut l = log.lock().unwrap_or_else(PoisonError::into_inner);
    for e in out.drain(..) {
        l.push(e);
    }
}

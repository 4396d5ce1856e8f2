//! `duplex serve`: run the built-in server and print what crosses its sockets, live.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::control::Control;
use super::record::Recorder;
use super::server::{self, Config};
use super::session::Session;
use super::tls::SharedKeys;
use super::tls::Tls;
use crate::capture::tap::{Clock, TapEvent};
use crate::capture::tap_queue::{TapGauge, TapRx, TapTx, tap_channel};
use crate::output::{json, plain};
use crate::proto::Timestamp;
use crate::proto::event::Event;

/// After Ctrl-C, how long clients may take to finish (the server alone would wait 3 s), and
/// then the printer: together, within the couple of seconds a person waits.
const STOP_DRAIN: Duration = Duration::from_secs(2);
const PRINT_GRACE: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug)]
pub enum Format {
    Json,
    Plain,
}

/// `--tls` and what goes with it.
#[derive(Clone, Debug, Default)]
pub struct TlsOpts {
    /// Where the certificate and key go (default: the data directory's `tls/`).
    pub cert_dir: Option<PathBuf>,
    /// `--keylog FILE`.
    pub keylog: Option<PathBuf>,
}

/// Where the server's traffic goes besides stdout, and whether it speaks TLS.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    /// `--record FILE.pcapng`.
    pub record: Option<PathBuf>,
    pub tls: Option<TlsOpts>,
}

/// Runs the server on `addr` until Ctrl-C, recording every connection to `outputs.record` if
/// given; `control` holds the policies set from the command line (the origins an upgrade may
/// come from).
pub fn run(
    addr: SocketAddr,
    config: Config,
    format: Format,
    outputs: Outputs,
    control: Arc<Control>,
) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("duplex serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(serve(addr, config, format, outputs, control));
    // Tasks still running (a client past the drain) are dropped, not waited for.
    rt.shutdown_timeout(Duration::from_millis(100));
    code
}

async fn serve(
    addr: SocketAddr,
    config: Config,
    format: Format,
    outputs: Outputs,
    control: Arc<Control>,
) -> ExitCode {
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "duplex serve: cannot listen on {addr}: {e} (try another --port, or 0 for any free one)"
            );
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    if !local.ip().is_loopback() {
        eprintln!(
            "duplex serve: warning: listening on {local}, reachable from other machines; \
             this server is for learning, not for exposure"
        );
    }
    eprintln!("duplex serve: listening on http://{local}/");
    let keys = SharedKeys::default();
    let tls = match &outputs.tls {
        Some(opts) => match super::tls_serve::start(opts, keys.clone(), local.port()) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("duplex serve: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let clock = Clock::start();
    let recorder = match outputs.record.map(|p| (Recorder::create(&p, clock), p)) {
        None => None,
        Some((Ok(r), _)) => Some(r.with_secrets(tls.as_ref().map(|t| t.secrets.clone()))),
        Some((Err(e), p)) => {
            eprintln!("duplex serve: cannot record to {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
    };
    let (tx, rx) = tap_channel();
    let gauge = rx.gauge();
    let session = Session::with_keys(keys);
    let printing = match Printing::start(rx, format, clock, recorder, session) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("duplex serve: cannot start the printer: {e}");
            return ExitCode::FAILURE;
        }
    };
    serve_until_signal(listener, config, clock, tx, control, tls).await;
    let code = printing.finish(&gauge).await;
    let lost = gauge.stats();
    if lost.skipped > 0 {
        eprintln!(
            "duplex serve: the output fell behind the traffic: {} of it skipped, not decoded \
             (see the `skipped` events)",
            size(lost.skipped)
        );
    }
    if lost.unseen > 0 {
        eprintln!(
            "duplex serve: {} connections not shown at all (the output had fallen far behind)",
            lost.unseen
        );
    }
    code
}

/// Serves until Ctrl-C or SIGTERM, then lets the clients finish for at most STOP_DRAIN.
async fn serve_until_signal(
    listener: TcpListener,
    config: Config,
    clock: Clock,
    tx: TapTx,
    control: Arc<Control>,
    tls: Option<Arc<Tls>>,
) {
    let (stopped_tx, stopped_rx) = oneshot::channel();
    let first = on_signals();
    let stop = async {
        if first.await.is_err() {
            // No signal handling here: run until killed.
            std::future::pending::<()>().await;
        }
        let _ = stopped_tx.send(());
    };
    let served = server::serve_tls(listener, config, clock, tx, stop, control, tls);
    let cap = async {
        match stopped_rx.await {
            Ok(()) => tokio::time::sleep(STOP_DRAIN).await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        () = served => {}
        () = cap => {}
    }
}

/// The printer thread: decoding and printing apart from the server's workers, so a slow or
/// stalled stdout fills only the tap queue (whose policy then skips bytes), never a socket.
struct Printing {
    finish: oneshot::Sender<()>,
    done: oneshot::Receiver<io::Result<()>>,
    /// Decoded events waiting for stdout.
    unprinted: Arc<AtomicUsize>,
}

impl Printing {
    fn start(
        rx: TapRx,
        format: Format,
        clock: Clock,
        recorder: Option<Recorder>,
        session: Session,
    ) -> io::Result<Printing> {
        let (finish, finish_rx) = oneshot::channel();
        let (done_tx, done) = oneshot::channel();
        let unprinted = Arc::new(AtomicUsize::new(0));
        let count = unprinted.clone();
        std::thread::Builder::new()
            .name("duplex-print".into())
            .spawn(move || {
                // Time: the tap queue's receiver looks again on a timer under load.
                let r = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .and_then(|rt| {
                        let (rec, session) = (recorder, session);
                        let printer = Printer {
                            format,
                            step: 0,
                            failed: None,
                            hold: crate::output::plain_hold::Hold::new(),
                        };
                        rt.block_on(print_events(
                            rx, finish_rx, printer, clock, rec, session, &count,
                        ))
                    });
                let _ = done_tx.send(r);
            })?;
        Ok(Printing {
            finish,
            done,
            unprinted,
        })
    }

    /// Asks for the last events and waits PRINT_GRACE for them; past it, says what is left.
    async fn finish(self, gauge: &TapGauge) -> ExitCode {
        let _ = self.finish.send(());
        match tokio::time::timeout(PRINT_GRACE, self.done).await {
            Ok(Ok(Ok(()))) => ExitCode::SUCCESS,
            Ok(Ok(Err(e))) => {
                eprintln!("duplex serve: writing output: {e}");
                ExitCode::FAILURE
            }
            Ok(Err(_)) => {
                eprintln!("duplex serve: the printer stopped unexpectedly");
                ExitCode::FAILURE
            }
            Err(_) => {
                let left = gauge.stats();
                eprintln!(
                    "duplex serve: stopped before the output caught up: {} decoded events not \
                     printed, {} tap notices ({} of traffic) not decoded",
                    self.unprinted.load(Ordering::Relaxed),
                    left.queued,
                    size(left.queued_bytes)
                );
                ExitCode::SUCCESS
            }
        }
    }
}

fn size(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    }
}

/// Ctrl-C or SIGTERM: the first resolves the receiver (the server stops), the next one ends the
/// process at once, whatever is still draining or printing.
fn on_signals() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    let first = Arc::new(Mutex::new(Some(tx)));
    let on = |first: &Mutex<Option<oneshot::Sender<()>>>| {
        let tx = first.lock().unwrap_or_else(PoisonError::into_inner).take();
        match tx {
            Some(tx) => {
                let _ = tx.send(());
            }
            None => {
                eprintln!("duplex serve: stopped at once, nothing more printed");
                std::process::exit(130);
            }
        }
    };
    let f = first.clone();
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            on(&f);
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::spawn(async move {
                while term.recv().await.is_some() {
                    on(&first);
                }
            });
        }
    }
    rx
}

/// Decodes tap notices and prints each event as soon as it exists, flushed, so a pipe sees it
/// live. `unprinted` holds how many decoded events wait for stdout.
async fn print_events(
    mut rx: TapRx,
    mut finish: oneshot::Receiver<()>,
    mut printer: Printer,
    clock: Clock,
    mut recorder: Option<Recorder>,
    mut session: Session,
    unprinted: &AtomicUsize,
) -> io::Result<()> {
    let mut out = Vec::new();
    loop {
        tokio::select! {
            biased;
            ev = rx.recv() => match ev {
                Some(ev) => on(&mut session, recorder.as_mut(), ev, &mut out),
                None => break,
            },
            _ = &mut finish => {
                // Whatever is already queued still counts (not what a flood adds meanwhile);
                // then close what never closed.
                for _ in 0..rx.gauge().stats().queued {
                    let Ok(ev) = rx.try_recv() else { break };
                    on(&mut session, recorder.as_mut(), ev, &mut out);
                }
                session.finish(clock.now(), &mut out);
                printer.print(&out, unprinted);
                break;
            }
        }
        printer.print(&out, unprinted);
        out.clear();
    }
    if let Some(r) = recorder.as_mut() {
        r.finish();
    }
    match printer.failed {
        Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

fn on(session: &mut Session, recorder: Option<&mut Recorder>, ev: TapEvent, out: &mut Vec<Event>) {
    if let Some(r) = recorder {
        r.on(&ev);
    }
    session.on(ev, out);
}

struct Printer {
    format: Format,
    step: u64,
    failed: Option<io::Error>,
    /// A ClientHello's line waits for the server's answer (see `plain_hold`).
    hold: crate::output::plain_hold::Hold,
}

impl Printer {
    fn print(&mut self, events: &[Event], unprinted: &AtomicUsize) {
        if self.failed.is_some() || events.is_empty() {
            return;
        }
        let stdout = io::stdout();
        let mut w = stdout.lock();
        for (i, ev) in events.iter().enumerate() {
            unprinted.store(events.len() - i, Ordering::Relaxed);
            let r = match self.format {
                Format::Json => json::write_event(&mut w, ev, Timestamp(0)),
                Format::Plain => {
                    let mut told = Vec::new();
                    self.hold.push(ev, &mut told);
                    told.iter().try_for_each(|(ev, stranger)| {
                        self.step += 1;
                        plain::write_told(&mut w, self.step, ev, Timestamp(0), *stranger)
                    })
                }
            };
            if let Err(e) = r.and_then(|()| w.flush()) {
                self.failed = Some(e);
                break;
            }
        }
        unprinted.store(0, Ordering::Relaxed);
    }
}

//! `duplex serve`: run the built-in server and print what crosses its sockets, live.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::record::Recorder;
use super::server::{self, Config};
use super::session::Session;
use crate::capture::tap::{Clock, TapEvent};
use crate::capture::tap_queue::{TapRx, tap_channel};
use crate::output::{json, plain};
use crate::proto::Timestamp;
use crate::proto::event::Event;

#[derive(Clone, Copy, Debug)]
pub enum Format {
    Json,
    Plain,
}

/// Runs the server on `addr` until Ctrl-C, recording every connection to `record` if given.
pub fn run(addr: SocketAddr, config: Config, format: Format, record: Option<PathBuf>) -> ExitCode {
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
    rt.block_on(serve(addr, config, format, record))
}

async fn serve(
    addr: SocketAddr,
    config: Config,
    format: Format,
    record: Option<PathBuf>,
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
    let clock = Clock::start();
    let recorder = match record.map(|p| (Recorder::create(&p, clock), p)) {
        None => None,
        Some((Ok(r), _)) => Some(r),
        Some((Err(e), p)) => {
            eprintln!("duplex serve: cannot record to {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
    };
    let (tx, rx) = tap_channel();
    let printing = match Printing::start(rx, format, clock, recorder) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("duplex serve: cannot start the printer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handling here: run until killed.
            std::future::pending::<()>().await;
        }
    };
    server::serve(listener, config, clock, tx, stop).await;
    printing.finish().await
}

/// The printer thread: decoding and printing apart from the server's workers, so a slow or
/// stalled stdout fills only the tap queue (whose policy then skips bytes), never a socket.
struct Printing {
    finish: oneshot::Sender<()>,
    done: oneshot::Receiver<io::Result<()>>,
}

impl Printing {
    fn start(
        rx: TapRx,
        format: Format,
        clock: Clock,
        recorder: Option<Recorder>,
    ) -> io::Result<Printing> {
        let (finish, finish_rx) = oneshot::channel();
        let (done_tx, done) = oneshot::channel();
        std::thread::Builder::new()
            .name("duplex-print".into())
            .spawn(move || {
                let r = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .and_then(|rt| {
                        rt.block_on(print_events(rx, finish_rx, format, clock, recorder))
                    });
                let _ = done_tx.send(r);
            })?;
        Ok(Printing { finish, done })
    }

    /// Asks for the last events and waits for them.
    async fn finish(self) -> ExitCode {
        let _ = self.finish.send(());
        match self.done.await {
            Ok(Ok(())) => ExitCode::SUCCESS,
            Ok(Err(e)) => {
                eprintln!("duplex serve: writing output: {e}");
                ExitCode::FAILURE
            }
            Err(_) => {
                eprintln!("duplex serve: the printer stopped unexpectedly");
                ExitCode::FAILURE
            }
        }
    }
}

/// Decodes tap notices and prints each event as soon as it exists, flushed, so a pipe sees it live.
async fn print_events(
    mut rx: TapRx,
    mut finish: oneshot::Receiver<()>,
    format: Format,
    clock: Clock,
    mut recorder: Option<Recorder>,
) -> io::Result<()> {
    let mut session = Session::new();
    let mut printer = Printer {
        format,
        step: 0,
        failed: None,
    };
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
                printer.print(&out);
                break;
            }
        }
        printer.print(&out);
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
}

impl Printer {
    fn print(&mut self, events: &[Event]) {
        if self.failed.is_some() || events.is_empty() {
            return;
        }
        let stdout = io::stdout();
        let mut w = stdout.lock();
        for ev in events {
            let r = match self.format {
                Format::Json => json::write_event(&mut w, ev, Timestamp(0)),
                Format::Plain => {
                    self.step += 1;
                    plain::write_step(&mut w, self.step, ev, Timestamp(0))
                }
            };
            if let Err(e) = r.and_then(|()| w.flush()) {
                self.failed = Some(e);
                return;
            }
        }
    }
}

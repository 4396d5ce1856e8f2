//! What the tap costs: WebSocket echo round trips per second through the built-in server, with
//! the tap on and off, client and server on one current-thread runtime (one CPU: on a 2-core VM
//! cross-thread hops are noise bigger than the tap).
//!
//!     cargo bench --bench serve [-- --trips N] [--runs N] [--no-chat] [--chat-one-thread]
//!                                   [--only bare|off|tap|decode]
//!
//! Four servers: a bare tokio-tungstenite echo loop built here (the floor: same read buffer and
//! limits as the server's `/ws/echo`, no hyper, no routes), and the built-in server three ways,
//! the same code but for the tap:
//! - `off`: `Config { tap: false }`, the bare socket;
//! - `tap`: every byte copied into the channel, which a task drains and drops;
//! - `tap+decode`: the channel feeds `Session`, the decoders `duplex serve` runs.
//!
//! Each run is one connection doing N sequential round trips of a small text message; the
//! modes take turns run by run, so drift hits them alike. Reported: the median of the runs.
//!
//! Then, when the build has `/ws/chat`: 1,000 concurrent chat clients in one room (tapped and
//! decoded, as `duplex serve` runs): delivery latency of messages sent one at a time (p50, p99),
//! and deliveries per second of a burst. The chat's server runs on a multi-thread runtime of its
//! own, as `duplex serve` builds it, and the clients on the bench's thread, as other programs
//! would; `--chat-one-thread` puts the server on the clients' thread (every delivery then pays
//! for the client's read as well).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use duplex::capture::tap::Clock;
use duplex::capture::tap_queue::tap_channel;
use duplex::net::client::{Message, Ws};
use duplex::net::limits;
use duplex::net::server::{self, Config};
use duplex::net::session::Session;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

const MESSAGE: &str = "hello, duplex";
const WARMUP: u32 = 200;
const BOUND: Duration = Duration::from_secs(10);
const CHAT_CLIENTS: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bare,
    Off,
    Tap,
    TapDecode,
}

impl Mode {
    fn key(self) -> &'static str {
        match self {
            Mode::Bare => "bare",
            Mode::Off => "off",
            Mode::Tap => "tap",
            Mode::TapDecode => "decode",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Bare => "bare tokio-tungstenite",
            Mode::Off => "duplex, tap off",
            Mode::Tap => "duplex, tap",
            Mode::TapDecode => "duplex, tap+decode",
        }
    }
}

fn main() -> ExitCode {
    let mut trips = 5000u32;
    let mut runs = 15usize;
    let mut chat = true;
    let mut chat_one_thread = false;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = || args.next().and_then(|v| v.parse::<u32>().ok());
        match a.as_str() {
            "--trips" => trips = num().unwrap_or(trips).max(1),
            "--runs" => runs = num().unwrap_or(runs as u32).max(1) as usize,
            "--no-chat" => chat = false,
            // The chat's server on the clients' thread (worst case) rather than its own runtime.
            "--chat-one-thread" => chat_one_thread = true,
            // One server alone, for a profiler: bare, off, tap or decode.
            "--only" => only = args.next(),
            _ => {} // cargo passes --bench
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(bench(trips, runs, chat, chat_one_thread, only.as_deref())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve bench: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Running {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// The floor: accept, handshake and echo with tokio-tungstenite alone, with the server's
/// WebSocket configuration (its small read buffer included).
async fn start_bare() -> std::io::Result<Running> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            let sock = tokio::select! {
                s = listener.accept() => match s {
                    Ok((s, _)) => s,
                    Err(_) => continue,
                },
                _ = &mut stop_rx => return,
            };
            tokio::spawn(async move {
                let _ = sock.set_nodelay(true);
                let config = Some(limits::ws_config());
                let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(sock, config).await
                else {
                    return;
                };
                while let Some(Ok(m)) = ws.next().await {
                    if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(Running {
        addr,
        _stop: stop_tx,
    })
}

async fn start(mode: Mode) -> std::io::Result<Running> {
    if mode == Mode::Bare {
        return start_bare().await;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, mut rx) = tap_channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let config = Config {
        tap: mode != Mode::Off,
        ..Config::default()
    };
    let stop = async move {
        let _ = stop_rx.await;
    };
    tokio::spawn(server::serve(listener, config, Clock::start(), tx, stop));
    tokio::spawn(async move {
        let mut session = Session::new();
        let mut out = Vec::new();
        while let Some(ev) = rx.recv().await {
            if mode == Mode::TapDecode {
                session.on(ev, &mut out);
                std::hint::black_box(&out);
                out.clear();
            }
        }
    });
    Ok(Running {
        addr,
        _stop: stop_tx,
    })
}

/// One connection, `trips` sequential echoes; round trips per second.
async fn run_once(addr: SocketAddr, trips: u32) -> Result<(f64, f64), String> {
    let (mut ws, status) = Ws::connect(addr, "/ws/echo", &[])
        .await
        .map_err(|e| e.to_string())?;
    if status != 101 {
        return Err(format!("/ws/echo answered {status}"));
    }
    let trip = async |ws: &mut Ws| -> Result<(), String> {
        ws.send_text(MESSAGE).await.map_err(|e| e.to_string())?;
        match ws.next(BOUND).await.map_err(|e| e.to_string())? {
            Some(Message::Text(t)) if t.as_str() == MESSAGE => Ok(()),
            other => Err(format!("unexpected echo: {other:?}")),
        }
    };
    for _ in 0..WARMUP {
        trip(&mut ws).await?;
    }
    let started = Instant::now();
    let cpu = cpu_ns();
    for _ in 0..trips {
        trip(&mut ws).await?;
    }
    let rate = f64::from(trips) / started.elapsed().as_secs_f64();
    let cpu_us = cpu_ns().zip(cpu).map_or(f64::NAN, |(b, a)| {
        (b.saturating_sub(a)) as f64 / 1e3 / f64::from(trips)
    });
    let _ = ws.close(1000, "").await;
    let _ = ws.next(BOUND).await;
    Ok((rate, cpu_us))
}

/// CPU time this thread has run, in ns (`/proc/thread-self/schedstat`): client and servers share
/// the thread, so it is the work of a round trip, which other loads on the machine barely move.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

async fn bench(
    trips: u32,
    runs: usize,
    chat_too: bool,
    chat_one_thread: bool,
    only: Option<&str>,
) -> Result<(), String> {
    let all = [Mode::Bare, Mode::Off, Mode::Tap, Mode::TapDecode];
    let modes: Vec<Mode> = match only {
        None => all.to_vec(),
        Some(o) => all.into_iter().filter(|m| m.key() == o).collect(),
    };
    if modes.is_empty() {
        return Err(format!(
            "--only takes bare, off, tap or decode, not {only:?}"
        ));
    }
    let mut servers = Vec::new();
    for &m in &modes {
        servers.push(start(m).await.map_err(|e| e.to_string())?);
    }
    println!(
        "serve bench: WebSocket echo, {trips} round trips of {} bytes per run, {runs} runs, one thread",
        MESSAGE.len()
    );
    let mut rates = vec![Vec::new(); modes.len()];
    let mut cpus = vec![Vec::new(); modes.len()];
    for _ in 0..runs {
        for (i, s) in servers.iter().enumerate() {
            let (rate, cpu) = run_once(s.addr, trips).await?;
            rates[i].push(rate);
            cpus[i].push(cpu);
        }
    }
    let medians: Vec<f64> = rates.iter_mut().map(|r| median(r)).collect();
    let cpu: Vec<f64> = cpus.iter_mut().map(|r| median(r)).collect();
    println!(
        "  {:<24} {:>14} {:>9} {:>8} {:>10} {:>10} {:>10}   runs",
        "server", "round trips/s", "µs each", "of bare", "over off", "CPU µs", "CPU/bare"
    );
    for (i, m) in modes.iter().enumerate() {
        let all: Vec<String> = rates[i].iter().map(|r| format!("{r:.0}")).collect();
        let off = modes.iter().position(|&m| m == Mode::Off);
        let over = match (m, off) {
            (Mode::Bare, _) | (_, None) => String::from("-"),
            (_, Some(o)) => format!("{:.1}%", (medians[o] / medians[i] - 1.0) * 100.0),
        };
        println!(
            "  {:<24} {:>14.0} {:>9.1} {:>7.1}% {:>10} {:>10.2} {:>9.1}%   {}",
            m.name(),
            medians[i],
            1e6 / medians[i],
            medians[i] / medians[0] * 100.0,
            over,
            cpu[i],
            cpu[i] / cpu[0] * 100.0,
            all.join(" ")
        );
    }
    drop(servers);
    if !chat_too {
        return Ok(());
    }
    // The chat runs as `duplex serve` does (tapped and decoded) unless `--only` names a mode.
    let chat_mode = match modes[..] {
        [m] if m != Mode::Bare => m,
        _ => Mode::TapDecode,
    };
    let server = if chat_one_thread {
        println!("chat: server {}, on the clients' thread", chat_mode.name());
        start(chat_mode).await
    } else {
        println!(
            "chat: server {}, on its own multi-thread runtime as `duplex serve` runs it; the clients on another thread",
            chat_mode.name()
        );
        start_apart(chat_mode)
    };
    chat(&server.map_err(|e| e.to_string())?).await
}

/// `start` on a runtime of its own, built as `duplex serve` builds it, on its own threads.
fn start_apart(mode: Mode) -> std::io::Result<Running> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => return drop(tx.send(Err(e))),
        };
        rt.block_on(async {
            match start(mode).await {
                Ok(running) => {
                    let (stop, stopped) = oneshot::channel::<()>();
                    let _ = tx.send(Ok((running.addr, stop)));
                    let _ = stopped.await;
                }
                Err(e) => drop(tx.send(Err(e))),
            }
        });
        rt.shutdown_timeout(Duration::from_millis(100));
    });
    let (addr, stop) = rx
        .recv()
        .map_err(|_| std::io::Error::other("the server thread ended"))??;
    Ok(Running { addr, _stop: stop })
}

/// 1,000 concurrent chat clients on `/ws/chat`: how long they take to connect, and how long one
/// message takes to reach every one of them.
async fn chat(server: &Running) -> Result<(), String> {
    let room = format!("/ws/chat?room=bench{}", std::process::id());
    let probe = Ws::connect(server.addr, &format!("{room}&name=probe"), &[]).await;
    if !matches!(probe, Ok((_, 101))) {
        println!("chat: chat route not available in this build");
        return Ok(());
    }
    drop(probe);
    // Every client reads from the moment it joins (a client that stops reading is dropped by
    // the server), and reports each bench message it gets with its latency.
    let t0 = Instant::now();
    let (got_tx, mut got_rx) = mpsc::unbounded_channel::<(u32, Duration)>();
    let started = Instant::now();
    for i in 0..CHAT_CLIENTS {
        let path = format!("{room}&name=r{i}");
        let (ws, status) = Ws::connect(server.addr, &path, &[])
            .await
            .map_err(|e| e.to_string())?;
        if status != 101 {
            return Err(format!("/ws/chat answered {status}"));
        }
        let got = got_tx.clone();
        // One time limit for the client's whole life, not a timer per message.
        let mut ws = ws.into_inner();
        tokio::spawn(tokio::time::timeout(CHAT_LIFE, async move {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(t) = m
                    && let Some((seq, sent)) = bench_stamp(t.as_str())
                {
                    let _ = got.send((seq, t0.elapsed().saturating_sub(sent)));
                }
            }
        }));
    }
    drop(got_tx);
    let connected = started.elapsed();
    let (mut sender, _) = Ws::connect(server.addr, &format!("{room}&name=sender"), &[])
        .await
        .map_err(|e| e.to_string())?;

    // Latency: one message at a time, each delivered to every client before the next.
    let mut latencies = Vec::with_capacity(CHAT_LATENCY_MSGS as usize * CHAT_CLIENTS);
    let msgs: u32 = std::env::var("CHAT_MSGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CHAT_LATENCY_MSGS);
    for seq in 0..msgs {
        send_stamped(&mut sender, seq, t0).await?;
        latencies.extend(
            collect(&mut got_rx, &mut sender, 1)
                .await?
                .into_iter()
                .map(|(_, d)| d),
        );
    }
    // Throughput: a burst (within the server's per-client queue), counted until all arrive.
    let burst_start = Instant::now();
    for seq in CHAT_LATENCY_MSGS..CHAT_LATENCY_MSGS + CHAT_BURST {
        send_stamped(&mut sender, seq, t0).await?;
    }
    let burst = collect(&mut got_rx, &mut sender, CHAT_BURST).await?;
    let burst_time = burst_start.elapsed();

    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p) as usize)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    let want = CHAT_BURST as usize * CHAT_CLIENTS;
    println!(
        "chat: {CHAT_CLIENTS} clients in one room, connected in {:.2} s (target < 1 s)",
        connected.as_secs_f64()
    );
    println!(
        "chat: latency over {} deliveries (one message at a time): p50 {:.2} ms, p99 {:.2} ms (target < 15 ms), max {:.2} ms",
        latencies.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "chat: burst of {CHAT_BURST} messages: {} of {want} deliveries in {:.3} s = {:.0} deliveries/s",
        burst.len(),
        burst_time.as_secs_f64(),
        burst.len() as f64 / burst_time.as_secs_f64()
    );
    Ok(())
}

const CHAT_LIFE: Duration = Duration::from_secs(120);
const CHAT_LATENCY_MSGS: u32 = 20;
const CHAT_BURST: u32 = 50;

async fn send_stamped(ws: &mut Ws, seq: u32, t0: Instant) -> Result<(), String> {
    let text = format!("bench {seq} {}", t0.elapsed().as_nanos());
    let body = format!("{{\"text\":\"{text}\"}}");
    ws.send_text(&body).await.map_err(|e| e.to_string())
}

/// `(seq, sent)` from a chat message carrying "bench SEQ NANOS".
fn bench_stamp(msg: &str) -> Option<(u32, Duration)> {
    let rest = &msg[msg.find("bench ")? + 6..];
    let mut it = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let seq = it.next()?.parse().ok()?;
    let nanos: u64 = it.next()?.parse().ok()?;
    Some((seq, Duration::from_nanos(nanos)))
}

/// Waits until every client has reported `messages` more messages (bounded), draining the
/// sender's own copies meanwhile so that the server does not drop it as a slow reader.
async fn collect(
    got: &mut mpsc::UnboundedReceiver<(u32, Duration)>,
    sender: &mut Ws,
    messages: u32,
) -> Result<Vec<(u32, Duration)>, String> {
    let want = messages as usize * CHAT_CLIENTS;
    let deadline = Instant::now() + BOUND;
    let mut out = Vec::with_capacity(want);
    while out.len() < want {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        tokio::select! {
            r = got.recv() => match r {
                Some(x) => out.push(x),
                None => break,
            },
            _ = sender.next(left) => {}
        }
    }
    if out.len() < want {
        println!(
            "chat: only {} of {want} deliveries within {BOUND:?}",
            out.len()
        );
    }
    Ok(out)
}

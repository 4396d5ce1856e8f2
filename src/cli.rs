//! The command line: `duplex replay FILE`, `duplex serve`, and the commands still to come.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::net::origin::Origin;
use crate::net::{command, server};
use crate::tr;

#[path = "cli_err.rs"]
mod err;
#[path = "cli_help.rs"]
mod help;
#[path = "cli_replay.rs"]
mod replay_cmd;

/// The command line, with `--help` in the language of `--lang` or the environment (clap
/// renders help while parsing, before [`run`] sets the language).
pub fn parse() -> Cli {
    help::parse()
}

#[derive(Parser, Debug)]
#[command(
    name = "duplex",
    version,
    about = "See HTTP and WebSocket on the wire, byte by byte"
)]
pub struct Cli {
    /// A directory of lesson files that add to or override the built-in lessons
    #[arg(long, global = true, env = "DUPLEX_LESSONS", value_name = "DIR")]
    pub lessons: Option<PathBuf>,
    /// The language of the lessons: en, zh-CN (also zh, zh_CN, zh-Hans); default: DUPLEX_LANG,
    /// then the locale (LC_ALL, LC_MESSAGES, LANG), else en
    #[arg(long, global = true, value_name = "TAG", value_parser = crate::lang::parse_flag)]
    pub lang: Option<crate::lang::Lang>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Decode a pcap or pcapng capture: HTTP/1.x messages, the WebSocket upgrade, every frame
    Replay(ReplayArgs),
    /// Run the built-in HTTP and WebSocket server and print what crosses its sockets, live
    Serve(ServeArgs),
    /// Play a lesson in the terminal UI (or --plain, as a transcript); with no ID, list the course
    Learn(LearnArgs),
    /// Print the interview recap: WebSocket against HTTP, in your own measured numbers
    ///
    /// A model answer to "What is the difference between WebSocket and HTTP?" built from the
    /// numbers measured as you played the lessons (head sizes, connections per request, the
    /// keep-alive timeout, the 101 and its accept, the mask, bytes per update), in plain text
    /// within 80 columns; it names the lesson that measures each number not measured yet.
    Recap,
    /// Show your progress through the course, or clear it
    Progress(ProgressArgs),
    /// Check lesson files: every problem with its file, line and column
    Check(CheckArgs),
    /// The course's terms in English and Chinese (长连接, 全双工, 掩码, 心跳 ...)
    Glossary,
    /// Build a WebSocket frame field by field: print it bit by bit, or send it to a server
    Frame(crate::frame::FrameArgs),
}

#[derive(Args, Debug)]
pub struct LearnArgs {
    /// The lesson's id (`duplex learn` lists them)
    pub id: Option<String>,
    /// Play as a plain-text transcript on stdout instead of in the terminal UI
    #[arg(long)]
    pub plain: bool,
    /// Play it through without asking (implies --plain): answers shown, no progress saved
    #[arg(long)]
    pub auto: bool,
}

#[derive(Args, Debug)]
pub struct ProgressArgs {
    /// Forget every finished step and answer
    #[arg(long)]
    pub reset: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Lesson files or directories (default: lessons/ if it exists, else the built-in lessons)
    pub paths: Vec<PathBuf>,
    /// Also play every lesson against the built-in server and check its expectations
    #[arg(long)]
    pub run: bool,
    /// With --run: the most time one lesson may take, in minutes; past it the lesson fails,
    /// naming the step that ran out
    #[arg(long, value_name = "MINUTES", default_value_t = 5.0, value_parser = budget_minutes)]
    pub budget: f64,
}

fn budget_minutes(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(m) if m > 0.0 && m <= 24.0 * 60.0 => Ok(m),
        _ => Err(format!(
            "expected minutes, more than 0 and at most 1440, found \"{s}\""
        )),
    }
}

/// What `duplex serve --help` says after the flags: the budgets a client cannot exceed.
const SERVE_LIMITS: &str = "\
Memory, per connection: a request head of at most 16 KiB; bodies (/bytes/N, the POST /echo)
stream in 16 KiB pieces, never held whole, so a client that does not read holds a few pieces; a
WebSocket message of at most 16 MiB on /ws/echo, 64 KiB on the other WebSocket routes; a chat
member's unread backlog of at most 1 MiB (then close 1008). In total: at most --max-conns
connections; echo messages in progress share 48 MiB beyond their first 256 KiB each (past it,
reads wait); the tap's queue to the printer holds 32 MiB: when printing falls behind, decoding
detail is skipped and a `skipped` event says how much.

Time: every stall has a limit, and each close says which one (`why` in tcp_close): a head
(408), a body (408 before the answer began), a write the client does not read (RST), a
WebSocket that answers no ping (close 1001), a new connection that sends nothing, a kept-alive
connection with no new request. Once three quarters of --max-conns are open, idle and silent
connections get 2 s. A close by the server lingers up to 2 s (1 MiB) reading what the client
still sends, so answers already sent are not lost to a reset. Ctrl-C ends the server within
about 3 s whatever is queued, saying what was not printed.";

#[derive(Args, Debug)]
#[command(after_long_help = SERVE_LIMITS)]
pub struct ServeArgs {
    /// The port to listen on (0: any free port, shown on stderr)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on; anything but loopback is reachable from other machines
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Close a keep-alive connection after this many idle seconds (0: never)
    #[arg(long, default_value_t = 75, value_name = "SECS")]
    pub keepalive: u64,
    /// Print one JSON event per line
    #[arg(long, group = "format")]
    pub json: bool,
    /// Print a numbered transcript in plain words (the default)
    #[arg(long, group = "format")]
    pub plain: bool,
    /// Answer 413 to a request body declared larger than this many bytes
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: u64,
    /// Answer 503 to connections beyond this many open at once
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_conns: usize,
    /// Close a keep-alive connection after this many requests (like nginx's keepalive_requests)
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_requests: u32,
    /// Answer 408 to a request head not complete this many seconds after its first byte
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = secs)]
    pub head_timeout: Duration,
    /// End a request whose body sends nothing for this many seconds
    #[arg(long, default_value = "30", value_name = "SECS", value_parser = secs)]
    pub body_timeout: Duration,
    /// Abort (RST) a connection whose client reads nothing the server sends for this many seconds
    #[arg(long, default_value = "30", value_name = "SECS", value_parser = secs)]
    pub write_timeout: Duration,
    /// Ping a WebSocket client silent for half this many seconds; close it (1001) if still
    /// silent after all of them (0: never)
    #[arg(long, default_value = "60", value_name = "SECS", value_parser = secs_or_never)]
    pub ws_idle: Duration,
    /// Close a new connection that sends nothing for this many seconds
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = secs)]
    pub first_byte_timeout: Duration,
    /// Also write every connection to this pcapng file, live (open it in Wireshark)
    #[arg(long, value_name = "FILE.pcapng")]
    pub record: Option<PathBuf>,
    /// Refuse WebSocket compression: answer every 101 without permessage-deflate, even when the
    /// client offers it (one route at a time: add ?deflate=off, as in /ws/echo?deflate=off)
    #[arg(long)]
    pub no_deflate: bool,
    /// Refuse (403) a WebSocket upgrade whose Origin is not this one, written
    /// scheme://host[:port] (http://localhost:8000); repeat for more. An upgrade with no Origin
    /// (not from a browser) is let through; without this flag no Origin is checked
    #[arg(long, value_name = "ORIGIN", value_parser = origin)]
    pub allowed_origin: Vec<Origin>,
    /// Also speak TLS on the same port (https:// and wss://), with a certificate made at start
    /// for localhost, 127.0.0.1 and ::1; where it is written and how to trust it is printed
    #[arg(long)]
    pub tls: bool,
    /// With --tls: write the certificate (cert.pem) and its key (key.pem) in this directory
    /// instead of the data directory's tls/
    #[arg(long, value_name = "DIR", requires = "tls")]
    pub cert_dir: Option<PathBuf>,
    /// With --tls: append every TLS secret to this file as SSLKEYLOGFILE lines (Wireshark's
    /// "(Pre)-Master-Secret log filename"); --record writes them into the capture as well
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub keylog: Option<PathBuf>,
}

/// Seconds, more than 0 and at most a day.
fn secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!(
            "expected seconds, more than 0 and at most 86400, found \"{s}\""
        )),
    }
}

/// An origin as RFC 6454 serialises it.
fn origin(s: &str) -> Result<Origin, String> {
    Origin::parse(s).ok_or_else(|| tr!("cli.err.origin", found = s))
}

/// As [`secs`], or 0 for never (a zero duration).
fn secs_or_never(s: &str) -> Result<Duration, String> {
    if s.parse::<f64>() == Ok(0.0) {
        return Ok(Duration::ZERO);
    }
    secs(s)
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The capture file (pcap or pcapng)
    pub file: PathBuf,
    /// Print one JSON event per line
    #[arg(long, group = "format")]
    pub json: bool,
    /// Print a numbered transcript in plain words (the default for now)
    #[arg(long, group = "format")]
    pub plain: bool,
    /// Print only the counts: connections, requests, responses, frames, close codes, errors
    #[arg(long, group = "format")]
    pub summary: bool,
    /// Decrypt TLS with the secrets of this key log (SSLKEYLOGFILE format)
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

pub fn run(cli: Cli) -> ExitCode {
    plain_width();
    let env = |k: &str| std::env::var(k).ok();
    crate::lang::set(crate::lang::Lang::resolve(cli.lang, env));
    // The page follows a visitor's Accept-Language unless the language was chosen for duplex.
    crate::net::routes::page_lang_chosen(
        cli.lang.is_some() || env("DUPLEX_LANG").is_some_and(|v| !v.is_empty()),
    );
    match cli.command {
        Some(Command::Replay(args)) => replay_cmd::run(&args),
        Some(Command::Serve(args)) => serve_cmd(&args),
        Some(Command::Learn(args)) => learn_cmd(args, cli.lessons),
        Some(Command::Recap) => crate::lesson::learn::recap_cmd(cli.lessons.as_deref()),
        Some(Command::Glossary) => {
            let mut out = io::stdout().lock();
            // A closed pipe (`| head`) ends the listing quietly.
            let zh_first = crate::lang::current() == crate::lang::Lang::ZhCn;
            for l in crate::lesson::glossary::lines(100, zh_first) {
                if writeln!(out, "{l}").is_err() {
                    break;
                }
            }
            ExitCode::SUCCESS
        }
        Some(Command::Frame(args)) => crate::frame::run(&args),
        Some(Command::Progress(args)) => {
            crate::lesson::learn::progress_cmd(args.reset, cli.lessons.as_deref())
        }
        Some(Command::Check(args)) => {
            let budget = std::time::Duration::from_secs_f64(args.budget * 60.0);
            crate::lesson::check::check(&args.paths, args.run, budget)
        }
        None => crate::app::run::main(cli.lessons),
    }
}

/// The plain transcript wraps to the terminal when it is narrower than 100 columns.
fn plain_width() {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && let Ok((w, _)) = crossterm::terminal::size()
    {
        crate::lesson::wrap::set_terminal_width(usize::from(w));
    }
}

/// `duplex learn`: the command layer chooses the terminal UI or the plain transcript, so the
/// lesson layer never reaches up into the UI.
fn learn_cmd(args: LearnArgs, lessons: Option<PathBuf>) -> ExitCode {
    use crate::lesson::learn;
    match args.id {
        Some(id) if !args.plain && !args.auto => {
            let cat = learn::course(lessons.as_deref());
            if let Err(code) = learn::find(&cat, &id) {
                return code;
            }
            // Without a terminal it says to add --plain.
            crate::app::run::main_at(lessons, Some(&id))
        }
        id => learn::learn(&learn::LearnOpts {
            id,
            auto: args.auto,
            lessons,
        }),
    }
}

fn serve_cmd(args: &ServeArgs) -> ExitCode {
    let format = if args.json {
        command::Format::Json
    } else {
        command::Format::Plain
    };
    let config = server::Config {
        keepalive: (args.keepalive > 0).then(|| Duration::from_secs(args.keepalive)),
        head_timeout: args.head_timeout,
        body_timeout: args.body_timeout,
        write_timeout: args.write_timeout,
        ws_idle: (!args.ws_idle.is_zero()).then_some(args.ws_idle),
        first_byte_timeout: args.first_byte_timeout,
        max_body: args.max_body,
        max_conns: args.max_conns.max(1),
        max_requests: args.max_requests.max(1),
        deflate: !args.no_deflate,
        ..server::Config::default()
    };
    let control = std::sync::Arc::new(crate::net::control::Control::default());
    if !args.allowed_origin.is_empty() {
        control.set_origins(Some(args.allowed_origin.clone()));
    }
    let tls = args.tls.then(|| command::TlsOpts {
        cert_dir: args.cert_dir.clone(),
        keylog: args.keylog.clone(),
    });
    command::run(
        SocketAddr::new(args.bind, args.port),
        config,
        format,
        command::Outputs {
            record: args.record.clone(),
            tls,
        },
        control,
    )
}

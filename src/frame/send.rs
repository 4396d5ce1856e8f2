//! The frames sent raw to a server after a real upgrade, and what it answers, decoded.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use base64::Engine;

use crate::lesson::wrap::wrap;
use crate::proto::ws::build::FrameSpec;
use crate::proto::ws::{WsDecoder, WsEvent, accept_key};
use crate::tr;

use super::print::{op_words, quote};
use super::words;

/// The server's answer is read up to this many bytes: the rest is not waited for.
const READ_MAX: usize = 1 << 20;
/// A response head larger than this is no answer to an upgrade.
const HEAD_MAX: usize = 16 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `ws://host[:port][/path]` as (host, port, path).
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let bad = || tr!("frame.err.url", url = url);
    let rest = match url.split_once("://") {
        Some((s, r)) if s.eq_ignore_ascii_case("ws") => r,
        Some((s, _)) if s.eq_ignore_ascii_case("wss") => return Err(tr!("frame.err.wss")),
        _ => return Err(bad()),
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_owned()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_owned()),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(bad)?;
        (h.to_owned(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse().map_err(|_| bad())?,
        None => 80,
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host, port, path))
}

fn fail(msg: String) -> ExitCode {
    eprintln!("duplex frame: {msg}");
    ExitCode::FAILURE
}

pub fn send(url: &str, specs: &[FrameSpec], wait: Duration, width: usize) -> ExitCode {
    let (host, port, path) = match parse_url(url) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let addrs: Vec<_> = match (host.as_str(), port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => return fail(tr!("frame.err.resolve", host = host, error = e)),
    };
    let mut sock = None;
    let mut last_err = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, CONNECT_TIMEOUT) {
            Ok(s) => {
                sock = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let Some(mut sock) = sock else {
        let error = last_err.map_or_else(String::new, |e| e.to_string());
        return fail(tr!(
            "frame.err.connect",
            host = host,
            port = port,
            error = error
        ));
    };
    let _ = sock.set_nodelay(true);
    let mut key = [0u8; 16];
    for chunk in key.chunks_mut(4) {
        chunk.copy_from_slice(&crate::proto::ws::build::random_key());
    }
    let key = base64::engine::general_purpose::STANDARD.encode(key);
    let host_header = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    println!(
        "{}",
        tr!(
            "frame.net.connected",
            addr = sock
                .peer_addr()
                .map_or(host_header.clone(), |a| a.to_string())
        )
    );
    if let Err(e) = sock.write_all(req.as_bytes()) {
        return fail(tr!("frame.err.io", error = e));
    }
    println!("→ GET {path} HTTP/1.1, Upgrade: websocket, Sec-WebSocket-Key: {key}");
    // The head, read until its blank line; what follows it is the first WebSocket bytes.
    let _ = sock.set_read_timeout(Some(CONNECT_TIMEOUT));
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > HEAD_MAX {
            return fail(tr!("frame.err.head_too_long", n = HEAD_MAX));
        }
        let mut chunk = [0u8; 4096];
        match sock.read(&mut chunk) {
            Ok(0) => return fail(tr!("frame.err.closed_before_101")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return fail(tr!("frame.err.no_answer", error = e)),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status = head.lines().next().unwrap_or("").to_owned();
    println!("← {status}");
    if status.split_whitespace().nth(1) != Some("101") {
        return fail(tr!("frame.err.refused", status = status));
    }
    let accept = head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case("sec-websocket-accept")
            .then(|| v.trim().to_owned())
    });
    let want = accept_key(&key);
    match accept {
        Some(a) if a == want => println!("  {}", tr!("frame.net.accept_ok", accept = a)),
        got => {
            let got = got.unwrap_or_else(|| "-".to_owned());
            return fail(tr!("frame.err.accept", got = got, want = want));
        }
    }
    let rest = buf.split_off(head_end);
    let wire: Vec<u8> = specs.iter().flat_map(FrameSpec::encode).collect();
    if let Err(e) = sock.write_all(&wire) {
        return fail(tr!("frame.err.io", error = e));
    }
    for (i, f) in specs.iter().enumerate() {
        let text = tr!(
            "frame.net.sent",
            i = i + 1,
            op = op_words(f.opcode),
            fin = u8::from(f.fin),
            n = f.payload.len(),
            bytes = f.encode().len()
        );
        out_lines(&wrap(&format!("→ {text}"), width, "", "  "));
    }
    read_answer(&mut sock, rest, wait, width);
    ExitCode::SUCCESS
}

fn out_lines(lines: &[String]) {
    for l in lines {
        println!("{l}");
    }
}

/// Reads until the server closes, `wait` passes or READ_MAX bytes came, printing each frame.
fn read_answer(sock: &mut TcpStream, first: Vec<u8>, wait: Duration, width: usize) {
    let mut d = WsDecoder::new(false, None, 0);
    let mut ev = Vec::new();
    d.decode(&first, &mut ev);
    let mut total = first.len();
    show(&ev, width);
    let deadline = Instant::now() + wait;
    let mut chunk = vec![0u8; 16 * 1024];
    let end = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break tr!(
                "frame.net.waited",
                secs = format!("{:.1}", wait.as_secs_f64())
            );
        }
        if total >= READ_MAX {
            break tr!("frame.net.read_max", n = READ_MAX);
        }
        let _ = sock.set_read_timeout(Some(left));
        let room = (READ_MAX - total).min(chunk.len());
        match sock.read(&mut chunk[..room]) {
            Ok(0) => break tr!("frame.net.server_closed"),
            Ok(n) => {
                total += n;
                let mut ev = Vec::new();
                d.decode(&chunk[..n], &mut ev);
                show(&ev, width);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) => break tr!("frame.net.read_error", error = e),
        }
    };
    let mut ev = Vec::new();
    d.finish(&mut ev);
    show(&ev, width);
    out_lines(&wrap(&end, width, "", "  "));
}

fn show(ev: &[WsEvent], width: usize) {
    for e in ev {
        let text = match e {
            WsEvent::Frame(f) => {
                let mut s = tr!(
                    "frame.net.frame",
                    op = op_words(f.opcode),
                    fin = u8::from(f.fin),
                    n = f.payload_len
                );
                if let Some(c) = &f.close {
                    s.push_str(&tr!(
                        "frame.net.close",
                        code = c.code,
                        reason = quote(&c.reason),
                        meaning = words::close_meaning(c.code)
                    ));
                } else if let Some(t) = f.text() {
                    s.push_str(&tr!("frame.net.text", text = quote(t)));
                } else if let (true, Ok(t)) = (f.opcode >= 8, std::str::from_utf8(&f.payload)) {
                    // A ping's or pong's bytes, when they are text.
                    s.push_str(&tr!("frame.net.text", text = quote(t)));
                } else if !f.payload.is_empty() {
                    let shown = &f.payload[..f.payload.len().min(32)];
                    let hex: Vec<String> = shown.iter().map(|b| format!("{b:02x}")).collect();
                    s.push_str(&tr!("frame.net.text", text = hex.join(" ")));
                    if f.payload_len > shown.len() as u64 {
                        s.push_str(" …");
                    }
                }
                format!("← {s}")
            }
            // Counting mode's only; this decoder is a full one.
            WsEvent::Message(_) | WsEvent::Counted(_) => continue,
            WsEvent::Error(e) => format!("  {}", words::rule(&e.kind)),
        };
        out_lines(&wrap(&text, width, "", "    "));
    }
}

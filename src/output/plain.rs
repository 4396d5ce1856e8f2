//! `--plain`: a numbered, step-by-step transcript in plain words, for people and screen readers.

use std::io::{self, Write};

use crate::proto::event::{CloseHow, Event, EventKind, HttpMessage, opcode_name};
use crate::proto::ws::{Frame, Message};
use crate::proto::{Dir, Timestamp};

/// Text quoted in a line is cut to this many characters.
const QUOTE_MAX: usize = 60;

/// Writes step number `step` describing `ev`, with time in seconds since `origin`.
pub fn write_step(
    out: &mut impl Write,
    step: u64,
    ev: &Event,
    origin: Timestamp,
) -> io::Result<()> {
    let t = ev.ts.secs_since(origin);
    let who = match ev.dir {
        Some(Dir::C2s) => "client → server: ",
        Some(Dir::S2c) => "server → client: ",
        None => "",
    };
    writeln!(
        out,
        "{step:>5}. {t:>10.6}s  #{}  {who}{}",
        ev.conn,
        describe(ev)
    )
}

/// What the event means, in one line. Text from the wire (a target, a key, a reason) can hold
/// control characters, C1 ones included: they are escaped, so they never drive the terminal.
pub fn describe(ev: &Event) -> String {
    let line = describe_raw(ev);
    if line.chars().any(char::is_control) {
        line.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        line
    }
}

fn describe_raw(ev: &Event) -> String {
    match &ev.kind {
        EventKind::TcpOpen(o) if o.live => format!(
            "TCP connection accepted, client {} to server {} (the kernel did the three-way \
             handshake; a socket never sees the SYN packets)",
            o.client, o.server
        ),
        EventKind::TcpOpen(o) => {
            let how = if o.handshake {
                "three-way handshake seen"
            } else {
                "already open when the capture began"
            };
            format!(
                "TCP connection opened, client {} to server {} ({how})",
                o.client, o.server
            )
        }
        EventKind::TcpClose(c) => {
            let by = match c.by {
                Some(Dir::C2s) => " by the client",
                Some(Dir::S2c) => " by the server",
                None => "",
            };
            let s = match c.how {
                CloseHow::Fin => format!("TCP connection closed{by} (FIN)"),
                CloseHow::Rst => format!("TCP connection reset{by} (RST)"),
                CloseHow::Eof => "TCP connection still open when the capture ended".to_owned(),
                CloseHow::Timeout if c.why.is_some() => format!("TCP connection closed{by}"),
                CloseHow::Timeout => format!("idle connection closed{by} (timeout)"),
            };
            match c.why {
                Some(why) => format!("{s}: {} ({} timeout)", why.describe(), why.short()),
                None => s,
            }
        }
        EventKind::TcpFin => match ev.dir {
            Some(Dir::C2s) => "the client sent FIN: it will send nothing more, the server may \
                               still send (half-close)"
                .to_owned(),
            _ => "the server sent FIN: it will send nothing more, the client may still send \
                  (half-close)"
                .to_owned(),
        },
        EventKind::HttpRequest(r) => {
            let mut s = format!(
                "HTTP request {} {} ({}, {})",
                r.head.method.as_deref().unwrap_or("?"),
                r.head.target.as_deref().unwrap_or("?"),
                r.head.version_str(),
                sizes(r)
            );
            // The upgrade's key is what the learner derives the accept from.
            if let Some(k) = r.head.header("sec-websocket-key") {
                s.push_str(&format!("; Upgrade, Sec-WebSocket-Key {k}"));
            }
            s
        }
        EventKind::HttpResponse(r) => {
            let mut s = format!(
                "HTTP response {} {} ({}, {})",
                r.head.status.unwrap_or(0),
                r.head.reason.as_deref().unwrap_or(""),
                r.head.version_str(),
                sizes(r)
            );
            if let Some(a) = &r.ws_accept {
                let verdict = if a.ok() { "correct" } else { "WRONG" };
                let got = a.got.as_deref().unwrap_or("missing");
                s.push_str(&format!("; Sec-WebSocket-Accept {got} is {verdict}"));
            }
            s
        }
        EventKind::WsFrame(f) => frame(f),
        EventKind::WsMessage(m) => message(m),
        EventKind::SseEvent(e) => format!(
            "Server-Sent Event {}, {} bytes: {}",
            quote(&e.event),
            e.bytes(),
            escaped(&e.data)
        ),
        EventKind::Error(e) => match e.offset {
            Some(off) => format!(
                "problem ({} decoder, byte {off}): {}",
                e.layer.as_str(),
                e.what
            ),
            None => format!("problem ({} decoder): {}", e.layer.as_str(), e.what),
        },
        EventKind::Skipped(s) if s.undecoded == 0 => format!(
            "duplex fell behind and skipped {} bytes of this connection: from here on its bytes \
             are counted, not decoded",
            s.skipped
        ),
        EventKind::Skipped(s) => format!(
            "not decoded since duplex fell behind: {} bytes counted, {} more skipped",
            s.undecoded, s.skipped
        ),
        EventKind::H2Preface => super::stranger::h2_preface(),
        EventKind::TlsHandshake(t) => super::stranger::tls_handshake(t),
    }
}

fn sizes(r: &HttpMessage) -> String {
    let n = r.head.headers.len();
    let head = r.head.range.len();
    match r.body_bytes {
        _ if r.streaming => format!("{n} headers, head {head} bytes, body streamed as events"),
        0 => format!("{n} headers, head {head} bytes, no body"),
        b => format!("{n} headers, head {head} bytes, body {b} bytes"),
    }
}

fn frame(f: &Frame) -> String {
    let mut s = format!("WebSocket {} frame", opcode_name(f.opcode));
    if f.opcode >= 3 && f.opcode != 8 && f.opcode != 9 && f.opcode != 10 {
        s.push_str(&format!(" (opcode {})", f.opcode));
    }
    s.push_str(if f.fin { ", FIN" } else { ", not final" });
    if f.rsv != 0 {
        s.push_str(&format!(", RSV={:03b}", f.rsv));
    }
    match f.mask_key {
        Some(k) if f.masked => s.push_str(&format!(
            ", masked (key {:02x} {:02x} {:02x} {:02x})",
            k[0], k[1], k[2], k[3]
        )),
        _ => s.push_str(if f.masked { ", masked" } else { ", unmasked" }),
    }
    s.push_str(&format!(", {} bytes", f.payload_len));
    if let Some(c) = &f.close {
        s.push_str(&format!(", close code {}", c.code));
        if !c.reason.is_empty() {
            s.push_str(&format!(" {}", quote(&c.reason)));
        }
    } else if let Some(text) = f.text()
        && f.payload_len > 0
    {
        s.push_str(&format!(": {}", quote(text)));
    }
    s
}

fn message(m: &Message) -> String {
    let mut s = format!("whole {} message, {} bytes", opcode_name(m.opcode), m.len);
    if m.frames > 1 {
        s.push_str(&format!(" from {} frames", m.frames));
    }
    if m.compressed {
        s.push_str(&format!(" (inflated from {} bytes)", m.wire_len));
    }
    if let Some(text) = &m.text
        && m.len > 0
        && (m.frames > 1 || m.compressed)
    {
        s.push_str(&format!(": {}", quote(text)));
    }
    s
}

/// `text` in quotes, control characters escaped, cut to QUOTE_MAX characters.
fn quote(text: &str) -> String {
    let mut s = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == QUOTE_MAX {
            s.push('…');
            break;
        }
        s.extend(c.escape_debug());
    }
    s.push('"');
    s
}

/// `text` unquoted, control characters escaped, cut to QUOTE_MAX characters.
fn escaped(text: &str) -> String {
    let mut s = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == QUOTE_MAX {
            s.push('…');
            break;
        }
        match c {
            c if c.is_control() => s.extend(c.escape_default()),
            c => s.push(c),
        }
    }
    s
}

//! `--plain`: a numbered, step-by-step transcript in plain words, for people and screen readers.

use std::io::{self, Write};

use crate::proto::event::{CloseHow, Event, EventKind, HttpBody, HttpMessage, Stall, opcode_name};
use crate::proto::http1::Framing;
use crate::proto::ws::{Frame, Message};
use crate::proto::{Dir, Timestamp};
use crate::tr;

/// Text quoted in a line is cut to this many characters.
const QUOTE_MAX: usize = 60;

/// Writes step number `step` describing `ev`, with time in seconds since `origin`.
pub fn write_step(
    out: &mut impl Write,
    step: u64,
    ev: &Event,
    origin: Timestamp,
) -> io::Result<()> {
    write_told(out, step, ev, origin, false)
}

/// [`write_step`] with the verdict of [`super::plain_hold`]: `stranger` when the event is a
/// ClientHello the server answered with no ServerHello.
pub fn write_told(
    out: &mut impl Write,
    step: u64,
    ev: &Event,
    origin: Timestamp,
    stranger: bool,
) -> io::Result<()> {
    let t = ev.ts.secs_since(origin);
    let who = match ev.dir {
        Some(Dir::C2s) => crate::tr!("plain.who_c2s"),
        Some(Dir::S2c) => crate::tr!("plain.who_s2c"),
        None => String::new(),
    };
    writeln!(
        out,
        "{step:>5}. {t:>10.6}s  #{}  {who}{}",
        ev.conn,
        describe_as(ev, stranger)
    )
}

/// What the event means, in one line. Text from the wire (a target, a key, a reason) can hold
/// control characters, C1 ones included: they are escaped, so they never drive the terminal.
pub fn describe(ev: &Event) -> String {
    describe_as(ev, false)
}

/// [`describe`], a ClientHello as the stranger of a plain port when `stranger`.
pub fn describe_as(ev: &Event, stranger: bool) -> String {
    let line = describe_raw(ev, stranger);
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

fn describe_raw(ev: &Event, stranger: bool) -> String {
    match &ev.kind {
        EventKind::TcpOpen(o) if o.live => {
            tr!("plain.open_live", client = o.client, server = o.server)
        }
        EventKind::TcpOpen(o) => {
            let how = if o.handshake {
                tr!("plain.open_handshake")
            } else {
                tr!("plain.open_already")
            };
            tr!(
                "plain.open",
                client = o.client,
                server = o.server,
                how = how
            )
        }
        EventKind::TcpClose(c) => {
            let by = match c.by {
                Some(Dir::C2s) => tr!("plain.by_client"),
                Some(Dir::S2c) => tr!("plain.by_server"),
                None => String::new(),
            };
            let s = match c.how {
                CloseHow::Fin => tr!("plain.close_fin", by = by),
                CloseHow::Rst => tr!("plain.close_rst", by = by),
                CloseHow::Eof => tr!("plain.close_eof"),
                CloseHow::Timeout if c.why.is_some() => tr!("plain.close_stalled", by = by),
                CloseHow::Timeout => tr!("plain.close_timeout", by = by),
            };
            match c.why {
                Some(why) => tr!(
                    "plain.close_why",
                    close = s,
                    why = tr!(STALLS[stall_index(why)].0),
                    short = tr!(STALLS[stall_index(why)].1)
                ),
                None => s,
            }
        }
        EventKind::TcpFin => match ev.dir {
            Some(Dir::C2s) => tr!("plain.fin_c2s"),
            _ => tr!("plain.fin_s2c"),
        },
        EventKind::HttpRequest(r) => {
            let mut s = tr!(
                "plain.request",
                method = r.head.method.as_deref().unwrap_or("?"),
                target = r.head.target.as_deref().unwrap_or("?"),
                version = r.head.version_str(),
                sizes = sizes(r)
            );
            // The upgrade's key is what the learner derives the accept from.
            if let Some(k) = r.head.header("sec-websocket-key") {
                s.push_str(&tr!("plain.request_key", key = k));
            }
            s
        }
        EventKind::HttpResponse(r) => {
            let mut s = tr!(
                "plain.response",
                status = r.head.status.unwrap_or(0),
                reason = r.head.reason.as_deref().unwrap_or(""),
                version = r.head.version_str(),
                sizes = sizes(r)
            );
            if let Some(a) = &r.ws_accept {
                let verdict = if a.ok() {
                    tr!("plain.accept_correct")
                } else {
                    tr!("plain.accept_wrong")
                };
                let got = a.got.clone().unwrap_or_else(|| tr!("plain.accept_missing"));
                s.push_str(&tr!("plain.response_accept", got = got, verdict = verdict));
            }
            s
        }
        EventKind::HttpBody(b) => body(ev.dir, b),
        EventKind::WsAbnormalClose(a) => {
            let key = match ev.dir {
                Some(Dir::C2s) => "plain.ws_abnormal_c2s",
                _ => "plain.ws_abnormal_s2c",
            };
            tr!(key, how = a.how.as_str())
        }
        EventKind::WsFrame(f) => frame(f),
        EventKind::WsMessage(m) => message(m),
        EventKind::WsCounted(c) => tr!(
            "plain.ws_counted",
            frames = c.frames(),
            text = c.text,
            binary = c.binary
        ),
        EventKind::SseEvent(e) => tr!(
            "plain.sse",
            event = quote(&e.event),
            bytes = e.bytes(),
            data = escaped(&e.data)
        ),
        // The decoder's own words stay as it wrote them; the framing is translated.
        EventKind::Error(e) => match e.offset {
            Some(off) => tr!(
                "plain.problem_at",
                layer = e.layer.as_str(),
                offset = off,
                what = e.what
            ),
            None => tr!("plain.problem", layer = e.layer.as_str(), what = e.what),
        },
        EventKind::Skipped(s) if s.undecoded == 0 => tr!("plain.skipped", n = s.skipped),
        EventKind::Skipped(s) => tr!(
            "plain.skipped_more",
            counted = s.undecoded,
            skipped = s.skipped
        ),
        EventKind::H2Preface => super::stranger::h2_preface(),
        EventKind::TlsHandshake(t) => super::plain_tls::handshake(t, stranger),
        EventKind::TlsRecord(r) => super::plain_tls::record(r),
        EventKind::TlsKeys(k) => super::plain_tls::keys(k),
    }
}

/// Why a server gave up on a connection, and the name of its timeout, for each `Stall`.
const STALLS: [(&str, &str); 6] = [
    ("plain.stall.idle", "plain.stall_short.idle"),
    ("plain.stall.first_byte", "plain.stall_short.first_byte"),
    ("plain.stall.head", "plain.stall_short.head"),
    ("plain.stall.body", "plain.stall_short.body"),
    ("plain.stall.write", "plain.stall_short.write"),
    ("plain.stall.ws_idle", "plain.stall_short.ws_idle"),
];

fn stall_index(why: Stall) -> usize {
    match why {
        Stall::Idle => 0,
        Stall::FirstByte => 1,
        Stall::Head => 2,
        Stall::Body => 3,
        Stall::Write => 4,
        Stall::WsIdle => 5,
    }
}

fn sizes(r: &HttpMessage) -> String {
    let n = r.head.headers.len();
    let head = r.head.range.len();
    match r.body_bytes {
        _ if r.body_follows => tr!("plain.sizes_body_follows", n = n, head = head),
        _ if r.streaming => tr!("plain.sizes_streamed", n = n, head = head),
        0 => tr!("plain.sizes_no_body", n = n, head = head),
        b => tr!("plain.sizes_body", n = n, head = head, body = b),
    }
}

/// A body that ended after its head was reported.
fn body(dir: Option<Dir>, b: &HttpBody) -> String {
    let request = dir == Some(Dir::C2s);
    if !b.complete {
        let key = if request {
            "plain.body_cut_c2s"
        } else {
            "plain.body_cut_s2c"
        };
        return tr!(key, wire = b.wire_bytes);
    }
    let key = if request {
        "plain.body_done_c2s"
    } else {
        "plain.body_done_s2c"
    };
    let mut s = tr!(key, bytes = b.bytes);
    if b.framing == Framing::Chunked {
        s.push_str(&tr!("plain.body_chunked", wire = b.wire_bytes));
    }
    s
}

fn frame(f: &Frame) -> String {
    let mut s = tr!("plain.frame", opcode = opcode_name(f.opcode));
    if f.opcode >= 3 && f.opcode != 8 && f.opcode != 9 && f.opcode != 10 {
        s.push_str(&tr!("plain.frame_opcode", n = f.opcode));
    }
    s.push_str(&if f.fin {
        tr!("plain.frame_fin")
    } else {
        tr!("plain.frame_not_final")
    });
    if f.rsv != 0 {
        s.push_str(&tr!("plain.frame_rsv", rsv = format!("{:03b}", f.rsv)));
    }
    match f.mask_key {
        Some(k) if f.masked => s.push_str(&tr!(
            "plain.frame_masked_key",
            key = format!("{:02x} {:02x} {:02x} {:02x}", k[0], k[1], k[2], k[3])
        )),
        _ => s.push_str(&if f.masked {
            tr!("plain.frame_masked")
        } else {
            tr!("plain.frame_unmasked")
        }),
    }
    s.push_str(&tr!("plain.frame_bytes", n = f.payload_len));
    if let Some(c) = &f.close {
        s.push_str(&tr!("plain.frame_close", code = c.code));
        if !c.reason.is_empty() {
            s.push_str(&format!(" {}", quote(&c.reason)));
        }
    } else if let Some(text) = f.text()
        && f.payload_len > 0
    {
        s.push_str(&tr!("plain.text_after", text = quote(text)));
    }
    s
}

fn message(m: &Message) -> String {
    let mut s = tr!("plain.message", opcode = opcode_name(m.opcode), n = m.len);
    if m.frames > 1 {
        s.push_str(&tr!("plain.message_frames", n = m.frames));
    }
    if m.compressed {
        s.push_str(&tr!("plain.message_inflated", n = m.wire_len));
    }
    if let Some(text) = &m.text
        && m.len > 0
        && (m.frames > 1 || m.compressed)
    {
        s.push_str(&tr!("plain.text_after", text = quote(text)));
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

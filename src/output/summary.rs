//! `--summary`: what a capture holds, counted the way tshark counts.

use std::collections::BTreeMap;
use std::fmt;

use crate::proto::event::{Event, EventKind};

/// Counts gathered from a stream of events.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub packets: u64,
    pub bytes: u64,
    pub connections: u64,
    pub http_requests: BTreeMap<String, u64>,
    pub http_responses: BTreeMap<u16, u64>,
    pub ws_frames: BTreeMap<u8, u64>,
    pub ws_frames_masked: u64,
    pub ws_frames_rsv1: u64,
    pub ws_messages: u64,
    pub ws_payload_bytes: u64,
    pub close_codes: BTreeMap<u16, u64>,
    /// `ws_abnormal_close` events: a side's TCP ended with no close frame from it (1006).
    pub ws_abnormal_closes: u64,
    pub sse_events: u64,
    /// Wire bytes of those events, chunk framing included.
    pub sse_bytes: u64,
    /// Connections that opened with another protocol (`h2_preface`, and `tls_handshake`: a
    /// ClientHello that got no ServerHello).
    pub strangers: BTreeMap<&'static str, u64>,
    pub tls: TlsCounts,
    pub errors: u64,
    /// The first few problems, to show with the counts.
    pub first_errors: Vec<String>,
}

const ERRORS_SHOWN: usize = 5;

/// The TLS layer, counted.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TlsCounts {
    /// Connections that sent a ClientHello, and those that got a ServerHello.
    pub hellos: std::collections::BTreeSet<u32>,
    pub answered: std::collections::BTreeSet<u32>,
    /// Connections whose keys duplex held.
    pub decrypting: u64,
    pub records: u64,
    pub records_decrypted: u64,
    /// Bytes of the records on the wire, headers included.
    pub bytes: u64,
    /// What TLS added: headers, and for protected records tag, nonce, inner type and padding.
    pub overhead: u64,
}

impl TlsCounts {
    /// ClientHellos that got no ServerHello: the strangers of a plain port.
    pub fn strangers(&self) -> u64 {
        self.hellos.difference(&self.answered).count() as u64
    }
}

impl Summary {
    pub fn add(&mut self, ev: &Event) {
        match &ev.kind {
            EventKind::TcpOpen(_) => self.connections += 1,
            EventKind::TcpClose(_)
            | EventKind::TcpFin
            | EventKind::Skipped(_)
            | EventKind::HttpBody(_) => {}
            EventKind::WsAbnormalClose(_) => self.ws_abnormal_closes += 1,
            EventKind::HttpRequest(r) => {
                // Counted without a copy of the method once it has been seen.
                let m = r.head.method.as_deref().unwrap_or_default();
                match self.http_requests.get_mut(m) {
                    Some(n) => *n += 1,
                    None => {
                        self.http_requests.insert(m.to_owned(), 1);
                    }
                }
            }
            EventKind::HttpResponse(r) => {
                *self
                    .http_responses
                    .entry(r.head.status.unwrap_or(0))
                    .or_default() += 1;
            }
            EventKind::WsFrame(f) => {
                *self.ws_frames.entry(f.opcode).or_default() += 1;
                self.ws_frames_masked += u64::from(f.masked);
                self.ws_frames_rsv1 += u64::from(f.rsv & 4 != 0);
                self.ws_payload_bytes += f.payload_len;
                if let Some(c) = &f.close {
                    *self.close_codes.entry(c.code).or_default() += 1;
                }
            }
            EventKind::WsMessage(_) => self.ws_messages += 1,
            EventKind::WsCounted(c) => {
                for (opcode, n) in c.by_opcode() {
                    *self.ws_frames.entry(opcode).or_default() += n;
                }
                self.ws_frames_masked += c.masked;
                self.ws_payload_bytes += c.payload_bytes;
                self.ws_messages += c.frames();
            }
            EventKind::SseEvent(e) => {
                self.sse_events += 1;
                self.sse_bytes += e.bytes();
            }
            EventKind::Error(e) => self.note_error(format!("#{}: {}", ev.conn, e.what)),
            EventKind::H2Preface => {
                *self.strangers.entry(ev.kind.name()).or_default() += 1;
            }
            EventKind::TlsHandshake(h) => match h.msg {
                "client_hello" => {
                    self.tls.hellos.insert(ev.conn);
                }
                "server_hello" => {
                    self.tls.answered.insert(ev.conn);
                }
                _ => {}
            },
            EventKind::TlsRecord(r) => {
                let t = &mut self.tls;
                let len = u64::from(r.length);
                t.records += 1;
                t.records_decrypted += u64::from(r.plaintext.is_some());
                t.bytes += 5 + len;
                t.overhead += 5 + match r.plaintext {
                    Some(p) => len.saturating_sub(u64::from(p)),
                    None if r.encrypted => crate::session::TLS_TAG.min(len),
                    None => 0,
                };
            }
            EventKind::TlsKeys(k) => self.tls.decrypting += u64::from(k.decrypting),
        }
    }

    /// A problem outside any connection (a corrupt packet, a truncated file).
    pub fn note_error(&mut self, what: String) {
        self.errors += 1;
        if self.first_errors.len() < ERRORS_SHOWN {
            self.first_errors.push(what);
        }
    }

    pub fn ws_frames_total(&self) -> u64 {
        self.ws_frames.values().sum()
    }
}

/// tshark's short names for opcodes, as in the captures' summaries.
fn opcode_label(op: u8) -> String {
    match op {
        0 => "cont".into(),
        1 => "text".into(),
        2 => "binary".into(),
        8 => "close".into(),
        9 => "ping".into(),
        10 => "pong".into(),
        n => format!("op{n}"),
    }
}

fn counts<K: fmt::Display>(f: &mut fmt::Formatter<'_>, map: &BTreeMap<K, u64>) -> fmt::Result {
    if map.is_empty() {
        return write!(f, "{}", crate::tr!("summary.none"));
    }
    for (i, (k, v)) in map.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        write!(f, "{sep}{k}: {v}")?;
    }
    Ok(())
}

/// A row's name, padded to the column of the numbers (display width: CJK is 2 columns).
fn label(key: &str) -> String {
    let name = crate::i18n::lookup(key, crate::lang::current());
    let pad = LABEL_COLS
        .saturating_sub(crate::lesson::wrap::cols(&name))
        .max(1);
    format!("{name}{}", " ".repeat(pad))
}

const LABEL_COLS: usize = 17;

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}{}", label("summary.packets"), self.packets)?;
        writeln!(f, "{}{}", label("summary.bytes"), self.bytes)?;
        writeln!(f, "{}{}", label("summary.connections"), self.connections)?;
        let reqs: u64 = self.http_requests.values().sum();
        write!(f, "{}{reqs} (", label("summary.requests"))?;
        counts(f, &self.http_requests)?;
        writeln!(f, ")")?;
        let resps: u64 = self.http_responses.values().sum();
        write!(f, "{}{resps} (", label("summary.responses"))?;
        counts(f, &self.http_responses)?;
        writeln!(f, ")")?;
        let ops: BTreeMap<String, u64> = self
            .ws_frames
            .iter()
            .map(|(op, n)| (opcode_label(*op), *n))
            .collect();
        write!(f, "{}{} (", label("summary.frames"), self.ws_frames_total())?;
        counts(f, &ops)?;
        writeln!(f, ")")?;
        writeln!(
            f,
            "{}{}{}",
            label("summary.masked"),
            self.ws_frames_masked,
            crate::tr!(
                "summary.masked_rest",
                rsv1 = self.ws_frames_rsv1,
                messages = self.ws_messages,
                payload = self.ws_payload_bytes
            )
        )?;
        write!(f, "{}", label("summary.close_codes"))?;
        counts(f, &self.close_codes)?;
        writeln!(f)?;
        if self.ws_abnormal_closes > 0 {
            writeln!(
                f,
                "{}{}",
                label("summary.ws_abnormal"),
                crate::tr!("summary.ws_abnormal_rest", n = self.ws_abnormal_closes)
            )?;
        }
        if self.sse_events > 0 {
            writeln!(
                f,
                "{}{}",
                label("summary.sse"),
                crate::tr!(
                    "summary.sse_bytes",
                    n = self.sse_events,
                    bytes = self.sse_bytes
                )
            )?;
        }
        let answered = self.tls.answered.len() as u64;
        if answered > 0 || self.tls.records > 0 {
            writeln!(
                f,
                "{}{}",
                label("summary.tls"),
                crate::tr!(
                    "summary.tls_rest",
                    conns = answered,
                    conns_decrypted = self.tls.decrypting,
                    records = self.tls.records,
                    decrypted = self.tls.records_decrypted,
                    bytes = self.tls.bytes,
                    overhead = self.tls.overhead
                )
            )?;
        }
        let mut strangers = self.strangers.clone();
        if self.tls.strangers() > 0 {
            strangers.insert("tls_handshake", self.tls.strangers());
        }
        if !strangers.is_empty() {
            write!(f, "{}", label("summary.strangers"))?;
            counts(f, &strangers)?;
            writeln!(f)?;
        }
        writeln!(f, "{}{}", label("summary.errors"), self.errors)?;
        for e in &self.first_errors {
            writeln!(f, "  {e}")?;
        }
        if self.errors > self.first_errors.len() as u64 {
            writeln!(
                f,
                "{}",
                crate::tr!(
                    "summary.more",
                    n = self.errors - self.first_errors.len() as u64
                )
            )?;
        }
        Ok(())
    }
}

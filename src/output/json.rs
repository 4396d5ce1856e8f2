//! `--json`: one event per line, the schema of DESIGN.md.

use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};
use serde_json::json;

use crate::proto::Timestamp;
use crate::proto::event::{ABNORMAL_CLOSE_CODE, Event, EventKind, HttpMessage};
use crate::proto::http1::Framing;
use crate::proto::tls::{content_type_name, suite_name, version_name};

/// Text longer than this is cut in the output; `payload_len` / `len` stay exact.
const TEXT_MAX: usize = 1024;

/// Writes `ev` as one JSON line, with `t` in seconds since `origin`.
pub fn write_event(out: &mut impl Write, ev: &Event, origin: Timestamp) -> io::Result<()> {
    let mut line = Vec::with_capacity(256);
    push_line(&mut line, ev, origin);
    out.write_all(&line)
}

/// Appends `ev`'s JSON line to `buf`: the hot kinds written directly, the rest through serde.
pub fn push_line(buf: &mut Vec<u8>, ev: &Event, origin: Timestamp) {
    if super::json_line::write_hot(buf, ev, origin) {
        return;
    }
    let start = buf.len();
    // Into a Vec, serde fails on nothing these types hold; a failure leaves no half line.
    if write_event_serde(buf, ev, origin).is_err() {
        buf.truncate(start);
    }
}

/// Every kind through serde_json: the reference the direct lines are checked against.
pub fn write_event_serde(out: &mut impl Write, ev: &Event, origin: Timestamp) -> io::Result<()> {
    let mut ser = serde_json::Serializer::new(&mut *out);
    let mut m = ser.serialize_map(None).map_err(io::Error::other)?;
    fields(&mut m, ev, origin).map_err(io::Error::other)?;
    m.end().map_err(io::Error::other)?;
    out.write_all(b"\n")
}

fn fields<M: SerializeMap>(m: &mut M, ev: &Event, origin: Timestamp) -> Result<(), M::Error> {
    m.serialize_entry("kind", ev.kind.name())?;
    m.serialize_entry("conn", &ev.conn)?;
    // Microsecond rounding keeps lines short and stable.
    let t = (ev.ts.secs_since(origin) * 1e6).round() / 1e6;
    m.serialize_entry("t", &t)?;
    if let Some(dir) = ev.dir {
        m.serialize_entry("dir", dir.as_str())?;
    }
    match &ev.kind {
        EventKind::TcpOpen(o) => {
            m.serialize_entry("client", &o.client)?;
            m.serialize_entry("server", &o.server)?;
            m.serialize_entry("handshake", &o.handshake)?;
            if o.live {
                m.serialize_entry("live", &true)?;
            }
        }
        EventKind::TcpClose(c) => {
            m.serialize_entry("how", c.how.as_str())?;
            if let Some(by) = c.by {
                m.serialize_entry("by", by.as_str())?;
            }
            if let Some(why) = c.why {
                m.serialize_entry("why", why.as_str())?;
            }
        }
        // The sender is the event's `dir`.
        EventKind::TcpFin => {}
        EventKind::HttpRequest(r) => {
            m.serialize_entry("method", r.head.method.as_deref().unwrap_or(""))?;
            m.serialize_entry("target", r.head.target.as_deref().unwrap_or(""))?;
            http_common(m, r)?;
        }
        EventKind::HttpResponse(r) => {
            m.serialize_entry("status", &r.head.status.unwrap_or(0))?;
            m.serialize_entry("reason", r.head.reason.as_deref().unwrap_or(""))?;
            http_common(m, r)?;
            if let Some(a) = &r.ws_accept {
                m.serialize_entry(
                    "ws_accept",
                    &json!({"key": a.key, "expected": a.expected, "ok": a.ok()}),
                )?;
            }
        }
        EventKind::HttpBody(b) => {
            m.serialize_entry("bytes", &b.bytes)?;
            m.serialize_entry("wire_bytes", &b.wire_bytes)?;
            m.serialize_entry("framing", framing_name(b.framing))?;
            m.serialize_entry("complete", &b.complete)?;
            if !b.trailers.is_empty() {
                m.serialize_entry("trailers", &b.trailers)?;
            }
        }
        EventKind::WsAbnormalClose(a) => {
            m.serialize_entry("code", &ABNORMAL_CLOSE_CODE)?;
            m.serialize_entry("how", a.how.as_str())?;
            if let Some(by) = a.by {
                m.serialize_entry("by", by.as_str())?;
            }
        }
        EventKind::WsFrame(f) => {
            m.serialize_entry("fin", &f.fin)?;
            m.serialize_entry("rsv", &f.rsv)?;
            m.serialize_entry("opcode", &f.opcode)?;
            m.serialize_entry("masked", &f.masked)?;
            // As Wireshark's `websocket.payload_length`: the 7-bit field, where 126 and 127 say
            // that a 16- or 64-bit length follows; that length is `payload_len_ext`.
            let (field, ext) = match f.len_range.len() {
                0 => (f.payload_len, None),
                2 => (126, Some(f.payload_len)),
                _ => (127, Some(f.payload_len)),
            };
            m.serialize_entry("payload_len", &field)?;
            if let Some(ext) = ext {
                m.serialize_entry("payload_len_ext", &ext)?;
            }
            m.serialize_entry("payload_bytes", &f.payload_len)?;
            m.serialize_entry("header_bytes", &f.header_len)?;
            if let Some(key) = f.mask_key {
                m.serialize_entry("mask_key", &hex(&key))?;
            }
            if let Some(c) = &f.close {
                m.serialize_entry("close_code", &c.code)?;
                m.serialize_entry("close_reason", &c.reason)?;
            }
            if let Some(text) = f.text() {
                m.serialize_entry("text", cut(text))?;
            }
        }
        EventKind::WsMessage(w) => {
            m.serialize_entry("opcode", &w.opcode)?;
            m.serialize_entry("len", &w.len)?;
            m.serialize_entry("frames", &w.frames)?;
            m.serialize_entry("compressed", &w.compressed)?;
            if let Some(text) = &w.text {
                m.serialize_entry("text", cut(text))?;
            }
        }
        EventKind::WsCounted(c) => {
            m.serialize_entry("frames", &c.frames())?;
            m.serialize_entry("text_frames", &c.text)?;
            m.serialize_entry("binary_frames", &c.binary)?;
            m.serialize_entry("masked", &c.masked)?;
            m.serialize_entry("payload_bytes", &c.payload_bytes)?;
        }
        EventKind::SseEvent(e) => {
            m.serialize_entry("event", &e.event)?;
            m.serialize_entry("data", cut(&e.data))?;
            if let Some(id) = &e.id {
                m.serialize_entry("id", id)?;
            }
            if let Some(retry) = e.retry {
                m.serialize_entry("retry", &retry)?;
            }
            m.serialize_entry("bytes", &e.bytes())?;
            m.serialize_entry("offset", &e.range.start)?;
        }
        EventKind::Error(e) => {
            m.serialize_entry("what", &e.what)?;
            m.serialize_entry("layer", e.layer.as_str())?;
            if let Some(off) = e.offset {
                m.serialize_entry("offset", &off)?;
            }
        }
        EventKind::Skipped(s) => {
            m.serialize_entry("skipped_bytes", &s.skipped)?;
            m.serialize_entry("undecoded_bytes", &s.undecoded)?;
        }
        EventKind::H2Preface => {
            m.serialize_entry("bytes", &crate::proto::stranger::H2_PREFACE.len())?
        }
        EventKind::TlsHandshake(t) => {
            m.serialize_entry("msg", t.msg)?;
            if t.msg == "client_hello" {
                if let Some(sni) = &t.hello.sni {
                    m.serialize_entry("sni", sni)?;
                }
                m.serialize_entry("alpn", &t.hello.alpn)?;
                let versions: Vec<String> =
                    t.hello.versions.iter().map(|v| version_name(*v)).collect();
                m.serialize_entry("versions", &versions)?;
                if !t.hello.suites.is_empty() {
                    let suites: Vec<String> =
                        t.hello.suites.iter().map(|s| suite_name(*s)).collect();
                    m.serialize_entry("suites", &suites)?;
                }
            }
            if let Some(s) = &t.server {
                m.serialize_entry("version", &version_name(s.version))?;
                m.serialize_entry("suite", &suite_name(s.suite))?;
                if let Some(alpn) = &s.alpn {
                    m.serialize_entry("alpn", alpn)?;
                }
            }
            if t.encrypted {
                m.serialize_entry("encrypted", &true)?;
            }
            m.serialize_entry("bytes", &t.bytes)?;
        }
        EventKind::TlsRecord(r) => {
            m.serialize_entry("content_type", content_type_name(r.content_type))?;
            m.serialize_entry("version", &version_name(r.version))?;
            m.serialize_entry("length", &r.length)?;
            m.serialize_entry("offset", &r.offset)?;
            m.serialize_entry("encrypted", &r.encrypted)?;
            if let Some(inner) = r.inner {
                m.serialize_entry("inner", content_type_name(inner))?;
            }
            if let Some(p) = r.plaintext {
                m.serialize_entry("plaintext", &p)?;
            }
        }
        EventKind::TlsKeys(k) => {
            m.serialize_entry("version", &version_name(k.version))?;
            m.serialize_entry("suite", &suite_name(k.suite))?;
            m.serialize_entry("decrypting", &k.decrypting)?;
            m.serialize_entry("client_random", &hex(&k.client_random))?;
            if let Some(need) = &k.need {
                m.serialize_entry("need", need)?;
            }
        }
    }
    Ok(())
}

fn http_common<M: SerializeMap>(m: &mut M, r: &HttpMessage) -> Result<(), M::Error> {
    m.serialize_entry("version", r.head.version_str())?;
    m.serialize_entry("headers", &r.head.headers)?;
    m.serialize_entry("header_bytes", &r.head.range.len())?;
    m.serialize_entry("body_bytes", &r.body_bytes)?;
    if r.streaming {
        m.serialize_entry("streaming", &true)?;
    }
    if r.body_follows {
        m.serialize_entry("body_follows", &true)?;
    }
    if !r.trailers.is_empty() {
        m.serialize_entry("trailers", &r.trailers)?;
    }
    Ok(())
}

/// How a body is delimited, as `http_body`'s `framing` says it.
pub fn framing_name(f: Framing) -> &'static str {
    match f {
        Framing::None => "none",
        Framing::Length(_) => "length",
        Framing::Chunked => "chunked",
        Framing::UntilClose => "until_close",
    }
}

/// `text` cut to at most TEXT_MAX bytes, at a character boundary.
pub(super) fn cut(text: &str) -> &str {
    if text.len() <= TEXT_MAX {
        return text;
    }
    let mut end = TEXT_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

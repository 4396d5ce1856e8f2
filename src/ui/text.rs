//! Small formatting helpers shared by the views.

use std::borrow::Cow;
use std::fmt::Write as _;

use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::Theme;
use crate::proto::event::{CloseHow, opcode_name};
use crate::proto::{Dir, Timestamp};
use crate::session::{Row, RowKind, Session, close_how, error_layer, flags};

/// Seconds since `origin`, 3 decimals: `"12.345"`.
pub fn secs(ts: Timestamp, origin: Timestamp) -> String {
    format!("{:.3}", ts.secs_since(origin))
}

/// `"518 B"`, `"12.3 KB"`, `"4.0 MB"`.
pub fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.1} GB", n as f64 / 1e9),
    }
}

/// `s` as the learner should see it: each control character (C0, DEL, C1) as `\t`, `\n`,
/// `\r` or `\xNN` of its code point, all else kept. Every text from outside (the wire, a
/// capture, a file name) goes through it before it is measured: ratatui drops a control when
/// it draws, so `ESC[31m` would show as `[31m`, the ESC silently gone.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.contains(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        push_visible(&mut out, ch);
    }
    Cow::Owned(out)
}

fn push_visible(out: &mut String, ch: char) {
    match ch {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// `bytes` as text for a label: printable ASCII/UTF-8 kept, controls escaped as [`visible`]
/// does, cut to `max` columns with `…`.
pub fn quoted(bytes: &[u8], max: usize, cut: bool) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut n = 0;
    let mut piece = String::new();
    for ch in s.chars() {
        piece.clear();
        push_visible(&mut piece, ch);
        n += width(&piece);
        if n > max {
            out.push('…');
            return format!("\"{out}\"");
        }
        out.push_str(&piece);
    }
    if cut {
        out.push('…');
    }
    format!("\"{out}\"")
}

/// A close frame's reason: text by RFC 6455, so quoted with its controls escaped; bytes that
/// are not UTF-8 as hex.
fn close_reason(bytes: &[u8], max: usize, cut: bool) -> String {
    if std::str::from_utf8(bytes).is_ok() {
        quoted(bytes, max, cut)
    } else {
        text_or_hex(bytes, max, cut)
    }
}

/// Printable UTF-8 `bytes` quoted, anything else as hex (`0x 00 ff 7f`), at most `max` columns:
/// a control frame's payload may be any bytes, and mojibake would hide them.
pub fn text_or_hex(bytes: &[u8], max: usize, cut: bool) -> String {
    let printable = std::str::from_utf8(bytes).is_ok_and(|t| !t.chars().any(char::is_control));
    if printable {
        return quoted(bytes, max, cut);
    }
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let more = if cut { " …" } else { "" };
    fit(&format!("0x {}{more}", hex.join(" ")), max + 2)
}

/// Columns `s` takes on a terminal.
/// A time limit's short name in the learner's language (`None`: the keep-alive idle limit).
pub fn stall_short(why: Option<crate::proto::event::Stall>) -> String {
    use crate::proto::event::Stall;
    let key = match why {
        None | Some(Stall::Idle) => "views.stall.idle",
        Some(Stall::FirstByte) => "views.stall.first_byte",
        Some(Stall::Head) => "views.stall.head",
        Some(Stall::Body) => "views.stall.body",
        Some(Stall::Write) => "views.stall.write",
        Some(Stall::WsIdle) => "views.stall.ws_idle",
    };
    crate::i18n::lookup(key, crate::lang::current())
}

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to `max` terminal columns, ending with `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(ch);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `s` cut or padded with spaces to exactly `cols` columns.
pub fn pad(s: &str, cols: usize) -> String {
    let s = fit(s, cols);
    let w = width(&s);
    format!("{s}{}", " ".repeat(cols.saturating_sub(w)))
}

/// The bordered block every view draws in, its title on the top edge. The pane with the keys
/// has a thick border, so focus shows without colour (a bold line looks thin on many terminals).
pub fn pane<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    let (style, border) = if focused {
        (theme.border_focused, BorderType::Thick)
    } else {
        (theme.border, BorderType::Plain)
    };
    Block::bordered()
        .border_type(border)
        .border_style(style)
        .title(title.into().style(theme.title))
}

/// One line label of a timeline entry, as the ladder and the inspector's title say it.
pub fn label(session: &Session, row: &Row) -> String {
    let bytes = session.bytes(row);
    let cut = row.has(flags::CUT);
    match row.kind {
        RowKind::TcpOpen => match session.conn(row.conn) {
            Some(c) => format!("tcp open {} → {}", c.client_port(), c.server_port()),
            None => "tcp open".to_owned(),
        },
        RowKind::TcpClose => {
            let by = match row.dir {
                Some(Dir::C2s) => crate::tr!("views.label.by_client"),
                Some(Dir::S2c) => crate::tr!("views.label.by_server"),
                None => String::new(),
            };
            // Short, the key word first: a narrow ladder keeps the start of a label.
            let why = crate::session::close_why(row.code);
            match (close_how(row.code), why) {
                (CloseHow::Fin, _) => format!("FIN{by}"),
                (CloseHow::Rst, Some(w)) => {
                    crate::tr!(
                        "views.label.rst_timeout",
                        by = by,
                        why = stall_short(Some(w))
                    )
                }
                (CloseHow::Rst, None) => format!("RST{by}"),
                (CloseHow::Eof, _) => crate::tr!("views.label.eof"),
                (CloseHow::Timeout, Some(w)) => {
                    crate::tr!(
                        "views.label.why_timeout",
                        by = by,
                        why = stall_short(Some(w))
                    )
                }
                (CloseHow::Timeout, None) => crate::tr!("views.label.timeout", by = by),
            }
        }
        RowKind::TcpFin => match row.dir {
            Some(Dir::C2s) => crate::tr!("views.label.half_close_client"),
            _ => crate::tr!("views.label.half_close_server"),
        },
        RowKind::WsAbnormalClose => match row.dir {
            Some(Dir::C2s) => crate::tr!("views.label.ws_abnormal_client"),
            _ => crate::tr!("views.label.ws_abnormal_server"),
        },
        RowKind::HttpRequest => {
            let line = first_line(bytes);
            let mut words = line.split(' ');
            let method = words.next().unwrap_or("?");
            let target = words.next().unwrap_or("");
            let mut s = format!("{} {}", visible(method), visible(target));
            if row.has(flags::UPGRADE) {
                s.push_str(" Upgrade");
            }
            if row.has(flags::BODY_CUT) {
                s.push_str(&crate::tr!("views.label.body_cut"));
            }
            s
        }
        RowKind::HttpResponse => {
            let line = first_line(bytes);
            let status_reason = line.split_once(' ').map_or(&*line, |(_, rest)| rest);
            let mut s = visible(status_reason).into_owned();
            if row.has(flags::ACCEPT_OK) {
                s.push_str(" ✓ accept");
            } else if row.has(flags::ACCEPT_BAD) {
                s.push_str(" ✗ accept");
            }
            if row.has(flags::STREAMING) {
                s.push_str(&crate::tr!("views.label.stream"));
            }
            if row.has(flags::BODY_CUT) {
                s.push_str(&crate::tr!("views.label.body_cut"));
            }
            s
        }
        RowKind::WsFrame => {
            let mut s = opcode_name(row.opcode).to_owned();
            if row.opcode == 8 && row.code != 0 {
                s.push_str(&format!(" {}", row.code));
                let reason = bytes.get(2..).unwrap_or_default();
                if !reason.is_empty() {
                    s.push_str(&format!(" {}", close_reason(reason, 20, cut)));
                }
            } else if row.has(flags::TEXT) && !bytes.is_empty() {
                s.push_str(&format!(" {}", quoted(bytes, 24, cut)));
            } else if row.opcode & 0x8 != 0 && !bytes.is_empty() {
                s.push_str(&format!(" {}", text_or_hex(bytes, 16, cut)));
            }
            if row.rsv() & 4 != 0 {
                s.push_str(&crate::tr!("views.label.compressed"));
            }
            if row.masked() {
                s.push_str(&crate::tr!("views.label.masked"));
            }
            if !row.fin() {
                s.push_str(&crate::tr!("views.label.not_fin"));
            }
            s
        }
        RowKind::WsMessage => {
            let frames = match session.detail_frames(row) {
                n if n > 1 => crate::tr!("views.label.frames", n = n),
                _ => String::new(),
            };
            let text = if row.has(flags::TEXT) {
                format!(" {}", quoted(bytes, 20, cut))
            } else {
                String::new()
            };
            let inflated = if row.has(flags::COMPRESSED) {
                crate::tr!("views.label.inflated")
            } else {
                String::new()
            };
            format!(
                "message {}{text}{frames}{inflated}",
                opcode_name(row.opcode)
            )
        }
        RowKind::SseEvent => format!("sse {}", quoted(bytes, 24, cut)),
        RowKind::Error if stream_end(session, row) => {
            crate::tr!("views.label.stream_ended")
        }
        RowKind::Error => format!(
            "✗ {}: {}",
            error_layer(row.code).as_str(),
            quoted(bytes, usize::MAX, false).trim_matches('"')
        ),
        RowKind::TlsRecord | RowKind::TlsHandshake | RowKind::TlsKeys => {
            super::tls_words::label(session, row, false).unwrap_or_default()
        }
    }
}

/// [`label`] as the view shows it: with `outsider`, only what an eavesdropper reads.
pub fn label_seen(session: &Session, row: &Row, outsider: bool) -> String {
    match super::tls_words::label(session, row, outsider) {
        Some(s) if outsider => s,
        _ => label(session, row),
    }
}

/// An event stream that ends because its connection closed: the normal end of Server-Sent
/// Events (a client leaves by closing), which the decoder reports as a response cut short.
pub fn stream_end(session: &Session, row: &Row) -> bool {
    row.kind == RowKind::Error
        && error_layer(row.code) == crate::proto::event::Layer::Http
        && session.bytes(row).starts_with(b"the event stream ended")
}

/// The start line, bytes that are not UTF-8 as U+FFFD (obs-text in a target or a reason).
fn first_line(bytes: &[u8]) -> Cow<'_, str> {
    let end = bytes.iter().position(|&b| b == b'\r' || b == b'\n');
    let line = bytes.get(..end.unwrap_or(bytes.len())).unwrap_or_default();
    String::from_utf8_lossy(line)
}

//! The inspector: the selected entry's fields as a table and its bytes as a hex dump in which
//! each field's bytes are marked and named, in the manner of "The Illustrated TLS Connection".

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::Theme;
use super::hexdump::{Field, hex_lines};
use super::tcp_words::{abnormal_words, close_words, fin_words, wrapped_pairs};
use super::text::{label, pane, quoted, visible};
use crate::proto::event::opcode_name;
use crate::session::{Detail, FrameDetail, Session};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InspectorState {
    /// Session row index of the entry shown.
    pub event: Option<usize>,
    /// Show the payload unmasked (what the application reads) rather than as on the wire.
    pub unmask: bool,
    /// Lines scrolled down.
    pub scroll: u16,
    pub focused: bool,
    /// Only what an eavesdropper on the path reads (a TLS record's inside stays hidden).
    pub outsider: bool,
}

/// XOR pairs shown per line under a masked payload.
const XOR_PER_LINE: usize = 5;
/// Bytes drawn in a hex dump; the rest is counted.
pub(super) const HEX_MAX: usize = 1024;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    state: &InspectorState,
    theme: &Theme,
) {
    let detail = state.event.and_then(|i| session.detail(i));
    let title = match &detail {
        Some(d) => {
            let row = d.row();
            let dir = row
                .dir
                .map_or(String::new(), |d| format!(" {}", d.as_str()));
            let tag = state
                .event
                .and_then(|i| session.label_of(i))
                .map_or(String::new(), |t| format!(" · [{}]", visible(t)));
            let what = format!(
                "{}{dir} · {}{tag}",
                row.kind.name(),
                super::text::label_seen(session, &row, state.outsider)
            );
            crate::tr!("views.inspector.title_of", what = what)
        }
        None => crate::tr!("views.inspector.title"),
    };
    let block = pane(
        super::text::fit(&title, usize::from(area.width.saturating_sub(4))),
        state.focused,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let tls = detail
        .as_ref()
        .and_then(|d| super::tls_words::inspector_lines(d, state.outsider, width, theme));
    let lines = match detail {
        _ if tls.is_some() => tls.unwrap_or_default(),
        None => vec![Line::styled(crate::tr!("views.inspector.none"), theme.dim)],
        Some(Detail::Frame(f)) => frame_lines(&f, state.unmask, width, theme),
        Some(Detail::Http(h)) => super::inspector_http::http_lines(&h, width, theme),
        Some(Detail::Tcp { row, conn }) => {
            let mut l = vec![Line::raw(crate::tr!(
                "views.inspector.connection",
                n = row.conn
            ))];
            if let Some(c) = conn {
                l.push(Line::raw(crate::tr!(
                    "views.inspector.client",
                    addr = c.client
                )));
                l.push(Line::raw(crate::tr!(
                    "views.inspector.server",
                    addr = c.server
                )));
                let how = if c.live_open {
                    crate::tr!("views.inspector.open_live")
                } else if c.seen_open {
                    crate::tr!("views.inspector.open_seen")
                } else {
                    crate::tr!("views.inspector.open_unseen")
                };
                l.extend(pairs(&crate::tr!("views.inspector.opening"), &how, width));
            }
            l.push(Line::raw(format!("  {}", label(session, &row))));
            if row.kind == crate::session::RowKind::TcpClose {
                l.push(Line::raw(format!("  {}", close_words(&row))));
            }
            if row.kind == crate::session::RowKind::TcpFin {
                l.extend(pairs(
                    &crate::tr!("views.inspector.means"),
                    &fin_words(&row),
                    width,
                ));
            }
            if row.kind == crate::session::RowKind::WsAbnormalClose {
                l.extend(pairs(
                    &crate::tr!("views.inspector.means"),
                    &abnormal_words(&row),
                    width,
                ));
            }
            l
        }
        Some(Detail::Message(m)) => {
            // A text message is UTF-8 by the protocol: quoted, its controls escaped. Whole as
            // kept (at most `KEEP_FULL` bytes): `overflow` below wraps it.
            let cut = m.row.payload_len > m.preview.len() as u64;
            let room = usize::MAX / 2;
            let shown = if m.row.has(crate::session::flags::TEXT) {
                quoted(m.preview, room, cut)
            } else {
                super::text::text_or_hex(m.preview, room, cut)
            };
            vec![
                Line::raw(crate::tr!(
                    "views.inspector.message",
                    opcode = opcode_name(m.row.opcode),
                    n = m.frames
                )),
                Line::raw(crate::tr!(
                    "views.inspector.inflated",
                    wire = m.wire_len,
                    len = m.row.payload_len
                )),
                Line::raw(format!("  {shown}")),
            ]
        }
        Some(Detail::Sse { row, data }) => vec![
            Line::raw(crate::tr!("views.inspector.sse", n = row.payload_len)),
            Line::raw(format!("  data {}", quoted(data, usize::MAX / 2, false))),
        ],
        Some(Detail::Error { row, .. }) if super::text::stream_end(session, &row) => vec![
            Line::raw(crate::tr!("views.inspector.stream_end_1")),
            Line::raw(crate::tr!("views.inspector.stream_end_2")),
            Line::raw(crate::tr!("views.inspector.stream_end_3")),
        ],
        Some(Detail::Error {
            layer,
            offset,
            what,
            ..
        }) => vec![
            Line::styled(
                crate::tr!("views.inspector.problem", layer = layer.as_str()),
                theme.bad,
            ),
            // Offsets count from 0, as a hex dump's offsets do: say so in words.
            Line::raw(offset.map_or(String::new(), |o| {
                crate::tr!("views.inspector.after_bytes", o = o)
            })),
            Line::raw(format!(
                "  {}",
                quoted(what, usize::MAX, false).trim_matches('"')
            )),
        ],
        // Drawn above, by `tls_words`.
        Some(Detail::TlsRecord { .. } | Detail::TlsHandshake { .. } | Detail::TlsKeys { .. }) => {
            Vec::new()
        }
    };
    // Nothing is cut at the pane's edge: a line too wide goes on below, and scrolls.
    let lines = super::wrap::overflow(lines, width);
    let below = lines
        .len()
        .saturating_sub(usize::from(state.scroll) + usize::from(inner.height));
    if below > 0 && inner.height > 0 {
        let more = if below == 1 {
            crate::tr!("views.inspector.more_line")
        } else {
            crate::tr!("views.inspector.more_lines", n = below)
        };
        let more = Line::from(more).right_aligned();
        // On the bottom border, inside its corners.
        let edge = Rect {
            x: area.x + 1,
            width: area.width.saturating_sub(2),
            ..area
        };
        frame.render_widget(Block::new().title_bottom(more), edge);
    }
    frame.render_widget(Paragraph::new(lines).scroll((state.scroll, 0)), inner);
}

/// A frame as the inspector draws it: the first two bytes bit by bit, the key and the XOR, then
/// the hex dump with each field named (the composer draws a frame before it is sent with it).
pub(crate) fn frame_lines<'a>(
    f: &FrameDetail<'_>,
    unmask: bool,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let row = f.row;
    let ext = usize::from(f.ext_len);
    let mut bytes: Vec<u8> = f.header_bytes().to_vec();
    let shown = f.payload.len().min(HEX_MAX);
    bytes.extend((0..shown).map(|i| {
        if unmask {
            f.payload.get(i).copied().unwrap_or(0)
        } else {
            f.wire_byte(i).unwrap_or(0)
        }
    }));
    // Bytes are counted from 1, as the lessons' narration counts them ("byte 1: FIN ...").
    let (length, key_name) = (
        crate::tr!("views.field.length"),
        crate::tr!("views.field.mask_key"),
    );
    let mut fields = vec![Field::new(0, 1, "b1"), Field::new(1, 2, "b2")];
    if ext > 0 {
        fields.push(Field::new(2, 2 + ext, &length));
    }
    if f.mask_key.is_some() {
        fields.push(Field::new(2 + ext, 6 + ext, &key_name));
    }
    let payload_name = match (f.mask_key.is_some(), unmask) {
        (true, false) => crate::tr!("views.field.payload_masked"),
        (true, true) => crate::tr!("views.field.payload_unmasked"),
        _ => crate::tr!("views.field.payload"),
    };
    if shown > 0 {
        let start = usize::from(f.header_len);
        fields.push(Field::new(start, start + shown, &payload_name));
    }
    let mut lines = Vec::new();
    let [b0, b1] = [f.header[0], f.header[1]];
    lines.push(Line::raw(format!(
        "  {}  {}   FIN={} RSV={:03b} opcode={:04b} ({}){}",
        crate::tr!("views.inspector.byte", n = 1),
        bits(b0),
        u8::from(row.fin()),
        row.rsv(),
        row.opcode & 0xf,
        opcode_name(row.opcode),
        if row.fin() {
            String::new()
        } else {
            crate::tr!("views.inspector.more_frames")
        }
    )));
    lines.push(Line::styled(
        "          F R R R o o o o".to_owned(),
        theme.dim,
    ));
    let len_note = match f.len7 {
        126 => crate::tr!("views.inspector.len126", n = row.payload_len),
        127 => crate::tr!("views.inspector.len127", n = row.payload_len),
        n => format!("length={n}"),
    };
    lines.push(Line::raw(format!(
        "  {}  {}   MASK={} {len_note}",
        crate::tr!("views.inspector.byte", n = 2),
        bits(b1),
        u8::from(f.mask_key.is_some())
    )));
    lines.push(Line::styled(
        "          M L L L L L L L".to_owned(),
        theme.dim,
    ));
    match f.mask_key {
        Some(key) => {
            lines.push(Line::raw(crate::tr!(
                "views.inspector.key",
                hex = hex(&key)
            )));
            let shown = if unmask {
                crate::tr!("views.inspector.shown_unmasked")
            } else {
                crate::tr!("views.inspector.shown_masked")
            };
            lines.push(Line::from(vec![
                Span::raw(crate::tr!("views.inspector.payload_shown", shown = shown)),
                Span::styled(crate::tr!("views.inspector.toggle_m"), theme.dim),
            ]));
            let pairs: Vec<String> = f
                .payload
                .iter()
                .take(XOR_PER_LINE * 2)
                .enumerate()
                .map(|(i, &plain)| {
                    let wire = plain ^ key[i % 4];
                    format!(
                        "{wire:02x}^{:02x}={plain:02x} {}",
                        key[i % 4],
                        printable(plain)
                    )
                })
                .collect();
            for chunk in pairs.chunks(XOR_PER_LINE) {
                lines.push(Line::raw(format!("  {}", chunk.join("  "))));
            }
        }
        None => lines.push(Line::raw(crate::tr!("views.inspector.no_mask"))),
    }
    lines.push(Line::raw(""));
    lines.extend(hex_lines(&bytes, &fields, width, theme));
    if f.payload_cut || (shown as u64) < row.payload_len {
        lines.push(Line::styled(
            crate::tr!(
                "views.inspector.payload_kept",
                n = row.payload_len,
                shown = shown
            ),
            theme.dim,
        ));
    }
    lines
}

/// `  name  text`, the text wrapped under itself, measured in display columns (a Chinese name
/// is two columns a character).
fn pairs(name: &str, text: &str, width: usize) -> Vec<Line<'static>> {
    if name.is_ascii() {
        // `wrapped_pairs` measures in bytes, right for ASCII only.
        return wrapped_pairs(name, text, width);
    }
    let first = format!("  {name}  ");
    let w = super::text::width(&first);
    crate::lesson::wrap::wrap(text, width.max(w + 20), &first, &" ".repeat(w))
        .into_iter()
        .map(Line::raw)
        .collect()
}

fn bits(b: u8) -> String {
    (0..8)
        .rev()
        .map(|i| if b >> i & 1 == 1 { "1" } else { "0" })
        .collect::<Vec<_>>()
        .join(" ")
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() || b == b' ' {
        format!("'{}'", b as char)
    } else {
        "·".to_owned()
    }
}

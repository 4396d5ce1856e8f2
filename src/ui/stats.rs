//! Stats: bytes per direction, head against payload, messages by kind, connections: the
//! numbers the lessons compare. Every figure is a precomputed total, so drawing is O(1).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::Theme;
use super::text::{bytes, pad, pane};
use crate::session::{RowKind, Session, Tally};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsState {
    pub focused: bool,
}

pub fn render(frame: &mut Frame, area: Rect, session: &Session, state: &StatsState, theme: &Theme) {
    let block = pane(crate::tr!("views.stats.title"), state.focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let col = (width.saturating_sub(24) / 2).max(8);
    let st = session.stats();
    let row = |name: &str, a: String, b: String| {
        Line::raw(pad(
            &format!("  {}{}{}", pad(name, 22), pad(&a, col), b),
            width,
        ))
    };
    let both = |t: [Tally; 2], f: fn(&Tally) -> String| (f(&t[0]), f(&t[1]));
    let mut lines = vec![Line::styled(
        pad(
            &format!(
                "  {}{}{}",
                pad("", 22),
                pad(&crate::tr!("views.stats.c2s"), col),
                crate::tr!("views.stats.s2c")
            ),
            width,
        ),
        theme.title,
    )];
    let wire = [st.wire(0), st.wire(1)];
    let (a, b) = both(wire, |t| bytes(t.bytes()));
    lines.push(row(&crate::tr!("views.stats.wire"), a, b));
    let (a, b) = both(wire, |t| {
        format!(
            "{} ({})",
            bytes(t.head_bytes),
            percent(t.head_bytes, t.bytes())
        )
    });
    lines.push(row(&crate::tr!("views.stats.heads"), a, b));
    let (a, b) = both(wire, |t| {
        format!(
            "{} ({})",
            bytes(t.payload_bytes),
            percent(t.payload_bytes, t.bytes())
        )
    });
    lines.push(row(&crate::tr!("views.stats.payloads"), a, b));
    lines.push(Line::raw(""));
    let kinds = [
        ("views.stats.http_requests", RowKind::HttpRequest),
        ("views.stats.http_responses", RowKind::HttpResponse),
        ("views.stats.ws_frames", RowKind::WsFrame),
        ("views.stats.sse_events", RowKind::SseEvent),
    ];
    for (name, kind) in kinds {
        let t = st.by_kind[kind.index()];
        if t[0].count + t[1].count == 0 {
            continue;
        }
        let (a, b) = both(t, count_avg);
        lines.push(row(
            &crate::i18n::lookup(name, crate::lang::current()),
            a,
            b,
        ));
    }
    if st.ws_control[0].count + st.ws_control[1].count > 0 {
        let (a, b) = both(st.ws_control, count_avg);
        lines.push(row(&crate::tr!("views.stats.control"), a, b));
    }
    if st.ws_messages[0].count + st.ws_messages[1].count > 0 {
        let (a, b) = both(st.ws_messages, count_avg);
        lines.push(row(&crate::tr!("views.stats.ws_messages"), a, b));
    }
    let tls = st.tls_records;
    if tls[0].count + tls[1].count > 0 {
        let (a, b) = both(tls, count_avg);
        lines.push(row(&crate::tr!("views.stats.tls_records"), a, b));
        // What TLS adds: each record's header, and the tag (and more) of a protected one.
        let (a, b) = both(tls, |t| {
            format!(
                "{} ({})",
                bytes(t.head_bytes),
                percent(t.head_bytes, t.bytes())
            )
        });
        lines.push(row(&crate::tr!("views.stats.tls_overhead"), a, b));
        let d = st.tls_decrypted;
        lines.push(row(
            &crate::tr!("views.stats.tls_decrypted"),
            d[0].to_string(),
            d[1].to_string(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw(crate::tr!(
        "views.stats.totals",
        opened = st.conns_opened,
        closed = st.conns_closed,
        events = st.events,
        problems = st.kind(RowKind::Error).count
    )));
    let http = st.kind(RowKind::HttpRequest).count;
    if http > 0 {
        lines.push(Line::raw(crate::tr!(
            "views.stats.per_conn",
            n = format!("{:.1}", http as f64 / f64::from(st.conns_opened.max(1)))
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn count_avg(t: &Tally) -> String {
    crate::tr!(
        "views.stats.count_avg",
        n = t.count,
        avg = bytes(t.average())
    )
}

fn percent(part: u64, whole: u64) -> String {
    match whole {
        0 => "–".to_owned(),
        w => format!("{}%", part * 100 / w),
    }
}

//! Text from the wire never drives the terminal, and the learner sees it escaped: every view at
//! 100x30 over traffic whose targets, headers, reasons, messages, close reasons and event data
//! hold ESC, an OSC, BEL and the C1 CSI. ratatui drops a control when it draws, so without the
//! escaping the view would show `[31mred` with the ESC silently gone.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::Theme;
use super::inspector::{self, InspectorState};
use super::ladder::{self, LadderState};
use super::lifetimes::{self, LifetimesState};
use super::stats::{self, StatsState};
use crate::output::{CaptureWriter, Format, WriterClose};
use crate::proto::conn::Connection;
use crate::proto::event::{EventKind, TcpOpen};
use crate::proto::{Dir, Timestamp};
use crate::session::{RowKind, Session};

// The capture the tmux test replays too.
include!("../../tests/support/control_chars.rs");

const SIZE: (u16, u16) = (100, 30);

fn wire() -> Session {
    let mut s = Session::new();
    crate::replay::replay(&control_chars_pcap()[..], &mut |ev, _| s.push(ev)).expect("replay");
    s
}

/// Replaces `from` with `to` (as many bytes) everywhere in `b`.
fn swap(b: &mut [u8], from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let (f, t) = (from.as_bytes(), to.as_bytes());
    let mut i = 0;
    while i + f.len() <= b.len() {
        if &b[i..i + f.len()] == f {
            b[i..i + f.len()].copy_from_slice(t);
            i += f.len();
        } else {
            i += 1;
        }
    }
}

/// Heads the HTTP decoder would refuse (ESC and BEL in a target, a header value, a reason),
/// forged by decoding placeholders of the same length and swapping the controls in: the views
/// must not rely on the decoder to keep controls out.
fn forged() -> Session {
    let pieces = [("@@@@@", CTL_CSI), ("##########", CTL_OSC), ("~", "\x07")];
    let fix = |b: &mut Vec<u8>| pieces.iter().for_each(|(f, t)| swap(b, f, t));
    let fix_s = |s: &mut String| {
        let mut b = std::mem::take(s).into_bytes();
        fix(&mut b);
        *s = String::from_utf8(b).expect("UTF-8");
    };
    let mut c = Connection::new(1);
    let mut out = vec![c.open_event(
        Timestamp(0),
        TcpOpen {
            client: "127.0.0.1:50001".into(),
            server: "127.0.0.1:8080".into(),
            handshake: true,
            live: false,
        },
    )];
    let req = b"GET /@@@@@/x HTTP/1.1\r\nHost: h\r\nX-Title: ##########\r\nX-Bell: ding~\r\n\r\n";
    c.data(Dir::C2s, Timestamp(1_000_000), req, &mut out);
    let resp = b"HTTP/1.1 200 O@@@@@K\r\nContent-Length: 0\r\n\r\n";
    c.data(Dir::S2c, Timestamp(2_000_000), resp, &mut out);
    let mut s = Session::new();
    for mut ev in out {
        if let EventKind::HttpRequest(m) | EventKind::HttpResponse(m) = &mut ev.kind {
            let h = &mut m.head;
            fix(&mut h.raw);
            for t in [&mut h.target, &mut h.reason].into_iter().flatten() {
                fix_s(t);
            }
            h.headers.iter_mut().for_each(|(_, v)| fix_s(v));
        }
        s.push(&ev);
    }
    // A lesson's label names the rows too.
    let first: Vec<(u32, Timestamp)> = (0..s.len()).map(|i| (s.row(i).conn, s.row(i).ts)).collect();
    s.label_rows(first.iter().map(|&(c, t)| (c, t, "po\x1b[31mll")));
    assert!(s.len() >= 3, "the forged heads decode");
    s
}

/// Draws with `f` and returns the screen as text, after checking no cell holds a control.
fn screen(what: &str, f: impl Fn(&mut ratatui::Frame)) -> String {
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("test terminal");
    term.draw(|frame| f(frame)).expect("draw");
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..SIZE.1 {
        for x in 0..SIZE.0 {
            let sym = buf[(x, y)].symbol();
            assert!(
                !sym.contains(char::is_control),
                "{what}: a control in cell ({x}, {y}): {sym:?}"
            );
            out.push_str(sym);
        }
        out.push('\n');
    }
    out
}

/// Every view of `s`: the ladder with each row selected, the inspector on each row (masked
/// and unmasked, scrolled to its end), lifetimes, the full lifetimes and stats.
fn every_view(s: &Session) -> Vec<(String, String)> {
    let theme = Theme::color();
    let mut shown = Vec::new();
    for i in 0..s.len() {
        let state = LadderState {
            selected: Some(i),
            focused: true,
            ..LadderState::default()
        };
        let what = format!("ladder at row {i}");
        let text = screen(&what, |f| ladder::render(f, f.area(), s, &state, &theme));
        shown.push((what, text));
        for unmask in [false, true] {
            for scroll in (0..120).step_by(20) {
                let state = InspectorState {
                    event: Some(i),
                    unmask,
                    scroll,
                    focused: true,
                    outsider: false,
                };
                let what = format!(
                    "inspector on row {i} ({:?}, unmask {unmask})",
                    s.row(i).kind
                );
                let text = screen(&what, |f| inspector::render(f, f.area(), s, &state, &theme));
                shown.push((what, text));
            }
        }
    }
    let life = LifetimesState {
        now: s.last_ts(),
        ..LifetimesState::default()
    };
    let text = screen("lifetimes", |f| {
        lifetimes::render(f, f.area(), s, &life, &theme)
    });
    shown.push(("lifetimes".into(), text));
    let text = screen("full lifetimes", |f| {
        super::lifetimes_full::render(f, f.area(), s, &life, &theme)
    });
    shown.push(("full lifetimes".into(), text));
    let text = screen("stats", |f| {
        stats::render(f, f.area(), s, &StatsState::default(), &theme)
    });
    shown.push(("stats".into(), text));
    shown
}

/// Asserts that some view whose name starts with `view` shows `text`.
fn shows(views: &[(String, String)], view: &str, text: &str) {
    let found = views
        .iter()
        .any(|(what, screen)| what.starts_with(view) && screen.contains(text));
    let sample = views
        .iter()
        .find(|(what, _)| what.starts_with(view))
        .map_or("(no such view)", |(_, s)| s.as_str());
    assert!(found, "no {view} shows {text:?}; one of them:\n{sample}");
}

#[test]
fn wire_text_is_shown_escaped_in_every_view() {
    let s = wire();
    let views = every_view(&s);
    let row_of = |kind: RowKind, nth: usize| {
        (0..s.len())
            .filter(|&i| s.row(i).kind == kind)
            .nth(nth)
            .unwrap_or_else(|| panic!("no {kind:?} {nth}"))
    };
    let inspector = |kind, nth| format!("inspector on row {} ", row_of(kind, nth));
    // The C1 CSI is the control an HTTP head can carry past the decoder (as obs-text).
    shows(&views, "ladder", "GET /chat\\x9b2J?room=1 Upgrade");
    shows(&views, "ladder", "101 Switching \\x9b2J Protocols");
    let req = inspector(RowKind::HttpRequest, 0);
    shows(&views, &req, "GET /chat\\x9b2J?room=1 HTTP/1.1");
    shows(&views, &req, "X-Note: tab\\there \\x9b2J");
    shows(
        &views,
        &inspector(RowKind::HttpResponse, 0),
        "101 Switching \\x9b2J Protocols",
    );
    // A text message, its frames, the close reason and the event's data.
    shows(&views, "ladder", "text \"\\x1b[31mred \\x1b]0;pwned…\"");
    shows(&views, "ladder", "close 1000 \"bye\\x1b[31m\\x1b]0;pw…\"");
    shows(&views, "ladder", "sse \"tick \\x1b[31m\\x1b]0;pwne…\"");
    let whole = "\"\\x1b[31mred \\x1b]0;pwned\\x07bell\\x07 \\x9b2J\"";
    shows(&views, &inspector(RowKind::WsMessage, 0), whole);
    shows(
        &views,
        &inspector(RowKind::WsFrame, 3),
        "close 1000 \"bye\\x1b[31m\\x1b]0;pw…\"",
    );
    for (_, escaped) in CTL_SHOWN {
        shows(&views, "", escaped);
    }
    let data = "data \"tick \\x1b[31m\\x1b]0;pwned\\x07\\x9b2J\"";
    shows(&views, &inspector(RowKind::SseEvent, 0), data);
}

#[test]
fn forged_heads_are_shown_escaped_in_every_view() {
    let s = forged();
    let views = every_view(&s);
    shows(&views, "ladder", "GET /\\x1b[31m/x");
    shows(&views, "ladder", "200 O\\x1b[31mK");
    shows(&views, "ladder", "[po\\x1b[31mll]");
    shows(&views, "inspector", "GET /\\x1b[31m/x HTTP/1.1");
    shows(&views, "inspector", "X-Title: \\x1b]0;pwned\\x07");
    shows(&views, "inspector", "X-Bell: ding\\x07");
    shows(&views, "inspector", "200 O\\x1b[31mK");
    shows(&views, "full lifetimes", "[po\\x1b[31mll]");
}

/// An escape takes several columns, and is measured as such: the bytes column of every ladder
/// line stays where it is (a dropped control used to shift it).
#[test]
fn escaped_labels_keep_the_ladders_columns() {
    for s in [wire(), forged()] {
        for (what, screen) in every_view(&s)
            .iter()
            .filter(|(w, _)| w.starts_with("ladder"))
        {
            let ends: std::collections::BTreeSet<usize> = screen
                .lines()
                .skip(2)
                .filter_map(|l| {
                    l.chars()
                        .collect::<Vec<_>>()
                        .iter()
                        .rposition(|&c| c == '│')
                })
                .collect();
            assert!(
                ends.len() <= 1,
                "{what}: the bytes column moves: {ends:?}\n{screen}"
            );
        }
    }
}

#[test]
fn visible_escapes_every_control_and_keeps_all_else() {
    use super::text::{visible, width};
    use std::borrow::Cow;
    assert!(matches!(visible("héllo 世界 ✓ 🦀"), Cow::Borrowed(_)));
    assert_eq!(
        visible("a\x1b[31mb\x07\u{7f}\u{85}\u{9b}\t\n\r\0"),
        "a\\x1b[31mb\\x07\\x7f\\x85\\x9b\\t\\n\\r\\x00"
    );
    assert_eq!(visible("世\x1b界"), "世\\x1b界");
    assert_eq!(width(&visible("世\x1b界")), 8, "an escape is four columns");
}

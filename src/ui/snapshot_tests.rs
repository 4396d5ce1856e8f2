//! Every view at 100x30 and 80x24, from replayed captures and a synthetic live-like session,
//! with times and ports filtered out.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::Theme;
use super::inspector::{self, InspectorState};
use super::ladder::{self, LadderState};
use super::lifetimes::{self, LifetimesState};
use super::stats::{self, StatsState};
use crate::proto::conn::Connection;
use crate::proto::event::{CloseHow, Event, TcpClose, TcpOpen};
use crate::proto::{Dir, Timestamp};
use crate::session::{RowKind, Session};

const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

fn replayed(capture: &str) -> Session {
    let path = format!("assets/captures/{capture}");
    let file = std::fs::File::open(&path).expect("shipped capture");
    let mut s = Session::new();
    crate::replay::replay(file, &mut |ev, _| s.push(ev)).expect("replay");
    s
}

const MS: u64 = 1_000_000;

/// A client's frame as sent: masked with a fixed key.
fn client_frame(text: &str) -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x81, 0x80 | text.len() as u8];
    out.extend_from_slice(&key);
    out.extend(text.bytes().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

fn server_frame(text: &str) -> Vec<u8> {
    let mut out = vec![0x81, text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

/// Three chat clients talking through the built-in server, and an idle keep-alive fetch.
fn live_like() -> Session {
    let mut s = Session::new();
    let mut out = Vec::new();
    let mut conns: Vec<Connection> = (1..=4).map(Connection::new).collect();
    let mut at = |conn: usize, ms: u64, dir: Dir, bytes: &[u8], s: &mut Session| {
        conns[conn - 1].data(dir, Timestamp(ms * MS), bytes, &mut out);
        for ev in out.drain(..) {
            s.push(&ev);
        }
    };
    let upgrade = b"GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let switched =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    for (i, port) in [(1u32, 51324u16), (2, 51330), (3, 51336)] {
        let ms = u64::from(i) * 20;
        s.push(&Event {
            conn: i,
            ts: Timestamp(ms * MS),
            dir: None,
            kind: crate::proto::event::EventKind::TcpOpen(TcpOpen {
                client: format!("127.0.0.1:{port}"),
                server: "127.0.0.1:8080".into(),
                handshake: false,
                live: true,
            }),
        });
        at(i as usize, ms + 1, Dir::C2s, upgrade, &mut s);
        at(i as usize, ms + 2, Dir::S2c, switched, &mut s);
    }
    for (n, (from, text)) in [(1, "hello all"), (2, "hi ann"), (3, "hey"), (1, "bye")]
        .into_iter()
        .enumerate()
    {
        let ms = 100 + n as u64 * 50;
        at(from, ms, Dir::C2s, &client_frame(text), &mut s);
        for to in 1..=3 {
            at(
                to,
                ms + 1,
                Dir::S2c,
                &server_frame(&format!("#{from}: {text}")),
                &mut s,
            );
        }
    }
    s.push(&Event {
        conn: 4,
        ts: Timestamp(400 * MS),
        dir: None,
        kind: crate::proto::event::EventKind::TcpOpen(TcpOpen {
            client: "127.0.0.1:51400".into(),
            server: "127.0.0.1:8080".into(),
            handshake: false,
            live: true,
        }),
    });
    at(
        4,
        401,
        Dir::C2s,
        b"GET /api/time HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
        &mut s,
    );
    at(
        4,
        402,
        Dir::S2c,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        &mut s,
    );
    s.push(&Event {
        conn: 1,
        ts: Timestamp(420 * MS),
        dir: None,
        kind: crate::proto::event::EventKind::TcpClose(TcpClose {
            how: CloseHow::Fin,
            by: Some(Dir::S2c),
            why: None,
        }),
    });
    s
}

fn draw(size: (u16, u16), f: impl Fn(&mut ratatui::Frame)) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(size.0, size.1)).expect("test terminal");
    term.draw(|frame| f(frame)).expect("draw");
    term
}

fn snapshot(name: &str, size: (u16, u16), f: impl Fn(&mut ratatui::Frame)) {
    let term = draw(size, f);
    let name = format!("{name}_{}x{}", size.0, size.1);
    insta::with_settings!({
        filters => vec![
            (r":\d{2,5}\b", ":[port]"),
            (r"\b\d+\.\d{3}\b", "[t]"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, term.backend());
    });
}

fn theme() -> Theme {
    Theme::color()
}

#[test]
fn ladder_ws_basic() {
    let s = replayed("ws-basic.pcap");
    let state = LadderState {
        selected: Some(3),
        focused: true,
        ..LadderState::default()
    };
    for size in SIZES {
        snapshot("ladder_ws_basic", size, |f| {
            ladder::render(f, f.area(), &s, &state, &theme())
        });
    }
}

#[test]
fn ladder_chat_lanes() {
    let s = live_like();
    let state = LadderState {
        follow: true,
        ..LadderState::default()
    };
    for size in SIZES {
        snapshot("ladder_chat", size, |f| {
            ladder::render(f, f.area(), &s, &state, &theme())
        });
    }
}

#[test]
fn ladder_http10_scrolled() {
    let s = replayed("http10-curl-10req.pcap");
    let state = LadderState {
        selected: Some(30),
        ..LadderState::default()
    };
    for size in SIZES {
        snapshot("ladder_http10", size, |f| {
            ladder::render(f, f.area(), &s, &state, &theme())
        });
    }
}

fn inspect(s: &Session, name: &str, event: Option<usize>, unmask: bool) {
    let state = InspectorState {
        event,
        unmask,
        ..InspectorState::default()
    };
    for size in SIZES {
        snapshot(name, size, |f| {
            inspector::render(f, f.area(), s, &state, &theme())
        });
    }
}

#[test]
fn inspector_masked_frame_both_ways() {
    let s = replayed("ws-basic.pcap");
    let frame = s.find_next(0, |r| r.kind == RowKind::WsFrame && r.masked());
    inspect(&s, "inspector_frame_masked", frame, false);
    inspect(&s, "inspector_frame_unmasked", frame, true);
}

#[test]
fn inspector_long_frame() {
    let s = replayed("ws-basic.pcap");
    let frame = s.find_next(0, |r| r.kind == RowKind::WsFrame && r.payload_len > 125);
    inspect(&s, "inspector_frame_long", frame, false);
}

#[test]
fn inspector_upgrade_and_accept() {
    let s = replayed("ws-basic.pcap");
    let req = s.find_next(0, |r| r.kind == RowKind::HttpRequest);
    inspect(&s, "inspector_upgrade_request", req, false);
    let resp = s.find_next(0, |r| r.kind == RowKind::HttpResponse);
    inspect(&s, "inspector_101", resp, false);
}

/// The dead server's FIN, with the client's write after it: a half-close line and its words.
#[test]
fn half_close_in_ladder_and_inspector() {
    let s = replayed("ws-abrupt-kill.pcap");
    let fin = s.find_next(0, |r| r.kind == RowKind::TcpFin);
    assert!(fin.is_some());
    let state = LadderState {
        selected: fin,
        focused: true,
        ..LadderState::default()
    };
    snapshot("ladder_half_close", SIZES[0], |f| {
        ladder::render(f, f.area(), &s, &state, &theme())
    });
    inspect(&s, "inspector_half_close", fin, false);
}

#[test]
fn inspector_nothing_selected_and_out_of_range() {
    let s = Session::new();
    inspect(&s, "inspector_empty", Some(7), false);
}

#[test]
fn lifetimes_http10_closed_connections() {
    let s = replayed("http10-curl-10req.pcap");
    let state = LifetimesState {
        now: s.last_ts(),
        ..LifetimesState::default()
    };
    for size in SIZES {
        snapshot("lifetimes_http10", size, |f| {
            lifetimes::render(f, f.area(), &s, &state, &theme())
        });
    }
}

#[test]
fn lifetimes_keepalive_countdown() {
    let s = live_like();
    let state = LifetimesState {
        now: Timestamp(s.last_ts().0 + 1_500 * MS),
        keepalive: Some(Duration::from_secs(5)),
        ..LifetimesState::default()
    };
    for size in SIZES {
        snapshot("lifetimes_live", size, |f| {
            lifetimes::render(f, f.area(), &s, &state, &theme())
        });
    }
}

#[test]
fn stats_views() {
    for (name, s) in [
        ("stats_ws_basic", replayed("ws-basic.pcap")),
        (
            "stats_http11_keepalive",
            replayed("http11-keepalive-curl-10req.pcap"),
        ),
        ("stats_live", live_like()),
    ] {
        for size in SIZES {
            snapshot(name, size, |f| {
                stats::render(f, f.area(), &s, &StatsState::default(), &theme())
            });
        }
    }
}

/// Under `NO_COLOR` no cell carries a colour, and the selection still shows as `▶`.
#[test]
fn no_color_theme_draws_no_colour() {
    use ratatui::style::Color;
    let s = replayed("ws-basic.pcap");
    let plain = Theme::plain();
    let ladder_state = LadderState {
        selected: Some(2),
        focused: true,
        ..LadderState::default()
    };
    let term = draw((100, 30), |f| {
        let [top, bottom] = ratatui::layout::Layout::vertical([15, 15]).areas(f.area());
        ladder::render(f, top, &s, &ladder_state, &plain);
        let state = InspectorState {
            event: Some(3),
            ..InspectorState::default()
        };
        inspector::render(f, bottom, &s, &state, &plain);
    });
    let buf = term.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert!(term.backend().to_string().contains('▶'));
    // Focus shows in the border's lines, not in a colour or a weight alone.
    let screen = term.backend().to_string();
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[0].contains('┏'), "the focused ladder: {}", lines[0]);
    assert!(lines[15].contains('┌'), "the inspector: {}", lines[15]);
}

#[test]
fn views_survive_a_broken_capture_at_tiny_sizes() {
    let s = replayed("ws-basic-truncated.pcap");
    for size in [(10, 3), (1, 1), (30, 8)] {
        draw(size, |f| {
            let a = f.area();
            ladder::render(
                f,
                a,
                &s,
                &LadderState {
                    selected: Some(999),
                    ..LadderState::default()
                },
                &theme(),
            );
            for i in 0..s.len() {
                inspector::render(
                    f,
                    a,
                    &s,
                    &InspectorState {
                        event: Some(i),
                        ..InspectorState::default()
                    },
                    &theme(),
                );
            }
            lifetimes::render(f, a, &s, &LifetimesState::default(), &theme());
            stats::render(f, a, &s, &StatsState::default(), &theme());
        });
    }
}

mod zh;

mod tls;

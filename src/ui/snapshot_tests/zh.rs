//! The views in Chinese: pane titles keep their English name beside the Chinese, field labels
//! and explanations from the catalog, protocol tokens as on the wire.

use super::*;
use crate::lang::{Lang, scoped};
use crate::ui::lifetimes_full;

/// The view drawn in Chinese at both sizes, snapshotted; the 100x30 screen as text without
/// whitespace (compare with [`ns`]).
fn zh(name: &str, f: impl Fn(&mut ratatui::Frame)) -> String {
    scoped(Lang::ZhCn, || {
        for size in SIZES {
            snapshot(name, size, &f);
        }
        let term = draw(SIZES[0], &f);
        let buf = term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                // A wide character's second cell reads as a space: left out, as whitespace is.
                out.push_str(buf[(x, y)].symbol().trim());
            }
            out.push('\n');
        }
        out
    })
}

fn ns(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn zh_inspector_of_a_websocket_frame() {
    let s = replayed("ws-basic.pcap");
    let frame = s.find_next(0, |r| r.kind == RowKind::WsFrame && r.masked());
    let state = InspectorState {
        event: frame,
        ..InspectorState::default()
    };
    let text = zh("zh_inspector_frame_masked", |f| {
        inspector::render(f, f.area(), &s, &state, &theme())
    });
    for want in [
        "Inspector 检查器",
        "字节 1",
        "掩码键",
        "带掩码（线上原样）",
        "FIN=1",
        "opcode=",
    ] {
        assert!(text.contains(&ns(want)), "{want} missing:\n{text}");
    }
    for english in [
        "byte 1",
        "payload shown",
        "masking key",
        "toggles",
        "masked",
    ] {
        assert!(!text.contains(&ns(english)), "{english} in:\n{text}");
    }
}

#[test]
fn zh_inspector_of_the_upgrade_answer() {
    let s = replayed("ws-basic.pcap");
    let resp = s.find_next(0, |r| r.kind == RowKind::HttpResponse);
    let state = InspectorState {
        event: resp,
        ..InspectorState::default()
    };
    let text = zh("zh_inspector_101", |f| {
        inspector::render(f, f.area(), &s, &state, &theme())
    });
    for want in [
        "Sec-WebSocket-Accept",
        "✓ 一致",
        "头部合计",
        "101 Switching Protocols",
    ] {
        assert!(text.contains(&ns(want)), "{want} missing:\n{text}");
    }
    assert!(!text.contains(&ns("head in all")), "{text}");
}

#[test]
fn zh_lifetimes_pane_and_full_view() {
    let s = replayed("http10-curl-10req.pcap");
    let state = LifetimesState {
        now: s.last_ts(),
        ..LifetimesState::default()
    };
    let text = zh("zh_lifetimes_http10", |f| {
        lifetimes::render(f, f.area(), &s, &state, &theme())
    });
    assert!(text.contains(&ns("Lifetimes 连接生命周期")), "{text}");
    assert!(text.contains(&ns("关闭 (fin)")), "{text}");
    assert!(!text.contains(&ns("closed")), "{text}");
    let text = zh("zh_lifetimes_full_http10", |f| {
        lifetimes_full::render(f, f.area(), &s, &state, &theme())
    });
    for want in ["10 条连接", "如何结束", "有流量"] {
        assert!(text.contains(&ns(want)), "{want} missing:\n{text}");
    }
    assert!(!text.contains(&ns("how it ended")), "{text}");
    let live = live_like();
    let state = LifetimesState {
        now: Timestamp(live.last_ts().0 + 1_500 * MS),
        keepalive: Some(Duration::from_secs(5)),
        ..LifetimesState::default()
    };
    let text = zh("zh_lifetimes_live", |f| {
        lifetimes::render(f, f.area(), &live, &state, &theme())
    });
    assert!(text.contains(&ns("后关闭")), "{text}");
}

#[test]
fn zh_ladder_and_stats() {
    let s = replayed("ws-basic.pcap");
    let state = LadderState {
        selected: Some(3),
        focused: true,
        ..LadderState::default()
    };
    let text = zh("zh_ladder_ws_basic", |f| {
        ladder::render(f, f.area(), &s, &state, &theme())
    });
    assert!(text.contains(&ns("Ladder 时序图")), "{text}");
    assert!(
        text.contains(&ns("客户端")) && text.contains(&ns("服务器")),
        "{text}"
    );
    let text = zh("zh_stats_ws_basic", |f| {
        stats::render(f, f.area(), &s, &StatsState::default(), &theme())
    });
    for want in [
        "Stats 统计",
        "线上字节数",
        "WebSocket 帧",
        "客户端 → 服务器",
    ] {
        assert!(text.contains(&ns(want)), "{want} missing:\n{text}");
    }
    assert!(!text.contains(&ns("bytes on the wire")), "{text}");
}

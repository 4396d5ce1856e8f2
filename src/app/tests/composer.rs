//! The composer on screen (TestBackend snapshots in both languages) and on the live sandbox:
//! a preset sent raw comes back as the server's close in the traffic.

use crossterm::event::KeyCode;
use tokio::sync::mpsc::unbounded_channel;

use super::{app, code, key, screen, until};
use crate::app::composer::Form;
use crate::app::composer_live::Composer;
use crate::app::{App, Screen};
use crate::lang::Lang;
use crate::proto::ws::build::Preset;
use crate::session::RowKind;
use crate::ui::Theme;

/// The sandbox screen with no server, the composer open on the RSV1 preset, a fixed key.
fn composing() -> App {
    let (mut a, _rx) = app();
    a.screen = Screen::Sandbox;
    let mut c = Composer::new("ws://127.0.0.1:8080/ws/echo".into(), None);
    c.form = Form::from_preset(Preset::Rsv1);
    c.form.key = [0x37, 0xfa, 0x21, 0x3d];
    a.composer = Some(c);
    a
}

#[test]
fn the_composer_draws_a_preset_its_frame_and_the_verdict() {
    let a = composing();
    let big = screen(&a, 100, 30);
    for want in [
        "RSV1 set without permessage-deflate agreed",
        "What the server's decoder will say:",
        "reserved bit(s) RSV1 set but no negotiated extension",
        "FIN=1 RSV=100 opcode=0001 (text)",
        "37 fa 21 3d",
        "frame 1/1",
    ] {
        assert!(big.contains(want), "{want:?} missing:\n{big}");
    }
    snap!("composer_rsv1_100x30", big);
    snap!("composer_rsv1_80x24", screen(&a, 80, 24));
}

#[test]
fn the_composer_in_chinese() {
    let a = composing();
    crate::lang::scoped(Lang::ZhCn, || {
        let big = screen(&a, 100, 30);
        let flat = super::wrap_cjk::no_space(&big);
        assert!(flat.contains("服务器端解码器会怎么说"), "{big}");
        assert!(flat.contains("设置了RSV1"), "{big}");
        snap!("composer_rsv1_zh_100x30", big);
        snap!("composer_rsv1_zh_80x24", screen(&a, 80, 24));
    });
}

#[test]
fn every_key_bar_fits_its_width_in_both_languages() {
    for lang in [Lang::En, Lang::ZhCn] {
        for (key, max) in [
            ("bar.short.sandbox", 80),
            ("bar.short.composer", 80),
            ("bar.long.sandbox", 100),
            ("bar.long.composer", 100),
        ] {
            let bar = crate::i18n::lookup(key, lang);
            let w = crate::ui::width(&bar);
            assert!(w <= max, "{key} in {lang:?} is {w} columns: {bar}");
        }
    }
}

#[test]
fn c_without_a_sandbox_or_a_lesson_server_opens_nothing() {
    let (mut a, _rx) = app();
    a.open_lesson("ws-upgrade");
    a.update(key('C'));
    assert!(a.composer.is_none());
    assert!(a.note.contains("no server"), "{}", a.note);
}

fn server_closes(a: &App, code: u16) -> usize {
    a.sandbox.as_ref().map_or(0, |s| {
        let t = &s.traffic;
        (0..t.len())
            .map(|i| t.session.row(i))
            .filter(|r| r.kind == RowKind::WsFrame && !r.masked() && r.opcode == 8)
            .filter(|r| r.code == code)
            .count()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preset_sent_raw_on_the_sandbox_brings_the_servers_close() {
    let (tx, mut rx) = unbounded_channel();
    let mut a = App::new(tx, Some(tokio::runtime::Handle::current()));
    a.theme = Theme::plain();
    assert!(a.start_sandbox(), "{}", a.note);
    a.screen = Screen::Sandbox;
    a.update(key('w'));
    a.update(key('C'));
    assert!(a.composer.is_some(), "{}", a.note);
    a.update(key('p'));
    assert_eq!(
        a.composer.as_ref().and_then(|c| c.form.preset),
        Some(Preset::Unmasked)
    );
    a.update(key('s'));
    until(&mut a, &mut rx, |a| {
        let o = a.composer_traffic().zip(a.composer.as_ref());
        let o = o.and_then(|(t, c)| c.outcome(t));
        server_closes(a, 1002) == 1 && o.is_some_and(|o| o.close.is_some() && o.ended)
    })
    .await;
    let o = a
        .composer
        .as_ref()
        .and_then(|c| c.outcome(a.composer_traffic()?))
        .expect("an outcome");
    assert_eq!(o.close.as_ref().map(|c| c.0), Some(1002), "{o:?}");
    assert!(
        o.errors.iter().any(|e| e.contains("not masked")),
        "the tap's decoder named it: {o:?}"
    );
    let shown = screen(&a, 100, 30);
    assert!(shown.contains("The server closed with 1002"), "{shown}");
    assert!(shown.contains("MASK=0"), "{shown}");
    // The server closed that connection: sending again goes on a new one.
    a.update(key('s'));
    until(&mut a, &mut rx, |a| server_closes(a, 1002) == 2).await;
    a.update(code(KeyCode::Esc));
    assert!(a.composer.is_none());
    assert_eq!(a.screen, Screen::Sandbox);
}

/// The sandbox's first masked frame (`t` sent it), selected in the ladder.
fn select_sent_frame(a: &mut App) -> bool {
    let Some(s) = a.sandbox.as_mut() else {
        return false;
    };
    let t = &mut s.traffic;
    let i = (0..t.len()).find(|&i| {
        let r = t.session.row(i);
        r.kind == RowKind::WsFrame && r.masked() && r.opcode == 1
    });
    t.select(i);
    i.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_on_a_frame_row_opens_the_composer_filled_with_it_and_sends_it_edited() {
    let (tx, mut rx) = unbounded_channel();
    let mut a = App::new(tx, Some(tokio::runtime::Handle::current()));
    a.theme = Theme::plain();
    assert!(a.start_sandbox(), "{}", a.note);
    a.screen = Screen::Sandbox;
    a.update(key('w'));
    until(&mut a, &mut rx, |a| a.note.contains("101")).await;
    a.update(key('t'));
    // The echo of `hello 1` is back: the frame sent is in the ladder.
    until(&mut a, &mut rx, |a| {
        let t = &a.sandbox.as_ref().unwrap().traffic;
        (0..t.len()).any(|i| {
            let r = t.session.row(i);
            r.kind == RowKind::WsFrame && !r.masked() && r.opcode == 1
        })
    })
    .await;
    assert!(select_sent_frame(&mut a));
    a.update(key('e'));
    let c = a
        .composer
        .as_mut()
        .expect("e on a frame opens the frame composer");
    assert!(a.reqcomp.is_none(), "not the request composer");
    assert_eq!((c.form.opcode, c.form.rsv, c.form.fin), (1, 0, true));
    assert_eq!((c.form.payload.as_str(), c.form.hex), ("hello 1", false));
    assert!(c.form.mask, "sent as a client: masked");
    // The key is random: fixed for the drawing.
    c.form.key = [0x37, 0xfa, 0x21, 0x3d];
    let big = screen(&a, 100, 30);
    assert!(big.contains("FIN=1 RSV=000 opcode=0001 (text)"), "{big}");
    assert!(big.contains("hello 1"), "{big}");
    snap!("composer_from_frame_100x30", big);
    snap!("composer_from_frame_80x24", screen(&a, 80, 24));
    // Edit the payload (Enter on it, type, Enter), then send.
    a.update(code(KeyCode::Enter));
    for ch in " again".chars() {
        a.update(key(ch));
    }
    a.update(code(KeyCode::Enter));
    a.update(key('s'));
    let echoed = |a: &App| {
        let t = &a.sandbox.as_ref().unwrap().traffic;
        (0..t.len()).any(|i| {
            let r = t.session.row(i);
            r.kind == RowKind::WsFrame && !r.masked() && t.session.bytes(&r) == b"hello 1 again"
        })
    };
    until(&mut a, &mut rx, echoed).await;
    let shown = screen(&a, 100, 30);
    assert!(shown.contains("The server answered: text"), "{shown}");
}

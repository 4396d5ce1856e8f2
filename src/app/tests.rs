//! Whole screens drawn on a `TestBackend`, and a scripted session through the loop.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::msg::LoadReport;
use super::{App, Msg, Screen};
use crate::session::RowKind;
use crate::ui::Theme;

const CAPTURE: &str = "assets/captures/ws-basic.pcap";

fn app() -> (App, UnboundedReceiver<Msg>) {
    let (tx, rx) = unbounded_channel();
    let mut app = App::new(tx, None);
    app.theme = Theme::plain();
    (app, rx)
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::from(KeyCode::Char(c)))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::from(c))
}

/// Hands the app every background message until the capture is read.
fn settle(app: &mut App, rx: &mut UnboundedReceiver<Msg>) {
    while app.player.as_ref().is_some_and(|p| p.loading()) {
        match rx.blocking_recv() {
            Some(m) => app.update(m),
            None => break,
        }
    }
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    t.draw(|f| app.draw(f)).expect("drawn");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Times and ports change from run to run; the screen around them does not.
macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"\d+\.\d{3}s?", "[t]"),
            (r":\d{4,5}\b", ":[port]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

fn open_capture(app: &mut App, rx: &mut UnboundedReceiver<Msg>) {
    app.open_replay(CAPTURE.into());
    settle(app, rx);
}

#[test]
fn home_at_two_sizes() {
    let (app, _rx) = app();
    snap!("home_100x30", screen(&app, 100, 30));
    snap!("home_80x24", screen(&app, 80, 24));
}

#[test]
fn help_lists_every_key_and_closes_on_any_key() {
    let (mut app, _rx) = app();
    app.update(key('?'));
    snap!("help_100x30", screen(&app, 100, 30));
    snap!("help_80x24", screen(&app, 80, 24));
    app.update(key('x'));
    assert!(app.help.is_none());
    assert!(!app.quit);
}

#[test]
fn replay_at_two_sizes() {
    let (mut app, mut rx) = app();
    open_capture(&mut app, &mut rx);
    snap!("replay_100x30", screen(&app, 100, 30));
    snap!("replay_80x24", screen(&app, 80, 24));
}

#[test]
fn home_opens_the_picker_on_the_shipped_captures() {
    let (mut app, _rx) = app();
    // The two lines after the course: replay, then the sandbox.
    let n = app.home.course.len();
    for _ in 0..n {
        app.update(key('j'));
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.screen, Screen::Picker);
    let picker = app.picker.as_ref().expect("a picker");
    assert!(picker.dir.ends_with("assets/captures"));
    assert!(
        picker
            .entries
            .iter()
            .any(|(name, _)| name == "ws-basic.pcap")
    );
    app.update(code(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Home);
}

#[test]
fn a_missing_capture_says_so_and_nothing_panics() {
    let (mut app, mut rx) = app();
    app.open_replay("assets/captures/no-such-file.pcap".into());
    settle(&mut app, &mut rx);
    let p = app.player.as_ref().expect("the replay screen");
    assert!(
        p.failed
            .as_deref()
            .is_some_and(|e| e.contains("no-such-file"))
    );
    assert!(screen(&app, 80, 24).contains("cannot read"));
}

#[test]
fn stale_loader_reports_are_ignored() {
    let (mut app, mut rx) = app();
    open_capture(&mut app, &mut rx);
    let n = app.player.as_ref().map(|p| p.traffic.len());
    let report = LoadReport::Events(Vec::new());
    app.update(Msg::Load {
        generation: 999,
        report,
    });
    assert_eq!(app.player.as_ref().map(|p| p.traffic.len()), n);
}

/// Through the real loop: step to the first masked client frame with `]`, unmask, filter, quit.
#[tokio::test(flavor = "current_thread")]
async fn scripted_replay_steps_and_unmasks() {
    let (tx, mut rx) = unbounded_channel();
    let mut app = App::new(tx, None);
    app.theme = Theme::plain();
    app.open_replay(CAPTURE.into());
    while app.player.as_ref().is_some_and(|p| p.loading()) {
        match rx.recv().await {
            Some(m) => app.update(m),
            None => break,
        }
    }
    let t = &app.player.as_ref().expect("replay").traffic;
    let first_frame = (0..t.len())
        .find(|&i| t.session.row(i).kind == RowKind::WsFrame)
        .expect("a frame in the capture");
    // Step until a frame, then jump frame by frame to a masked one.
    let mut script: Vec<Msg> = (0..first_frame).map(|_| code(KeyCode::Right)).collect();
    script.push(key('m'));
    script.push(key('f'));
    script.extend("proto=ws".chars().map(key));
    script.push(code(KeyCode::Enter));
    script.push(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    let mut term = Terminal::new(TestBackend::new(100, 30)).expect("a test terminal");
    super::run(&mut term, &mut app, &mut rx, stream::iter(script))
        .await
        .expect("the loop ran");
    assert!(app.quit);
    let t = &app.player.as_ref().expect("replay").traffic;
    let sel = t.selected().expect("a selection");
    let row = t.session.row(sel);
    assert_eq!(row.kind, RowKind::WsFrame, "stepped onto the first frame");
    assert!(row.masked(), "the client's frame is masked");
    assert!(t.unmask, "m toggled unmasking");
    assert_eq!(t.filter_line(), Some("proto=ws"));
    assert_eq!(app.screen, Screen::Replay);
}

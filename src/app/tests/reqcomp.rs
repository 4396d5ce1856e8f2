//! The request composer on the live sandbox: drawn (both languages, two sizes), and sending
//! for real, on new and kept connections, from the form and from the ladder.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::{code, key, screen, until};
use crate::app::req_composer::Field;
use crate::app::{App, Msg, Screen};
use crate::lang::{Lang, scoped};
use crate::session::RowKind;
use crate::ui::Theme;

fn ctrl_u() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL))
}

/// The sandbox in front, its server running on this test's runtime.
fn sandbox() -> (App, UnboundedReceiver<Msg>) {
    let (tx, rx) = unbounded_channel();
    let mut app = App::new(tx, Some(tokio::runtime::Handle::current()));
    app.theme = Theme::plain();
    assert!(app.start_sandbox(), "{}", app.note);
    app.screen = Screen::Sandbox;
    (app, rx)
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(key(c));
    }
}

/// Selects the composer's `f`, types `s` over it.
fn set(app: &mut App, f: Field, s: &str) {
    let c = app.reqcomp.as_mut().expect("a composer");
    c.at = c.fields().iter().position(|x| *x == f).expect("the field");
    app.update(code(KeyCode::Enter));
    app.update(ctrl_u());
    typed(app, s);
    app.update(code(KeyCode::Enter));
}

fn rows(app: &App, kind: RowKind) -> Vec<crate::session::Row> {
    let t = &app.sandbox.as_ref().expect("a sandbox").traffic;
    (0..t.len())
        .map(|i| t.session.row(i))
        .filter(|r| r.kind == kind)
        .collect()
}

fn heads(app: &App) -> Vec<String> {
    let t = &app.sandbox.as_ref().expect("a sandbox").traffic;
    rows(app, RowKind::HttpRequest)
        .iter()
        .map(|r| String::from_utf8_lossy(t.session.bytes(r)).into_owned())
        .collect()
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        // A port the side pane wraps is cut in two at 80 columns.
        insta::with_settings!({filters => vec![
            (r":\d{4,5}\b", ":[port]"),
            (r"127\.0\.0\.1:\d+│", "127.0.0.1:[po│"),
            (r"(?m)^│\d+/ ", "│rt]/ "),
        ]}, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composer_drawn_in_both_languages() {
    let (mut app, _rx) = sandbox();
    app.update(key('R'));
    set(&mut app, Field::Method, "POST");
    set(&mut app, Field::Body, "it's a body");
    app.update(code(KeyCode::Up));
    snap!("reqcomp_100x30", screen(&app, 100, 30));
    app.update(key('y'));
    let s = screen(&app, 80, 24);
    assert!(s.contains("--data-binary 'it'\\''s a body'"), "{s}");
    snap!("reqcomp_curl_80x24", s);
    app.update(key('y'));
    scoped(Lang::ZhCn, || {
        app.update(code(KeyCode::Esc));
        app.update(key('R'));
        snap!("reqcomp_zh_100x30", screen(&app, 100, 30));
        app.update(code(KeyCode::Enter));
        snap!("reqcomp_zh_typing_80x24", screen(&app, 80, 24));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_composed_request_goes_out_and_a_kept_connection_is_reused() {
    let (mut app, mut rx) = sandbox();
    app.update(key('R'));
    let c = app.reqcomp.as_mut().expect("R opens the composer");
    c.at = 3;
    app.update(code(KeyCode::Enter));
    assert_eq!(
        app.reqcomp.as_ref().map(|c| c.form.how),
        Some(crate::app::req_form::How::Kept)
    );
    app.update(key('s'));
    until(&mut app, &mut rx, |a| {
        rows(a, RowKind::HttpResponse).len() == 1 && a.note.contains("answer: HTTP/1.1 200")
    })
    .await;
    assert!(app.note.contains("new kept connection"), "{}", app.note);
    set(&mut app, Field::Path, "/api/catalog");
    app.update(key('s'));
    until(&mut app, &mut rx, |a| {
        rows(a, RowKind::HttpResponse).len() == 2 && a.note.contains("same kept connection")
    })
    .await;
    let req = rows(&app, RowKind::HttpRequest);
    assert_eq!(req[0].conn, req[1].conn, "one kept connection");
    assert_eq!(
        heads(&app)[1],
        format!(
            "GET /api/catalog HTTP/1.1\r\nHost: {}\r\n\r\n",
            app.sandbox.as_ref().expect("sandbox").addr()
        ),
        "the head on the wire is the form's, byte for byte"
    );
    // Raw: bytes as typed, a bare \n included, on a new connection.
    app.reqcomp.as_mut().expect("composer").at = 3;
    app.update(code(KeyCode::Enter));
    set(&mut app, Field::Raw(0), r"GET /echo?raw HTTP/1.0\n");
    app.update(key('s'));
    until(&mut app, &mut rx, |a| {
        rows(a, RowKind::HttpResponse).len() == 3
    })
    .await;
    let req = rows(&app, RowKind::HttpRequest);
    assert_ne!(req[2].conn, req[1].conn, "raw bytes go on a new connection");
    assert!(heads(&app)[2].starts_with("GET /echo?raw HTTP/1.0\nHost: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_fills_the_composers_from_the_ladder_and_sends_again() {
    let (mut app, mut rx) = sandbox();
    app.update(key('r'));
    until(&mut app, &mut rx, |a| {
        rows(a, RowKind::HttpResponse).len() == 1
    })
    .await;
    let at = |app: &App, kind: RowKind| {
        let t = &app.sandbox.as_ref().expect("sandbox").traffic;
        (0..t.len()).find(|&i| t.session.row(i).kind == kind)
    };
    let tcp = at(&app, RowKind::TcpOpen);
    app.sandbox.as_mut().unwrap().traffic.select(tcp);
    app.update(key('e'));
    assert!(app.note.contains("this row is tcp_open"), "{}", app.note);
    assert!(app.reqcomp.is_none());
    let req = at(&app, RowKind::HttpRequest);
    app.sandbox.as_mut().unwrap().traffic.select(req);
    app.update(key('e'));
    let c = app.reqcomp.as_ref().expect("e opens the composer");
    assert_eq!(
        (c.form.method.as_str(), c.form.path.as_str()),
        ("GET", "/echo")
    );
    let first = heads(&app)[0].clone();
    // The form's head is the decoded one, header lines in order.
    assert_eq!(
        String::from_utf8(c.form.form_bytes()).unwrap(),
        first,
        "the same head again"
    );
    set(&mut app, Field::Path, "/api/catalog");
    app.update(key('s'));
    until(&mut app, &mut rx, |a| {
        rows(a, RowKind::HttpResponse).len() == 2 && a.note.contains("answer: HTTP/1.1 200")
    })
    .await;
    assert!(heads(&app)[1].starts_with("GET /api/catalog HTTP/1.1\r\n"));

    // A frame: into the frame composer, sent again as it was (masked anew).
    app.update(code(KeyCode::Esc));
    app.update(key('w'));
    until(&mut app, &mut rx, |a| {
        rows(a, RowKind::HttpResponse).len() == 3
    })
    .await;
    app.update(key('t'));
    let masked = |a: &App| {
        rows(a, RowKind::WsFrame)
            .into_iter()
            .filter(|r| r.masked())
            .count()
    };
    until(&mut app, &mut rx, |a| masked(a) == 1).await;
    let frame = {
        let t = &app.sandbox.as_ref().unwrap().traffic;
        (0..t.len()).find(|&i| {
            let r = t.session.row(i);
            r.kind == RowKind::WsFrame && r.masked()
        })
    };
    app.sandbox.as_mut().unwrap().traffic.select(frame);
    app.update(key('e'));
    assert!(
        app.composer.is_some(),
        "the frame composer, filled: {}",
        app.note
    );
    assert!(
        app.note.contains("the frame is in the composer"),
        "{}",
        app.note
    );
    app.update(key('s'));
    until(&mut app, &mut rx, |a| masked(a) == 2).await;
    let t = &app.sandbox.as_ref().unwrap().traffic;
    let payloads: Vec<_> = (0..t.len())
        .map(|i| t.session.row(i))
        .filter(|r| r.kind == RowKind::WsFrame && r.masked())
        .map(|r| t.session.bytes(&r).to_vec())
        .collect();
    assert_eq!(payloads[0], payloads[1]);
    assert_eq!(payloads[0], b"hello 1");
}

//! The lesson's table pane, the full lifetimes view and the picker's descriptions, drawn on a
//! `TestBackend` at 100x30 and 80x24.

use crossterm::event::KeyCode;

use super::super::lesson::LessonScreen;
use super::super::{App, Screen};
use super::{app, code, key, screen, settle};
use crate::lesson::model::Metric;
use crate::lesson::run::{StepReport, TableReport};

/// Lesson 9's table as `learn --plain` printed it, with a label long enough to crowd it.
fn table() -> TableReport {
    let row = |l: &str, v: [f64; 4]| (l.to_string(), v.map(Some).to_vec());
    TableReport {
        metrics: vec![
            Metric::BytesPerUpdate,
            Metric::Connections,
            Metric::Requests,
            Metric::LatencyMs,
        ],
        rows: vec![
            row("poll-new", [254.2, 8.0, 8.0, 2.0]),
            row("poll", [255.5, 1.0, 8.0, 4.0]),
            row("long-poll", [269.8, 1.0, 8.0, 0.0]),
            row("sse", [108.9, 1.0, 1.0, 2.0]),
            row("ws", [106.4, 1.0, 1.0, 107.9]),
        ],
    }
}

/// The app on the worked example's lesson, its first step run with `t` as its table.
fn lesson_with_table(t: TableReport) -> App {
    let (mut app, _rx) = app();
    let cat = crate::lesson::load::load_paths(&["tests/lessons/worked-example.toml".into()]);
    let lesson = cat.lessons.into_iter().next().expect("the worked example");
    let mut screen = LessonScreen::new(lesson, 1, 1);
    screen.reports[0] = Some(StepReport {
        actions: Vec::new(),
        events: Vec::new(),
        verdicts: Vec::new(),
        table: Some(t),
        tasks: Vec::new(),
    });
    app.lesson = Some(screen);
    app.screen = Screen::Lesson;
    app
}

#[test]
fn a_steps_table_has_its_own_full_width_pane_with_every_number_whole() {
    let mut app = lesson_with_table(table());
    let lines = crate::lesson::transcript::table_lines(&table(), 2);
    for (w, h) in [(100, 30), (80, 24)] {
        let s = screen(&app, w, h);
        for l in &lines {
            assert!(s.contains(l.as_str()), "{w}x{h}: no line {l:?}:\n{s}");
        }
        insta::assert_snapshot!(format!("lesson_table_{w}x{h}"), s);
    }
    // T gives the inspector its place back, and the narration says how to get the table.
    app.update(key('T'));
    let s = screen(&app, 100, 30);
    assert!(!s.contains("latency_ms") && s.contains("Inspector"), "{s}");
    assert!(s.contains("T shows the table"), "{s}");
    app.update(key('T'));
    assert!(screen(&app, 100, 30).contains("latency_ms"));
    // Moving in the ladder asks for the inspector: the table steps aside until T.
    app.update(key('j'));
    assert!(!screen(&app, 100, 30).contains("latency_ms"));
    app.update(key('T'));
    assert!(screen(&app, 100, 30).contains("latency_ms"));
    // Another step has no table: T says so.
    app.update(code(KeyCode::Enter));
    app.update(key('T'));
    assert!(app.note.contains("no table"), "{}", app.note);
}

#[test]
fn a_table_wider_than_the_screen_splits_its_columns_and_cuts_no_number() {
    let mut t = table();
    t.metrics.extend([
        Metric::Bytes,
        Metric::BytesC2s,
        Metric::BytesS2c,
        Metric::HeadBytes,
    ]);
    for (_, v) in &mut t.rows {
        v.extend([Some(123456.0), Some(65432.1), Some(99999.0), None]);
    }
    let app = lesson_with_table(t);
    for (w, h) in [(100, 30), (80, 24)] {
        let s = screen(&app, w, h);
        for n in [
            "254.2",
            "107.9",
            "123456",
            "65432.1",
            "99999",
            "head_bytes",
            "latency_ms",
        ] {
            assert!(s.contains(n), "{w}x{h}: {n} is not whole on screen:\n{s}");
        }
        insta::assert_snapshot!(format!("lesson_wide_table_{w}x{h}"), s);
    }
}

#[test]
fn the_full_lifetimes_view_shows_every_connection_of_a_capture_and_how_it_ended() {
    let (mut app, mut rx) = app();
    app.open_replay("assets/captures/http10-curl-10req.pcap".into());
    settle(&mut app, &mut rx);
    app.update(code(KeyCode::End));
    app.update(key('L'));
    assert!(app.lifetimes_full);
    for (w, h) in [(100, 30), (80, 24)] {
        let s = screen(&app, w, h);
        let bars = s.lines().filter(|l| l.contains("▕")).count();
        assert_eq!(bars, 10, "{w}x{h}: ten connections, ten bars:\n{s}");
        assert!(s.contains("10 connections: 10 closed (fin)"), "{s}");
        assert!(s.contains("client closed (fin)"), "{s}");
        insta::assert_snapshot!(format!("lifetimes_full_{w}x{h}"), s);
    }
    // Esc closes the view first, then leaves the replay.
    app.update(code(KeyCode::Esc));
    assert!(!app.lifetimes_full);
    assert_eq!(app.screen, Screen::Replay);
    // The help lists the key.
    app.update(key('?'));
    assert!(screen(&app, 100, 40).contains("all connections full screen: how and when each ended"));
}

#[test]
fn the_picker_says_what_the_selected_capture_holds() {
    let (mut app, _rx) = app();
    let n = app.home.course.len();
    for _ in 0..n {
        app.update(key('j'));
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.screen, Screen::Picker);
    let s = screen(&app, 80, 24);
    assert!(s.contains("the Autobahn test suite"), "{s}");
    insta::assert_snapshot!("picker_80x24", s);
}

//! Whole screens over text from outside that holds terminal controls: a capture's traffic, its
//! file and directory names, a status note, a lesson step's reports and replayed captures'
//! names. No cell may hold a control, and each control shows as `\xNN`.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::super::lesson::LessonScreen;
use super::super::picker::Picker;
use super::super::{Msg, Screen};
use super::{app, key, settle};
use crate::lesson::run::expect::Verdict;
use crate::lesson::run::{ActionReport, StepReport, TableReport};
use crate::output::{CaptureWriter, Format, WriterClose};
use crate::proto::{Dir, Timestamp};

// The capture the tmux test replays too.
include!("../../../tests/support/control_chars.rs");

/// The screen at 100x30 as text, after checking that no cell holds a control.
fn screen(app: &super::App, what: &str) -> String {
    let (w, h) = (100, 30);
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    t.draw(|f| app.draw(f)).expect("drawn");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
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

fn assert_shows(screens: &[String], text: &str) {
    assert!(
        screens.iter().any(|s| s.contains(text)),
        "no screen shows {text:?}; the first:\n{}",
        screens.first().map_or("", String::as_str)
    );
}

#[test]
fn a_replayed_capture_and_its_name_show_their_controls_escaped() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sub = dir.path().join("caps\x1b[31m");
    std::fs::create_dir(&sub).expect("a directory with a control in its name");
    let path = sub.join("ctl\x1b]0;pwned\x07.pcap");
    std::fs::write(&path, control_chars_pcap()).expect("the capture written");

    let (mut app, mut rx) = app();
    app.picker = Some(Picker::at(sub.clone()));
    app.screen = Screen::Picker;
    let mut screens = vec![screen(&app, "picker")];
    app.open_replay(path);
    settle(&mut app, &mut rx);
    app.update(Msg::Note("a note from \x1b[31mafar\x07".into()));
    screens.push(screen(&app, "replay"));
    let n = app.player.as_ref().map_or(0, |p| p.traffic.len());
    assert!(n > 10, "the capture decodes: {n} events");
    for i in 0..n {
        for scroll in [0, 8, 16] {
            let t = &mut app.player.as_mut().expect("the replay").traffic;
            t.select(Some(i));
            t.inspector_scroll = scroll;
            screens.push(screen(
                &app,
                &format!("event {i}, inspector scrolled {scroll}"),
            ));
        }
    }
    for k in ['s', 'L'] {
        app.update(key(k));
        screens.push(screen(&app, &format!("after {k}")));
    }
    assert_shows(&screens, "caps\\x1b[31m");
    assert_shows(&screens, "ctl\\x1b]0;pwned\\x07.pcap");
    assert_shows(&screens, "Replay · ctl\\x1b]0;pwned\\x07.pcap");
    assert_shows(&screens, "a note from \\x1b[31mafar\\x07");
    assert_shows(&screens, "GET /chat\\x9b2J?room=1");
    assert_shows(&screens, "X-Note: tab\\there \\x9b2J");
    assert_shows(&screens, "101 Switching \\x9b2J Protocols");
    assert_shows(
        &screens,
        "\"\\x1b[31mred \\x1b]0;pwned\\x07bell\\x07 \\x9b2J\"",
    );
    assert_shows(&screens, "close 1000 \"bye\\x1b[31m\\x1b]0;pw…\"");
    assert_shows(&screens, "data \"tick \\x1b[31m\\x1b]0;pwned\\x07\\x9b2J\"");
    for (_, escaped) in CTL_SHOWN {
        assert_shows(&screens, escaped);
    }
}

#[test]
fn a_lesson_steps_reports_and_replayed_captures_show_their_controls_escaped() {
    let (mut app, _rx) = app();
    let cat = crate::lesson::load::load_paths(&["tests/lessons/worked-example.toml".into()]);
    let lesson = cat.lessons.into_iter().next().expect("the worked example");
    let mut lesson = LessonScreen::new(lesson, 1, 1);
    lesson.reports[0] = Some(StepReport {
        actions: vec![ActionReport {
            label: Some("get".into()),
            outcome: Ok("GET / → 200 O\x1b[31mK".into()),
        }],
        events: Vec::new(),
        verdicts: vec![Verdict {
            says: "the reason is read".into(),
            ok: false,
            saw: "saw \x1b]0;pwned\x07".into(),
        }],
        table: Some(TableReport {
            metrics: vec![crate::lesson::model::Metric::Connections],
            rows: vec![("po\x1b[31mll".into(), vec![Some(1.0)])],
        }),
        tasks: Vec::new(),
    });
    let mut events = Vec::new();
    crate::replay::replay(&control_chars_pcap()[..], &mut |ev, _| {
        events.push((Some(Arc::from("cap\x1b[31m.pcap")), ev.clone()));
    })
    .expect("replay");
    lesson.on_events(events);
    lesson.next_view();
    app.lesson = Some(lesson);
    app.screen = Screen::Lesson;
    let mut screens = vec![screen(&app, "lesson")];
    // The narration pane shows its newest lines: up to its first.
    for _ in 0..20 {
        app.update(key('K'));
    }
    screens.push(screen(&app, "lesson scrolled up"));
    app.update(key('T'));
    screens.push(screen(&app, "lesson without its table"));
    assert_shows(&screens, "200 O\\x1b[31mK");
    assert_shows(&screens, "\\x1b]0;pwned\\x07)");
    assert_shows(&screens, "po\\x1b[31mll");
    assert_shows(&screens, "cap\\x1b[31m.pcap");
}

//! The lesson's panes without a network: a replayed capture lands in a session of its own, and
//! the live view follows new events until the learner moves, then says what came below.

use std::sync::Arc;

use super::{app, code, key, screen};
use crate::app::Screen;
use crate::app::lesson::LessonScreen;
use crate::app::msg::LessonUpdate;
use crate::proto::event::Event;
use crossterm::event::KeyCode;

fn events_of(capture: &str) -> Vec<Event> {
    let file = std::fs::File::open(capture).expect("the capture ships");
    let mut out = Vec::new();
    crate::replay::replay(file, &mut |ev, _| out.push(ev.clone())).expect("it reads");
    out
}

/// The worked example's lesson screen, its player never started.
fn screen_with(events: Vec<(Option<Arc<str>>, Event)>, running: bool) -> crate::app::App {
    let (mut a, _rx) = app();
    let cat = crate::lesson::load::load_paths(&["tests/lessons/worked-example.toml".into()]);
    let lesson = cat.lessons.into_iter().next().expect("one lesson");
    let mut l = LessonScreen::new(lesson, 1, 1);
    if running {
        l.running = Some(0);
    }
    l.on_update(LessonUpdate::Events(events));
    a.lesson = Some(l);
    a.screen = Screen::Lesson;
    a
}

#[test]
fn a_replayed_capture_gets_its_own_view_with_its_own_clock() {
    // The "live" half: the keep-alive capture's events, as if tapped; then a capture replayed.
    let live = events_of("assets/captures/http11-keepalive-curl-10req.pcap");
    let replayed = events_of("assets/captures/http10-curl-10req.pcap");
    let name: Arc<str> = Arc::from("http10-curl-10req.pcap");
    let mut batch: Vec<_> = live.iter().map(|e| (None, e.clone())).collect();
    batch.extend(replayed.iter().map(|e| (Some(name.clone()), e.clone())));
    let mut a = screen_with(batch, true);
    let l = a.lesson.as_ref().expect("a lesson");
    assert_eq!(
        l.traffic.len(),
        // A body's end is no row: it completes its message's.
        live.iter()
            .filter(|e| !matches!(e.kind, crate::proto::event::EventKind::HttpBody(_)))
            .count(),
        "the live view holds only live events"
    );
    assert_eq!(l.captures.len(), 1);
    let rows = |evs: &[crate::proto::event::Event]| {
        evs.iter().filter(|e| e.kind.name() != "http_body").count()
    };
    assert_eq!(l.captures[0].1.len(), rows(&replayed));
    assert_eq!(
        l.view, 1,
        "while the step runs the panes show where traffic went last"
    );
    let shown = screen(&a, 100, 30);
    assert!(shown.contains("[http10-curl-10req.pcap]"), "{shown}");
    snap!("lesson_capture_view_100x30", shown);
    a.update(key('c'));
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("[live]"), "{shown}");
    snap!("lesson_live_view_80x24", shown);
    a.update(key('c'));
    assert_eq!(a.lesson.as_ref().map(|l| l.view), Some(1), "c goes round");
}

#[test]
fn c_without_a_capture_says_the_panes_are_live() {
    let mut a = screen_with(Vec::new(), false);
    a.update(key('c'));
    assert!(a.note.contains("no capture"), "{}", a.note);
}

#[test]
fn the_live_view_follows_until_the_learner_moves_then_counts_what_came_below() {
    let evs = events_of("assets/captures/ws-basic.pcap");
    let (first, rest) = evs.split_at(6);
    let mut a = screen_with(first.iter().map(|e| (None, e.clone())).collect(), false);
    fn traffic(a: &crate::app::App) -> &crate::app::traffic::Traffic {
        &a.lesson.as_ref().expect("lesson").traffic
    }
    let push = |a: &mut crate::app::App, evs: &[Event]| {
        let batch = evs.iter().map(|e| (None, e.clone())).collect();
        a.lesson
            .as_mut()
            .expect("lesson")
            .on_update(LessonUpdate::Events(batch));
    };
    let n = traffic(&a).len();
    assert_eq!(
        traffic(&a).selected(),
        Some(n - 1),
        "following: the newest is selected"
    );
    a.update(key('k'));
    push(&mut a, &rest[..4]);
    let t = traffic(&a);
    assert_eq!(t.selected(), Some(n - 2), "the learner's choice stays");
    let came = t.len() - n;
    assert!(came >= 1);
    assert_eq!(t.unseen(), came);
    let shown = screen(&a, 100, 30);
    assert!(shown.contains(&format!("{came} new below")), "{shown}");
    a.update(code(KeyCode::End));
    let t = traffic(&a);
    assert_eq!(t.selected(), Some(t.len() - 1));
    assert_eq!(t.unseen(), 0);
    assert!(!screen(&a, 100, 30).contains("new below"));
    push(&mut a, &rest[4..6]);
    let t = traffic(&a);
    assert_eq!(t.selected(), Some(t.len() - 1), "following again");
}

#[test]
fn a_status_line_stays_on_the_screen_it_was_said_on() {
    let (mut a, mut rx) = app();
    super::open_capture(&mut a, &mut rx);
    for c in "fopcode=300".chars() {
        a.update(key(c));
    }
    a.update(code(KeyCode::Enter));
    assert!(a.note.starts_with("opcode=300"), "{}", a.note);
    a.update(key('?'));
    a.update(key('?'));
    assert!(
        a.note.starts_with("opcode=300"),
        "a key that stays keeps it"
    );
    a.update(code(KeyCode::Esc));
    a.update(code(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Home);
    let home = screen(&a, 100, 30);
    assert!(
        !home.contains("opcode=300"),
        "home shows no stale note:\n{home}"
    );
}

#[test]
fn a_narrow_ladder_keeps_the_shown_captures_name() {
    let first: Arc<str> = Arc::from("http10-curl-10req.pcap");
    let second: Arc<str> = Arc::from("http11-keepalive-curl-10req.pcap");
    let mut batch: Vec<_> = events_of("assets/captures/http10-curl-10req.pcap")
        .into_iter()
        .map(|e| (Some(first.clone()), e))
        .collect();
    batch.extend(
        events_of("assets/captures/http11-keepalive-curl-10req.pcap")
            .into_iter()
            .map(|e| (Some(second.clone()), e)),
    );
    let mut a = screen_with(batch, false);
    a.update(key('c'));
    assert_eq!(a.lesson.as_ref().map(|l| l.view), Some(1));
    for (w, h) in [(100, 30), (80, 24)] {
        let shown = screen(&a, w, h);
        let top = shown.lines().next().unwrap_or_default();
        assert!(top.contains("[http10-curl-10req.pcap]"), "{w}x{h}: {top}");
    }
}

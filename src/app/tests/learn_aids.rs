//! The learning aids on the screen: the lesson's end with its score and review, the home mark
//! for answers to review, the recap overlay on `i`.

use crossterm::event::KeyCode;
use serde_json::json;

use super::super::course::Course;
use super::super::msg::LessonUpdate;
use super::{App, Msg, Screen, app, code, key, screen};
use crate::lesson::progress::Measured;
use crate::lesson::run::StepReport;
use crate::ui::Theme;

/// The worked example of lessons/README.md, with no runtime: steps are reported by hand.
fn example_app() -> App {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let cat = crate::lesson::load::load_paths(&["tests/lessons/worked-example.toml".into()]);
    let course = Course {
        lessons: cat.lessons,
        problems: Vec::new(),
    };
    let mut app = App::with_course(tx, None, course, Default::default(), None);
    app.theme = Theme::plain();
    app
}

/// The step at `index` reported as run, with nothing measured.
pub(super) fn ran(app: &mut App, index: usize) {
    let generation = app.lesson.as_ref().map_or(0, |l| l.generation());
    let report = StepReport {
        actions: Vec::new(),
        events: Vec::new(),
        verdicts: Vec::new(),
        table: None,
        tasks: Vec::new(),
    };
    app.update(Msg::Lesson {
        generation,
        update: LessonUpdate::Step {
            index,
            report: Box::new(report),
        },
    });
}

#[test]
fn a_lesson_ends_with_the_answers_to_review_and_its_score_and_home_says_so() {
    let mut app = example_app();
    app.open_lesson("keep-alive-basics");
    ran(&mut app, 0);
    let s = screen(&app, 100, 30);
    assert!(s.contains("Press 1-3 to answer"), "{s}");
    app.update(key('1'));
    app.update(code(KeyCode::Enter));
    ran(&mut app, 1);
    let s = screen(&app, 100, 30);
    assert!(s.contains("To review:"), "{s}");
    assert!(s.contains("Score: 0/1 answers right."), "{s}");
    assert!(!s.contains("The lesson is over: Esc"), "{s}");
    insta::assert_snapshot!("lesson_end_100x30", s);
    let s = screen(&app, 80, 24);
    assert!(s.contains("Score: 0/1 answers right."), "{s}");
    insta::assert_snapshot!("lesson_end_80x24", s);
    app.update(code(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Home);
    // Every step done, the one answer wrong: no ✓.
    assert_eq!(app.home.course[0].mark(), "!");
    let s = screen(&app, 80, 24);
    assert!(s.contains("!  1. Ten requests"), "{s}");
    assert!(s.contains("Score: 0/1 answers right"), "{s}");
}

#[test]
fn i_shows_the_recap_in_the_learners_numbers_anywhere_and_any_key_closes_it() {
    let (mut app, _rx) = app();
    let at = |value| Measured {
        value,
        lesson: "http10".into(),
        step: "ten-requests".into(),
    };
    let m = &mut app.progress.measured;
    m.insert(
        "http10".into(),
        at(json!({ "requests": 10, "connections": 10 })),
    );
    m.insert(
        "http11".into(),
        at(json!({ "requests": 10, "connections": 1 })),
    );
    m.insert(
        "masking".into(),
        at(
            json!({ "key": "8333d570", "header_bytes": 6, "payload_bytes": 2,
                   "server_frames": 1, "server_masked": 0 }),
        ),
    );
    app.update(key('i'));
    assert_eq!(app.recap, Some(0));
    let s = screen(&app, 100, 30);
    assert!(s.contains("Interview recap"), "{s}");
    assert!(s.contains("10 requests opened 10"), "{s}");
    assert!(s.contains("83 33 d5 70"), "{s}");
    insta::assert_snapshot!("recap_100x30", s);
    insta::assert_snapshot!("recap_80x24", screen(&app, 80, 24));
    app.update(key('j'));
    assert_eq!(app.recap, Some(1));
    app.update(key('x'));
    assert_eq!(app.recap, None);
    assert!(!app.quit);
    // On a lesson's screen too.
    app.open_lesson("ws-upgrade");
    app.update(key('i'));
    assert!(screen(&app, 80, 24).contains("Interview recap"));
}

//! A lesson in Chinese on the lesson screen and the home screen at 100x30 and 80x24: every
//! character of its narration, expectation, question and choices reaches the screen, the
//! narration pane scrolled with J where it is taller than the pane.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use super::super::course::Course;
use super::super::msg::{LessonUpdate, Msg};
use super::super::{App, Screen};
use super::{key, screen};
use crate::lesson::run::StepReport;
use crate::lesson::run::expect::Verdict;
use crate::ui::Theme;

const LESSON: &str = "tests/lessons/chinese-wrap.toml";

pub(super) fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The app on the Chinese lesson alone, no runtime: its step reported by hand.
fn chinese_app() -> App {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let cat = crate::lesson::load::load_paths(&[LESSON.into()]);
    assert!(cat.problems.is_empty(), "{:?}", cat.problems);
    let course = Course {
        lessons: cat.lessons,
        problems: Vec::new(),
    };
    let mut app = App::with_course(tx, None, course, Default::default(), None);
    app.theme = Theme::plain();
    app
}

/// What a learner reads of the step: title, each narration paragraph and list item, the
/// expectation, the question and its choices.
fn texts(app: &App) -> Vec<String> {
    let step = &app.course.lessons[0].steps[0];
    let mut out = vec![step.title.clone()];
    for p in step.text.split("\n\n") {
        out.extend(p.lines().map(|l| l.trim_start_matches("- ").to_string()));
    }
    out.extend(step.expects.iter().map(|e| e.says.clone()));
    for q in &step.questions {
        out.push(q.ask.clone());
        if let crate::lesson::model::Answer::Choice { choices, .. } = &q.answer {
            out.extend(choices.iter().cloned());
        }
    }
    out
}

/// The rows inside the side pane's borders at `w`x`h`, as text.
fn side_rows(app: &App, w: u16, h: u16) -> Vec<String> {
    let side = super::super::layout::traffic(Rect::new(0, 0, w, h)).side;
    rows(app, w, h, side)
}

/// The rows inside the borders of `pane` on the screen drawn at `w`x`h`.
fn rows(app: &App, w: u16, h: u16, pane: Rect) -> Vec<String> {
    let side = pane;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    t.draw(|f| app.draw(f)).expect("drawn");
    let buf = t.backend().buffer();
    (side.y + 1..side.y + side.height - 1)
        .map(|y| {
            let xs = side.x + 1..side.x + side.width - 1;
            xs.map(|x| buf[(x, y)].symbol()).collect()
        })
        .collect()
}

#[test]
fn a_chinese_step_is_whole_on_the_lesson_screen_scrolled_with_j() {
    let mut app = chinese_app();
    app.open_lesson("chinese-wrap");
    assert_eq!(app.screen, Screen::Lesson);
    let generation = app.lesson.as_ref().map_or(0, |l| l.generation());
    let says = app.course.lessons[0].steps[0].expects[0].says.clone();
    let report = StepReport {
        actions: Vec::new(),
        events: Vec::new(),
        verdicts: vec![Verdict {
            says,
            ok: true,
            saw: "saw 1".into(),
        }],
        table: None,
        tasks: Vec::new(),
    };
    app.update(Msg::Lesson {
        generation,
        update: LessonUpdate::Step {
            index: 0,
            report: Box::new(report),
        },
    });
    for (w, h) in [(100, 30), (80, 24)] {
        // From the top, a line at a time to the end: each row lands at its offset.
        for _ in 0..200 {
            app.update(key('K'));
        }
        let mut content: Vec<String> = Vec::new();
        let mut last = None;
        loop {
            let rows = side_rows(&app, w, h);
            let offset = usize::from(app.lesson.as_ref().expect("lesson").shown.get());
            if last == Some(offset) {
                break;
            }
            for (i, r) in rows.into_iter().enumerate() {
                if content.len() <= offset + i {
                    content.resize(offset + i + 1, String::new());
                }
                content[offset + i] = r;
            }
            last = Some(offset);
            app.update(key('J'));
        }
        let all = no_space(&content.concat());
        for t in texts(&app) {
            assert!(
                all.contains(&no_space(&t)),
                "{w}x{h}: {t:?} is not whole in the pane:\n{}",
                content.join("\n")
            );
        }
        let s = screen(&app, w, h);
        assert!(s.contains("more"), "{w}x{h}: no cue to scroll:\n{s}");
    }
}

#[test]
fn a_chinese_title_and_summary_are_whole_on_the_home_screen() {
    let app = chinese_app();
    let lesson = &app.course.lessons[0];
    for (w, h) in [(100, 30), (80, 24)] {
        // The list is the left 60% of the screen above the key bar, About the rest.
        let list = Rect::new(0, 0, w * 6 / 10, h - 1);
        let about = Rect::new(w * 6 / 10, 0, w - w * 6 / 10, h - 1);
        let shown = no_space(&rows(&app, w, h, list).concat());
        assert!(
            shown.contains(&no_space(&lesson.title)),
            "{w}x{h}: the title is cut in the list:\n{}",
            screen(&app, w, h)
        );
        let s = no_space(&rows(&app, w, h, about).concat());
        assert!(
            s.contains(&no_space(&lesson.summary)),
            "{w}x{h}:\n{}",
            screen(&app, w, h)
        );
    }
}

#[test]
fn an_about_pane_taller_than_the_screen_scrolls_with_j_and_says_so() {
    let mut app = chinese_app();
    let summary = app.home.course[0].summary.repeat(12);
    app.home.course[0].summary = summary.clone();
    let (w, h) = (80, 24);
    let about = Rect::new(w * 6 / 10, 0, w - w * 6 / 10, h - 1);
    assert!(
        screen(&app, w, h).contains("↓ J more"),
        "{}",
        screen(&app, w, h)
    );
    // A line at a time to the end: each row lands at its offset.
    let mut content: Vec<String> = Vec::new();
    for offset in 0..200 {
        if usize::from(app.home.about_scroll) < offset {
            break;
        }
        for (i, r) in rows(&app, w, h, about).into_iter().enumerate() {
            if content.len() <= offset + i {
                content.resize(offset + i + 1, String::new());
            }
            content[offset + i] = r;
        }
        app.update(key('J'));
    }
    assert!(
        screen(&app, w, h).contains("↑ K more"),
        "{}",
        screen(&app, w, h)
    );
    let all = no_space(&content.concat());
    assert!(all.contains(&no_space(&summary)), "{}", content.join("\n"));
    // Another selection starts its About from the top.
    app.update(key('j'));
    assert_eq!(app.home.about_scroll, 0);
}

#[test]
fn the_help_on_a_narrow_terminal_wraps_every_line_whole() {
    let mut app = chinese_app();
    app.update(key('?'));
    let (w, h) = (44, 20);
    let mut content: Vec<String> = Vec::new();
    for offset in 0..300 {
        let s = screen(&app, w, h);
        // The box fills the width: its rows inside the borders.
        let rows = rows(&app, w, h, Rect::new(0, 0, w, h));
        for (i, r) in rows.into_iter().enumerate() {
            if content.len() <= offset + i {
                content.resize(offset + i + 1, String::new());
            }
            content[offset + i] = r;
        }
        if !s.contains("↓ more") {
            break;
        }
        app.update(key('j'));
    }
    let all = no_space(&content.concat());
    for (keys, what, ..) in super::super::keys::KEYS {
        assert!(
            all.contains(&no_space(&crate::tr!(what))),
            "{keys}: {what:?} is cut:\n{}",
            content.join("\n")
        );
    }
}

//! The lesson screen and the recap overlay in Chinese, the course loaded in Chinese: every
//! string of the screen's own (step, question prompt, verdict, recap) comes from the catalog.

use serde_json::json;

use super::{App, key, screen};
use crate::lang::{Lang, scoped};
use crate::lesson::progress::Measured;
use crate::ui::Theme;

/// The app on the built-in course in Chinese, no runtime: steps are reported by hand.
fn chinese_app() -> App {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new(tx, None);
    app.theme = Theme::plain();
    app
}

use super::learn_aids::ran;
use super::wrap_cjk::no_space as ns;

#[test]
fn a_lesson_step_with_its_question_in_chinese() {
    scoped(Lang::ZhCn, || {
        let mut app = chinese_app();
        app.open_lesson("http-anatomy");
        ran(&mut app, 0);
        let s = screen(&app, 100, 30);
        assert!(ns(&s).contains(&ns("按 1-3 作答。")), "{s}");
        assert!(ns(&s).contains(&ns("第 1/")), "{s}");
        assert!(ns(&s).contains(&ns("Ladder 时序图")), "{s}");
        for english in ["Press", "step 1/", " Ladder ─", "no traffic yet"] {
            assert!(!s.contains(english), "{english} in:\n{s}");
        }
        insta::assert_snapshot!("zh_lesson_question_100x30", s);
        insta::assert_snapshot!("zh_lesson_question_80x24", screen(&app, 80, 24));
        // A wrong answer: the verdict and the right answer, in Chinese.
        app.update(key('1'));
        let s = screen(&app, 100, 30);
        assert!(ns(&s).contains(&ns("不太对")), "{s}");
        assert!(ns(&s).contains(&ns("正确答案是")), "{s}");
        assert!(!s.contains("Not quite"), "{s}");
    });
}

#[test]
fn the_recap_overlay_in_chinese() {
    scoped(Lang::ZhCn, || {
        let mut app = chinese_app();
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
        app.update(key('i'));
        let s = screen(&app, 80, 24);
        assert!(ns(&s).contains(&ns("面试复盘")), "{s}");
        assert!(ns(&s).contains(&ns("说说 WebSocket 和 HTTP 的区别")), "{s}");
        assert!(!s.contains("Interview recap"), "{s}");
        insta::assert_snapshot!("zh_recap_80x24", s);
    });
}

/// The ws-upgrade lesson on its task step, waiting for the learner: one hint asked for with `H`.
fn task_waiting(app: &mut App) {
    app.open_lesson("ws-upgrade");
    let l = app.lesson.as_mut().expect("the lesson");
    let step = l
        .lesson
        .steps
        .iter()
        .position(|s| !s.tasks.is_empty())
        .expect("a step with a task");
    l.step = step;
    l.server = Some("127.0.0.1:40123".parse().unwrap());
    l.running = Some(step);
    l.task_live = Some(crate::lesson::run::task::TaskLive {
        step,
        task: 0,
        matched: 0,
        count: 1,
        started: std::time::Instant::now(),
        solving: false,
    });
    l.hints_asked = 1;
}

#[test]
fn a_task_step_waiting_for_the_learner_in_english_and_chinese() {
    scoped(Lang::En, || {
        let mut app = chinese_app();
        task_waiting(&mut app);
        let s = screen(&app, 100, 30);
        assert!(s.contains("H hint") || s.contains("H a hint now"), "{s}");
        assert!(s.contains("Waiting for the wire: 0 of 1"), "{s}");
        insta::assert_snapshot!("task_waiting_100x30", s);
        insta::assert_snapshot!("task_waiting_80x24", screen(&app, 80, 24));
        // `S` gives up: with no player at hand, the screen says so rather than nothing.
        app.update(key('S'));
        assert!(!app.note.is_empty());
    });
    scoped(Lang::ZhCn, || {
        let mut app = chinese_app();
        task_waiting(&mut app);
        let s = screen(&app, 100, 30);
        assert!(ns(&s).contains(&ns("轮到你了")), "{s}");
        assert!(ns(&s).contains(&ns("目前匹配 0/1")), "{s}");
        assert!(!s.contains("Waiting for the wire"), "{s}");
        insta::assert_snapshot!("zh_task_waiting_100x30", s);
        insta::assert_snapshot!("zh_task_waiting_80x24", screen(&app, 80, 24));
    });
}

//! The shell in Chinese: home, help and glossary drawn in zh-CN at 100x30 and 80x24, and `z`
//! switching the language live (for this thread alone: each test holds its language scoped).

use super::{app, key, screen};
use crate::lang::{Lang, scoped};

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The screen without the blank a wide character leaves behind it in a test buffer.
fn text(s: &str) -> String {
    s.replace(' ', "")
}

#[test]
fn home_in_chinese_at_two_sizes() {
    scoped(Lang::ZhCn, || {
        let (app, _rx) = app();
        for (w, h) in [(100, 30), (80, 24)] {
            let s = text(&screen(&app, w, h));
            assert!(s.contains("回放抓包文件") && s.contains("Enter打开"), "{s}");
            assert!(
                !s.contains("Replayacapture") && !s.contains("select"),
                "{s}"
            );
        }
        insta::assert_snapshot!("home_zh_100x30", screen(&app, 100, 30));
        insta::assert_snapshot!("home_zh_80x24", screen(&app, 80, 24));
    });
}

#[test]
fn help_in_chinese_at_two_sizes() {
    scoped(Lang::ZhCn, || {
        let (mut app, _rx) = app();
        app.update(key('?'));
        for (w, h) in [(100, 30), (80, 24)] {
            let s = text(&screen(&app, w, h));
            assert!(s.contains("按键") && s.contains("所有界面"), "{s}");
            assert!(s.contains("切换语言") && !s.contains("Everywhere"), "{s}");
        }
        insta::assert_snapshot!("help_zh_100x30", screen(&app, 100, 30));
        insta::assert_snapshot!("help_zh_80x24", screen(&app, 80, 24));
    });
}

#[test]
fn the_glossary_opens_with_v_chinese_first_scrolls_and_closes() {
    scoped(Lang::ZhCn, || {
        let (mut app, _rx) = app();
        app.update(key('v'));
        assert_eq!(app.glossary, Some(0));
        let s = screen(&app, 80, 24);
        assert!(text(&s).contains("术语表"), "{s}");
        let first = crate::lesson::glossary::terms().remove(0);
        let head = format!("{} · {}", first.zh, first.en);
        assert!(text(&s).contains(&text(&head)), "{s}");
        insta::assert_snapshot!("glossary_zh_80x24", s);
        app.update(key('j'));
        assert_eq!(app.glossary, Some(1));
        app.update(key('x'));
        assert_eq!(app.glossary, None);
    });
    scoped(Lang::En, || {
        let (mut app, _rx) = app();
        app.update(key('v'));
        let first = crate::lesson::glossary::terms().remove(0);
        let s = screen(&app, 100, 30);
        assert!(s.contains(" Glossary · ") && s.contains(&first.en), "{s}");
    });
}

#[test]
fn the_glossary_is_whole_at_80_columns() {
    scoped(Lang::ZhCn, || {
        let lines = super::super::glossary_view::lines(74);
        for l in &lines {
            assert!(l.width() <= 74, "{l:?}");
        }
        let all: String = lines.iter().map(ToString::to_string).collect();
        for t in crate::lesson::glossary::terms() {
            assert!(text(&all).contains(&text(&t.zh_says)), "{}", t.zh);
        }
    });
}

#[test]
fn z_switches_home_titles_to_chinese_and_back() {
    scoped(Lang::En, || {
        let (mut app, _rx) = app();
        app.update(key('j'));
        let english = app.home.course[0].title.clone();
        assert!(!has_cjk(&english), "{english}");
        app.update(key('z'));
        assert_eq!(crate::lang::current(), Lang::ZhCn);
        let chinese = app.home.course[0].title.clone();
        assert!(has_cjk(&chinese), "{chinese}");
        assert_eq!(app.home.selected, 1, "the selection stays");
        let s = text(&screen(&app, 100, 30));
        assert!(
            s.contains("语言：中文") && s.contains(&text(&chinese)),
            "{s}"
        );
        assert!(s.contains("回放抓包文件"), "{s}");
        app.update(key('z'));
        assert_eq!(crate::lang::current(), Lang::En);
        assert_eq!(app.home.course[0].title, english);
        let s = screen(&app, 100, 30);
        assert!(
            s.contains("Language: English") && s.contains("Replay a capture"),
            "{s}"
        );
    });
}

#[test]
fn z_on_an_open_lesson_keeps_its_step_and_shows_its_translation() {
    scoped(Lang::En, || {
        let (mut app, _rx) = app();
        let id = app.course.lessons[0].id.clone();
        app.open_lesson(&id);
        let l = app.lesson.as_mut().expect("the lesson");
        l.step = 1;
        let english = l.lesson.steps[1].text.clone();
        app.update(key('z'));
        let l = app.lesson.as_ref().expect("still open");
        assert_eq!((l.lesson.id.as_str(), l.step), (id.as_str(), 1));
        assert!(
            has_cjk(&l.lesson.steps[1].text),
            "{}",
            l.lesson.steps[1].text
        );
        app.update(key('z'));
        let l = app.lesson.as_ref().expect("still open");
        assert_eq!(l.lesson.steps[1].text, english);
    });
}

#[test]
fn the_picker_and_the_replay_speak_chinese() {
    scoped(Lang::ZhCn, || {
        let (mut app, mut rx) = app();
        app.picker = Some(super::super::picker::Picker::new());
        app.screen = super::Screen::Picker;
        let s = text(&screen(&app, 80, 24));
        assert!(s.contains("回放抓包文件·") && s.contains("Esc返回"), "{s}");
        super::open_capture(&mut app, &mut rx);
        let s = text(&screen(&app, 100, 30));
        assert!(
            s.contains("回放·ws-basic.pcap") && s.contains("索引完成"),
            "{s}"
        );
        assert!(s.contains("个数据包") && !s.contains("events"), "{s}");
        app.update(key('f'));
        for c in "conn=x\r".chars() {
            app.update(if c == '\r' {
                super::code(crossterm::event::KeyCode::Enter)
            } else {
                key(c)
            });
        }
        assert_eq!(app.note, "conn=x：应为从 1 起的数字");
    });
}

//! Translation files against the worked example: each error with its place, and what applying
//! one leaves alone.

use super::super::model::{Answer, Lesson};
use super::translate::{Source, apply_all, translate};
use super::translation::parse_translation;
use super::{Catalog, parse_lesson};

fn lesson() -> Lesson {
    let text = include_str!("../../../tests/lessons/worked-example.toml");
    parse_lesson("ex.toml", text, &|_| true).expect("the worked example loads")
}

const HEAD: &str = "lesson = \"keep-alive-basics\"\nlang = \"zh-CN\"\n";

/// The first error of `body` (after HEAD) as `line:col: message`.
fn first_error(body: &str) -> String {
    let text = format!("{HEAD}{body}");
    let d = match parse_translation("t.toml", &text) {
        Err(d) => d,
        Ok(tr) => translate(&tr, &lesson(), "zh-CN").errors,
    };
    let d = d.first().unwrap_or_else(|| panic!("no error for:\n{body}"));
    format!("{}:{}: {}", d.pos.line, d.pos.col, d.message)
}

#[test]
fn each_error_has_its_place() {
    let cases = [
        ("colour = 1\n", "3:1: unknown field `colour`"),
        (
            "title = { en = \"a\" }\n",
            "3:9: missing required field `tr`",
        ),
        (
            "title = { en = \"a\", tr = \"b\", x = \"c\" }\n",
            "3:31: unknown field `x`",
        ),
        ("title = \"标题\"\n", "3:9: `title` must be a pair"),
        ("title = { en = \"a\", tr = \"\\u001b[2J\" }\n", "3:"),
        (
            "[step.http10.expect.4]\n",
            "3:21: step `http10` has 1 expectations, not 4",
        ),
        (
            "[step.http10.expect.first]\n",
            "3:21: `expect.first`: a expect is named",
        ),
        (
            "[step.http10.question.2]\n",
            "3:23: step `http10` has 1 questions, not 2",
        ),
        (
            "[step.http10.question.1]\nwhy = 1\n",
            "4:1: unknown field `why`",
        ),
        (
            "part = { en = \"HTTP\", tr = \" \" }\n",
            "3:28: the `tr` of `part` is empty",
        ),
        (
            "[step.http11]\ntext = { en = \"x\", tr = \"```\\nGET /\\n\" }\n",
            "4:25: a code block in this `text` translation is never closed",
        ),
    ];
    for (body, want) in cases {
        let got = first_error(body);
        assert!(got.starts_with(want), "{body}\nwant {want}\n got {got}");
    }
    let wrong_lang = translate(
        &parse_translation("t.toml", "lesson = \"keep-alive-basics\"\nlang = \"zh\"\n").unwrap(),
        &lesson(),
        "zh-CN",
    );
    let e = &wrong_lang.errors[0];
    assert_eq!((e.pos.line, e.pos.col), (2, 8), "{e}");
    assert!(wrong_lang.lesson.is_none());
}

#[test]
fn ids_checks_and_answers_stay_as_in_english() {
    let text = format!(
        "{HEAD}[step.http10.question.1]\nchoices = [{{ en = \"The server was slow\", tr = \"慢\" }}, \
         {{ en = \"HTTP/1.0 closes the connection after each response\", tr = \"关\" }}, \
         {{ en = \"TCP allows one request\", tr = \"一\" }}]\n"
    );
    let en = lesson();
    let o = translate(&parse_translation("t.toml", &text).unwrap(), &en, "zh-CN");
    let zh = o.lesson.expect("no errors");
    let Answer::Choice { choices, correct } = &zh.steps[0].questions[0].answer else {
        panic!("a choice question");
    };
    assert_eq!(
        (choices.as_slice(), *correct),
        (&["慢", "关", "一"].map(String::from)[..], 2)
    );
    assert_eq!(zh.id, en.id);
    for (a, b) in zh.steps.iter().zip(&en.steps) {
        assert_eq!((&a.id, &a.actions, &a.table), (&b.id, &b.actions, &b.table));
        let checks = |s: &super::super::model::Step| -> Vec<_> {
            s.expects.iter().map(|x| x.check.clone()).collect()
        };
        assert_eq!(checks(a), checks(b));
    }
}

#[test]
fn a_translation_of_no_lesson_is_a_problem() {
    let mut cat = Catalog {
        lessons: vec![lesson()],
        ..Catalog::default()
    };
    let text = "lesson = \"keep-alive-basic\"\nlang = \"zh-CN\"\n".to_string();
    apply_all(
        &mut cat,
        vec![Source {
            dir: "zh-CN".into(),
            file: "t.toml".into(),
            text,
        }],
    );
    let p = cat.problems[0].to_string();
    assert!(
        p.starts_with("t.toml:1:10: `lesson = \"keep-alive-basic\"` names no lesson"),
        "{p}"
    );
    assert!(p.contains("did you mean `keep-alive-basics`"), "{p}");
}

/// Whatever `lessons/LANG/*.toml` holds when this is built: no errors against the built-in
/// lessons (stale or missing strings are warnings, and fine).
#[test]
fn the_built_in_translations_fit_their_lessons() {
    let cat = super::catalog::check_builtin_translations();
    let all: Vec<String> = cat.problems.iter().map(ToString::to_string).collect();
    assert!(all.is_empty(), "{}", all.join("\n"));
}

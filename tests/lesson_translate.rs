//! Lesson translations (`lessons/LANG/*.toml`): shown string by string with English fallback,
//! checked by `duplex check`, chosen by `--lang` or the locale, and invisible to progress.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_duplex");
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/lessons/worked-example.toml"
);

/// A translation of the worked example: step `http11`'s title is stale (its `en` is not the
/// lesson's), its text is missing.
const ZH: &str = r#"lesson = "keep-alive-basics"
lang = "zh-CN"
title = { en = "Ten requests, how many connections?", tr = "十个请求，几条连接？" }
summary = { en = "HTTP/1.0 opens a connection per request; HTTP/1.1 keeps one open.", tr = "HTTP/1.0 每个请求开一条连接；HTTP/1.1 保持一条。" }

[step.http10]
title = { en = "HTTP/1.0: one connection per request", tr = "HTTP/1.0：每个请求一条连接" }
text.en = """
Three requests with **HTTP/1.0**. Watch the `tcp_open` lines:

- each request opens a new TCP connection,
- and the server closes it after the response.
"""
text.tr = """
用 **HTTP/1.0** 发三个请求。看 `tcp_open` 这几行：

- 每个请求都打开一条新的 TCP 连接，
- 服务器在响应之后关闭它。
"""

[step.http10.expect.1]
says = { en = "three requests opened three connections", tr = "三个请求打开了三条连接" }

[step.http10.question.1]
ask = { en = "Why did HTTP/1.0 need three connections?", tr = "为什么 HTTP/1.0 需要三条连接？" }
choices = [
  { en = "The server was slow", tr = "服务器太慢" },
  { en = "HTTP/1.0 closes the connection after each response", tr = "HTTP/1.0 在每个响应之后关闭连接" },
  { en = "TCP allows one request", tr = "TCP 只允许一个请求" },
]
explain = { en = "Without `Connection: keep-alive`, an HTTP/1.0 server closes after the response.", tr = "没有 `Connection: keep-alive` 时，HTTP/1.0 服务器在响应后关闭连接。" }

[step.http11]
title = { en = "HTTP/1.1: one connection for ALL", tr = "HTTP/1.1：所有请求一条连接" }
"#;

fn duplex(args: &[&str], data: &Path, env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("DUPLEX_DATA_DIR", data)
        .env_remove("DUPLEX_LESSONS")
        .env_remove("DUPLEX_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The worked example, and `zh-CN/<name>` holding `translation`.
fn course(translation: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(EXAMPLE, dir.path().join("90-basics.toml")).unwrap();
    std::fs::create_dir(dir.path().join("zh-CN")).unwrap();
    std::fs::write(dir.path().join("zh-CN/90-basics.toml"), translation).unwrap();
    dir
}

/// 1-based line and column (in characters) of the first `needle` in `hay`.
fn line_col(hay: &str, needle: &str) -> (usize, usize) {
    let at = hay.find(needle).unwrap();
    let before = &hay[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

fn play(dir: &Path, data: &Path, extra: &[&str], env: &[(&str, &str)]) -> String {
    let lessons = dir.to_str().unwrap();
    let mut args = vec![
        "--lessons",
        lessons,
        "learn",
        "keep-alive-basics",
        "--plain",
    ];
    args.extend_from_slice(extra);
    let o = duplex(&args, data, env, "");
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

#[test]
fn lang_flag_shows_the_translation_and_english_where_there_is_none() {
    let dir = course(ZH);
    let data = tempfile::tempdir().unwrap();
    let out = play(dir.path(), data.path(), &["--auto", "--lang", "zh-CN"], &[]);
    for zh in [
        "十个请求，几条连接？",
        "HTTP/1.0：每个请求一条连接",
        "每个请求都打开一条新的 TCP 连接",
        "三个请求打开了三条连接",
        "为什么 HTTP/1.0 需要三条连接？",
        "HTTP/1.0 在每个响应之后关闭连接",
        "服务器在响应后关闭连接",
    ] {
        assert!(out.contains(zh), "no {zh:?} in:\n{out}");
    }
    assert!(!out.contains("Why did HTTP/1.0 need"), "{out}");
    // Missing: the text of `http11`. Stale: its title. Both stay English.
    assert!(out.contains("which keeps the connection open"), "{out}");
    assert!(out.contains("HTTP/1.1: one connection for all"), "{out}");
    assert!(!out.contains("所有请求一条连接"), "{out}");
    // Without --lang (and no locale), English.
    let en = play(dir.path(), data.path(), &["--auto"], &[]);
    assert!(
        en.contains("Why did HTTP/1.0 need three connections?"),
        "{en}"
    );
    assert!(!en.contains("十个请求"), "{en}");
}

#[test]
fn the_locale_chooses_the_language() {
    let dir = course(ZH);
    let data = tempfile::tempdir().unwrap();
    let out = play(
        dir.path(),
        data.path(),
        &["--auto"],
        &[("LANG", "zh_CN.UTF-8")],
    );
    assert!(out.contains("为什么 HTTP/1.0 需要三条连接？"), "{out}");
    // DUPLEX_LANG comes before the locale; --lang before both.
    let en = play(
        dir.path(),
        data.path(),
        &["--auto"],
        &[("LANG", "zh_CN.UTF-8"), ("DUPLEX_LANG", "en")],
    );
    assert!(en.contains("Why did HTTP/1.0 need"), "{en}");
    let zh = play(
        dir.path(),
        data.path(),
        &["--auto", "--lang", "zh_Hans"],
        &[("DUPLEX_LANG", "en")],
    );
    assert!(zh.contains("为什么 HTTP/1.0"), "{zh}");
    // The course list too.
    let lessons = dir.path().to_str().unwrap();
    let list = duplex(
        &["--lessons", lessons, "learn"],
        data.path(),
        &[("LC_ALL", "zh_CN.UTF-8")],
        "",
    );
    assert!(
        text(&list).contains("十个请求，几条连接？"),
        "{}",
        text(&list)
    );
}

#[test]
fn check_warns_of_stale_and_missing_strings_and_passes() {
    let dir = course(ZH);
    let o = duplex(
        &["check", dir.path().to_str().unwrap()],
        dir.path(),
        &[],
        "",
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    let file = dir.path().join("zh-CN/90-basics.toml");
    let (line, col) = line_col(ZH, "\"HTTP/1.1: one connection for ALL\"");
    let stale = format!("{}:{line}:{col}: warning: ", file.display());
    assert!(err.contains(&stale), "want {stale:?} in:\n{err}");
    assert!(err.contains("stale"), "{err}");
    // The missing text of step http11 is named, with its lesson.
    assert!(
        err.lines()
            .any(|l| l.contains("warning") && l.contains("http11") && l.contains("`text`")),
        "{err}"
    );
    assert!(err.contains("keep-alive-basics"), "{err}");
    let last = err.lines().last().unwrap_or("");
    assert!(
        last.starts_with("1 lesson, 0 problems, ") && last.contains("warnings"),
        "{err}"
    );
}

#[test]
fn check_rejects_an_unknown_step_and_a_wrong_choice_count() {
    let bad = ZH.replace("[step.http11]", "[step.http12]").replace(
        "  { en = \"TCP allows one request\", tr = \"TCP 只允许一个请求\" },\n",
        "",
    );
    let dir = course(&bad);
    let o = duplex(
        &["check", dir.path().to_str().unwrap()],
        dir.path(),
        &[],
        "",
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    let file = dir
        .path()
        .join("zh-CN/90-basics.toml")
        .display()
        .to_string();
    let (line, col) = line_col(&bad, "http12");
    let unknown = format!("{file}:{line}:{col}: ");
    assert!(
        err.lines()
            .any(|l| l.starts_with(&unknown) && l.contains("http12")),
        "want {unknown:?} in:\n{err}"
    );
    let (line, col) = line_col(&bad, "[\n  { en = \"The server");
    let count = format!("{file}:{line}:{col}: ");
    assert!(
        err.lines()
            .any(|l| l.starts_with(&count) && l.contains('2') && l.contains('3')),
        "want {count:?} in:\n{err}"
    );
    // Errors in a translation fail the check; the lesson itself is fine.
    assert!(err.contains("1 lesson, 2 problems"), "{err}");
}

#[test]
fn progress_is_the_same_in_any_language() {
    let dir = course(ZH);
    let saved = |lang: &str| {
        let data = tempfile::tempdir().unwrap();
        let lessons = dir.path().to_str().unwrap();
        let args = [
            "--lessons",
            lessons,
            "--lang",
            lang,
            "learn",
            "keep-alive-basics",
            "--plain",
        ];
        let o = duplex(&args, data.path(), &[], "2\n");
        assert!(o.status.success(), "{}", text(&o));
        let json = std::fs::read_to_string(data.path().join("progress.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["lessons"].clone()
    };
    let en = saved("en");
    assert!(
        en["keep-alive-basics"]["answers"]["http10/1"]["correct"] == true,
        "{en}"
    );
    assert_eq!(saved("zh-CN"), en);
}

#[test]
fn an_unknown_language_flag_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let o = duplex(&["--lang", "xx-YY", "learn"], data.path(), &[], "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("zh-CN"), "{}", text(&o));
}

#[test]
fn check_takes_a_translation_file_named_alone() {
    // A translation of a built-in lesson, named by its path: checked as a translation.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("zh-CN")).unwrap();
    let file = dir.path().join("zh-CN/02-http10.toml");
    let text = "lesson = \"http10\"\nlang = \"zh-CN\"\n[step.no-such-step]\n";
    std::fs::write(&file, text).unwrap();
    let o = duplex(&["check", file.to_str().unwrap()], dir.path(), &[], "");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    let want = format!(
        "{}:3:7: lesson `http10` has no step `no-such-step`",
        file.display()
    );
    assert!(err.starts_with(&want), "want {want:?} in:\n{err}");
}

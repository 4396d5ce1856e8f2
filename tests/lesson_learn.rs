//! `duplex learn`, `duplex progress` and `duplex check --run` as a learner and an instructor
//! use them: the real binary, real sockets on 127.0.0.1.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_duplex");
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/lessons/worked-example.toml"
);

fn duplex(args: &[&str], data: &Path, stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .env("DUPLEX_LANG", "en")
        .args(args)
        .env("DUPLEX_DATA_DIR", data)
        .env_remove("DUPLEX_LESSONS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An instructor's lesson in a directory of its own, written from lessons/README.md alone.
fn instructor_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(EXAMPLE, dir.path().join("my-lesson.toml")).unwrap();
    dir
}

fn ports(s: &str) -> Vec<String> {
    s.split("127.0.0.1:")
        .skip(1)
        .map(|p| p.chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

#[test]
fn an_instructors_lesson_runs_with_real_values_that_change_between_runs() {
    let dir = instructor_dir();
    let data = tempfile::tempdir().unwrap();
    let lessons = dir.path().to_str().unwrap();
    let args = [
        "--lessons",
        lessons,
        "learn",
        "keep-alive-basics",
        "--plain",
        "--auto",
    ];
    let first = duplex(&args, data.path(), "");
    assert!(first.status.success(), "{}", text(&first));
    let out = text(&first);
    assert!(out.contains("✓ PASS") && !out.contains("✗"), "{out}");
    assert!(out.contains("Answer: 2)"), "{out}");
    let second = duplex(&args, data.path(), "");
    assert!(second.status.success(), "{}", text(&second));
    let (a, b) = (ports(&out), ports(&text(&second)));
    assert!(
        a.len() > 3 && a != b,
        "ports are the learner's own, new each run: {a:?} {b:?}"
    );
    // --auto is a demo: it saves no progress.
    assert!(!data.path().join("progress.json").exists());
}

#[test]
fn answers_from_stdin_are_checked_and_progress_is_kept_then_reset() {
    let dir = instructor_dir();
    let data = tempfile::tempdir().unwrap();
    let lessons = dir.path().to_str().unwrap();
    let o = duplex(
        &[
            "--lessons",
            lessons,
            "learn",
            "keep-alive-basics",
            "--plain",
        ],
        data.path(),
        "1\n",
    );
    let out = text(&o);
    assert!(out.contains("✗ Not quite: the answer is 2)"), "{out}");
    let saved = std::fs::read_to_string(data.path().join("progress.json")).unwrap();
    assert!(
        saved.contains("\"http10\"") && saved.contains("\"http11\""),
        "{saved}"
    );
    assert!(saved.contains("\"correct\": false"), "{saved}");
    let list = duplex(&["--lessons", lessons, "learn"], data.path(), "");
    // Every step done, but the one answer was wrong: marked to review, not done.
    assert!(
        text(&list).contains("! 90. keep-alive-basics"),
        "{}",
        text(&list)
    );
    let reset = duplex(&["progress", "--reset"], data.path(), "");
    assert!(
        reset.status.success() && text(&reset).contains("Progress cleared"),
        "{}",
        text(&reset)
    );
    assert!(!data.path().join("progress.json").exists());
}

#[test]
fn unknown_lesson_is_named_with_a_hint() {
    let data = tempfile::tempdir().unwrap();
    let o = duplex(&["learn", "no-such-lesson", "--plain"], data.path(), "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("no lesson \"no-such-lesson\""),
        "{}",
        text(&o)
    );
}

#[test]
fn a_failing_expectation_fails_check_run_naming_the_line() {
    let dir = instructor_dir();
    let path = dir.path().join("my-lesson.toml");
    let src = std::fs::read_to_string(&path).unwrap();
    // Three HTTP/1.0 requests cannot open four connections.
    let broken = src.replacen("equals = 3", "equals = 4", 1);
    assert_ne!(src, broken);
    std::fs::write(&path, broken).unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = duplex(
        &["check", "--run", dir.path().to_str().unwrap()],
        data.path(),
        "",
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FAIL  keep-alive-basics") && out.contains("my-lesson.toml:"),
        "{out}"
    );
    assert!(out.contains("saw 3"), "{out}");
}

#[test]
fn the_course_passes_check_and_check_run() {
    let root = env!("CARGO_MANIFEST_DIR");
    let data = tempfile::tempdir().unwrap();
    let lessons = format!("{root}/lessons");
    let o = duplex(&["check", &lessons], data.path(), "");
    assert!(o.status.success(), "{}", text(&o));
    let o = duplex(&["check", "--run", &lessons], data.path(), "");
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn an_empty_lessons_directory_is_said_and_the_course_still_lists() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = duplex(
        &["--lessons", dir.path().to_str().unwrap(), "learn"],
        data.path(),
        "",
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("no lesson files (*.toml) in this directory"),
        "{out}"
    );
    assert!(out.contains("ws-upgrade"), "{out}");
}

#[test]
fn a_reader_that_goes_away_ends_the_transcript_quietly() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .env("DUPLEX_LANG", "en")
        .args(["learn", "http10", "--plain", "--auto"])
        .env("DUPLEX_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the first line, then hang up, as `| head -1` would.
    let mut first = [0u8; 64];
    let n = std::io::Read::read(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    assert!(n > 0);
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn check_run_ends_a_lesson_past_its_budget_and_names_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let body = "id = \"slow\"\ntitle = \"Slow\"\nsummary = \"s\"\norder = 1\n\
        [[step]]\nid = \"quick\"\ntitle = \"Q\"\ntext = \"t\"\n\
        [[step.action]]\ndo = \"wait\"\nseconds = 0.1\n\
        [[step]]\nid = \"long-wait\"\ntitle = \"L\"\ntext = \"t\"\n\
        [[step.action]]\ndo = \"wait\"\nseconds = 120\n\
        [[step.action]]\ndo = \"wait\"\nseconds = 120\n";
    std::fs::write(dir.path().join("01-slow.toml"), body).unwrap();
    let path = dir.path().to_str().unwrap();
    let started = std::time::Instant::now();
    // 0.02 min = 1.2 s: the second step's four minutes of waiting cannot fit.
    let o = duplex(
        &["check", "--run", "--budget", "0.02", path],
        data.path(),
        "",
    );
    let out = text(&o);
    assert!(started.elapsed().as_secs() < 30, "{out}");
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  slow"), "{out}");
    assert!(
        out.contains("01-slow.toml:")
            && out.contains("step \"long-wait\": the lesson's time budget"),
        "{out}"
    );
    let o = duplex(&["check", "--run", "--budget", "0", path], data.path(), "");
    assert_eq!(
        o.status.code(),
        Some(2),
        "a budget of 0 is refused: {}",
        text(&o)
    );
}

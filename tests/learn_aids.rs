//! The learning aids as a learner meets them, through the real binary on real sockets: typed
//! answers judged as typed, a score and a review at a lesson's end, the interview recap from the
//! learner's own numbers (`duplex recap`), and a transcript a screen reader can follow.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use unicode_width::UnicodeWidthStr;

mod tmux;
use tmux::{Tmux, have_tmux};

const BIN: &str = env!("CARGO_BIN_EXE_duplex");
const TYPED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/lessons/typed-answers.toml"
);
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/lessons/worked-example.toml"
);
/// The accept of the RFC's own key (RFC 6455 1.3).
const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

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
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        out(o),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A directory holding one lesson file of tests/lessons, as an instructor's `--lessons DIR`.
fn lessons_with(file: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let name = Path::new(file).file_name().unwrap();
    std::fs::copy(file, dir.path().join(name)).unwrap();
    dir
}

/// The transcript's width (`lesson::wrap::COLUMNS`): stdout here is no terminal.
fn assert_within_100(s: &str) {
    for l in s.lines() {
        assert!(l.width() <= 100, "{} columns: {l:?}\n{s}", l.width());
    }
}

/// `s` with every run of whitespace as one space: a phrase may wrap anywhere.
fn squeezed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn typed_answers_are_judged_as_typed_then_scored_and_reviewed() {
    let dir = lessons_with(TYPED);
    let data = tempfile::tempdir().unwrap();
    let lessons = dir.path().to_str().unwrap();
    // The key as the transcript shows it, a token in another case, base64 in the wrong case.
    let typed = format!("83 33 D5 70\nWebSocket\n{}\n", RFC_ACCEPT.to_lowercase());
    let o = duplex(
        &["--lessons", lessons, "learn", "typed-answers", "--plain"],
        data.path(),
        &typed,
    );
    let s = text(&o);
    assert!(o.status.success(), "{s}");
    assert_eq!(s.matches("✓ Right.").count(), 2, "{s}");
    assert!(
        s.contains(&format!("✗ Not quite: the answer is {RFC_ACCEPT}")),
        "{s}"
    );
    assert!(s.contains("Your score: 2 of 3 questions right."), "{s}");
    let review = s.split("To review:").nth(1).unwrap_or_default();
    assert!(review.contains("And its Sec-WebSocket-Accept?"), "{s}");
    assert!(!review.contains("Which masking key"), "{s}");
    assert_within_100(&out(&o));
    // The course list says the answers are to review: no ✓ for it.
    let list = out(&duplex(&["--lessons", lessons, "learn"], data.path(), ""));
    assert!(list.contains("! 91. typed-answers"), "{list}");
    assert!(list.contains("2/3 answers right"), "{list}");
}

#[test]
fn every_answer_wrong_is_no_success_mark() {
    let dir = lessons_with(EXAMPLE);
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
    let s = text(&o);
    assert!(s.contains("Your score: 0 of 1 questions right."), "{s}");
    assert!(
        squeezed(&s).contains("you said \"1\"; the answer is 2)"),
        "{s}"
    );
    let list = out(&duplex(&["--lessons", lessons, "learn"], data.path(), ""));
    assert!(!list.contains("✓ 90."), "{list}");
    assert!(list.contains("! 90. keep-alive-basics"), "{list}");
}

#[test]
fn the_recap_says_what_is_missing_then_quotes_the_learners_own_numbers() {
    let data = tempfile::tempdir().unwrap();
    let o = duplex(&["recap"], data.path(), "");
    let s = text(&o);
    assert!(o.status.success(), "{s}");
    assert!(
        s.contains("What is the difference between WebSocket and HTTP?"),
        "{s}"
    );
    assert!(s.contains("0 of 9 measured"), "{s}");
    assert!(
        s.contains("`duplex learn http10`") && s.contains("`duplex learn keep-alive`"),
        "{s}"
    );
    assert_within_100(&out(&o));

    let mut transcripts = String::new();
    for id in ["http10", "ws-upgrade", "keep-alive"] {
        let o = duplex(&["learn", id, "--plain"], data.path(), "");
        assert!(o.status.success(), "{}", text(&o));
        transcripts.push_str(&out(&o));
    }
    let o = duplex(&["recap"], data.path(), "");
    let s = out(&o);
    assert_within_100(&s);
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("With HTTP/1.0, 10 requests opened 10 TCP connections"),
        "{s}"
    );
    assert!(flat.contains("with HTTP/1.1, 10 requests used 1:"), "{s}");
    // The accept is the one of the learner's own upgrade, as its transcript showed it.
    let accept = flat
        .split("Sec-WebSocket-Accept: ")
        .nth(1)
        .and_then(|r| r.split('`').next())
        .unwrap_or_default();
    assert!(accept.len() == 28 && accept.ends_with('='), "{s}");
    let said = transcripts.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains(&format!("Sec-WebSocket-Accept {accept} is correct")),
        "{accept}"
    );
    assert!(flat.contains("and it matched"), "{s}");
    // The server's timeout, as measured: 2 s in the keep-alive lesson.
    let idle: f64 = flat
        .split("closed an idle one after ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    assert!((1.9..3.0).contains(&idle), "idle {idle}: {s}");
    assert!(
        flat.contains("the next request had to open a new connection"),
        "{s}"
    );
    // A client frame's mask came with the upgrade lesson; still missing, and said so: the
    // prices, measured by lesson 9.
    assert!(flat.contains("8 of 9 measured"), "{s}");
    assert!(flat.contains("bytes per price update: lesson 9"), "{s}");
    assert!(flat.contains("`duplex learn live-prices`"), "{s}");
    assert!(!flat.contains("`duplex learn http10`"), "{s}");
}

#[test]
fn the_transcript_says_in_words_what_the_panes_show() {
    let data = tempfile::tempdir().unwrap();
    let o = duplex(&["learn", "frames", "--plain", "--auto"], data.path(), "");
    let s = out(&o);
    assert!(o.status.success(), "{}", text(&o));
    assert_within_100(&s);
    for noise in ["━", "─", "│", "┌", "ladder", "inspector", "pane"] {
        assert!(!s.to_lowercase().contains(noise), "{noise:?} in:\n{s}");
    }
    for said in [
        "request line \"GET /ws/echo HTTP/1.1\": 23 bytes",
        "header Sec-WebSocket-Version: 13 — 27 bytes",
        "first byte 1000 0001: FIN 1 (final frame of its message), RSV 000, opcode 0001 (text)",
        "second byte 1000 0010: MASK 1 (masked), length field 2",
        "second byte 0000 0010: MASK 0 (not masked), length field 2",
        "length 126 means the next 2 bytes hold the real length: 130",
        "hashed with SHA-1, in base64, gives",
        "they match",
    ] {
        let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(said), "{said:?} not said in:\n{s}");
    }
    assert!(s.contains("masking key "), "{s}");
}

#[test]
fn a_progress_file_that_cannot_be_read_is_said_and_left_alone() {
    let dir = lessons_with(EXAMPLE);
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("progress.json");
    std::fs::write(&file, b"{ half").unwrap();
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
        "2\n",
    );
    let s = text(&o);
    assert!(
        s.contains("progress not available") && s.contains("progress.json"),
        "{s}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"{ half");
    let o = duplex(&["recap"], data.path(), "");
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("--reset"), "{}", text(&o));
    assert_eq!(std::fs::read(&file).unwrap(), b"{ half");
}

#[test]
fn at_a_terminal_the_transcript_waits_before_a_steps_actions() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed (apt-get install tmux)");
        return;
    }
    let dir = lessons_with(TYPED);
    let data = tempfile::tempdir().unwrap();
    let lessons = dir.path().to_str().unwrap();
    let args = ["--lessons", lessons, "learn", "typed-answers", "--plain"];
    let t = Tmux::start_with("learn-aids-pause", data.path(), (100, 30), &args);
    t.wait_for("Press Enter to run this step's 4 actions");
    std::thread::sleep(std::time::Duration::from_millis(800));
    let s = t.screen();
    assert!(!s.contains("What we did"), "ran without waiting:\n{s}");
    t.keys(&["Enter"]);
    t.wait_for("Your answer:");
    // The key as the transcript showed it.
    t.type_text("83 33 d5 70");
    t.keys(&["Enter"]);
    t.wait_for("✓ Right. The 4 bytes after the length.");
}

/// The lesson screen at `size`: answers typed as shown, the score and review at the end, the
/// recap on `i`, and the numbers saved for `duplex recap`.
fn lesson_screen_at(name: &str, size: (u16, u16)) {
    let dir = lessons_with(TYPED);
    let data = tempfile::tempdir().unwrap();
    let lessons = dir.path().to_str().unwrap();
    let args = ["--lessons", lessons, "learn", "typed-answers"];
    let t = Tmux::start_with(name, data.path(), size, &args);
    t.wait_for("Enter: run this step");
    t.keys(&["Enter"]);
    t.wait_for("Press a to type your answer");
    for answer in ["83 33 d5 70", "WebSocket", "not the accept"] {
        t.keys(&["a"]);
        t.wait_for("answer:");
        t.type_text(answer);
        t.keys(&["Enter"]);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let s = t.wait_for("The lesson is over.");
    assert!(s.contains("Score: 2/3 answers right."), "{s}");
    // The review sits above, a scroll away in a narrow pane.
    t.keys(&["K", "K", "K", "K", "K", "K"]);
    t.wait_for("To review:");
    t.keys(&["i"]);
    t.wait_for("Interview recap");
    t.keys(&["Escape"]);
    t.wait("the recap to close", |s| !s.contains("Interview recap"));
    t.keys(&["Escape"]);
    t.wait_for("HTTP and WebSocket on the wire");
    // Down to the lesson (the list scrolls at 80x24): it is marked for review.
    for _ in 0..15 {
        t.keys(&["Down"]);
    }
    let s = t.wait_for("Typed answers");
    assert!(s.contains("! 16. Typed answers"), "{s}");
    t.keys(&["q"]);
    t.wait_for("DONE-0");
    let o = duplex(&["--lessons", lessons, "recap"], data.path(), "");
    let flat = out(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("`Sec-WebSocket-Accept: {RFC_ACCEPT}`")),
        "{flat}"
    );
    assert!(flat.contains("masked with the key 83 33 d5 70"), "{flat}");
}

#[test]
fn the_lesson_screen_judges_scores_and_recaps_at_100x30() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed (apt-get install tmux)");
        return;
    }
    lesson_screen_at("learn-aids-100", (100, 30));
}

#[test]
fn the_lesson_screen_judges_scores_and_recaps_at_80x24() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed (apt-get install tmux)");
        return;
    }
    lesson_screen_at("learn-aids-80", (80, 24));
}

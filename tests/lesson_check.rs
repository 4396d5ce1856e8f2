//! `duplex check` on broken lesson files: the exact place of each problem, and the exit code.

use std::path::Path;
use std::process::Command;

const HEAD: &str = "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 1\n";
const STEP: &str = "[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n";

fn check(paths: &[&Path]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .arg("check")
        .args(paths)
        .env_remove("DUPLEX_LESSONS")
        .output()
        .expect("run duplex");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `text` as `bad.toml` and checks that the first problem starts with `prefix`.
fn fails_with(text: &str, prefix: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, text).expect("write");
    let (code, err) = check(&[&file]);
    assert_eq!(code, 1, "{err}");
    let want = format!("{}:{prefix}", file.display());
    assert!(err.starts_with(&want), "want {want:?}, got:\n{err}");
}

#[test]
fn the_worked_example_passes() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lessons/worked-example.toml");
    let (code, err) = check(&[&file]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "1 lesson, 0 problems\n");
}

#[test]
fn toml_syntax_error() {
    fails_with("id = \"x\"\ntitle = \n", "2:9: TOML syntax");
}

#[test]
fn missing_required_field() {
    fails_with(
        &format!("id = \"x\"\ntitle = \"T\"\norder = 1\n{STEP}"),
        "1:1: missing required field `summary` in the lesson",
    );
}

#[test]
fn wrong_type() {
    fails_with(
        &format!("{HEAD}{STEP}[[step.action]]\ndo = \"http\"\npath = \"/\"\nrepeat = \"3\"\n"),
        "12:10: `repeat` must be an integer, found a string",
    );
}

#[test]
fn unknown_field_with_hint() {
    let text = format!("{HEAD}{STEP}[[step.action]]\ndo = \"http\"\npath = \"/\"\nrepet = 3\n");
    fails_with(
        &text,
        "12:1: unknown field `repet` in a `http` action\n  hint: did you mean `repeat`?",
    );
}

#[test]
fn unknown_action() {
    fails_with(
        &format!("{HEAD}{STEP}[[step.action]]\ndo = \"ws_conect\"\n"),
        "10:6: unknown action `ws_conect`\n  hint: did you mean `ws_connect`?",
    );
}

#[test]
fn unknown_claim() {
    fails_with(
        &format!("{HEAD}{STEP}claims = [\"C19\"]\n"),
        "9:11: unknown claim `C19`",
    );
}

#[test]
fn duplicate_step_ids() {
    fails_with(
        &format!("{HEAD}{STEP}{STEP}"),
        "10:6: duplicate step id `a` (first used at line 6)",
    );
}

#[test]
fn empty_narration() {
    fails_with(
        &format!("{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"  \"\n"),
        "8:8: the narration `text` is empty",
    );
}

#[test]
fn expectation_with_two_forms() {
    fails_with(
        &format!(
            "{HEAD}{STEP}[[step.expect]]\nsome = {{ kind = \"tcp_open\" }}\nnone = {{ kind = \"error\" }}\n"
        ),
        "11:8: an expectation has exactly one form; this one has `some` and `none`",
    );
}

#[test]
fn expectation_with_no_form() {
    fails_with(
        &format!("{HEAD}{STEP}[[step.expect]]\nsays = \"hm\"\n"),
        "9:1: an expectation needs one form",
    );
}

#[test]
fn matcher_field_the_kind_has_not() {
    fails_with(
        &format!("{HEAD}{STEP}[[step.expect]]\nsome = {{ kind = \"tcp_open\", status = 200 }}\n"),
        "10:29: `tcp_open` events have no field `status`",
    );
}

#[test]
fn answer_out_of_range() {
    fails_with(
        &format!(
            "{HEAD}{STEP}[[step.question]]\nask = \"?\"\nchoices = [\"a\", \"b\"]\nanswer = 3\nexplain = \"e\"\n"
        ),
        "12:10: `answer` must be between 1 and 2, found 3",
    );
}

#[test]
fn conn_used_before_it_was_opened() {
    fails_with(
        &format!("{HEAD}{STEP}[[step.action]]\ndo = \"ws_send\"\nconn = \"chat\"\ntext = \"hi\"\n"),
        "11:8: connection `chat` is used before any action opened it",
    );
}

#[test]
fn label_no_action_defines() {
    fails_with(
        &format!("{HEAD}{STEP}[step.table]\nrows = [\"poll\"]\nmetrics = [\"bytes\"]\n"),
        "10:9: no action in this lesson has the label `poll`",
    );
}

#[test]
fn missing_capture() {
    fails_with(
        &format!("{HEAD}{STEP}[[step.action]]\ndo = \"replay\"\ncapture = \"ws-basci.pcap\"\n"),
        "11:11: no capture `ws-basci.pcap` in assets/captures/\n  hint: did you mean `ws-basic.pcap`?",
    );
}

#[test]
fn value_out_of_range() {
    fails_with(
        &format!("{HEAD}{STEP}[[step.action]]\ndo = \"ticker\"\nvia = \"ws\"\nhz = 500\n"),
        "12:6: `hz` must be between 1 and 100, found 500",
    );
}

#[test]
fn binary_file() {
    fails_with("\u{0}\u{1}garbage", "1:1: ");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bin.toml");
    std::fs::write(&file, b"id = \"x\"\n\xff\xfe").expect("write");
    let (code, err) = check(&[&file]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("{}:2:1: not UTF-8", file.display())),
        "{err}"
    );
}

#[test]
fn duplicate_lesson_ids_name_both_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("{HEAD}{STEP}");
    std::fs::write(dir.path().join("a.toml"), &text).expect("write");
    std::fs::write(dir.path().join("b.toml"), &text).expect("write");
    let (code, err) = check(&[dir.path()]);
    assert_eq!(code, 1);
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    let want = format!(
        "{}:1:6: duplicate lesson id `x`: {}:1:6 has it too",
        b.display(),
        a.display()
    );
    assert!(err.starts_with(&want), "want {want:?}, got:\n{err}");
    assert!(err.ends_with("1 lesson, 1 problem\n"), "{err}");
}

#[test]
fn a_named_directory_with_no_lesson_files_is_a_problem() {
    // `check x.toml` where x.toml is a directory, or a typo'd directory of lessons: passing
    // with "0 lessons" would say nothing was wrong.
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("x.toml");
    std::fs::create_dir(&sub).expect("mkdir");
    let (code, err) = check(&[&sub]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "{}:1:1: no lesson files (*.toml) in this directory",
            sub.display()
        )),
        "{err}"
    );
}

#[test]
fn a_connection_used_after_it_ended_names_where_it_ended() {
    let steps = format!(
        "{HEAD}{STEP}[[step.action]]\ndo = \"ws_connect\"\npath = \"/ws/echo\"\n\
         [[step.action]]\ndo = \"server_drop\"\n[[step.action]]\ndo = \"ws_recv\"\n"
    );
    fails_with(
        &steps,
        "15:6: connection `ws` was ended at line 13 by `server_drop`",
    );
    // Opened again, it may be used again.
    let again = format!(
        "{HEAD}{STEP}[[step.action]]\ndo = \"ws_connect\"\npath = \"/ws/echo\"\n\
         [[step.action]]\ndo = \"ws_close\"\n[[step.action]]\ndo = \"ws_connect\"\n\
         path = \"/ws/echo\"\n[[step.action]]\ndo = \"ws_ping\"\n"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ok.toml");
    std::fs::write(&file, again).expect("write");
    let (code, err) = check(&[&file]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn have_naming_another_kind_than_all_is_said() {
    fails_with(
        &format!(
            "{HEAD}{STEP}[[step.expect]]\nall = {{ kind = \"ws_frame\" }}\n\
             have = {{ kind = \"http_response\", status = 101 }}\n"
        ),
        "11:17: `have` names kind `http_response`, but the events it checks are `ws_frame`",
    );
}

#[test]
fn a_matcher_value_the_field_never_takes_is_named_with_the_values_it_does() {
    // `by = "server"` would silently match nothing: the field is `c2s` or `s2c`.
    let text = format!(
        "{HEAD}{STEP}[[step.action]]\ndo = \"http\"\npath = \"/\"\n\
         [[step.expect]]\nsays = \"s\"\nsome = {{ kind = \"tcp_close\", by = \"server\" }}\n"
    );
    fails_with(&text, "14:35: `by` is never \"server\"");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, text).expect("write");
    let (_, err) = check(&[&file]);
    assert!(err.contains("c2s") && err.contains("s2c"), "{err}");
}

#[test]
fn a_deflate_offer_is_checked_parameter_by_parameter() {
    let action = "[[step.action]]\ndo = \"ws_connect\"\npath = \"/ws/echo\"\n";
    for (deflate, want) in [
        (
            "{ server_max_window_bits = 8 }",
            "12:38: `server_max_window_bits` must be between 9 and 15, found 8",
        ),
        (
            "{ client_no_context_takeover = true, levle = 9 }",
            "12:48: unknown field `levle` in `deflate`",
        ),
        (
            "\"yes\"",
            "12:11: `deflate` must be true, false or a table of offer parameters, found a string",
        ),
    ] {
        fails_with(&format!("{HEAD}{STEP}{action}deflate = {deflate}\n"), want);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ok.toml");
    let ok = "deflate = { client_no_context_takeover = true, server_max_window_bits = 10 }";
    std::fs::write(&file, format!("{HEAD}{STEP}{action}{ok}\n")).expect("write");
    assert_eq!(check(&[&file]).0, 0);
}

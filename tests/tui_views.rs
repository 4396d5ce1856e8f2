//! What the lesson screen shows, read from a real terminal: tables whole at 100x30 and 80x24,
//! the full lifetimes view, bytes in the inspector, key words on home. Lessons are written here
//! from `lessons/README.md` alone. Prints SKIP when tmux is missing.

use std::path::Path;
use std::process::Command;

mod tmux;

use tmux::{Tmux, have_tmux};

const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

/// A lesson with a table of every metric but the elapsed time (which changes from run to run),
/// wider than either screen, then one as narrow as lesson 9's.
const TABLES: &str = r#"
id = "views-tables"
title = "Tables on screen"
summary = "Every number of a table, whole."
order = 91

[[step]]
id = "wide"
title = "Every metric"
text = "Two labels, measured every way there is."

[[step.action]]
do = "http"
path = "/echo"
connection = "new"
repeat = 3
label = "three-new"

[[step.action]]
do = "ws_connect"
path = "/ws/echo"
label = "echo-ws"

[[step.action]]
do = "ws_send"
text = "hello"
label = "echo-ws"

[[step.action]]
do = "ws_recv"
label = "echo-ws"

[step.table]
rows = ["three-new", "echo-ws"]
metrics = ["bytes", "bytes_c2s", "bytes_s2c", "head_bytes", "connections", "requests", "updates", "bytes_per_update", "latency_ms"]

[[step]]
id = "narrow"
title = "Four columns"
text = "The same labels, four columns."

[[step.action]]
do = "ws_close"

[step.table]
rows = ["three-new", "echo-ws"]
metrics = ["bytes_per_update", "connections", "requests", "latency_ms"]
"#;

/// Short connections, a long one, and one the server closes by its idle timeout.
const LIFETIMES: &str = r#"
id = "views-lifetimes"
title = "Lifetimes"
summary = "Eight short bars, one long bar, one timeout."
order = 92

[[step]]
id = "all"
title = "Short, long, timed out"
text = "Eight requests on eight connections, a WebSocket held open, a keep-alive left idle."

[[step.action]]
do = "keepalive"
seconds = 1

[[step.action]]
do = "ws_connect"
conn = "long"
path = "/ws/echo"
label = "long"

[[step.action]]
do = "http"
path = "/echo"
connection = "new"
repeat = 8
label = "short"

[[step.action]]
do = "http"
path = "/echo"
label = "idle"

[[step.action]]
do = "wait"
seconds = 1.6

[[step.action]]
do = "ws_close"
conn = "long"
label = "long"
"#;

/// A binary HTTP body, a masked frame, a Server-Sent Events client that leaves.
const BYTES: &str = r#"
id = "views-bytes"
title = "Bytes"
summary = "Bodies, frames and the end of a stream."
order = 93

[[step]]
id = "body"
title = "A binary body"
text = "A POST whose body is not text."

[[step.action]]
do = "tcp_send"
conn = "raw"
data = "POST /echo HTTP/1.1\r\nHost: duplex.test\r\nContent-Type: application/octet-stream\r\nContent-Length: 8\r\nConnection: close\r\n\r\n"
label = "binary"

[[step.action]]
do = "tcp_send"
conn = "raw"
hex = "00 ff 01 fe 80 7f c3 28"
label = "binary"

[[step.action]]
do = "tcp_read"
conn = "raw"
timeout = 2
label = "binary"

[[step]]
id = "frame"
title = "A frame"
text = "byte 1: FIN, RSV, opcode; byte 2: MASK and the length."

[[step.action]]
do = "ws_connect"
path = "/ws/echo"

[[step.action]]
do = "ws_send"
text = "hi"
label = "hi"

[[step.action]]
do = "ws_recv"
label = "hi"

[[step.action]]
do = "ws_close"

[[step]]
id = "sse"
title = "A stream the client leaves"
text = "Prices as Server-Sent Events; the client leaves after three."

[[step.action]]
do = "ticker"
via = "sse"
updates = 3
label = "sse"
"#;

/// A directory holding `lesson` as the only extra lesson, and a data directory.
fn setup(lesson: &str) -> (tempfile::TempDir, tempfile::TempDir) {
    let lessons = tempfile::tempdir().expect("a lessons directory");
    std::fs::write(lessons.path().join("91-views.toml"), lesson).expect("the lesson written");
    (lessons, tempfile::tempdir().expect("a data directory"))
}

fn start(name: &str, lessons: &Path, data: &Path, size: (u16, u16), id: &str) -> Tmux {
    let dir = lessons.display().to_string();
    let name = format!(
        "duplex-views-{name}-{}x{}-{}",
        size.0,
        size.1,
        std::process::id()
    );
    Tmux::start_with(&name, data, size, &["--lessons", &dir, "learn", id])
}

/// The table lines `learn --plain --auto` prints for each step: the rows under each header.
fn plain_tables(lessons: &Path, data: &Path, id: &str) -> Vec<Vec<String>> {
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .env("DUPLEX_LANG", "en")
        .args(["--lessons", &lessons.display().to_string()])
        .args(["learn", id, "--plain", "--auto"])
        .env("DUPLEX_DATA_DIR", data)
        .env_remove("DUPLEX_LESSONS")
        .output()
        .expect("duplex learn --plain runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut tables = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if l.contains("Measured on this machine") {
            // A table wider than the transcript comes in groups of columns, each under its
            // own header and with the labels again: each row's cells in metric order.
            let mut rows: Vec<String> = Vec::new();
            while lines.peek().is_some_and(|l| l.starts_with("    ")) {
                let _header = lines.next();
                let group: Vec<&str> = lines
                    .by_ref()
                    .take_while(|l| !l.trim().is_empty())
                    .map(str::trim)
                    .collect();
                for (i, row) in group.into_iter().enumerate() {
                    match rows.get_mut(i) {
                        Some(r) => {
                            let cells = row.split_whitespace().skip(1);
                            r.extend(cells.flat_map(|c| [" ", c]));
                        }
                        None => rows.push(row.to_string()),
                    }
                }
            }
            tables.push(rows);
        }
    }
    assert!(!tables.is_empty(), "no table in the transcript:\n{text}");
    tables
}

/// Text between the borders of each screen line.
fn inside(line: &str) -> String {
    line.trim_matches(|c: char| "│┃ ".contains(c)).to_string()
}

/// Every number of the plain row `row` is on screen whole and in order: the screen lines that
/// start with the row's label, read one after the other, give the same cells.
fn assert_row_whole(screen: &str, row: &str) {
    let mut cells = row.split_whitespace();
    let label = cells.next().expect("a label");
    let want: Vec<&str> = cells.collect();
    let got: Vec<String> = screen
        .lines()
        .map(inside)
        .filter(|l| l.split_whitespace().next() == Some(label))
        .flat_map(|l| {
            l.split_whitespace()
                .skip(1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        got, want,
        "the row {label:?} is not whole on screen:\n{screen}"
    );
}

#[test]
fn every_number_of_a_steps_table_is_on_screen_whole_at_both_sizes() {
    if !have_tmux() {
        eprintln!("SKIP: tmux is not installed");
        return;
    }
    let (lessons, data) = setup(TABLES);
    let tables = plain_tables(lessons.path(), data.path(), "views-tables");
    assert_eq!(tables.len(), 2);
    for size in SIZES {
        let t = start("tables", lessons.path(), data.path(), size, "views-tables");
        t.wait_for("Every metric");
        t.keys(&["Enter"]);
        t.wait_for("Enter: the next step.");
        let s = t.settled();
        for metric in ["latency_ms", "bytes_per_update", "head_bytes"] {
            assert!(s.contains(metric), "{size:?}: no {metric} column:\n{s}");
        }
        for row in &tables[0] {
            assert_row_whole(&s, row);
        }
        t.keys(&["Enter"]);
        t.wait_for("Four columns");
        t.keys(&["Enter"]);
        t.wait("the second table", |s| {
            s.contains("Measured in step 2") && s.contains("The lesson is over")
        });
        let s = t.settled();
        // A table that fits is the transcript's own lines.
        for row in &tables[1] {
            assert!(s.contains(row.as_str()), "{size:?}: no line {row:?}:\n{s}");
        }
        // T hides the table and gives the inspector its place back; T again shows it.
        t.keys(&["T"]);
        t.wait("the inspector", |s| !s.contains("Measured in step 2"));
        t.keys(&["T"]);
        t.wait_for("Measured in step 2");
    }
}

#[test]
fn the_full_lifetimes_view_shows_every_connection_and_how_it_ended() {
    if !have_tmux() {
        eprintln!("SKIP: tmux is not installed");
        return;
    }
    let (lessons, data) = setup(LIFETIMES);
    for size in SIZES {
        let t = start(
            "lifetimes",
            lessons.path(),
            data.path(),
            size,
            "views-lifetimes",
        );
        t.wait_for("Short, long, timed out");
        t.keys(&["Enter"]);
        t.wait_for("The lesson is over");
        t.keys(&["L"]);
        t.wait_for("how it ended");
        let s = t.settled();
        // 1 WebSocket + 8 new connections + 1 pooled: every one on its own line.
        let bars = s.lines().filter(|l| inside(l).starts_with('#')).count();
        assert_eq!(bars, 10, "{size:?}: not every connection shown:\n{s}");
        // Each bar says which action's traffic it carried, as the narration names them.
        assert_eq!(
            s.matches("[short]").count(),
            8,
            "{size:?}: eight short bars:\n{s}"
        );
        for text in [
            "server idle timeout [idle]",
            "closed (fin)",
            "0 s",
            "10 connections",
        ] {
            assert!(s.contains(text), "{size:?}: no {text:?}:\n{s}");
        }
        assert!(s.contains("L or Esc close"), "{size:?}: the key bar:\n{s}");
        t.keys(&["Escape"]);
        t.wait("the lesson again", |s| !s.contains("how it ended"));
        let s = t.settled();
        assert!(
            s.contains("Short, long, timed out") || s.contains("step 1/1"),
            "{s}"
        );
    }
}

/// Moves the ladder's selection to the newest event, then up until the screen shows `what`.
fn select_up_to(t: &Tmux, what: &str) -> String {
    t.keys(&["G"]);
    for _ in 0..40 {
        let s = t.screen();
        if s.contains(what) {
            return s;
        }
        t.keys(&["k"]);
        std::thread::sleep(std::time::Duration::from_millis(60));
    }
    t.wait_for(what)
}

#[test]
fn the_inspector_shows_bodies_with_text_and_counts_bytes_as_the_narration_does() {
    if !have_tmux() {
        eprintln!("SKIP: tmux is not installed");
        return;
    }
    let (lessons, data) = setup(BYTES);
    let t = start(
        "bytes",
        lessons.path(),
        data.path(),
        (100, 30),
        "views-bytes",
    );
    t.wait_for("A binary body");
    t.keys(&["Enter"]);
    t.wait_for("Enter: the next step.");
    select_up_to(&t, "Inspector: http_response");
    // The inspector scrolled to its hex dump: the head's bytes with their text beside them,
    // then the body's, named.
    t.keys(&["Tab"]);
    t.keys(&["j", "j", "j", "j", "j", "j", "j"]);
    t.wait("the text column", |s| s.contains("│HTTP/1.1 200 OK"));
    let mut s = t.screen();
    for _ in 0..30 {
        if s.contains("00 ff 01 fe 80 7f c3 28") {
            break;
        }
        t.keys(&["j"]);
        std::thread::sleep(std::time::Duration::from_millis(60));
        s = t.screen();
    }
    assert!(s.contains("00 ff 01 fe 80 7f c3 28"), "no body bytes:\n{s}");
    assert!(
        s.contains(".......("),
        "the body's bytes as dots and text:\n{s}"
    );
    assert!(s.contains("body"), "the body is not named:\n{s}");

    t.keys(&["Tab", "Tab", "Enter"]);
    t.wait_for("A frame");
    t.keys(&["Enter"]);
    t.wait_for("Enter: the next step.");
    let s = select_up_to(&t, "Inspector: ws_frame c2s · text \"hi\"");
    // The narration's "byte 1" and "byte 2" are the inspector's.
    assert!(s.contains("byte 1  1 0 0 0 0 0 0 1"), "{s}");
    assert!(s.contains("byte 2  1 0 0 0 0 0 1 0"), "{s}");

    t.keys(&["Enter"]);
    t.wait_for("A stream the client leaves");
    t.keys(&["Enter"]);
    t.wait_for("The lesson is over");
    let s = select_up_to(&t, "event stream ended");
    assert!(!s.contains("✗ http"), "a client leaving is no error:\n{s}");
    let s = select_up_to(&t, "Inspector: error");
    assert!(s.contains("That is how Server-Sent Events end"), "{s}");
}

#[test]
fn home_keeps_every_lesson_title_whole_at_80x24() {
    if !have_tmux() {
        eprintln!("SKIP: tmux is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("a data directory");
    let name = format!("duplex-views-home-{}", std::process::id());
    let t = Tmux::start_with(&name, data.path(), (80, 24), &[]);
    // At 80x24 the lessons fill the list: the replay and sandbox lines are a scroll away.
    t.wait_for("The anatomy of an HTTP message");
    let s = t.settled();
    // The list is the left part of each line; its lines joined, spaces collapsed.
    let list: Vec<String> = s
        .lines()
        .map(|l| l.split('│').nth(1).unwrap_or("").to_string())
        .collect();
    let joined = list
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for l in duplex::lesson::load::catalog(None).lessons {
        assert!(joined.contains(&l.title), "{:?} is cut:\n{s}", l.title);
    }
}

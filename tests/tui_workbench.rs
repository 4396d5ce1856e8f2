//! The workbench in a real terminal: a frame picked in the sandbox's ladder, edited with `e`
//! and sent again; the frame composer and the request composer on a lesson's screen. After the
//! last key, the answers show by themselves.

mod tmux;

use tmux::{Tmux, have_tmux};

/// The ladder's lines (right of the side pane).
fn ladder(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split_once('┃').map(|(_, r)| r.to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn name(what: &str) -> String {
    format!("duplex-wb-{what}-{}", std::process::id())
}

#[test]
fn a_frame_edited_from_the_sandbox_ladder_goes_again_and_its_echo_shows() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let t = Tmux::start(&name("frame"), data.path());
    t.wait_for("duplex · HTTP and WebSocket on the wire");
    t.keys(&["G", "Enter"]);
    t.wait_for(" Sandbox ");
    t.keys(&["w"]);
    t.wait_for("WebSocket /ws/echo → 101");
    t.keys(&["t"]);
    t.wait("the echo of the first frame", |s| {
        ladder(s).matches("text \"hello 1\"").count() >= 2
    });
    // The echo is selected (the view follows): one up is the frame we sent.
    t.keys(&["k", "e"]);
    // A screen caught mid-draw may hold the panel's top only: wait for the payload line.
    let s = t.wait("the composer filled with the frame", |s| {
        s.contains("What the server's decoder will say:") && s.contains("payload      hello 1")
    });
    assert!(s.contains("▸ payload"), "the payload line is picked:\n{s}");
    t.keys(&["Enter", "C-u"]);
    t.type_text("edited by hand");
    t.keys(&["Enter"]);
    t.wait_for("payload      edited by hand ");
    t.keys(&["s"]);
    t.wait_for("The server answered: text");
    t.keys(&["Escape"]);
    // The frame and its echo, both ways, in the ladder.
    let s = t.wait("the edited frame's echo", |s| {
        ladder(s).matches("text \"edited by hand\"").count() >= 2
    });
    assert!(!s.contains("hello 1u"), "Ctrl-U emptied the line:\n{s}");
}

#[test]
fn the_frame_composer_on_a_lesson_screen_shows_the_servers_1002() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let t = Tmux::start_with(
        &name("lesson-c"),
        data.path(),
        (100, 30),
        &["learn", "control-frames", "--lessons", "lessons"],
    );
    t.wait_for("step 1/");
    t.keys(&["C"]);
    t.wait_for("What the server's decoder will say:");
    t.keys(&["p"]);
    t.wait_for("a client frame with no mask");
    t.keys(&["s"]);
    t.wait_for("The server closed with 1002");
    t.keys(&["Escape"]);
    // Back on the lesson: its ladder has the close.
    // The ladder shows behind the composer too: wait for the lesson's own screen as well.
    t.wait("the close in the lesson's ladder", |s| {
        ladder(s).contains("close 1002") && s.contains("step 1/")
    });
}

#[test]
fn the_request_composer_on_a_lesson_screen_shows_the_status() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let t = Tmux::start_with(
        &name("lesson-r"),
        data.path(),
        (100, 30),
        &["learn", "control-frames", "--lessons", "lessons"],
    );
    t.wait_for("step 1/");
    t.keys(&["R"]);
    t.wait_for("Request composer");
    t.keys(&["j", "Enter", "C-u"]);
    t.type_text("/api/catalog");
    t.keys(&["Enter"]);
    t.wait_for("GET /api/catalog HTTP/1.1\\r\\n");
    t.keys(&["s"]);
    let s = t.wait("the answer", |s| {
        ladder(s).contains("GET /api/catalog") && s.contains("answer: HTTP/1.1 200 OK")
    });
    assert!(s.contains("step 1/"), "still the lesson's screen:\n{s}");
}

//! The request composer in a real terminal: a GET from the sandbox, picked in the ladder,
//! edited with `e` and sent again; the new request and its answer show with no key pressed.

mod tmux;

use tmux::{Tmux, have_tmux};

/// The ladder's lines (right of the side pane), for what is in them.
fn ladder(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split_once('┃').map(|(_, r)| r.to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_get_edited_from_the_ladder_goes_again_and_its_answer_shows_by_itself() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed (apt-get install tmux)");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let t = Tmux::start(
        &format!("duplex-reqcomp-{}", std::process::id()),
        data.path(),
    );
    t.wait_for("duplex · HTTP and WebSocket on the wire");
    t.keys(&["G", "Enter"]);
    t.wait_for(" Sandbox ");
    t.keys(&["r"]);
    // The status line and the ladder are told apart: wait for both.
    t.wait("the GET's answer", |s| {
        s.contains("GET /echo → 200") && ladder(s).contains("200 OK")
    });
    // The answer is selected (the view follows): one up is the request.
    t.keys(&["k"]);
    t.keys(&["e"]);
    let s = t.wait_for("Request composer");
    assert!(
        s.contains("Method  GET") && s.contains("Path    /echo"),
        "{s}"
    );
    t.keys(&["j", "Enter", "C-u"]);
    t.type_text("/api/catalog");
    t.keys(&["Enter"]);
    t.wait_for("GET /api/catalog HTTP/1.1\\r\\n");
    t.keys(&["s"]);
    // No key from here: the request, its answer and the status come by themselves.
    let s = t.wait("the new request and its answer", |s| {
        let l = ladder(s);
        l.contains("GET /api/catalog")
            && l.matches("200").count() >= 2
            && s.contains("answer: HTTP/1.1 200 OK")
    });
    assert!(
        s.contains("Request composer"),
        "the composer stays open:\n{s}"
    );
    t.keys(&["q"]);
    t.wait_for("DONE-0");
}

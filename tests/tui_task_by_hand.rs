//! A lesson task done by hand from another process: the lesson screen shows the server's URL,
//! curl or Python's `websockets` does the task, and the verdict shows with no key pressed.

mod tmux;

use std::path::Path;
use std::process::Command;

use tmux::{Tmux, have_tmux};

/// The first `scheme://127.0.0.1:PORT` on the screen.
fn url(screen: &str, scheme: &str) -> Option<String> {
    let at = screen.find(&format!("{scheme}://127.0.0.1:"))?;
    let rest = &screen[at..];
    let head = format!("{scheme}://127.0.0.1:").len();
    let port: String = rest[head..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!port.is_empty()).then(|| format!("{scheme}://127.0.0.1:{port}"))
}

/// `duplex learn LESSON --lessons lessons` (not --auto), its first step run, its task waiting.
fn lesson_waiting(name: &str, lesson: &str, data: &Path) -> Tmux {
    let t = Tmux::start_with(
        &format!("{name}-{}", std::process::id()),
        data,
        (100, 30),
        &["learn", lesson, "--lessons", "lessons"],
    );
    t.wait_for("step 1/");
    t.keys(&["Enter"]);
    t.wait_for("Waiting for the wire: 0 of 1");
    t
}

#[test]
fn an_http_task_done_with_curl_is_graded_done_by_you() {
    if !have_tmux() || Command::new("curl").arg("-V").output().is_err() {
        println!("SKIP: tmux or curl is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let t = lesson_waiting("duplex-task-curl", "http-anatomy", data.path());
    let s = t.wait("the server's URL", |s| url(s, "http").is_some());
    let base = url(&s, "http").unwrap();
    // The tag is the catalog's content tag, as the lesson's solution sends it.
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5"])
        .args(["-H", "If-None-Match: \"62d334fe2d7e5bfc\""])
        .arg(format!("{base}/api/catalog"))
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "304");
    // No key from here: the verdict comes by itself, in sight.
    let s = t.wait("the verdict", |s| s.contains("Done by you"));
    assert!(!s.contains("The solution was played"), "{s}");
    assert!(s.contains("304 Not Modified"), "the ladder shows it:\n{s}");
}

#[test]
fn a_websocket_task_done_with_python_is_graded_done_by_you() {
    let py = Command::new("python3")
        .args(["-c", "import websockets.sync.client"])
        .status();
    if !have_tmux() || !py.is_ok_and(|s| s.success()) {
        println!("SKIP: tmux or python3 websockets is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let t = lesson_waiting("duplex-task-py", "frames", data.path());
    let s = t.wait("the server's URL", |s| url(s, "ws").is_some());
    let ws = url(&s, "ws").unwrap();
    let code = "import sys\n\
                from websockets.sync.client import connect\n\
                with connect(sys.argv[1] + '/ws/echo', open_timeout=5) as c:\n\
                \x20   c.send('hi')\n\
                \x20   print(c.recv(timeout=5))\n";
    let out = Command::new("python3")
        .args(["-c", code, &ws])
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "hi",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = t.wait("the verdict", |s| s.contains("Done by you"));
    assert!(!s.contains("The solution was played"), "{s}");
}

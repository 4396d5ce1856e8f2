//! `[[step.task]]`: what the loader refuses (with its place), `check --run` failing a task whose
//! solution does not do it, the runner waiting for a client that is not duplex's, and
//! `learn --plain --auto` playing the solution.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use duplex::lesson::load::parse_lesson;
use duplex::lesson::run::Player;
use duplex::lesson::run::task::{TaskBy, TaskMode};

const BIN: &str = env!("CARGO_BIN_EXE_duplex");

/// A lesson with one step: a WebSocket opened, then a task to ping on a connection of one's own.
const PING: &str = r#"id = "tasky"
title = "T"
summary = "S"
order = 1

[[step]]
id = "ping"
title = "Ping"
text = "Ping the server."

[[step.action]]
do = "ws_connect"
path = "/ws/echo"

[[step.task]]
goal = "Send a ping: `websocat {ws}/ws/echo`"
until = { kind = "ws_frame", dir = "c2s", opcode = "ping" }
hints = [{ after = 0, text = "websocat --ping-interval 1" }]

[[step.task.solution]]
do = "ws_connect"
conn = "mine"
path = "/ws/echo"

[[step.task.solution]]
do = "ws_ping"
conn = "mine"
payload = "ada"
"#;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("DUPLEX_LESSONS")
        .env("DUPLEX_LANG", "en")
        .env("DUPLEX_DATA_DIR", std::env::temp_dir())
        .output()
        .expect("run duplex");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let f = dir.join("t.toml");
    std::fs::write(&f, text).unwrap();
    f
}

#[test]
fn a_bad_task_is_refused_with_its_place() {
    let text = "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 1\n\
                [[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n\
                [[step.task]]\ngoal = \"do it\"\nhints = [{ after = 9, text = \"b\" }, { after = 3, text = \"a\" }]\nwhen = 1\n";
    let e: Vec<String> = parse_lesson("l.toml", text, &|_| true)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    let all = e.join("\n");
    assert!(
        all.contains("l.toml:9:1: missing required field `until` in a task"),
        "{all}"
    );
    assert!(all.contains("l.toml:9:1: a task needs a solution"), "{all}");
    assert!(
        all.contains("l.toml:11:47: hints come in order of `after`"),
        "{all}"
    );
    assert!(
        all.contains("l.toml:12:1: unknown field `when` in a task"),
        "{all}"
    );
    // ws_raw needs bytes, and an open WebSocket.
    let raw = "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 1\n\
               [[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n\
               [[step.action]]\ndo = \"ws_raw\"\nconn = \"nope\"\nhex = \"8\"\n";
    let e: Vec<String> = parse_lesson("l.toml", raw, &|_| true)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    let all = e.join("\n");
    assert!(
        all.contains("l.toml:11:8: connection `nope` is used before"),
        "{all}"
    );
    assert!(
        all.contains("l.toml:12:7: `hex` must be pairs of hex digits"),
        "{all}"
    );
}

#[test]
fn a_solution_that_does_not_do_the_task_fails_check_run_naming_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let bad = PING.replace(
        "do = \"ws_ping\"\nconn = \"mine\"\npayload = \"ada\"",
        "do = \"ws_send\"\nconn = \"mine\"\ntext = \"no ping\"",
    );
    let f = write(dir.path(), &bad);
    let (code, _, err) = run(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 0, "the static check passes: {err}");
    let (code, _, err) = run(&["check", "--run", f.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let want = format!(
        "{}:15:1: step \"ping\": the task's solution does not satisfy its `until`",
        f.display()
    );
    assert!(err.contains(&want), "want {want:?} in:\n{err}");
    let good = write(dir.path(), PING);
    let (code, _, err) = run(&["check", "--run", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 task solved"), "{err}");
}

#[test]
fn learn_plain_auto_shows_the_goal_with_the_url_and_plays_the_solution() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), PING);
    let (code, out, err) = run(&[
        "--lessons",
        dir.path().to_str().unwrap(),
        "learn",
        "tasky",
        "--plain",
        "--auto",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Your turn:"), "{out}");
    // The step's actions are reported first, then the learner is asked to do more; then what
    // the wire showed, the solution and the verdict.
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("no {s:?} in:\n{out}"));
    assert!(at("What we did:") < at("Your turn:"), "{out}");
    assert!(at("opened ws://") < at("Your turn:"), "{out}");
    assert!(at("Your turn:") < at("The solution, played:"), "{out}");
    assert_eq!(out.matches("What we did:").count(), 1, "said once: {out}");
    assert!(
        out.contains("websocat ws://127.0.0.1:"),
        "the URL is filled in: {out}"
    );
    assert!(!out.contains("{ws}"), "{out}");
    assert!(out.contains("The solution, played:"), "{out}");
    assert!(
        out.contains("The solution was played (--auto): the wire showed 1 of 1."),
        "{out}"
    );
}

/// The learner's own client: a WebSocket by hand on a plain socket, then a masked ping.
fn outside_ping(addr: std::net::SocketAddr) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(
        b"GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    let mut head = [0u8; 512];
    let n = s.read(&mut head).unwrap();
    assert!(head[..n].starts_with(b"HTTP/1.1 101"), "{:?}", &head[..n]);
    // FIN + ping, MASK + length 2, the key 0, "me".
    s.write_all(&[0x89, 0x82, 0, 0, 0, 0, b'm', b'e']).unwrap();
    let mut pong = [0u8; 16];
    let _ = s.read(&mut pong);
}

#[test]
fn a_task_is_done_by_a_client_that_is_not_duplex_with_no_key_pressed() {
    let lesson = parse_lesson("t.toml", PING, &|_| true).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut p = Player::start(lesson).await.unwrap();
        p.set_task_mode(TaskMode::Wait);
        let addr = p.addr();
        let tasks = p.tasks();
        let learner = tokio::task::spawn_blocking(move || {
            // Once the task waits: traffic before it would not count.
            for _ in 0..100 {
                if tasks.live().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(tasks.live().is_some(), "the task never started");
            outside_ping(addr);
        });
        let r = tokio::time::timeout(Duration::from_secs(20), p.run_step(0))
            .await
            .expect("the step went on by itself")
            .unwrap();
        learner.await.unwrap();
        assert_eq!(r.tasks.len(), 1);
        assert_eq!(r.tasks[0].by, TaskBy::Learner, "{:?}", r.tasks[0]);
        assert_eq!(r.tasks[0].matched, 1);
        assert!(r.tasks[0].actions.is_empty(), "no solution played");
        assert!(r.passed());
        p.finish().await;
    });
}

#[test]
fn giving_up_plays_the_solution() {
    let lesson = parse_lesson("t.toml", PING, &|_| true).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut p = Player::start(lesson).await.unwrap();
        p.set_task_mode(TaskMode::Wait);
        let tasks = p.tasks();
        let quitter = tokio::spawn(async move {
            for _ in 0..100 {
                if tasks.live().is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            tasks.give_up();
        });
        let r = tokio::time::timeout(Duration::from_secs(20), p.run_step(0))
            .await
            .expect("giving up ends the wait")
            .unwrap();
        quitter.await.unwrap();
        assert_eq!(r.tasks[0].by, TaskBy::GaveUp);
        assert_eq!(r.tasks[0].actions.len(), 2);
        assert!(r.tasks[0].ok(), "{:?}", r.tasks[0]);
        p.finish().await;
    });
}

/// A task over `wss://`: the goal names the certificate's file (`{cert}`), which exists and
/// is the one the lesson server presents, so Python's `websockets` checks it and does the task.
const WSS_TASK: &str = r#"id = "tlsy"
title = "T"
summary = "S"
order = 1

[[step]]
id = "mine"
title = "Mine"
text = "Your own wss."

[[step.task]]
goal = "python3 -c ... cafile='{cert}' ... wss://localhost:{port}/ws/echo"
until = { kind = "ws_message", dir = "c2s", text = "over TLS" }

[[step.task.solution]]
do = "ws_connect"
conn = "mine"
path = "/ws/echo"
tls = true

[[step.task.solution]]
do = "ws_send"
conn = "mine"
text = "over TLS"
"#;

#[test]
fn a_wss_task_is_done_by_python_trusting_the_certificate_file_the_goal_names() {
    let have_ws = Command::new("python3")
        .args(["-c", "import websockets.sync.client"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_ws {
        eprintln!("note: python3 websockets is not installed; skipping");
        return;
    }
    let lesson = parse_lesson("t.toml", WSS_TASK, &|_| true).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut p = Player::start(lesson.clone()).await.unwrap();
        p.set_task_mode(TaskMode::Wait);
        let addr = p.addr();
        let goal = lesson.steps[0].tasks[0].goal_for(Some(addr));
        assert!(!goal.contains("{cert}"), "{goal}");
        let cert = goal
            .split("cafile='")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .unwrap()
            .to_owned();
        assert!(std::fs::read_to_string(&cert).unwrap().contains("BEGIN CERTIFICATE"));
        let tasks = p.tasks();
        let learner = tokio::task::spawn_blocking(move || {
            for _ in 0..100 {
                if tasks.live().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let script = "import ssl,sys\nfrom websockets.sync.client import connect\n\
                ctx = ssl.create_default_context(cafile=sys.argv[1])\n\
                with connect(sys.argv[2], ssl=ctx, open_timeout=10) as c:\n    c.send('over TLS'); print(c.recv(timeout=10))\n";
            let out = Command::new("python3")
                .args(["-c", script, &cert])
                .arg(format!("wss://localhost:{}/ws/echo", addr.port()))
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        });
        let r = tokio::time::timeout(Duration::from_secs(30), p.run_step(0))
            .await
            .expect("the step went on by itself")
            .unwrap();
        learner.await.unwrap();
        assert_eq!(r.tasks[0].by, TaskBy::Learner, "{:?}", r.tasks[0]);
        p.finish().await;
    });
}

//! A task that counts connections (`connections = N`): lesson 02's "ten HTTP/1.0 connections"
//! is not done by one connection carrying ten requests, and its HTTP/1.1 task wants one
//! connection carrying two; `duplex check` refuses a count of connections out of range.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use duplex::lesson::load::parse_lesson;
use duplex::lesson::model::Lesson;
use duplex::lesson::run::Player;
use duplex::lesson::run::task::{TaskBy, TaskMode};

fn lesson02() -> Lesson {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/02-http10.toml");
    let text = std::fs::read_to_string(path).unwrap();
    parse_lesson(path, &text, &|_| true).unwrap()
}

/// One answer read off `s`: its head, then `Content-Length` bytes of body.
fn read_answer(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        assert_eq!(
            s.read(&mut b).unwrap(),
            1,
            "the answer ended early: {got:?}"
        );
        got.push(b[0]);
    }
    let head = String::from_utf8_lossy(&got).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    head
}

/// `n` requests of `version` on ONE connection, each answered before the next.
fn requests_on_one_conn(addr: SocketAddr, version: &str, n: usize) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..n {
        let req =
            format!("GET /api/price HTTP/{version}\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let head = read_answer(&mut s);
        assert!(head.contains(" 200 "), "{head}");
    }
}

/// Step `step` of lesson 02 waiting for the learner, who does `learner(addr)` once the task
/// waits; then, a second later, gives up if the task still waits. The task's report.
fn play(step: usize, learner: fn(SocketAddr)) -> (TaskBy, u32, u32) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut p = Player::start(lesson02()).await.unwrap();
        // Earlier steps' connections are not the learner's: run them as the lesson does.
        for i in 0..step {
            p.run_step(i).await.unwrap();
        }
        p.set_task_mode(TaskMode::Wait);
        let addr = p.addr();
        let tasks = p.tasks();
        let hand = tokio::task::spawn_blocking(move || {
            for _ in 0..200 {
                if tasks.live().is_some_and(|l| l.step == step) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(tasks.live().is_some(), "the task never started");
            learner(addr);
            // The wire's events take a moment to reach the runner.
            for _ in 0..20 {
                if tasks.live().is_some_and(|l| l.matched >= l.count) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            tasks.give_up();
        });
        let r = tokio::time::timeout(Duration::from_secs(60), p.run_step(step))
            .await
            .expect("the step ended")
            .unwrap();
        hand.await.unwrap();
        p.finish().await;
        let t = &r.tasks[0];
        (t.by, t.matched, t.count)
    })
}

#[test]
fn one_connection_with_ten_http10_requests_is_not_ten_connections() {
    let (by, matched, count) = play(0, |a| requests_on_one_conn(a, "1.0", 10));
    assert_eq!(count, 10, "the task counts ten connections");
    assert_eq!(by, TaskBy::GaveUp, "one connection did not do it");
    // The solution played after giving up: ten connections of its own, beside the learner's.
    // Its wait ends once ten are counted, which may be before its own last one reached the log.
    assert!((10..=11).contains(&matched), "{matched} connections");
}

#[test]
fn ten_http10_connections_by_hand_do_the_task() {
    let (by, matched, count) = play(0, |a| {
        for _ in 0..10 {
            requests_on_one_conn(a, "1.0", 1);
        }
    });
    assert_eq!((by, matched, count), (TaskBy::Learner, 10, 10));
}

#[test]
fn http11_task_wants_one_connection_carrying_two_requests() {
    // Two HTTP/1.1 requests, each on its own connection: not the task.
    let (by, _, count) = play(1, |a| {
        requests_on_one_conn(a, "1.1", 1);
        requests_on_one_conn(a, "1.1", 1);
    });
    assert_eq!((by, count), (TaskBy::GaveUp, 1));
    let (by, matched, _) = play(1, |a| requests_on_one_conn(a, "1.1", 2));
    assert_eq!((by, matched), (TaskBy::Learner, 1));
}

#[test]
fn connections_out_of_range_is_refused_with_its_place() {
    let text = "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 1\n\
                [[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n\
                [[step.task]]\ngoal = \"do it\"\n\
                until = { kind = \"http_request\" }\nconnections = 0\n\
                [[step.task.solution]]\ndo = \"http\"\npath = \"/\"\n";
    let e: Vec<String> = parse_lesson("l.toml", text, &|_| true)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    let all = e.join("\n");
    assert!(
        all.contains("l.toml:12:15: `connections` must be between 1 and 1000, found 0"),
        "{all}"
    );
}

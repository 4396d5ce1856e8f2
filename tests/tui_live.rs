//! The lesson screen stays live between steps, follows new traffic until the learner moves, and
//! keeps a replayed capture apart from the live connections. Lessons written here from
//! `lessons/README.md`, played in a real terminal under tmux at 100x30 and 80x24; the screen is
//! read without pressing keys where the point is that something appears by itself.

use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

mod tmux;

use tmux::{Tmux, have_tmux};

const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

/// A lessons directory holding one file, `01-t.toml`, with `body` under a header of `id`.
fn lessons(id: &str, body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = format!("id = \"{id}\"\ntitle = \"Live test\"\nsummary = \"x\"\norder = 1\n\n");
    std::fs::write(dir.path().join("01-t.toml"), head + body).expect("write the lesson");
    dir
}

fn open(name: &str, size: (u16, u16), dir: &Path, id: &str, data: &Path) -> Tmux {
    let dir = dir.display().to_string();
    let t = Tmux::start_with(name, data, size, &["--lessons", &dir, "learn", id]);
    t.wait_for("step 1/");
    t
}

/// Lesson `id` of `body` opened at each size, fresh progress each time; SKIP without `tools`.
fn at_each_size(id: &str, body: &str, tools: &[&str], play: impl Fn(&Tmux)) {
    let missing = |tool: &&str| {
        std::process::Command::new(tool)
            .arg(if *tool == "tmux" { "-V" } else { "--version" })
            .output()
            .is_err()
    };
    if !have_tmux() || tools.iter().any(missing) {
        println!("SKIP: one of tmux {tools:?} is not installed");
        return;
    }
    let dir = lessons(id, body);
    for size in SIZES {
        let data = tempfile::tempdir().expect("tempdir");
        let name = format!("duplex-{id}-{}-{}", size.0, std::process::id());
        play(&open(&name, size, dir.path(), id, data.path()));
    }
}

/// The ladder pane's text: what lies between its heavy borders (it has the keys).
fn ladder(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split('┃').nth(1))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The time of the ladder's selected row (marked ▶).
fn selected_time(screen: &str) -> Option<String> {
    let line = screen
        .lines()
        .filter_map(|l| l.split('┃').nth(1))
        .find(|l| l.starts_with('▶'))?;
    line.trim_start_matches('▶')
        .split_whitespace()
        .next()
        .map(str::to_owned)
}

/// The ladder's times: every `N.NNN` that starts a ladder line after the lane marker.
fn ladder_times(screen: &str) -> Vec<f64> {
    screen
        .lines()
        .filter_map(|l| {
            let l = l.split('┃').nth(1)?;
            let w = l.trim_start_matches(['▶', ' ']).split_whitespace().next()?;
            w.parse::<f64>().ok()
        })
        .collect()
}

const IDLE: &str = r#"
[[step]]
id = "one"
title = "One request"
text = "A request, then the server's idle timeout."

[[step.action]]
do = "keepalive"
seconds = 2

[[step.action]]
do = "http"
path = "/api/price"
label = "a"

[[step]]
id = "two"
title = "Two"
text = "Next."
"#;

#[test]
fn a_keepalive_timeout_close_appears_by_itself() {
    at_each_size("idle-live", IDLE, &[], |t| {
        t.keys(&["Enter"]);
        t.wait_for("200 OK");
        let answered = Instant::now();
        // No key from here on: the server's close after 2 s idle must show by itself.
        let s = t.wait_at_most("the timeout close", Duration::from_secs(5), |s| {
            s.contains("timeout by server")
        });
        let took = answered.elapsed();
        assert!(
            took < Duration::from_millis(3200),
            "the close showed {took:?} after the answer (timeout 2 s):\n{s}"
        );
        assert!(!s.contains("timeout passed"), "{s}");
    });
}

const TICKER: &str = r#"
[[step]]
id = "open"
title = "A ticker left open"
text = "Prices are pushed; the step ends, the connection stays."

[[step.action]]
do = "ws_connect"
path = "/ws/ticker"

[[step.action]]
do = "ws_recv"
count = 2

[[step]]
id = "two"
title = "Two"
text = "Next."
"#;

#[test]
fn a_ticker_left_open_keeps_adding_frames_and_the_ladder_follows_until_the_learner_moves() {
    at_each_size("ticker-live", TICKER, &[], |t| {
        t.keys(&["Enter"]);
        t.wait_for("Enter: the next step");
        let newest = |s: &str| ladder_times(s).into_iter().fold(0.0, f64::max);
        let at_end = newest(&t.screen());
        // No key: the pushes after the step go on reaching the screen.
        let s = t.wait("frames after the step", |s| newest(s) > at_end + 0.5);
        assert!(!s.contains("new below"), "following, no cue:\n{s}");
        // The learner moves up: the ladder stays, and says what came below.
        t.keys(&["k", "k"]);
        let s = t.wait("the new-below cue", |s| s.contains("new below"));
        let held = newest(&s);
        let chosen = selected_time(&s);
        assert!(chosen.is_some(), "a selected row:\n{s}");
        sleep(Duration::from_millis(600));
        let later = t.screen();
        assert_eq!(
            selected_time(&later),
            chosen,
            "the selection must not move under the learner:\n{later}"
        );
        // End jumps back and follows again.
        t.keys(&["G"]);
        let s = t.wait("following again", |s| {
            !s.contains("new below") && newest(s) > held
        });
        assert!(newest(&s) > held, "{s}");
    });
}

const REPLAY_THEN_LIVE: &str = r#"
[[step]]
id = "both"
title = "A capture, then a live request"
text = "A capture replayed, then one request of ours."

[[step.action]]
do = "replay"
capture = "http10-curl-10req.pcap"
label = "capture"

[[step.action]]
do = "http"
path = "/api/price"
label = "live"
"#;

#[test]
fn a_replayed_capture_has_its_own_timebase_and_numbers() {
    at_each_size("replay-live", REPLAY_THEN_LIVE, &["curl"], |t| {
        t.keys(&["Enter"]);
        t.wait("the step to end", |s| {
            ladder(s).contains("GET /api/price") && s.contains("lesson is over")
        });
        // Both views, each read by itself: the live one and the capture's.
        let mut screens = vec![t.settled()];
        t.keys(&["c"]);
        t.wait("the capture's view", |s| {
            s.contains("[http10-curl-10req.pcap]")
        });
        screens.push(t.settled());
        for s in &screens {
            let times = ladder_times(s);
            assert!(!times.is_empty(), "a ladder with times:\n{s}");
            assert!(
                times.iter().all(|&t| t < 1000.0),
                "times relative to the first packet, never epoch seconds:\n{s}"
            );
            let epoch = s
                .split(|c: char| !c.is_ascii_digit())
                .any(|w| w.len() >= 9 && w.starts_with('1'));
            assert!(!epoch, "no epoch number anywhere:\n{s}");
        }
        // The live view holds one connection (ours); the capture's ten are in its own view.
        let (live, capture) = (ladder(&screens[0]), ladder(&screens[1]));
        assert!(live.contains("GET /api/price"), "{}", screens[0]);
        assert!(!live.contains("GET / "), "{}", screens[0]);
        assert!(capture.contains("GET / "), "{}", screens[1]);
        assert!(!capture.contains("/api/price"), "{}", screens[1]);
    });
}

#[test]
fn a_visitors_curl_to_the_lesson_server_shows_before_any_step_runs() {
    at_each_size("visitor-live", IDLE, &["curl"], |t| {
        let s = t.wait_for("http://127.0.0.1:");
        let at = s.find("http://127.0.0.1:").expect("the URL");
        let url: String = s[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || ":/.".contains(*c))
            .collect();
        let out = std::process::Command::new("curl")
            .args(["-s", "-m", "5", &format!("{url}/echo?visitor=1")])
            .output()
            .expect("curl runs");
        assert!(out.status.success(), "curl {url}: {out:?}");
        // No key: the visitor's request is on screen by itself.
        t.wait("the visitor's request", |s| {
            ladder(s).contains("GET /echo?visitor=1")
        });
    });
}

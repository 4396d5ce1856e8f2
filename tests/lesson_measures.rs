//! The measures a lesson's tables print mean what their names say, on real sockets against the
//! built-in server; the server options lessons use to show keep-alive and idle timeouts; and the
//! claims the lessons test are the ones `lessons/CLAIMS.md` lists.

use std::collections::BTreeSet;
use std::time::Duration;

use duplex::lesson::load::parse_lesson;
use duplex::lesson::run::{Player, StepReport};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn lesson(body: &str) -> duplex::lesson::model::Lesson {
    let text = format!("id = \"t\"\ntitle = \"t\"\nsummary = \"t\"\norder = 1\n{body}");
    parse_lesson("test.toml", &text, &|_| true).unwrap_or_else(|d| panic!("{d:?}"))
}

/// Runs every step and returns the reports.
fn play(body: &str) -> Vec<StepReport> {
    let l = lesson(body);
    let n = l.steps.len();
    rt().block_on(async move {
        let mut p = Player::start(l).await.unwrap();
        let mut out = Vec::new();
        for i in 0..n {
            out.push(p.run_step(i).await.unwrap());
        }
        p.finish().await;
        out
    })
}

/// The value of `metric` for `row` in the step's table.
fn cell(r: &StepReport, row: &str, metric: &str) -> Option<f64> {
    let t = r.table.as_ref().expect("a table");
    let col = t.metrics.iter().position(|m| m.name() == metric).unwrap();
    let (_, vals) = t.rows.iter().find(|(l, _)| l == row).unwrap();
    vals[col]
}

fn labelled<'a>(r: &'a StepReport, kind: &'a str, label: &'a str) -> Vec<&'a Value> {
    r.events
        .iter()
        .filter(|e| e.json["kind"] == kind && e.label.as_deref() == Some(label))
        .map(|e| &e.json)
        .collect()
}

fn passed(r: &StepReport) {
    for v in &r.verdicts {
        assert!(v.ok, "{}: {}", v.says, v.saw);
    }
    for a in &r.actions {
        assert!(a.outcome.is_ok(), "{:?}", a.outcome);
    }
}

#[test]
fn request_and_response_heads_are_measured_apart() {
    let r = play(
        r#"
[[step]]
id = "s"
title = "s"
text = "t"
[[step.action]]
do = "http"
path = "/bytes/10"
headers = [["Cookie", "a=1"], ["X-Padding", "0123456789"]]
repeat = 2
label = "get"
[step.table]
rows = ["get"]
metrics = ["request_head_bytes", "response_head_bytes", "head_bytes"]
"#,
    );
    let sum = |kind| -> f64 {
        labelled(&r[0], kind, "get")
            .iter()
            .map(|e| e["header_bytes"].as_f64().unwrap())
            .sum()
    };
    let (req, resp) = (sum("http_request"), sum("http_response"));
    assert!(req > 0.0 && resp > 0.0);
    assert_eq!(cell(&r[0], "get", "request_head_bytes"), Some(req));
    assert_eq!(cell(&r[0], "get", "response_head_bytes"), Some(resp));
    assert_eq!(cell(&r[0], "get", "head_bytes"), Some(req + resp));
}

#[test]
fn a_reused_connection_counts_as_used() {
    let r = play(
        r#"
[[step]]
id = "open"
title = "open"
text = "t"
[[step.action]]
do = "http"
path = "/echo"
label = "first"

[[step]]
id = "reuse"
title = "reuse"
text = "t"
[[step.action]]
do = "http"
path = "/echo"
repeat = 3
label = "again"
[[step.action]]
do = "http"
path = "/echo"
connection = "new"
repeat = 2
label = "fresh"
[[step.expect]]
count = { kind = "tcp_open", label = "again" }
equals = 0
[step.table]
rows = ["again", "fresh"]
metrics = ["requests", "connections"]
"#,
    );
    passed(&r[1]);
    assert_eq!(cell(&r[1], "again", "requests"), Some(3.0));
    assert_eq!(
        cell(&r[1], "again", "connections"),
        Some(1.0),
        "reused, not opened"
    );
    assert_eq!(cell(&r[1], "fresh", "connections"), Some(2.0));
}

/// Price staleness: push (WebSocket, SSE, long polling) hands over each new price as it
/// changes; polling twice a second finds it, on average, a good part of a change period late.
/// Long polling asks no more often than `hz` says.
#[test]
fn polling_at_2_hz_sees_older_prices_than_push() {
    let via = |v: &str| {
        format!(
            "[[step.action]]\ndo = \"ticker\"\nvia = \"{v}\"\nupdates = 6\nhz = 2\nlabel = \"{v}\"\n"
        )
    };
    let body = format!(
        "[[step]]\nid = \"s\"\ntitle = \"s\"\ntext = \"t\"\n{}{}{}{}\
         [step.table]\nrows = [\"poll\", \"long-poll\", \"sse\", \"ws\"]\n\
         metrics = [\"latency_ms\", \"updates\", \"elapsed_ms\"]\n",
        via("poll"),
        via("long-poll"),
        via("sse"),
        via("ws"),
    );
    let r = play(&body);
    passed(&r[0]);
    let poll = cell(&r[0], "poll", "latency_ms").unwrap();
    assert!(poll >= 20.0, "polling at 2 Hz saw prices {poll} ms old");
    for push in ["long-poll", "sse", "ws"] {
        let ms = cell(&r[0], push, "latency_ms").unwrap();
        // Relative to polling: a loaded machine (CI runs tests side by side) delays every
        // delivery by some milliseconds, polling's staleness by a good part of a period.
        assert!(
            ms < 50.0 && ms < poll / 2.0,
            "{push}: {ms} ms against poll {poll} ms"
        );
        // Six updates at most twice a second: at least five half-second gaps.
        let took = cell(&r[0], push, "elapsed_ms").unwrap();
        assert!(took >= 2400.0, "{push} gave 6 updates at 2 Hz in {took} ms");
    }
}

#[test]
fn an_announcing_server_sends_keep_alive_timeout() {
    let r = play(
        r#"
[[step]]
id = "s"
title = "s"
text = "t"
[[step.action]]
do = "keepalive"
seconds = 5
announce = true
[[step.action]]
do = "http"
path = "/echo"
label = "on"
[[step.action]]
do = "keepalive"
seconds = 5
[[step.action]]
do = "http"
path = "/echo"
label = "off"
[[step.expect]]
some = { kind = "http_response", label = "on", "headers.keep-alive" = "timeout=5", "headers.connection" = "keep-alive" }
[[step.expect]]
none = { kind = "http_response", label = "off", "headers.keep-alive" = { contains = "timeout" } }
"#,
    );
    passed(&r[0]);
}

#[test]
fn an_idle_websocket_is_cut_and_a_heartbeat_keeps_one_alive() {
    let r = play(
        r#"
[[step]]
id = "s"
title = "s"
text = "t"
[[step.action]]
do = "ws_idle"
seconds = 1
[[step.action]]
do = "ws_connect"
conn = "quiet"
path = "/ws/echo"
label = "quiet"
[[step.action]]
do = "ws_connect"
conn = "beat"
path = "/ws/echo"
label = "beat"
[[step.action]]
do = "ws_ping"
conn = "beat"
[[step.action]]
do = "wait"
seconds = 0.6
[[step.action]]
do = "ws_ping"
conn = "beat"
[[step.action]]
do = "wait"
seconds = 0.6
[[step.action]]
do = "ws_ping"
conn = "beat"
[[step.action]]
do = "wait"
seconds = 0.6
[[step.action]]
do = "ws_send"
conn = "beat"
text = "still here"
[[step.action]]
do = "ws_recv"
conn = "beat"
[[step.expect]]
count = { kind = "tcp_close", how = "timeout" }
equals = 1
[[step.expect]]
some = { kind = "ws_message", dir = "s2c", text = "still here" }
"#,
    );
    passed(&r[0]);
    let opens = |label| labelled(&r[0], "tcp_open", label)[0]["conn"].clone();
    let closed: Vec<&Value> = r[0]
        .events
        .iter()
        .filter(|e| e.json["kind"] == "tcp_close")
        .map(|e| &e.json)
        .collect();
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(closed[0]["conn"], opens("quiet"));
    assert_ne!(closed[0]["conn"], opens("beat"));
}

/// Every claim id in `lessons/CLAIMS.md`'s headings, in order.
fn listed_claims() -> Vec<String> {
    let text = std::fs::read_to_string(format!("{ROOT}/lessons/CLAIMS.md")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|h| h.split_whitespace().next())
        .filter(|id| id.starts_with('C'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_claims_the_lessons_test_are_the_claims_listed() {
    let mut tagged = BTreeSet::new();
    for f in std::fs::read_dir(format!("{ROOT}/lessons")).unwrap() {
        let path = f.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let l = parse_lesson(&path.display().to_string(), &text, &|_| true).unwrap();
            for s in &l.steps {
                for c in &s.claims {
                    tagged.insert(c.clone());
                    // CLAIMS.md names the step that tests it as `lesson-id/step-id`.
                    let at = format!("`{}/{}`", l.id, s.id);
                    let md = std::fs::read_to_string(format!("{ROOT}/lessons/CLAIMS.md")).unwrap();
                    assert!(md.contains(&at), "CLAIMS.md does not cite {at} for {c}");
                }
            }
        }
    }
    let listed: BTreeSet<String> = listed_claims().into_iter().collect();
    assert_eq!(listed.len(), 18, "{listed:?}");
    for c in &tagged {
        assert!(
            listed.contains(c),
            "a lesson tests {c}, which CLAIMS.md does not list"
        );
    }
    for c in &listed {
        assert!(
            tagged.contains(c),
            "CLAIMS.md lists {c}, which no lesson tests"
        );
    }
}

/// Every relative link of the two READMEs names a file of the repository.
#[test]
fn the_readmes_cite_files_that_exist() {
    for doc in ["README.md", "lessons/README.md"] {
        let text = std::fs::read_to_string(format!("{ROOT}/{doc}")).unwrap();
        let dir = std::path::Path::new(ROOT)
            .join(doc)
            .parent()
            .unwrap()
            .to_owned();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let target = rest.split(')').next().unwrap().split('#').next().unwrap();
            if !target.contains("://") && !target.is_empty() {
                assert!(dir.join(target).exists(), "{doc} links {target}");
            }
        }
        // Files named in backticks as documents to read.
        for name in ["DESIGN.md", "CLAIMS.md"] {
            for (i, _) in text.match_indices(name) {
                let before = &text[..i];
                let start = before.rfind(['`', '(', ' ']).map_or(0, |s| s + 1);
                let cited = &text[start..i + name.len()];
                assert!(
                    dir.join(cited).exists(),
                    "{doc} cites {cited}, which is not in the repository"
                );
            }
        }
    }
}

/// The page the server offers tells its visitor where to look, whichever duplex serves it.
#[test]
fn the_browser_page_points_at_duplex_not_at_serve() {
    rt().block_on(async {
        let p = Player::start(lesson(
            "[[step]]\nid = \"s\"\ntitle = \"s\"\ntext = \"t\"\n",
        ))
        .await
        .unwrap();
        let url = format!("http://{}/", p.addr());
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let page = tokio::time::timeout(Duration::from_secs(5), async {
            client.get(&url).send().await.unwrap().text().await.unwrap()
        })
        .await
        .unwrap();
        assert!(
            !page.contains("running <code>duplex serve</code>"),
            "{page}"
        );
        assert!(page.contains("duplex's terminal"), "{page}");
        p.finish().await;
    });
}

/// `duplex check` on the new fields: each problem at its line and column.
#[test]
fn the_new_fields_are_checked_with_their_place() {
    let head = "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 1\n\
                [[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n[[step.action]]\n";
    for (action, want) in [
        (
            "do = \"keepalive\"\nseconds = 5\nannounce = \"yes\"\n",
            "12:12: `announce` must be true or false, found a string",
        ),
        ("do = \"ws_idle\"\n", "9:1: "),
        (
            "do = \"ws_idle\"\nseconds = -1\n",
            "11:11: `seconds` must be between 0 and 86400, found -1",
        ),
        ("do = \"ws_idle\"\nseconds = 2\nannounce = true\n", "12:1: "),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, format!("{head}{action}")).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_duplex"))
            .env("DUPLEX_LANG", "en")
            .arg("check")
            .arg(&file)
            .env_remove("DUPLEX_LESSONS")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        let want = format!("{}:{want}", file.display());
        assert!(err.starts_with(&want), "want {want:?}, got:\n{err}");
    }
}

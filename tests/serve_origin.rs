//! `duplex serve --allowed-origin` and the lesson action `origins`: a WebSocket upgrade from an
//! Origin not on the list is refused with 403 naming the rule (RFC 6455 §4.2.2, §10.2); an
//! upgrade with no Origin, plain HTTP, and a server told nothing are let through.

mod support;

use duplex::lesson::load::parse_lesson;
use duplex::lesson::run::{Player, StepReport};
use serde_json::Value;
use support::{Server, answer};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A well-formed upgrade request, with `origin` when given.
fn upgrade(origin: Option<&str>) -> String {
    let origin = origin.map_or_else(String::new, |o| format!("Origin: {o}\r\n"));
    format!(
        "GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {KEY}\r\n{origin}\r\n"
    )
}

fn status(evs: &[Value], code: u64) -> Vec<&Value> {
    evs.iter()
        .filter(|e| e["kind"] == "http_response" && e["status"] == code)
        .collect()
}

#[test]
fn a_foreign_origin_is_refused_with_403_naming_the_rule() {
    let mut s = Server::start(&["--allowed-origin", "http://localhost:8000"]);
    let got = answer(&s, &upgrade(Some("http://evil.test")));
    assert!(got.starts_with("HTTP/1.1 403 Forbidden"), "{got}");
    assert!(got.contains("http://evil.test"), "{got}");
    assert!(got.contains("RFC 6455 §10.2"), "{got}");
    assert!(
        !got.to_ascii_lowercase().contains("sec-websocket-accept"),
        "{got}"
    );
    let evs = s.wait_until("the 403 and its body", |e| {
        !status(e, 403).is_empty()
            && e.iter()
                .any(|x| x["kind"] == "http_body" && x["dir"] == "s2c")
    });
    let refused = status(evs, 403)[0];
    assert_eq!(refused["reason"], "Forbidden", "{refused}");
    assert!(support::body_bytes(evs, refused) > 0, "{refused}");
    let req = evs
        .iter()
        .find(|e| e["kind"] == "http_request")
        .expect("the request");
    assert_eq!(req["conn"], refused["conn"]);
    assert!(
        req["headers"].as_array().unwrap().iter().any(|h| h[0]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("origin")
            && h[1] == "http://evil.test"),
        "{req}"
    );
    assert!(status(evs, 101).is_empty(), "{evs:#?}");
}

#[test]
fn an_allowed_origin_is_upgraded_compared_as_rfc_6454_serialises_it() {
    let s = Server::start(&[
        "--allowed-origin",
        "http://localhost:8000",
        "--allowed-origin",
        "HTTPS://Example.test",
    ]);
    for origin in [
        "http://localhost:8000",
        // Scheme and host in any case; the default port written or not.
        "HTTP://LocalHost:8000",
        "https://example.test",
        "https://example.test:443",
    ] {
        let got = answer(&s, &upgrade(Some(origin)));
        assert!(got.starts_with("HTTP/1.1 101"), "{origin}: {got}");
    }
    for origin in [
        "http://localhost:8001",
        "https://localhost:8000",
        "http://example.test",
        "null",
        "http://localhost:8000/",
    ] {
        let got = answer(&s, &upgrade(Some(origin)));
        assert!(got.starts_with("HTTP/1.1 403"), "{origin}: {got}");
    }
    // No Origin: not a browser, which could have written any Origin anyway. Let through.
    let got = answer(&s, &upgrade(None));
    assert!(got.starts_with("HTTP/1.1 101"), "{got}");
}

#[test]
fn without_the_flag_any_origin_is_accepted() {
    let s = Server::start(&[]);
    let got = answer(&s, &upgrade(Some("http://evil.test")));
    assert!(got.starts_with("HTTP/1.1 101"), "{got}");
}

#[test]
fn plain_http_is_not_affected() {
    let s = Server::start(&["--allowed-origin", "http://localhost:8000"]);
    let got = answer(
        &s,
        "GET /echo HTTP/1.1\r\nHost: t\r\nOrigin: http://evil.test\r\nConnection: close\r\n\r\n",
    );
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    // A broken upgrade is still judged by its broken rule first.
    let got = answer(
        &s,
        "GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Origin: http://evil.test\r\n\r\n",
    );
    assert!(got.starts_with("HTTP/1.1 426"), "{got}");
}

#[test]
fn a_value_that_is_no_origin_is_refused_at_the_command_line() {
    for bad in ["*", "http://localhost:8000/", "localhost:8000", "http://"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_duplex"))
            .env("DUPLEX_LANG", "en")
            .args(["serve", "--port", "0", "--allowed-origin", bad])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("--allowed-origin"), "{bad}: {err}");
        assert!(err.contains("scheme://host[:port]"), "{bad}: {err}");
    }
}

fn play(body: &str) -> Vec<StepReport> {
    let text = format!("id = \"t\"\ntitle = \"t\"\nsummary = \"t\"\norder = 1\n{body}");
    let l = parse_lesson("test.toml", &text, &|_| true).unwrap_or_else(|d| panic!("{d:?}"));
    let n = l.steps.len();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut p = Player::start(l).await.unwrap();
        let mut out = Vec::new();
        for i in 0..n {
            out.push(p.run_step(i).await.unwrap());
        }
        p.finish().await;
        out
    })
}

/// A raw upgrade from `origin` on its own connection, labelled.
fn raw(conn: &str, origin: &str) -> String {
    let data = upgrade(Some(origin))
        .replace('\r', "\\r")
        .replace('\n', "\\n");
    format!(
        "[[step.action]]\ndo = \"tcp_send\"\nconn = \"{conn}\"\ndata = \"{data}\"\nlabel = \"{conn}\"\n\
         [[step.action]]\ndo = \"tcp_read\"\nconn = \"{conn}\"\ntimeout = 0.5\nlabel = \"{conn}\"\n"
    )
}

#[test]
fn the_lesson_action_refuses_then_allows() {
    let body = format!(
        "[[step]]\nid = \"s\"\ntitle = \"s\"\ntext = \"t\"\n\
         [[step.action]]\ndo = \"origins\"\nallow = [\"http://duplex.test\"]\n{}{}\
         [[step.action]]\ndo = \"origins\"\nallow = []\n{}\
         [[step.expect]]\nsome = {{ kind = \"http_response\", label = \"foreign\", status = 403 }}\n\
         [[step.expect]]\nsome = {{ kind = \"http_response\", label = \"own\", status = 101 }}\n\
         [[step.expect]]\nsome = {{ kind = \"http_response\", label = \"unchecked\", status = 101 }}\n",
        raw("foreign", "http://elsewhere.test"),
        raw("own", "HTTP://DUPLEX.TEST:80"),
        raw("unchecked", "http://elsewhere.test"),
    );
    let r = play(&body);
    for v in &r[0].verdicts {
        assert!(v.ok, "{}: {}", v.says, v.saw);
    }
    for a in &r[0].actions {
        assert!(a.outcome.is_ok(), "{:?}", a.outcome);
    }
    let said: Vec<String> = r[0]
        .actions
        .iter()
        .filter_map(|a| a.outcome.clone().ok())
        .collect();
    assert!(
        said.iter().any(|s| s.contains("403 Forbidden")),
        "{said:#?}"
    );
}

/// `duplex check`: an entry that is not a serialised origin is an error at its place.
#[test]
fn the_origins_action_is_checked_with_its_place() {
    let head = "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 1\n\
                [[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n[[step.action]]\n";
    for (action, want) in [
        (
            "do = \"origins\"\nallow = [\"http://ok.test\", \"http://x.test/\"]\n",
            "11:28: `allow` entry \"http://x.test/\" is not an origin",
        ),
        ("do = \"origins\"\n", "9:1: "),
        (
            "do = \"origins\"\nallow = \"http://ok.test\"\n",
            "11:9: `allow` must be",
        ),
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

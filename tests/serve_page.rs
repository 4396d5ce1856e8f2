//! The page at `/` in English (byte for byte the page before the catalog, tests/page/index-en.html)
//! or in zh-CN: by `?lang=`, by duplex's chosen language, or by the browser's Accept-Language.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Serve {
    child: Child,
    port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `duplex serve --port 0` with `args`, in a clean environment but for `vars`.
fn serve(args: &[&str], vars: &[(&str, &str)]) -> Serve {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_duplex"));
    cmd.env_clear()
        .args(["serve", "--port", "0", "--json"])
        .args(args)
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn duplex serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("duplex serve: listening on http://") {
                let _ = tx.send(rest.trim_end_matches('/').to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a listening line");
    let port = addr.rsplit(':').next().unwrap().parse().unwrap();
    Serve { child, port }
}

/// The body of `GET target`, with an `Accept-Language` when given.
fn get(s: &Serve, target: &str, accept: Option<&str>) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept-Language: {a}\r\n"));
    write!(
        tcp,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\n{accept}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

fn english() -> String {
    std::fs::read_to_string("tests/page/index-en.html").unwrap()
}

/// Sentences and words of the English page; none may be left in the Chinese one.
const ENGLISH: &[&str] = &[
    "WebSocket chat",
    "This page opened",
    "said hello",
    "second tab",
    "Watch duplex",
    "the sandbox or a lesson",
    "the 101 answer",
    "masked on the way in",
    "Also try",
    "value=\"hello\"",
    "aria-label=\"message\"",
    "<button>Send</button>",
    "Close (1000)",
    "'open: '",
    "hello from the browser",
    "'you are '",
    "no one else",
    "' more'",
    "' joined'",
    "' left ('",
    "'error: '",
    "closed: code",
    "the connection failed",
];

fn assert_chinese(page: &str) {
    assert!(page.contains("<html lang=\"zh-CN\">"), "{page}");
    assert!(page.contains("<h1>duplex：WebSocket 聊天</h1>"), "{page}");
    assert!(page.contains("<button>发送</button>"), "{page}");
    for e in ENGLISH {
        assert!(!page.contains(e), "English left: {e}\n{page}");
    }
    // The protocol's words stay as on the wire.
    assert!(page.contains("/ws/chat?name=browser&room=lobby") && page.contains("Origin"));
}

#[test]
fn the_page_in_english_is_the_page_it_was() {
    let s = serve(&["--lang", "en"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(get(&s, "/", None), english());
    // Chosen for duplex: a Chinese browser still gets English, unless the URL asks.
    assert_eq!(get(&s, "/", Some("zh-CN,zh;q=0.9")), english());
    let s = serve(&[], &[]);
    assert_eq!(get(&s, "/", Some("en-US,en;q=0.9")), english());
    assert_eq!(get(&s, "/?lang=en", Some("zh-CN")), english());
}

#[test]
fn the_page_in_chinese_by_url_by_duplex_and_by_browser() {
    let s = serve(&["--lang", "en"], &[]);
    assert_chinese(&get(&s, "/?lang=zh-CN", None));
    let s = serve(&[], &[("DUPLEX_LANG", "zh-CN")]);
    assert_chinese(&get(&s, "/", Some("en-US,en")));
    assert_eq!(get(&s, "/?lang=en", None), english());
    // Not chosen for duplex (only the machine's locale): the visitor's browser decides.
    let s = serve(&[], &[("LANG", "en_US.UTF-8")]);
    assert_chinese(&get(&s, "/", Some("zh-CN,zh;q=0.9,en;q=0.8")));
    assert_eq!(get(&s, "/", Some("fr, de")), english());
    let s = serve(&[], &[("LANG", "zh_CN.UTF-8")]);
    assert_chinese(&get(&s, "/", None));
}

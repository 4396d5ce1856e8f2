//! The upgrade rules the server enforces (RFC 6455 §4.1, §4.4): each broken rule gets its own
//! status and a body naming the rule, and no connection is switched.

mod support;

use support::{Server, answer};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn upgrade(version: &str, extra: &str) -> String {
    format!(
        "GET /ws/echo {version}\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{extra}\r\n"
    )
}

#[test]
fn each_broken_rule_is_refused_with_its_status_and_named() {
    let s = Server::start(&[]);
    let ok = answer(
        &s,
        &upgrade(
            "HTTP/1.1",
            &format!("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {KEY}\r\n"),
        ),
    );
    assert!(ok.starts_with("HTTP/1.1 101"), "{ok}");

    let http10 = answer(
        &s,
        &upgrade(
            "HTTP/1.0",
            &format!("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {KEY}\r\n"),
        ),
    );
    assert!(http10.starts_with("HTTP/1.0 400"), "{http10}");
    assert!(http10.contains("HTTP/1.1 or later"), "{http10}");

    let version = answer(
        &s,
        &upgrade(
            "HTTP/1.1",
            &format!("Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: {KEY}\r\n"),
        ),
    );
    assert!(version.starts_with("HTTP/1.1 426"), "{version}");
    assert!(
        version
            .to_ascii_lowercase()
            .contains("sec-websocket-version: 13"),
        "{version}"
    );
    assert!(version.contains("asked for 8"), "{version}");

    let no_key = answer(&s, &upgrade("HTTP/1.1", "Sec-WebSocket-Version: 13\r\n"));
    assert!(no_key.starts_with("HTTP/1.1 400"), "{no_key}");
    assert!(no_key.contains("needs a Sec-WebSocket-Key"), "{no_key}");

    let bad_key = answer(
        &s,
        &upgrade(
            "HTTP/1.1",
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n",
        ),
    );
    assert!(bad_key.starts_with("HTTP/1.1 400"), "{bad_key}");
    assert!(bad_key.contains("16 random bytes"), "{bad_key}");
}

//! A third-party WebSocket client (Python `websockets`) against `duplex serve --json`: the frames
//! in the events are the frames it sent, and the echoes it got back.

mod support;

use std::process::Command;

use serde_json::Value;
use support::{Server, kind};

const CLIENT: &str = r#"
import sys
from websockets.sync.client import connect
with connect(sys.argv[1], open_timeout=5, close_timeout=5, compression=None) as ws:
    ws.send("hello")
    assert ws.recv(timeout=5) == "hello"
    ws.send(bytes([0, 1, 2, 255]))
    assert ws.recv(timeout=5) == bytes([0, 1, 2, 255])
    ws.send(["frag-1 ", "frag-2 ", "frag-3"])
    assert ws.recv(timeout=5) == "frag-1 frag-2 frag-3"
    ws.close(code=1000, reason="python done")
print("ok")
"#;

fn python_websockets() -> bool {
    Command::new("python3")
        .args(["-c", "import websockets.sync.client"])
        .status()
        .is_ok_and(|s| s.success())
}

fn frames(evs: &[Value], dir: &str) -> Vec<(u64, bool, bool, u64)> {
    kind(evs, "ws_frame")
        .filter(|e| e["dir"] == dir)
        .map(|e| {
            let op = e["opcode"].as_u64().unwrap();
            let len = e["payload_bytes"].as_u64().unwrap();
            (
                op,
                e["fin"].as_bool().unwrap(),
                e["masked"].as_bool().unwrap(),
                len,
            )
        })
        .collect()
}

#[test]
fn python_websockets_echo_text_binary_fragments_and_close() {
    if !python_websockets() {
        println!("SKIP: Python `websockets` is not installed (pip install websockets)");
        return;
    }
    let mut s = Server::start(&[]);
    let url = format!("ws://127.0.0.1:{}/ws/echo", s.port);
    let out = Command::new("python3")
        .args(["-c", CLIENT, &url])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let evs = s.wait_until("both close frames", |evs| {
        kind(evs, "ws_frame").filter(|e| e["opcode"] == 8).count() >= 2
    });
    let upgrade = kind(evs, "http_request")
        .next()
        .expect("the upgrade request");
    assert_eq!(upgrade["target"], "/ws/echo");
    let response = kind(evs, "http_response").next().expect("the 101");
    assert_eq!(response["status"], 101);
    assert_eq!(response["ws_accept"]["ok"], true);

    // What websockets sent: every client frame masked; the three fragments, then (as this
    // library does) an empty final continuation frame carrying FIN.
    let c2s = frames(evs, "c2s");
    assert_eq!(
        c2s,
        [
            (1, true, true, 5),
            (2, true, true, 4),
            (1, false, true, 7),
            (0, false, true, 7),
            (0, false, true, 6),
            (0, true, true, 0),
            (8, true, true, 2 + "python done".len() as u64),
        ]
    );
    let texts: Vec<&str> = kind(evs, "ws_frame")
        .filter(|e| e["dir"] == "c2s" && e["opcode"] != 8)
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(texts, ["hello", "frag-1 ", "frag-2 ", "frag-3", ""]);
    // The echoes: unmasked, the fragmented message back as one frame, and the close answered.
    let s2c = frames(evs, "s2c");
    assert_eq!(
        &s2c[..3],
        [
            (1, true, false, 5),
            (2, true, false, 4),
            (1, true, false, 20)
        ]
    );
    let closes: Vec<&Value> = kind(evs, "ws_frame").filter(|e| e["opcode"] == 8).collect();
    assert!(closes.iter().all(|c| c["close_code"] == 1000), "{closes:?}");
    assert_eq!(closes[0]["close_reason"], "python done");
}

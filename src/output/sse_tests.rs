//! How a Server-Sent Event reads in each output.

use crate::proto::event::{Event, EventKind, SseEvent};
use crate::proto::{ByteRange, Dir, Timestamp};

fn event() -> Event {
    let sse = SseEvent {
        event: "message".into(),
        data: "{\"seq\":1}\nsecond".into(),
        id: Some("1".into()),
        retry: None,
        range: ByteRange::new(142, 200),
    };
    Event {
        conn: 1,
        ts: Timestamp(1_500_000_000),
        dir: Some(Dir::S2c),
        kind: EventKind::SseEvent(Box::new(sse)),
    }
}

#[test]
fn json_plain_and_summary() {
    let mut out = Vec::new();
    super::json::write_event(&mut out, &event(), Timestamp(0)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"kind": "sse_event", "conn": 1, "t": 1.5, "dir": "s2c",
            "event": "message", "data": "{\"seq\":1}\nsecond", "id": "1", "bytes": 58,
            "offset": 142})
    );
    assert_eq!(
        super::plain::describe(&event()),
        "Server-Sent Event \"message\", 58 bytes: {\"seq\":1}\\nsecond"
    );
    let mut sum = super::summary::Summary::default();
    sum.add(&event());
    sum.add(&event());
    assert!(sum.to_string().contains("SSE events       2 (116 bytes)\n"));
}

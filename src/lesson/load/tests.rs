use super::*;

fn load(text: &str) -> Result<Lesson, Vec<Diagnostic>> {
    parse_lesson("l.toml", text, &|n| n == "ws-basic.pcap")
}

fn errors(text: &str) -> Vec<String> {
    match load(text) {
        Ok(_) => Vec::new(),
        Err(d) => d.iter().map(ToString::to_string).collect(),
    }
}

const HEAD: &str = "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 1\n";

#[test]
fn the_worked_example_loads() {
    let text = include_str!("../../../tests/lessons/worked-example.toml");
    let l = load(text).unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(l.id, "keep-alive-basics");
    assert!(!l.steps.is_empty());
}

#[test]
fn reports_every_problem_not_the_first() {
    let e = errors(&format!(
        "{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n[[step.action]]\ndo = \"http\"\npath = \"/\"\nrepeat = \"3\"\n[[step.action]]\ndo = \"htp\"\n"
    ));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(
        e[0],
        "l.toml:12:10: `repeat` must be an integer, found a string"
    );
    assert!(
        e[1].starts_with("l.toml:14:6: unknown action `htp`\n  hint: did you mean `http`?"),
        "{}",
        e[1]
    );
}

#[test]
fn headers_keep_their_written_order() {
    let l = load(&format!(
        "{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n[[step.action]]\ndo = \"http\"\npath = \"/\"\nheaders = {{ Zeta = \"1\", Alpha = \"2\" }}\n"
    ))
    .unwrap_or_else(|d| panic!("{d:?}"));
    let super::super::model::ActionKind::Http { headers, .. } = &l.steps[0].actions[0].kind else {
        panic!("not http");
    };
    assert_eq!(headers[0].0, "Zeta");
}

#[test]
fn says_is_written_when_absent() {
    let l = load(&format!(
        "{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n[[step.expect]]\ncount = {{ kind = \"http_response\", status = 101 }}\nequals = 1\n"
    ))
    .unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(
        l.steps[0].expects[0].says,
        "exactly 1 × http_response status 101"
    );
}

#[test]
fn unclosed_fence_is_reported_at_its_line() {
    let e = errors(&format!(
        "{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"\"\"\nfirst\n```\ncode\n\"\"\"\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("l.toml:10:1: this code block is never closed"),
        "{}",
        e[0]
    );
}

/// The keys `json::write_event` prints for each kind must all be in the matcher vocabulary:
/// events from shipped captures (and one Server-Sent Event, which none holds) are written and
/// every key checked.
#[test]
fn event_fields_match_the_json_writer() {
    use std::collections::BTreeSet;

    use crate::output::json::write_event;
    use crate::proto::event::{Event, EventKind, SseEvent};
    use crate::proto::{ByteRange, Dir, Timestamp};

    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut check = |ev: &Event| {
        let mut out = Vec::new();
        write_event(&mut out, ev, Timestamp(0)).expect("write");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        let obj = v.as_object().expect("object");
        let kind = obj
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let fields = vocab::event_fields(&kind)
            .unwrap_or_else(|| panic!("kind `{kind}` is not in src/lesson/load/vocab.rs"));
        for key in obj.keys() {
            assert!(
                vocab::EVENT_COMMON.contains(&key.as_str()) || fields.contains(&key.as_str()),
                "`{kind}` prints `{key}`, which src/lesson/load/vocab.rs does not list"
            );
        }
        seen.insert(kind);
    };
    for name in [
        "ws-basic.pcap",
        "ws-basic-truncated.pcap",
        "garbage.pcap",
        "ws-cut-midstream.pcap",
        "http11-chunked-pipelined.pcap",
    ] {
        let bytes = crate::lesson::builtin::shipped_capture(name).expect("shipped");
        let _ = crate::replay::replay(bytes, &mut |ev, _| check(ev));
    }
    let sse = SseEvent {
        event: "message".into(),
        data: "x".into(),
        id: Some("1".into()),
        retry: Some(1000),
        range: ByteRange::new(0, 10),
    };
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::S2c),
        kind: EventKind::SseEvent(Box::new(sse)),
    });
    let all: BTreeSet<String> = vocab::event_names().into_iter().map(String::from).collect();
    assert_eq!(seen, all, "every kind must be written once by this test");
}

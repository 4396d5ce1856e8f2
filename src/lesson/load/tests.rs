use super::*;
use crate::lesson::model::{FieldTest, Metric, Value};

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
    use crate::proto::event::{Event, EventKind, Skipped, SseEvent};
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
        // Its first connection half-closes: a `tcp_fin`.
        "ws-abrupt-kill.pcap",
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
    // Only a live tap that fell behind makes one.
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::S2c),
        kind: EventKind::Skipped(Skipped {
            skipped: 10,
            undecoded: 0,
        }),
    });
    // Strangers on the HTTP/1.1 port: the shipped captures of them are checked by replay tests.
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::C2s),
        kind: EventKind::H2Preface,
    });
    let hello = crate::proto::tls::ClientHello {
        sni: Some("x.example".into()),
        alpn: vec!["h2".into()],
        versions: vec![0x0304],
        suites: vec![0x1301],
    };
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::C2s),
        kind: EventKind::TlsHandshake(Box::new(crate::proto::event::TlsHandshake {
            msg: "client_hello",
            hello,
            server: None,
            encrypted: false,
            bytes: 100,
        })),
    });
    let server = crate::proto::tls::ServerHello {
        version: 0x0304,
        suite: 0x1301,
        alpn: Some("http/1.1".into()),
    };
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::S2c),
        kind: EventKind::TlsHandshake(Box::new(crate::proto::event::TlsHandshake {
            msg: "server_hello",
            hello: Default::default(),
            server: Some(server),
            encrypted: true,
            bytes: 90,
        })),
    });
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::S2c),
        kind: EventKind::TlsRecord(Box::new(crate::proto::event::TlsRecord {
            content_type: 23,
            version: 0x0303,
            length: 40,
            offset: 5,
            encrypted: true,
            inner: Some(22),
            plaintext: Some(23),
        })),
    });
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::S2c),
        kind: EventKind::TlsKeys(Box::new(crate::proto::event::TlsKeys {
            version: 0x0304,
            suite: 0x1301,
            decrypting: false,
            client_random: [7; 32],
            need: Some("CLIENT_TRAFFIC_SECRET_0".into()),
        })),
    });
    check(&Event {
        conn: 1,
        ts: Timestamp(0),
        dir: Some(Dir::C2s),
        kind: EventKind::WsAbnormalClose(crate::proto::event::WsAbnormalClose {
            how: crate::proto::event::CloseHow::Rst,
            by: Some(Dir::C2s),
        }),
    });
    let all: BTreeSet<String> = vocab::event_names().into_iter().map(String::from).collect();
    assert_eq!(seen, all, "every kind must be written once by this test");
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    const EXAMPLE: &str = include_str!("../../../tests/lessons/worked-example.toml");

    /// Cuts `s` at char boundaries at or below `i`.
    fn floor(s: &str, i: usize) -> usize {
        let mut i = i.min(s.len());
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    proptest! {
        #[test]
        fn on_any_text(text in "\\PC{0,400}") {
            let _ = load(&text);
        }

        #[test]
        fn on_a_mutated_lesson(at in 0usize..3000, cut in 0usize..40, insert in "[\\[\\]{}=\",.a-z0-9 \\n#'\\\\]{0,12}") {
            let start = floor(EXAMPLE, at);
            let end = floor(EXAMPLE, start + cut);
            let text = format!("{}{insert}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
            if let Err(d) = load(&text) {
                // Every problem points inside the file.
                let lines = text.lines().count() as u32 + 1;
                for p in d {
                    prop_assert!(p.pos.line >= 1 && p.pos.line <= lines, "{p}");
                    prop_assert!(p.pos.col >= 1);
                }
            }
        }
    }
}

/// `lessons/schema.json` names every action, action field, expectation form and metric the
/// loader accepts.
#[test]
fn the_schema_knows_every_name() {
    let text = include_str!("../../../lessons/schema.json");
    let schema: serde_json::Value = serde_json::from_str(text).expect("schema.json is JSON");
    let defs = &schema["$defs"];
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let kinds = names(&defs["action"]["properties"]["do"]["enum"]);
    let variants = defs["action"]["allOf"].as_array().expect("allOf");
    for (kind, fields) in vocab::ACTIONS {
        assert!(
            kinds.iter().any(|k| k == kind),
            "schema lacks action `{kind}`"
        );
        let v = variants
            .iter()
            .find(|v| v["if"]["properties"]["do"]["const"] == *kind)
            .unwrap_or_else(|| panic!("schema has no variant for `{kind}`"));
        for f in fields.iter().chain(vocab::ACTION_COMMON) {
            assert!(
                v["then"]["properties"].get(*f).is_some(),
                "schema lacks `{kind}.{f}`"
            );
        }
    }
    let forms = defs["expect"]["oneOf"].as_array().expect("oneOf");
    for (form, extra) in vocab::EXPECT_FORMS {
        let v = forms
            .iter()
            .find(|v| v["required"][0] == *form)
            .unwrap_or_else(|| panic!("schema lacks expectation form `{form}`"));
        for f in *extra {
            assert!(
                v["properties"].get(*f).is_some(),
                "schema lacks `{form}` + `{f}`"
            );
        }
    }
    let metrics = names(&defs["metric"]["enum"]);
    for (_, m) in Metric::ALL {
        assert!(metrics.iter().any(|x| x == m), "schema lacks metric `{m}`");
    }
    let events = names(&defs["matcher"]["properties"]["kind"]["enum"]);
    for e in vocab::event_names() {
        assert!(
            events.iter().any(|x| x == e),
            "schema lacks event kind `{e}`"
        );
    }
}

/// A step with one action, `extra` written under it.
fn step_with(extra: &str) -> String {
    format!("{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n{extra}")
}

#[test]
fn an_empty_step_array_is_no_steps() {
    let e = errors(&format!("{HEAD}step = []\n"));
    assert!(
        e.iter().any(|m| m.contains("the lesson has no steps")),
        "{e:?}"
    );
}

#[test]
fn an_integer_too_large_is_said_so_and_never_dropped() {
    let e = errors(
        "id = \"x\"\ntitle = \"T\"\nsummary = \"S\"\norder = 99999999999999999999\n[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n",
    );
    assert_eq!(
        e,
        ["l.toml:4:9: `order` must be between 1 and 9999, found 99999999999999999999"]
    );
    // In a matcher, a field that cannot be read must not vanish (the matcher would pick more).
    let e = errors(&step_with(
        "[[step.expect]]\nsome = { kind = \"http_response\", status = 99999999999999999999 }\n",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("l.toml:10:43: `status`"), "{e:?}");
}

#[test]
fn matchers_take_finite_numbers_only() {
    for v in ["nan", "inf", "-inf", "{ min = nan }", "{ max = inf }"] {
        let e = errors(&step_with(&format!(
            "[[step.expect]]\nsome = {{ kind = \"http_response\", status = {v} }}\n"
        )));
        assert_eq!(e.len(), 1, "{v}: {e:?}");
        assert!(e[0].contains("finite"), "{v}: {e:?}");
    }
}

#[test]
fn answer_from_reads_a_field_the_event_has() {
    let q = "[[step.question]]\nask = \"q\"\nexplain = \"e\"\n";
    let e = errors(&step_with(&format!(
        "{q}answer_from = {{ event = {{ kind = \"http_response\" }}, field = \"nope\" }}\n"
    )));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("l.toml:12:61: `http_response` events have no field `nope`"),
        "{e:?}"
    );
    for ok in [
        "headers.sec-websocket-accept",
        "status",
        "ws_accept.key",
        "label",
    ] {
        let e = errors(&step_with(&format!(
            "{q}answer_from = {{ event = {{ kind = \"http_response\" }}, field = \"{ok}\" }}\n"
        )));
        assert!(e.is_empty(), "{ok}: {e:?}");
    }
}

#[test]
fn a_path_with_spaces_or_controls_is_refused() {
    for p in ["/a b", "/tab\\there", "/é", "/x\\r\\nHost: y"] {
        let e = errors(&step_with(&format!(
            "[[step.action]]\ndo = \"http\"\npath = \"{p}\"\n"
        )));
        assert_eq!(e.len(), 1, "{p}: {e:?}");
        assert!(e[0].starts_with("l.toml:11:8: `path`"), "{p}: {e:?}");
    }
    assert!(
        errors(&step_with(
            "[[step.action]]\ndo = \"http\"\npath = \"/a%20b?x=1\"\n"
        ))
        .is_empty()
    );
}

#[test]
fn a_byte_order_mark_takes_no_column() {
    let e = errors("\u{feff}id = 5\n");
    assert!(
        e.iter()
            .any(|m| m.starts_with("l.toml:1:6: `id` must be a string")),
        "{e:?}"
    );
}

#[test]
fn problems_come_in_file_order() {
    let e = errors(&step_with(
        "[[step.action]]\ndo = \"htp\"\n[[step.question]]\nask = 1\nexplain = \"e\"\nchoices = [\"a\", \"b\"]\nanswer = 1\n[[step.action]]\ndo = \"htq\"\n",
    ));
    let lines: Vec<u32> = e
        .iter()
        .map(|m| {
            m.split(':')
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        })
        .collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted, "{e:?}");
}

#[test]
fn an_opcode_may_be_named_and_a_wrong_name_is_said() {
    // `--json` writes opcodes as numbers; a name that silently matched nothing was a trap.
    let l = load(&step_with(
        "[[step.expect]]\nsome = { kind = \"ws_frame\", opcode = \"text\" }\n[[step.expect]]\nsome = { kind = \"ws_message\", opcode = \"binary\" }\n",
    ))
    .unwrap_or_else(|d| panic!("{d:?}"));
    let super::super::model::Check::Count { of, .. } = &l.steps[0].expects[0].check else {
        panic!("not a count");
    };
    assert_eq!(
        of.fields,
        [("opcode".to_string(), FieldTest::Eq(Value::Int(1)))]
    );
    let e = errors(&step_with(
        "[[step.expect]]\nsome = { kind = \"ws_frame\", opcode = \"txt\" }\n",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("l.toml:10:38: `opcode` cannot be \"txt\"\n  hint: did you mean `text`?"),
        "{e:?}"
    );
}

#[test]
fn a_label_compared_with_itself_is_an_error_at_the_second_name() {
    let e = errors(&format!(
        "{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n[[step.action]]\ndo = \"http\"\npath = \"/\"\nlabel = \"p\"\n[[step.expect]]\ncompare = \"bytes\"\nof = \"p\"\nless_than = \"p\"\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("l.toml:16:13: `of` and `less_than` both name \"p\""),
        "{}",
        e[0]
    );
}

#[test]
fn control_characters_in_text_a_learner_reads_are_errors_but_not_in_wire_bytes() {
    let e = errors(&format!(
        "{HEAD}[[step]]\nid = \"a\"\ntitle = \"A\\u001b]0;owned\\u0007\"\ntext = \"\"\"\nok\tline\n\"\"\"\n[[step.action]]\ndo = \"tcp_send\"\ndata = \"GET / HTTP/1.1\\r\\n\\u001b\\r\\n\\r\\n\"\n[[step.question]]\nask = \"Q\"\nchoices = [\"one\", \"two\\u009b\"]\nanswer = 1\nexplain = \"E\"\n"
    ));
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with("l.toml:7:9: `title` holds the control character U+001B"),
        "{}",
        e[0]
    );
    assert!(
        e[1].contains("`choices` holds the control character U+009B"),
        "{}",
        e[1]
    );
}

#[test]
fn a_lesson_saved_with_crlf_line_ends_loads() {
    let text = include_str!("../../../tests/lessons/worked-example.toml").replace('\n', "\r\n");
    load(&text).unwrap_or_else(|d| panic!("{d:?}"));
}

#[test]
fn a_wait_counts_matching_events_only_with_until() {
    let step =
        "[[step]]\nid = \"a\"\ntitle = \"A\"\ntext = \"t\"\n[[step.action]]\ndo = \"wait\"\n";
    let l = load(&format!(
        "{HEAD}{step}until = {{ kind = \"ws_frame\" }}\ncount = 3\n"
    ))
    .unwrap_or_else(|d| panic!("{d:?}"));
    assert!(matches!(
        l.steps[0].actions[0].kind,
        crate::lesson::model::ActionKind::Wait { count: 3, .. }
    ));
    let e = errors(&format!("{HEAD}{step}seconds = 1\ncount = 3\n"));
    assert_eq!(e, ["l.toml:12:9: `count` goes with `until` only"], "{e:?}");
}

#[test]
fn simulated_chat_users_are_capped_across_a_lesson() {
    let step = |id: &str| {
        format!(
            "[[step]]\nid = \"{id}\"\ntitle = \"A\"\ntext = \"t\"\n[[step.action]]\ndo = \"chat_users\"\ncount = 200\n"
        )
    };
    assert!(load(&format!("{HEAD}{}{}", step("a"), step("b"))).is_ok());
    let e = errors(&format!("{HEAD}{}{}{}", step("a"), step("b"), step("c")));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("brings the lesson's simulated chat users to 600, more than 400"),
        "{}",
        e[0]
    );
}

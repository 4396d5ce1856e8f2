//! The lesson runner on real sockets, with lessons built in code: actions, labels, measures and
//! expectations, independent of the file format.

use std::time::Duration;

use duplex::lesson::model::*;
use duplex::lesson::run::Player;

fn m(kind: &str, fields: &[(&str, Value)]) -> Matcher {
    Matcher {
        kind: kind.into(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), FieldTest::Eq(v.clone())))
            .collect(),
        pos: Pos::default(),
    }
}

fn act(label: Option<&str>, kind: ActionKind) -> Action {
    Action {
        label: label.map(str::to_owned),
        kind,
        pos: Pos::default(),
    }
}

fn expect(check: Check) -> Expect {
    Expect {
        says: format!("{check:?}"),
        check,
        pos: Pos::default(),
    }
}

fn step(id: &str, actions: Vec<Action>, expects: Vec<Expect>) -> Step {
    Step {
        id: id.into(),
        title: id.into(),
        text: "text".into(),
        claims: vec![],
        actions,
        expects,
        questions: vec![],
        tasks: vec![],
        table: None,
        pos: Pos::default(),
    }
}

fn lesson(steps: Vec<Step>) -> Lesson {
    Lesson {
        id: "t".into(),
        title: "t".into(),
        summary: "t".into(),
        order: 1,
        part: String::new(),
        steps,
        source: "test".into(),
    }
}

fn http(path: &str, version: Version, connection: Reuse, repeat: u32) -> ActionKind {
    ActionKind::Http {
        method: "GET".into(),
        path: path.into(),
        headers: vec![],
        body: String::new(),
        version,
        connection,
        repeat,
        tls: false,
    }
}

fn count(kind: &str, n: u64) -> Expect {
    expect(Check::Count {
        of: m(kind, &[]),
        cmp: Cmp::Eq,
        n,
    })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Plays every step of `l` on its own server; each must pass. Returns the reports.
async fn play_passing(l: Lesson) -> Vec<duplex::lesson::run::StepReport> {
    let n = l.steps.len();
    let mut p = Player::start(l).await.unwrap();
    p.set_assets(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/captures").into());
    let mut reports = Vec::new();
    for i in 0..n {
        let r = p.run_step(i).await.unwrap();
        assert!(r.passed(), "step {i}: {}", show(&r));
        reports.push(r);
    }
    p.finish().await;
    reports
}

fn show(r: &duplex::lesson::run::StepReport) -> String {
    format!("{:#?}\n{:#?}", r.actions, r.verdicts)
}

#[test]
fn http10_opens_one_connection_per_request_and_11_reuses_one() {
    rt().block_on(async {
        let l = lesson(vec![
            step(
                "ten-1.0",
                vec![act(
                    Some("h10"),
                    http("/api/price", Version::Http10, Reuse::New, 10),
                )],
                vec![count("tcp_open", 10), count("http_request", 10)],
            ),
            step(
                "ten-1.1",
                vec![act(
                    Some("h11"),
                    http("/api/price", Version::Http11, Reuse::Pooled, 10),
                )],
                vec![
                    count("tcp_open", 1),
                    count("http_response", 10),
                    expect(Check::Compare {
                        metric: Metric::Connections,
                        of: "h11".into(),
                        less: true,
                        than: "h10".into(),
                    }),
                ],
            ),
        ]);
        play_passing(l).await;
    });
}

#[test]
fn keepalive_timeout_closes_idle_connection_live() {
    rt().block_on(async {
        let until = m("tcp_close", &[("how", Value::Str("timeout".into()))]);
        let l = lesson(vec![step(
            "idle",
            vec![
                act(
                    None,
                    ActionKind::Keepalive {
                        seconds: 0.5,
                        announce: false,
                    },
                ),
                act(None, http("/api/price", Version::Http11, Reuse::Pooled, 1)),
                act(
                    None,
                    ActionKind::Wait {
                        seconds: None,
                        until: Some(until.clone()),
                        count: 1,
                        timeout: Duration::from_secs(5),
                    },
                ),
            ],
            vec![expect(Check::Count {
                of: m(
                    "tcp_close",
                    &[
                        ("how", Value::Str("timeout".into())),
                        ("by", Value::Str("s2c".into())),
                    ],
                ),
                cmp: Cmp::Eq,
                n: 1,
            })],
        )]);
        play_passing(l).await;
    });
}

#[test]
fn websocket_upgrade_ping_close_and_drops() {
    rt().block_on(async {
        let ws = |c: &str| c.to_owned();
        let l = lesson(vec![
            step(
                "upgrade",
                vec![
                    act(
                        None,
                        ActionKind::WsConnect {
                            conn: ws("a"),
                            path: "/ws/echo".into(),
                            headers: vec![],
                            deflate: None,
                            tls: false,
                        },
                    ),
                    act(
                        None,
                        ActionKind::WsSend {
                            conn: ws("a"),
                            payload: WsPayload::Text("hello".into()),
                        },
                    ),
                    act(
                        None,
                        ActionKind::WsRecv {
                            conn: ws("a"),
                            count: 1,
                            timeout: Duration::from_secs(3),
                        },
                    ),
                    act(
                        None,
                        ActionKind::WsPing {
                            conn: ws("a"),
                            payload: "hb".into(),
                        },
                    ),
                ],
                vec![
                    count("tcp_open", 1),
                    expect(Check::Count {
                        of: m(
                            "http_response",
                            &[
                                ("status", Value::Int(101)),
                                ("ws_accept.ok", Value::Bool(true)),
                            ],
                        ),
                        cmp: Cmp::Eq,
                        n: 1,
                    }),
                    expect(Check::SameConn(vec![
                        m(
                            "http_request",
                            &[("headers.upgrade", Value::Str("websocket".into()))],
                        ),
                        m(
                            "ws_frame",
                            &[
                                ("dir", Value::Str("c2s".into())),
                                ("masked", Value::Bool(true)),
                            ],
                        ),
                    ])),
                    expect(Check::Within {
                        first: m("ws_frame", &[("opcode", Value::Int(9))]),
                        then: m("ws_frame", &[("opcode", Value::Int(10))]),
                        secs: 2.0,
                    }),
                ],
            ),
            step(
                "close",
                vec![act(
                    None,
                    ActionKind::WsClose {
                        conn: ws("a"),
                        code: 1000,
                        reason: "bye".into(),
                    },
                )],
                vec![expect(Check::Count {
                    of: m(
                        "ws_frame",
                        &[("opcode", Value::Int(8)), ("close_code", Value::Int(1000))],
                    ),
                    cmp: Cmp::Eq,
                    n: 2,
                })],
            ),
            step(
                "server-dies",
                vec![
                    act(
                        None,
                        ActionKind::WsConnect {
                            conn: ws("b"),
                            path: "/ws/echo".into(),
                            headers: vec![],
                            deflate: None,
                            tls: false,
                        },
                    ),
                    act(
                        None,
                        ActionKind::ServerDrop {
                            conn: ws("b"),
                            how: TcpEnd::Rst,
                        },
                    ),
                ],
                vec![
                    expect(Check::Count {
                        of: m("ws_frame", &[("opcode", Value::Int(8))]),
                        cmp: Cmp::Eq,
                        n: 0,
                    }),
                    expect(Check::Count {
                        of: m(
                            "tcp_close",
                            &[
                                ("how", Value::Str("rst".into())),
                                ("by", Value::Str("s2c".into())),
                            ],
                        ),
                        cmp: Cmp::Eq,
                        n: 1,
                    }),
                ],
            ),
            step(
                "client-dies",
                vec![
                    act(
                        None,
                        ActionKind::WsConnect {
                            conn: ws("c"),
                            path: "/ws/echo".into(),
                            headers: vec![],
                            deflate: None,
                            tls: false,
                        },
                    ),
                    act(
                        None,
                        ActionKind::WsDrop {
                            conn: ws("c"),
                            how: TcpEnd::Fin,
                        },
                    ),
                ],
                vec![
                    expect(Check::Count {
                        of: m("ws_frame", &[("opcode", Value::Int(8))]),
                        cmp: Cmp::Eq,
                        n: 0,
                    }),
                    expect(Check::Count {
                        of: m("tcp_close", &[("by", Value::Str("c2s".into()))]),
                        cmp: Cmp::Eq,
                        n: 1,
                    }),
                ],
            ),
        ]);
        play_passing(l).await;
    });
}

#[test]
fn ticker_by_polling_and_push_is_measured_per_label() {
    rt().block_on(async {
        let tick = |via| ActionKind::Ticker {
            via,
            updates: 5,
            hz: 20,
        };
        let mut s = step(
            "prices",
            vec![
                act(Some("poll-new"), tick(TickerVia::PollNew)),
                act(Some("poll"), tick(TickerVia::Poll)),
                act(Some("long-poll"), tick(TickerVia::LongPoll)),
                act(Some("sse"), tick(TickerVia::Sse)),
                act(Some("ws"), tick(TickerVia::Ws)),
            ],
            vec![
                expect(Check::Compare {
                    metric: Metric::BytesPerUpdate,
                    of: "ws".into(),
                    less: true,
                    than: "poll".into(),
                }),
                expect(Check::Compare {
                    metric: Metric::Connections,
                    of: "poll-new".into(),
                    less: false,
                    than: "poll".into(),
                }),
            ],
        );
        s.table = Some(Table {
            rows: vec![
                "poll-new".into(),
                "poll".into(),
                "long-poll".into(),
                "sse".into(),
                "ws".into(),
            ],
            metrics: vec![
                Metric::Updates,
                Metric::Connections,
                Metric::BytesPerUpdate,
                Metric::LatencyMs,
            ],
        });
        let mut p = Player::start(lesson(vec![s])).await.unwrap();
        let r = p.run_step(0).await.unwrap();
        assert!(r.passed(), "{}", show(&r));
        let t = r.table.unwrap();
        for (label, vals) in &t.rows {
            assert_eq!(vals[0], Some(5.0), "{label} updates: {t:?}");
            assert!(vals[2].is_some_and(|b| b > 0.0), "{label}: {t:?}");
        }
        p.finish().await;
    });
}

#[test]
fn chat_users_and_replay() {
    rt().block_on(async {
        let l = lesson(vec![step(
            "chat",
            vec![
                act(
                    None,
                    ActionKind::ChatUsers {
                        count: 3,
                        room: "runner-test".into(),
                    },
                ),
                act(
                    None,
                    ActionKind::WsConnect {
                        conn: "me".into(),
                        path: "/ws/chat?name=me&room=runner-test".into(),
                        headers: vec![],
                        deflate: None,
                        tls: false,
                    },
                ),
                act(
                    None,
                    ActionKind::WsSend {
                        conn: "me".into(),
                        payload: WsPayload::Text(r#"{"text":"hi all"}"#.into()),
                    },
                ),
                act(
                    Some("cap"),
                    ActionKind::Replay {
                        capture: "ws-basic.pcap".into(),
                    },
                ),
            ],
            vec![
                count("tcp_open", 5),
                expect(Check::Count {
                    of: m(
                        "ws_frame",
                        &[
                            ("dir", Value::Str("s2c".into())),
                            ("label", Value::Str("cap".into())),
                        ],
                    ),
                    cmp: Cmp::AtLeast,
                    n: 1,
                }),
            ],
        )]);
        let mut p = Player::start(l).await.unwrap();
        p.set_assets(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/captures").into());
        let r = p.run_step(0).await.unwrap();
        assert!(r.passed(), "{}", show(&r));
        // Four live connections are ours; the capture adds its own.
        let fan_out = r
            .events
            .iter()
            .filter(|e| {
                !e.replayed
                    && e.json["text"]
                        .as_str()
                        .is_some_and(|t| t.contains("hi all"))
            })
            .count();
        assert!(
            fan_out >= 5,
            "one send, a copy to each of 4 members: {fan_out}"
        );
        p.finish().await;
    });
}

#[test]
fn a_wrong_expectation_fails_and_says_what_was_seen() {
    rt().block_on(async {
        let l = lesson(vec![step(
            "wrong",
            vec![act(
                Some("h"),
                http("/api/price", Version::Http11, Reuse::Pooled, 3),
            )],
            vec![count("tcp_open", 3), count("http_request", 3)],
        )]);
        let mut p = Player::start(l).await.unwrap();
        let r = p.run_step(0).await.unwrap();
        assert!(!r.passed());
        assert!(
            !r.verdicts[0].ok && r.verdicts[0].saw == "saw 1",
            "{}",
            show(&r)
        );
        assert!(r.verdicts[1].ok, "{}", show(&r));
        p.finish().await;
    });
}

#[test]
fn http10_on_a_pooled_client_still_opens_one_connection_per_request() {
    rt().block_on(async {
        let l = lesson(vec![step(
            "pooled-1.0",
            vec![act(
                None,
                http("/api/price", Version::Http10, Reuse::Pooled, 10),
            )],
            vec![count("tcp_open", 10), count("http_response", 10)],
        )]);
        play_passing(l).await;
    });
}

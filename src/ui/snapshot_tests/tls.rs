//! The TLS rows in the views, from a wss:// echo built by hand beside a ws:// one: what the
//! endpoints see, and what an eavesdropper on the path sees, in English and in Chinese.

use super::*;
use crate::lang::{Lang, scoped};
use crate::session::{Filter, flags};

fn wss() -> Session {
    let mut s = Session::new();
    for ev in crate::session::tls_tests::wss_echo() {
        s.push(&ev);
    }
    s
}

/// The ladder as a view shows it: every row, or those an eavesdropper sees.
fn ladder_state(s: &Session, outsider: bool) -> LadderState {
    let filtered = outsider.then(|| {
        s.matching(&Filter {
            outsider: true,
            ..Filter::default()
        })
    });
    LadderState {
        follow: true,
        focused: true,
        outsider,
        filtered,
        ..LadderState::default()
    }
}

fn screen(size: (u16, u16), f: impl Fn(&mut ratatui::Frame)) -> String {
    draw(size, f).backend().to_string()
}

/// The record that carried the client's `Hello`.
fn hello_record(s: &Session) -> Option<usize> {
    s.find_next(0, |r| {
        r.kind == RowKind::TlsRecord && r.payload_len == 28 && r.has(flags::ENCRYPTED)
    })
}

fn both_modes(lang: Lang, prefix: &str) {
    let s = wss();
    scoped(lang, || {
        for (mode, outsider) in [("endpoints", false), ("outsider", true)] {
            let state = ladder_state(&s, outsider);
            for size in SIZES {
                snapshot(&format!("{prefix}tls_ladder_{mode}"), size, |f| {
                    ladder::render(f, f.area(), &s, &state, &theme())
                });
            }
            let insp = InspectorState {
                event: hello_record(&s),
                outsider,
                ..InspectorState::default()
            };
            for size in SIZES {
                snapshot(&format!("{prefix}tls_inspector_record_{mode}"), size, |f| {
                    inspector::render(f, f.area(), &s, &insp, &theme())
                });
            }
        }
    });
}

#[test]
fn tls_views_of_both_modes_in_english() {
    both_modes(Lang::En, "");
    let s = wss();
    let on = |outsider| {
        let state = ladder_state(&s, outsider);
        screen(SIZES[0], |f| {
            ladder::render(f, f.area(), &s, &state, &theme())
        })
    };
    let (ends, path) = scoped(Lang::En, || (on(false), on(true)));
    // The endpoints read the upgrade and the frames inside the records.
    assert!(ends.contains("GET /ws/echo Upgrade"), "{ends}");
    assert!(ends.contains("→ application_data 11 B"), "{ends}");
    assert!(ends.contains("certificate (decrypted)"), "{ends}");
    // On the path: the ws:// upgrade in clear, of wss:// the records and the hellos only.
    assert!(path.contains("what an eavesdropper sees"), "{path}");
    assert_eq!(path.matches("GET /ws/echo").count(), 1, "{path}");
    assert!(
        path.contains("client_hello SNI localhost ALPN http/1.1"),
        "{path}"
    );
    assert!(
        path.contains("server_hello TLS 1.3 TLS_AES_128_GCM_SHA256"),
        "{path}"
    );
    for hidden in ["→ application_data", "certificate", "keys held"] {
        assert!(!path.contains(hidden), "{hidden} on the path:\n{path}");
    }
    let insp = |outsider| {
        let state = InspectorState {
            event: hello_record(&s),
            outsider,
            ..InspectorState::default()
        };
        screen(SIZES[0], |f| {
            inspector::render(f, f.area(), &s, &state, &theme())
        })
    };
    let (ends, path) = scoped(Lang::En, || (insp(false), insp(true)));
    assert!(
        ends.contains("application_data, 11 bytes of plaintext"),
        "{ends}"
    );
    assert!(ends.contains("22 bytes: header 5, tag 16"), "{ends}");
    assert!(
        path.contains("hidden: without the keys only the length shows"),
        "{path}"
    );
    assert!(!path.contains("plaintext"), "{path}");
}

#[test]
fn tls_views_of_both_modes_in_chinese() {
    both_modes(Lang::ZhCn, "zh_");
    let s = wss();
    let state = ladder_state(&s, true);
    let path = scoped(Lang::ZhCn, || {
        screen(SIZES[0], |f| {
            ladder::render(f, f.area(), &s, &state, &theme())
        })
    });
    assert!(path.contains("窃听者视角"), "{path}");
    assert!(path.contains("client_hello SNI localhost"), "{path}");
}

#[test]
fn tls_handshake_keys_and_stats_in_the_inspector() {
    let s = wss();
    let hello = s.find_next(0, |r| r.kind == RowKind::TlsHandshake);
    let keys = s.find_next(0, |r| r.kind == RowKind::TlsKeys);
    scoped(Lang::En, || {
        inspect(&s, "tls_inspector_client_hello", hello, false);
        inspect(&s, "tls_inspector_keys", keys, false);
        for size in SIZES {
            snapshot("tls_stats", size, |f| {
                stats::render(f, f.area(), &s, &StatsState::default(), &theme())
            });
        }
    });
    let text = scoped(Lang::En, || {
        let state = InspectorState {
            event: hello,
            ..InspectorState::default()
        };
        screen(SIZES[0], |f| {
            inspector::render(f, f.area(), &s, &state, &theme())
        })
    });
    for want in [
        "SNI",
        "localhost",
        "TLS_AES_256_GCM_SHA384",
        "suites (3 offered)",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
}

//! The TLS layer in the transcript and the summary, in English and Chinese; a ClientHello told
//! as the stranger only when the server answered it with no ServerHello.

use crate::lang::{Lang, scoped};
use crate::proto::Timestamp;
use crate::proto::event::Event;
use crate::session::tls_tests::{stranger, wss_echo};

use super::plain_hold::Hold;

/// The transcript of `events` as `--plain` writes it, in `lang`.
fn transcript(events: &[Event], lang: Lang) -> Vec<String> {
    scoped(lang, || {
        let mut hold = Hold::new();
        let mut told = Vec::new();
        for ev in events {
            hold.push(ev, &mut told);
        }
        hold.finish(true, &mut told);
        told.iter()
            .enumerate()
            .map(|(i, (ev, stranger))| {
                let mut out = Vec::new();
                super::plain::write_told(&mut out, i as u64 + 1, ev, Timestamp(0), *stranger)
                    .unwrap();
                String::from_utf8(out).unwrap().trim_end().to_owned()
            })
            .collect()
    })
}

fn has(lines: &[String], want: &str) -> bool {
    lines.iter().any(|l| l.contains(want))
}

#[test]
fn a_wss_echo_in_english() {
    let lines = transcript(&wss_echo(), Lang::En);
    assert_eq!(lines.len(), wss_echo().len(), "nothing held back or lost");
    for want in [
        "client → server: TLS record handshake (TLS 1.2), 245 bytes",
        "client → server: TLS ClientHello (TLS 1.3, TLS 1.2) for SNI localhost, ALPN http/1.1, \
         offering 3 cipher suites (250 bytes)",
        "server → client: TLS ServerHello: TLS 1.3, TLS_AES_128_GCM_SHA256 (95 bytes)",
        "TLS keys known for this connection (TLS 1.3, TLS_AES_128_GCM_SHA256): its records are \
         decrypted",
        "server → client: TLS handshake message certificate (680 bytes), encrypted on the wire, \
         read with the keys",
        "client → server: TLS record application_data (TLS 1.2), 28 bytes, encrypted; decrypted: \
         application_data, 11 bytes of plaintext",
    ] {
        assert!(has(&lines, want), "{want}\n{}", lines.join("\n"));
    }
    assert!(!has(&lines, "not TLS"), "{}", lines.join("\n"));
    // Steps in order, the hello's line where the hello was.
    let at = |w: &str| lines.iter().position(|l| l.contains(w)).unwrap();
    assert!(at("ClientHello") < at("ServerHello"));
    let hello = wss_echo()
        .iter()
        .position(|e| e.kind.name() == "tls_handshake")
        .unwrap();
    assert_eq!(at("ClientHello"), hello);
}

#[test]
fn a_wss_echo_in_chinese() {
    let lines = transcript(&wss_echo(), Lang::ZhCn);
    for want in [
        "客户端 → 服务器：TLS 记录 handshake（TLS 1.2），245 字节",
        "TLS ClientHello（TLS 1.3, TLS 1.2），SNI 为 localhost，ALPN 为 http/1.1，提供 3 个密码套件",
        "已有这条连接的 TLS 密钥（TLS 1.3，TLS_AES_128_GCM_SHA256）",
        "TLS 握手消息 certificate（680 字节），线路上是加密的，用密钥解密后读到",
        "28 字节，已加密；解密后：application_data，明文 11 字节",
    ] {
        assert!(has(&lines, want), "{want}\n{}", lines.join("\n"));
    }
}

#[test]
fn a_hello_on_a_plain_port_keeps_the_stranger_words() {
    let mut events = wss_echo();
    events.extend(stranger(3));
    let lines = transcript(&events, Lang::En);
    let hello = lines
        .iter()
        .find(|l| l.contains("#3") && l.contains("ClientHello"))
        .unwrap();
    assert!(
        hello.ends_with(
            "client → server: a TLS ClientHello (TLS 1.3, TLS 1.2) for SNI localhost, ALPN \
             http/1.1: this port speaks plain HTTP/1.1, not TLS"
        ),
        "{hello}"
    );
    let zh = transcript(&stranger(3), Lang::ZhCn);
    assert!(has(&zh, "这个端口使用明文 HTTP/1.1，不使用 TLS"), "{zh:?}");
    // Lines after the hello waited for the answer, and came out in order.
    let steps: Vec<u64> = lines
        .iter()
        .map(|l| l.trim_start().split('.').next().unwrap().parse().unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[1] == w[0] + 1), "{steps:?}");
}

#[test]
fn a_hello_still_waiting_at_a_lesson_steps_end_is_told_as_tls() {
    let mut events = stranger(3);
    events.truncate(3);
    assert_eq!(
        super::plain_hold::told(&events, false),
        [false, false, false]
    );
    assert_eq!(super::plain_hold::told(&events, true), [false, false, true]);
}

#[test]
fn the_summary_counts_tls_connections_records_and_strangers() {
    let mut s = super::summary::Summary::default();
    for ev in wss_echo().iter().chain(&stranger(3)) {
        s.add(ev);
    }
    let text = scoped(Lang::En, || s.to_string());
    let up = crate::session::tls_tests::UPGRADE.len();
    let sw = crate::session::tls_tests::SWITCHED.len();
    let bytes = 5 * 10 + 245 + 90 + 860 + 53 + (up + 17) + (sw + 17) + 28 + 24 + 245 + 2;
    let overhead = 10 * 5 + 6 * 17;
    let want = format!(
        "TLS              1 connections (1 decrypted), 10 records (6 decrypted), {bytes} bytes \
         ({overhead} added by TLS)"
    );
    assert!(text.contains(&want), "{want}\n{text}");
    assert!(text.contains("not HTTP/1.x     tls_handshake: 1"), "{text}");
    let zh = scoped(Lang::ZhCn, || s.to_string());
    assert!(
        zh.contains("1 条连接（1 条已解密），10 个记录（6 个已解密）"),
        "{zh}"
    );
}

//! TLS captures made by openssl s_server/s_client (tests/oracle/tls/make.sh): replay decrypts
//! them with their key log, or with the Decryption Secrets Block inside, and agrees with tshark
//! given the same keys; without keys it names SNI and ALPN and the key log lines it would need.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const CAPTURES: [&str; 6] = [
    "tls13-aes128",
    "tls13-aes256",
    "tls13-chacha",
    "tls12-aes128",
    "tls12-aes256",
    "tls12-chacha",
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/tls")
}

fn duplex(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(args)
        .current_dir(dir())
        .env("DUPLEX_LANG", "en")
        .output()
        .expect("run duplex");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn events(args: &[&str]) -> Vec<Value> {
    duplex(args)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn of<'a>(evs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    evs.iter().filter(|e| e["kind"] == kind).collect()
}

/// (method target, status) of the HTTP messages tshark decrypts with the key log.
fn tshark_http(pcap: &str, keylog: &str) -> Option<Vec<String>> {
    let out = Command::new("tshark")
        .current_dir(dir())
        .args([
            "-o",
            &format!("tls.keylog_file:{keylog}"),
            "-r",
            pcap,
            "-Y",
            "http",
        ])
        .args([
            "-T",
            "fields",
            "-e",
            "http.request.method",
            "-e",
            "http.request.uri",
        ])
        .args(["-e", "http.response.code"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .map(|l| {
                l.split('\t')
                    .collect::<Vec<_>>()
                    .join(" ")
                    .trim()
                    .to_string()
            })
            .collect(),
    )
}

fn duplex_http(evs: &[Value]) -> Vec<String> {
    evs.iter()
        .filter_map(|e| match e["kind"].as_str()? {
            "http_request" => Some(format!(
                "{} {}",
                e["method"].as_str()?,
                e["target"].as_str()?
            )),
            "http_response" => Some(e["status"].to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn each_suite_decrypts_with_its_keylog_and_agrees_with_tshark() {
    for name in CAPTURES {
        let (pcap, keylog) = (format!("{name}.pcapng"), format!("{name}.keylog"));
        let evs = events(&["replay", "--json", "--keylog", &keylog, &pcap]);
        assert!(
            of(&evs, "error").is_empty(),
            "{name}: {:?}",
            of(&evs, "error")
        );
        let keys = of(&evs, "tls_keys");
        assert_eq!(keys.len(), 1, "{name}");
        assert_eq!(keys[0]["decrypting"], true, "{name}");
        let http = duplex_http(&evs);
        assert_eq!(http, ["GET /tls", "200"], "{name}");
        if let Some(t) = tshark_http(&pcap, &keylog) {
            assert_eq!(http, t, "{name}: duplex vs tshark");
        }
        // Every record's plaintext is accounted: decrypted records say their inner type.
        let records = of(&evs, "tls_record");
        assert!(
            records.iter().any(|r| r["inner"] == "application_data"),
            "{name}"
        );
    }
}

#[test]
fn a_decryption_secrets_block_decrypts_with_no_flag() {
    let evs = events(&["replay", "--json", "tls13-dsb.pcapng"]);
    assert_eq!(duplex_http(&evs), ["GET /tls", "200"]);
    assert_eq!(of(&evs, "tls_keys")[0]["decrypting"], true);
}

#[test]
fn without_keys_replay_names_sni_alpn_and_what_it_needs() {
    for name in CAPTURES {
        let evs = events(&["replay", "--json", &format!("{name}.pcapng")]);
        let hello = of(&evs, "tls_handshake");
        assert_eq!(hello[0]["msg"], "client_hello", "{name}");
        assert_eq!(hello[0]["sni"], "localhost", "{name}");
        assert_eq!(hello[0]["alpn"][0], "http/1.1", "{name}");
        assert!(duplex_http(&evs).is_empty(), "{name}");
        let keys = of(&evs, "tls_keys");
        assert_eq!(keys[0]["decrypting"], false, "{name}");
        let need = keys[0]["need"].as_str().unwrap();
        let label = if name.starts_with("tls12") {
            "CLIENT_RANDOM "
        } else {
            "CLIENT_TRAFFIC_SECRET_0"
        };
        assert!(need.starts_with(label), "{name}: {need}");
        assert!(
            need.ends_with(keys[0]["client_random"].as_str().unwrap()),
            "{need}"
        );
        // The plain transcript has a line for each record, no panic, no control bytes.
        let plain = duplex(&["replay", "--plain", &format!("{name}.pcapng")]);
        assert!(plain.contains("TLS record"), "{plain}");
        assert!(
            !plain.chars().any(|c| c.is_control() && c != '\n'),
            "{plain}"
        );
    }
}

#[test]
fn a_wrong_keylog_is_a_clear_error_not_a_panic() {
    // tls13-chacha's secrets for tls13-aes128: a different client_random, so no keys at all;
    // the same client_random with a wrong secret is a decryption error naming the record.
    let text = std::fs::read_to_string(dir().join("tls13-aes128.keylog")).unwrap();
    let wrong: String = text
        .lines()
        .map(|l| {
            let mut w: Vec<String> = l.split(' ').map(String::from).collect();
            if w.len() == 3 {
                w[2] = "11".repeat(w[2].len() / 2);
            }
            w.join(" ") + "\n"
        })
        .collect();
    let path = std::env::temp_dir().join(format!("duplex-wrong-{}.keylog", std::process::id()));
    std::fs::write(&path, wrong).unwrap();
    let evs = events(&[
        "replay",
        "--json",
        "--keylog",
        path.to_str().unwrap(),
        "tls13-aes128.pcapng",
    ]);
    let _ = std::fs::remove_file(&path);
    let errors = of(&evs, "error");
    assert!(!errors.is_empty());
    assert!(
        errors[0]["what"]
            .as_str()
            .unwrap()
            .contains("does not decrypt"),
        "{errors:?}"
    );
    assert_eq!(errors[0]["layer"], "tls");
    assert!(errors[0]["offset"].is_u64());
    assert!(duplex_http(&evs).is_empty());
}

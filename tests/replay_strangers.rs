//! Replays of clients that spoke HTTP/2 or TLS to the plain HTTP/1.1 port, against the fields
//! tshark dissects in them (`tests/oracle/X.tshark.tsv`, made as tests/oracle/CAPTURES.md says).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn replay(name: &str, format: &str) -> String {
    let path = root().join("assets/captures").join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["replay", format])
        .arg(&path)
        .env("DUPLEX_LANG", "en")
        .output()
        .expect("run duplex");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn events(name: &str) -> Vec<Value> {
    replay(name, "--json")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}

/// The oracle's rows, as maps from column name to value.
fn oracle(name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(root().join(format!("tests/oracle/{name}.tshark.tsv")))
        .expect("the oracle");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            head.iter()
                .zip(l.split('\t'))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn of_kind<'a>(evs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    evs.iter().filter(|e| e["kind"] == kind).collect()
}

#[test]
fn tls_client_hellos_match_tshark() {
    let name = "tls-hello-openssl-curl.pcap";
    let evs = events(name);
    let hellos = of_kind(&evs, "tls_handshake");
    let rows: Vec<_> = oracle(name)
        .into_iter()
        .filter(|r| r["tls.handshake.type"] == "1")
        .collect();
    assert_eq!(hellos.len(), rows.len(), "{evs:#?}");
    for (ev, row) in hellos.iter().zip(&rows) {
        assert_eq!(
            ev["conn"].as_u64().unwrap(),
            row["tcp.stream"].parse::<u64>().unwrap() + 1
        );
        assert_eq!(ev["msg"], "client_hello");
        assert_eq!(
            ev["sni"].as_str().unwrap_or(""),
            row["tls.handshake.extensions_server_name"]
        );
        let alpn: Vec<&str> = ev["alpn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(alpn.join(","), row["tls.handshake.extensions_alpn_str"]);
        let versions: Vec<String> = row["tls.handshake.extensions.supported_version"]
            .split(',')
            .map(|v| {
                format!(
                    "TLS 1.{}",
                    u16::from_str_radix(&v[2..], 16).unwrap() - 0x301
                )
            })
            .collect();
        assert_eq!(ev["versions"], serde_json::json!(versions));
        let record: u64 = row["tls.record.length"].parse().unwrap();
        assert_eq!(ev["bytes"].as_u64().unwrap(), record + 5);
    }
    // Named, not a "malformed message head", and the server's alert is not decoded as HTTP.
    assert!(of_kind(&evs, "error").is_empty(), "{evs:#?}");
    let plain = replay(name, "--plain");
    assert!(
        plain.contains(
            "client → server: a TLS ClientHello (TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0) for SNI \
             x.example, ALPN h2, http/1.1: this port speaks plain HTTP/1.1, not TLS"
        ),
        "{plain}"
    );
    assert!(replay(name, "--summary").contains("not HTTP/1.x     tls_handshake: 2"));
}

#[test]
fn an_h2_preface_matches_tshark() {
    let name = "h2-preface-curl.pcap";
    let evs = events(name);
    let prefaces = oracle(name)
        .into_iter()
        .filter(|r| !r["http2.magic"].is_empty())
        .count();
    assert_eq!(of_kind(&evs, "h2_preface").len(), prefaces, "{evs:#?}");
    assert_eq!(of_kind(&evs, "h2_preface")[0]["dir"], "c2s");
    // The server's GOAWAY, as tshark reads it: HTTP_1_1_REQUIRED, no stream processed.
    let goaway = oracle(name)
        .into_iter()
        .find(|r| !r["http2.goaway.error"].is_empty())
        .expect("a GOAWAY");
    assert_eq!(
        (
            goaway["http2.goaway.error"].as_str(),
            goaway["http2.goaway.last_stream_id"].as_str()
        ),
        ("13", "0")
    );
    for kind in ["error", "http_request", "http_response"] {
        assert!(of_kind(&evs, kind).is_empty(), "{kind}: {evs:#?}");
    }
    let plain = replay(name, "--plain");
    assert!(
        plain.contains("client → server: the HTTP/2 connection preface"),
        "{plain}"
    );
}

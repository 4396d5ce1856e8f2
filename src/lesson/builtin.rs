//! The lessons and captures built into the binary, so `duplex learn` works from any directory.

/// The built-in lesson files, as (path, text). Adding a lesson is one line here; a test checks
/// that this list and `lessons/*.toml` agree.
pub fn builtin() -> &'static [(&'static str, &'static str)] {
    macro_rules! lessons {
        ($($name:literal),* $(,)?) => {
            &[$((concat!("lessons/", $name), include_str!(concat!("../../lessons/", $name)))),*]
        };
    }
    lessons![
        "01-http-anatomy.toml",
        "02-http10.toml",
        "03-keep-alive.toml",
        "04-tcp-beneath.toml",
        "05-ws-upgrade.toml",
        "06-frames.toml",
        "07-control-frames.toml",
        "08-full-duplex.toml",
        "09-live-prices.toml",
        "10-chat.toml",
        "11-game.toml",
        "12-when-not-websocket.toml",
        "13-myth-check.toml",
        "14-compression.toml",
        "15-tls.toml",
    ]
}

/// The built-in translations, as (language tag, path, text): every `lessons/LANG/*.toml`,
/// listed by `build.rs`.
pub fn translations() -> &'static [(&'static str, &'static str, &'static str)] {
    include!(concat!(env!("OUT_DIR"), "/translations.rs"))
}

/// The captures in `assets/captures/` a `replay` action may name, embedded.
const CAPTURES: &[(&str, &[u8])] = {
    macro_rules! captures {
        ($($name:literal),* $(,)?) => {
            &[$(($name, include_bytes!(concat!("../../assets/captures/", $name)))),*]
        };
    }
    captures![
        "autobahn-1-4.pcap",
        "autobahn-13-7-1-deflate.pcap",
        "garbage.pcap",
        "h2-preface-curl.pcap",
        "header-only.pcap",
        "http10-curl-10req.pcap",
        "http11-chunked-pipelined.pcap",
        "http11-keepalive-curl-10req.pcap",
        "tls-hello-openssl-curl.pcap",
        "ws-abrupt-kill.pcap",
        "ws-any-sll.pcap",
        "ws-any-sll2.pcapng",
        "ws-basic-deflate.pcap",
        "ws-basic-truncated.pcap",
        "ws-basic.pcap",
        "ws-basic.pcapng",
        "ws-cut-midstream.pcap",
        "ws-deflate-nctx.pcapng",
        "ws-deflate.pcap",
        "ws-ipv6.pcap",
        "ws-websocat-nano.pcap",
        "ws-websocat-server.pcapng",
    ]
};

/// The bytes of a shipped capture, by file name.
pub fn shipped_capture(name: &str) -> Option<&'static [u8]> {
    CAPTURES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// The names of the shipped captures, for hints.
pub fn shipped_names() -> Vec<&'static str> {
    CAPTURES.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn on_disk(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| keep(n))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[test]
    fn every_lesson_file_is_built_in() {
        let embedded: Vec<&str> = builtin()
            .iter()
            .map(|(p, _)| p.trim_start_matches("lessons/"))
            .collect();
        for name in on_disk("lessons", |n| n.ends_with(".toml")) {
            assert!(
                embedded.contains(&name.as_str()),
                "lessons/{name} is not built in: add the line `\"{name}\",` to `lessons![...]` in src/lesson/builtin.rs"
            );
        }
        for name in embedded {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("lessons")
                    .join(name)
                    .is_file(),
                "src/lesson/builtin.rs embeds lessons/{name}, which is gone"
            );
        }
    }

    #[test]
    fn every_small_capture_is_shipped() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/captures");
        for name in on_disk("assets/captures", |n| {
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        }) {
            let size = std::fs::metadata(dir.join(&name)).map_or(0, |m| m.len());
            if size < 2 << 20 {
                assert!(
                    shipped_capture(&name).is_some(),
                    "assets/captures/{name} is not shipped: add the line `\"{name}\",` to `captures![...]` in src/lesson/builtin.rs"
                );
            }
        }
    }

    #[test]
    fn built_in_lessons_load() {
        for (path, text) in builtin() {
            let r =
                crate::lesson::load::parse_lesson(path, text, &|n| shipped_capture(n).is_some());
            if let Err(d) = r {
                let all: Vec<String> = d.iter().map(ToString::to_string).collect();
                panic!("{}", all.join("\n"));
            }
        }
    }
}

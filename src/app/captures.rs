//! One line about each capture shipped in `assets/captures`, for the picker: what a learner
//! will see in it before opening it.

/// `(file name, the catalog key of what it holds)`.
const ABOUT: &[(&str, &str)] = &[
    ("autobahn-1-4.pcap", "captures.autobahn_1_4_pcap"),
    (
        "autobahn-13-7-1-deflate.pcap",
        "captures.autobahn_13_7_1_deflate_pcap",
    ),
    ("garbage.pcap", "captures.garbage_pcap"),
    ("h2-preface-curl.pcap", "captures.h2_preface_curl_pcap"),
    ("header-only.pcap", "captures.header_only_pcap"),
    ("http10-curl-10req.pcap", "captures.http10_curl_10req_pcap"),
    (
        "http11-chunked-pipelined.pcap",
        "captures.http11_chunked_pipelined_pcap",
    ),
    (
        "http11-keepalive-curl-10req.pcap",
        "captures.http11_keepalive_curl_10req_pcap",
    ),
    (
        "tls-hello-openssl-curl.pcap",
        "captures.tls_hello_openssl_curl_pcap",
    ),
    ("ws-abrupt-kill.pcap", "captures.ws_abrupt_kill_pcap"),
    ("ws-any-sll.pcap", "captures.ws_any_sll_pcap"),
    ("ws-any-sll2.pcapng", "captures.ws_any_sll2_pcapng"),
    ("ws-basic-deflate.pcap", "captures.ws_basic_deflate_pcap"),
    (
        "ws-basic-truncated.pcap",
        "captures.ws_basic_truncated_pcap",
    ),
    ("ws-basic.pcap", "captures.ws_basic_pcap"),
    ("ws-basic.pcapng", "captures.ws_basic_pcapng"),
    ("ws-cut-midstream.pcap", "captures.ws_cut_midstream_pcap"),
    ("ws-deflate-nctx.pcapng", "captures.ws_deflate_nctx_pcapng"),
    ("ws-deflate.pcap", "captures.ws_deflate_pcap"),
    ("ws-ipv6.pcap", "captures.ws_ipv6_pcap"),
    ("ws-websocat-nano.pcap", "captures.ws_websocat_nano_pcap"),
    (
        "ws-websocat-server.pcapng",
        "captures.ws_websocat_server_pcapng",
    ),
];

/// What the shipped capture `name` holds, if it is one, in the current language.
pub fn about(name: &str) -> Option<String> {
    ABOUT
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| crate::tr!(a))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_capture_is_described() {
        let dir = std::fs::read_dir("assets/captures").expect("the shipped captures");
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if super::super::picker::is_capture(&name) {
                assert!(super::about(&name).is_some(), "{name} has no description");
            }
        }
    }
}

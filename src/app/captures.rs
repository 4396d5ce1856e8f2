//! One line about each capture shipped in `assets/captures`, for the picker: what a learner
//! will see in it before opening it.

/// `(file name, what it holds)`.
const ABOUT: &[(&str, &str)] = &[
    (
        "autobahn-1-4.pcap",
        "the Autobahn test suite: 44 WebSocket connections, some ended by protocol errors",
    ),
    (
        "autobahn-13-7-1-deflate.pcap",
        "an Autobahn compression test: thousands of permessage-deflate messages",
    ),
    (
        "garbage.pcap",
        "not a capture at all: how duplex reports a file it cannot read",
    ),
    (
        "h2-preface-curl.pcap",
        "curl speaking HTTP/2 to a plain HTTP/1.1 port: the preface, then GOAWAY",
    ),
    (
        "header-only.pcap",
        "a pcap header and no packets: an empty capture",
    ),
    (
        "http10-curl-10req.pcap",
        "curl, ten HTTP/1.0 requests: ten connections, each closed after its answer",
    ),
    (
        "http11-chunked-pipelined.pcap",
        "HTTP/1.1 chunked bodies, pipelined requests and a 100 Continue",
    ),
    (
        "http11-keepalive-curl-10req.pcap",
        "curl, ten HTTP/1.1 requests on one kept-alive connection",
    ),
    (
        "tls-hello-openssl-curl.pcap",
        "openssl and curl asking for https:// on a plain port: a ClientHello, then an alert",
    ),
    (
        "ws-abrupt-kill.pcap",
        "WebSocket connections killed without a close frame, one by an RST",
    ),
    (
        "ws-any-sll.pcap",
        "a WebSocket session taken on Linux's \"any\" interface (cooked link layer)",
    ),
    (
        "ws-any-sll2.pcapng",
        "the same kind of session, cooked link layer v2, in pcapng",
    ),
    (
        "ws-basic-deflate.pcap",
        "a WebSocket session with permessage-deflate: compressed frames inflated",
    ),
    (
        "ws-basic-truncated.pcap",
        "a WebSocket session whose file was cut short in the middle of a packet",
    ),
    (
        "ws-basic.pcap",
        "a WebSocket session: upgrade, text and binary frames, fragments, ping, close",
    ),
    ("ws-basic.pcapng", "the same WebSocket session, in pcapng"),
    (
        "ws-cut-midstream.pcap",
        "a ticker over WebSocket, the capture started and stopped mid-stream",
    ),
    (
        "ws-deflate-nctx.pcapng",
        "permessage-deflate without context takeover (each message alone)",
    ),
    (
        "ws-deflate.pcap",
        "permessage-deflate with a shared context across messages",
    ),
    ("ws-ipv6.pcap", "a WebSocket session over IPv6 ([::1])"),
    (
        "ws-websocat-nano.pcap",
        "websocat talking to a small server: text, binary, an empty close",
    ),
    (
        "ws-websocat-server.pcapng",
        "websocat as the server: ping, pong and the closing handshake",
    ),
];

/// What the shipped capture `name` holds, if it is one.
pub fn about(name: &str) -> Option<&'static str> {
    ABOUT.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
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

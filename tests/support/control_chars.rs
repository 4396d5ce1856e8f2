// A capture whose text from the wire holds terminal controls: ESC and CSI, an OSC that would
// set the terminal's title, BEL, and the C1 CSI (U+009B). Shared by the unit tests (through
// `include!`) and the tmux test, so the includer brings `CaptureWriter`, `Format`,
// `WriterClose`, `Dir` and `Timestamp` into scope.

/// ESC [ 31 m: red text, if it reached a terminal.
const CTL_CSI: &str = "\x1b[31m";
/// OSC 0: sets the terminal's title, ended by BEL.
const CTL_OSC: &str = "\x1b]0;pwned\x07";
/// C1 CSI then "2J": clears the screen on a terminal that takes 8-bit controls.
const CTL_C1: &str = "\u{9b}2J";

/// Each hostile piece and how the views must show it.
const CTL_SHOWN: [(&str, &str); 3] = [
    (CTL_CSI, "\\x1b[31m"),
    (CTL_OSC, "\\x1b]0;pwned\\x07"),
    (CTL_C1, "\\x9b2J"),
];

fn ctl_masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut out = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// A server frame; `fin` false for all but the last of a message's fragments.
fn ctl_plain(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::from(fin) << 7 | opcode, payload.len() as u8];
    out.extend_from_slice(payload);
    out
}

fn ctl_close(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason.as_bytes());
    p
}

/// Four connections: a WebSocket whose upgrade has C1 in its target, a header and its reason,
/// then text (echoed in two fragments, so as a message too) and a close reason with every
/// control; an event stream whose data has them; a
/// request with ESC in its target and a response with an OSC in its reason (both refused by
/// the HTTP decoder, so they end as problems).
fn control_chars_pcap() -> Vec<u8> {
    let ms = |n: u64| Timestamp(1_700_000_000_000_000_000 + n * 1_000_000);
    let server: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let client = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    let text = format!("{CTL_CSI}red {CTL_OSC}bell\x07 {CTL_C1}");
    let upgrade = format!(
        "GET /chat{CTL_C1}?room=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Note: tab\there {CTL_C1}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    );
    let switched = format!(
        "HTTP/1.1 101 Switching {CTL_C1} Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    );
    let steps: Vec<(u32, Dir, Vec<u8>)> = vec![
        (1, Dir::C2s, upgrade.into_bytes()),
        (1, Dir::S2c, switched.into_bytes()),
        (1, Dir::C2s, ctl_masked(1, text.as_bytes())),
        (1, Dir::S2c, ctl_plain(false, 1, &text.as_bytes()[..12])),
        (1, Dir::S2c, ctl_plain(true, 0, &text.as_bytes()[12..])),
        (
            1,
            Dir::C2s,
            ctl_masked(8, &ctl_close(1000, &format!("bye{CTL_CSI}{CTL_OSC}"))),
        ),
        (
            1,
            Dir::S2c,
            ctl_plain(true, 8, &ctl_close(1000, &format!("bye{CTL_CSI}{CTL_OSC}"))),
        ),
        (
            2,
            Dir::C2s,
            b"GET /events HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n".to_vec(),
        ),
        (
            2,
            Dir::S2c,
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n\
                 data: tick {CTL_CSI}{CTL_OSC}{CTL_C1}\n\n"
            )
            .into_bytes(),
        ),
        (
            3,
            Dir::C2s,
            format!("GET /{CTL_CSI} HTTP/1.1\r\nHost: h\r\n\r\n").into_bytes(),
        ),
        (4, Dir::C2s, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n".to_vec()),
        (
            4,
            Dir::S2c,
            format!("HTTP/1.1 200 {CTL_OSC}OK\r\n\r\n").into_bytes(),
        ),
    ];
    for conn in 1..=4u32 {
        w.open(
            conn,
            client(50_000 + conn as u16),
            server,
            ms(u64::from(conn)),
        )
        .unwrap();
    }
    for (i, (conn, dir, bytes)) in steps.iter().enumerate() {
        w.data(*conn, *dir, ms(10 + i as u64 * 10), bytes).unwrap();
    }
    for conn in 1..=4u32 {
        w.close(conn, WriterClose::Fin, Dir::S2c, ms(500 + u64::from(conn)))
            .unwrap();
    }
    w.finish().unwrap()
}

//! The writer's own tests: its files read back by pcap-parser, etherparse and tshark.

use super::*;
use crate::output::ws_encode::{accept_key, encode_frame};
use pcap_parser::{PcapBlockOwned, PcapError, pcapng::Block};
use std::process::Command;

const T0: u64 = 1_700_000_000_123_456_789;

/// HTTP over IPv4 with a body cut at a small MSS, then WebSocket over IPv6 with a frame
/// larger than the default MSS. Returns the file and the WebSocket opcodes written.
fn conversation(format: Format) -> (Vec<u8>, u64, Vec<u8>) {
    let mut w = CaptureWriter::new(Vec::new(), format).unwrap();
    let ts = |ms: u64| Timestamp(T0 + ms * 1_000_000);
    let (c1, s1): (SocketAddr, SocketAddr) = (
        "127.0.0.1:51000".parse().unwrap(),
        "127.0.0.1:8100".parse().unwrap(),
    );
    w.open(1, c1, s1, ts(0)).unwrap();
    w.data(
        1,
        Dir::C2s,
        ts(1),
        b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .unwrap();
    let body = vec![b'x'; 5000];
    let mut resp =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    resp.extend_from_slice(&body);
    w.set_mss(1000);
    w.data(1, Dir::S2c, ts(2), &resp).unwrap();
    w.set_mss(DEFAULT_MSS);
    w.close(1, WriterClose::Fin, Dir::C2s, ts(3)).unwrap();

    let (c2, s2): (SocketAddr, SocketAddr) = (
        "[::1]:51001".parse().unwrap(),
        "[::1]:8101".parse().unwrap(),
    );
    w.open(2, c2, s2, ts(10)).unwrap();
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let req = format!(
        "GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    w.data(2, Dir::C2s, ts(11), req.as_bytes()).unwrap();
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(key)
    );
    w.data(2, Dir::S2c, ts(12), resp.as_bytes()).unwrap();
    let frames: [(Dir, u8, Vec<u8>); 4] = [
        (Dir::C2s, 1, b"hello".to_vec()),
        (Dir::S2c, 1, b"hello".to_vec()),
        (Dir::S2c, 2, (0..100_000u32).map(|i| i as u8).collect()),
        (Dir::C2s, 8, vec![0x03, 0xE8]),
    ];
    let mut buf = Vec::new();
    for (i, (dir, opcode, payload)) in frames.iter().enumerate() {
        buf.clear();
        let mask = (*dir == Dir::C2s).then_some([0x37, 0xFA, 0x21, i as u8]);
        encode_frame(&mut buf, true, *opcode, mask, payload);
        w.data(2, *dir, ts(13 + i as u64), &buf).unwrap();
    }
    w.close(2, WriterClose::Fin, Dir::S2c, ts(20)).unwrap();
    let packets = w.packets();
    assert_eq!(w.bytes_written(), w.sink.out.len() as u64);
    (
        w.finish().unwrap(),
        packets,
        frames.iter().map(|f| f.1).collect(),
    )
}

/// Reads every block back with pcap_parser and checks each packet's checksums with
/// etherparse. Returns (blocks, packets).
fn read_back(file: &[u8]) -> (usize, usize) {
    let mut reader = pcap_parser::create_reader(1 << 20, file).unwrap();
    let (mut blocks, mut packets) = (0, 0);
    loop {
        match reader.next() {
            Ok((used, block)) => {
                blocks += 1;
                let data = match block {
                    PcapBlockOwned::Legacy(b) => Some(b.data.to_vec()),
                    // pcap_parser hands out the data with its padding.
                    PcapBlockOwned::NG(Block::EnhancedPacket(b)) => {
                        assert_eq!(b.data.len(), (b.caplen as usize).div_ceil(4) * 4);
                        Some(b.data[..b.caplen as usize].to_vec())
                    }
                    _ => None,
                };
                if let Some(data) = data {
                    packets += 1;
                    check_packet(&data);
                }
                reader.consume(used);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => reader.refill().unwrap(),
            Err(e) => panic!("pcap_parser: {e:?}"),
        }
    }
    (blocks, packets)
}

fn check_packet(data: &[u8]) {
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    let p = SlicedPacket::from_ethernet(data).unwrap();
    let Some(TransportSlice::Tcp(tcp)) = &p.transport else {
        panic!("not TCP")
    };
    let expected = match &p.net {
        Some(NetSlice::Ipv4(ip)) => {
            let h = ip.header();
            assert_eq!(h.header_checksum(), h.to_header().calc_header_checksum());
            tcp.calc_checksum_ipv4(h.source(), h.destination()).unwrap()
        }
        Some(NetSlice::Ipv6(ip)) => {
            let h = ip.header();
            tcp.calc_checksum_ipv6(h.source(), h.destination()).unwrap()
        }
        _ => panic!("not IP"),
    };
    assert_eq!(tcp.checksum(), expected);
}

fn tshark(args: &[&str]) -> Option<String> {
    let out = Command::new("tshark").args(args).output().ok()?;
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn check_with_tshark(file: &[u8], name: &str, opcodes: &[u8]) {
    let path = std::env::temp_dir().join(format!("duplex-writer-{}-{name}", std::process::id()));
    std::fs::write(&path, file).unwrap();
    let p = path.to_str().unwrap();
    let checks = [
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
    ];
    let mut args = vec!["-r", p, "-d", "tcp.port==8100-8299,http", "-T", "fields"];
    for f in [
        "tcp.stream",
        "http.request.method",
        "http.response.code",
        "websocket.opcode",
    ] {
        args.extend(["-e", f]);
    }
    args.extend(checks);
    let Some(fields) = tshark(&args) else {
        eprintln!("note: tshark is not on PATH; skipping the Wireshark check");
        return;
    };
    let rows: Vec<Vec<&str>> = fields.lines().map(|l| l.split('\t').collect()).collect();
    let has = |stream: &str, col: usize, value: &str| {
        rows.iter()
            .any(|r| r[0] == stream && r[col].split(',').any(|v| v == value))
    };
    assert!(has("0", 1, "GET") && has("0", 2, "200"), "{fields}");
    assert!(has("1", 1, "GET") && has("1", 2, "101"), "{fields}");
    let seen: Vec<u8> = rows
        .iter()
        .filter(|r| r[0] == "1" && !r[3].is_empty())
        .flat_map(|r| r[3].split(',').map(|v| v.parse::<u8>().unwrap()))
        .collect();
    assert_eq!(seen, opcodes, "{fields}");

    let mut args = vec![
        "-r",
        p,
        "-d",
        "tcp.port==8100-8299,http",
        "-q",
        "-z",
        "expert,warn",
    ];
    args.extend(checks);
    let expert = tshark(&args).unwrap_or_default();
    assert!(
        !expert.contains("Warnings") && !expert.contains("Errors"),
        "{expert}"
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn pcap_and_pcapng_round_trip_through_parsers_and_tshark() {
    for (format, name, header_blocks) in [
        (Format::Pcap, "conv.pcap", 1),
        (Format::Pcapng, "conv.pcapng", 2),
    ] {
        let (file, packets, opcodes) = conversation(format);
        // Each write is segments plus ACKs. Conn 1: handshake, request, 6-segment response,
        // FIN. Conn 2: handshake, upgrade, 101, frames (the binary one in 2 segments), FIN.
        assert_eq!(
            packets,
            (3 + 2 + 2 * 6 + 3) + (3 + 2 + 2 + 2 + 2 + 2 * 2 + 2 + 3)
        );
        let (blocks, read) = read_back(&file);
        assert_eq!(
            (blocks, read as u64),
            (header_blocks + packets as usize, packets)
        );
        check_with_tshark(&file, name, &opcodes);
    }
}

#[test]
fn pcapng_header_names_duplex_and_nanoseconds() {
    let file = CaptureWriter::new(Vec::new(), Format::Pcapng)
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(file.len(), 44 + 32);
    assert_eq!(&file[28..34], b"duplex");
    assert_eq!(&file[44 + 16..44 + 21], &[9, 0, 1, 0, 9]);
    let pcap = CaptureWriter::new(Vec::new(), Format::Pcap)
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(&pcap[..4], &[0x4D, 0x3C, 0xB2, 0xA1]);
}

#[test]
fn rst_is_a_single_packet_and_forgets_the_connection() {
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    let (c, s) = (
        "10.0.0.1:1234".parse().unwrap(),
        "10.0.0.2:80".parse().unwrap(),
    );
    w.open(7, c, s, Timestamp(T0)).unwrap();
    w.close(7, WriterClose::Rst, Dir::S2c, Timestamp(T0))
        .unwrap();
    assert_eq!(w.packets(), 4);
    let err = w.data(7, Dir::C2s, Timestamp(T0), b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let file = w.finish().unwrap();
    assert_eq!(read_back(&file), (5, 4));
    // The RST: flags RST|ACK, sent by the server.
    let last = &file[file.len() - 54..];
    assert_eq!(
        (last[14 + 20 + 13], &last[14 + 20..14 + 20 + 2]),
        (RST | ACK, &[0, 80][..])
    );
}

#[test]
fn misuse_is_an_invalid_input_error() {
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcapng).unwrap();
    let v4: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let v6: SocketAddr = "[::1]:2".parse().unwrap();
    let t = Timestamp(T0);
    let kinds = [
        w.data(1, Dir::C2s, t, b"x").unwrap_err().kind(),
        w.close(1, WriterClose::Fin, Dir::C2s, t)
            .unwrap_err()
            .kind(),
        w.open(1, v4, v6, t).unwrap_err().kind(),
        w.open(1, v4, v4, t)
            .and_then(|()| w.open(1, v4, v4, t))
            .unwrap_err()
            .kind(),
    ];
    assert!(kinds.iter().all(|k| *k == io::ErrorKind::InvalidInput));
    assert_eq!(w.packets(), 3);
}

#[test]
fn mss_is_clamped_and_sequence_numbers_continue() {
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
    w.set_mss(0);
    assert_eq!(w.sink.mss, 1);
    w.set_mss(1 << 20);
    assert_eq!(w.sink.mss, MAX_MSS);
    let (c, s) = (
        "127.0.0.1:1".parse().unwrap(),
        "127.0.0.1:2".parse().unwrap(),
    );
    w.open(1, c, s, Timestamp(0)).unwrap();
    let before = w.conns[&1].next_seq;
    w.data(1, Dir::C2s, Timestamp(0), &vec![0; MAX_MSS * 2 + 1])
        .unwrap();
    w.data(1, Dir::C2s, Timestamp(0), &[]).unwrap();
    assert_eq!(w.packets(), 3 + 6);
    let after = w.conns[&1].next_seq;
    assert_eq!(after[0].wrapping_sub(before[0]), (MAX_MSS * 2 + 1) as u32);
    assert_eq!(after[1], before[1]);
}

#[test]
fn checksum_matches_rfc1071_example() {
    // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2 (complement 220d).
    assert_eq!(
        checksum(sum_words(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])),
        0x220d
    );
    assert_eq!(
        checksum(sum_words(&[0x00, 0x01, 0xf2])),
        !(0x0001u16 + 0xf200)
    );
}

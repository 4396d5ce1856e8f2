//! Writes TCP conversations as a pcap or pcapng file that Wireshark dissects. Live loopback
//! traffic is known only as byte streams, so the packets (handshake, segments, ACKs, FIN/RST)
//! are synthesized around them, with sequence numbers and checksums a dissector accepts.
//!
//! Pass a `BufWriter`: each packet is handed to `out` in a few small `write_all` calls, and
//! nothing is allocated per packet.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use crate::proto::{ConnId, Dir, Timestamp};

/// File format of the capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap with the nanosecond magic.
    Pcap,
    /// pcapng: one section, one Ethernet interface, nanosecond timestamps.
    Pcapng,
}

/// How a connection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterClose {
    /// Orderly: FIN/ACK from the closer, FIN/ACK from the peer, final ACK.
    Fin,
    /// Abortive: one RST/ACK from the closer.
    Rst,
}

const SNAPLEN: u32 = 262_144;
/// Linux loopback: MTU 65536 minus IPv4, TCP and the timestamp option.
const DEFAULT_MSS: usize = 65_483;
/// Largest payload an IPv4 total length can still describe (65535 - 20 - 20).
const MAX_MSS: usize = 65_495;
const LINKTYPE_ETHERNET: u16 = 1;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// Per-connection TCP state, indexed by `Dir::index()` (0 = client sends, 1 = server sends).
struct Conn {
    addr: [SocketAddr; 2],
    next_seq: [u32; 2],
    ip_id: [u16; 2],
}

/// Everything needed to emit packets, kept apart from the connection table so both can be
/// borrowed mutably at once.
struct Sink<W: Write> {
    out: W,
    format: Format,
    mss: usize,
    scratch: Vec<u8>,
    packets: u64,
    bytes: u64,
}

/// Synthesizes a capture of TCP conversations from their byte streams.
pub struct CaptureWriter<W: Write> {
    sink: Sink<W>,
    conns: HashMap<ConnId, Conn>,
}

impl<W: Write> CaptureWriter<W> {
    /// Writes the file header: pcapng SHB (shb_userappl "duplex") and an Ethernet IDB with
    /// nanosecond resolution, or a pcap header with the nanosecond magic.
    pub fn new(out: W, format: Format) -> io::Result<Self> {
        let mut sink = Sink {
            out,
            format,
            mss: DEFAULT_MSS,
            scratch: Vec::with_capacity(256),
            packets: 0,
            bytes: 0,
        };
        sink.file_header()?;
        Ok(CaptureWriter {
            sink,
            conns: HashMap::new(),
        })
    }

    /// A new TCP connection: writes SYN, SYN-ACK and ACK, with an MSS option on both SYNs.
    pub fn open(
        &mut self,
        conn: ConnId,
        client: SocketAddr,
        server: SocketAddr,
        ts: Timestamp,
    ) -> io::Result<()> {
        if self.conns.contains_key(&conn) {
            return Err(invalid(format!("connection {conn} is already open")));
        }
        if client.is_ipv4() != server.is_ipv4() {
            return Err(invalid(format!(
                "connection {conn}: client {client} and server {server} are not the same IP version"
            )));
        }
        // Deterministic initial sequence numbers: the same input gives the same file.
        let isn = conn.wrapping_mul(0x9E37_79B1);
        let mut c = Conn {
            addr: [client, server],
            next_seq: [isn ^ 0x1000_0000, isn ^ 0x6000_0000],
            ip_id: [conn as u16, (conn as u16) ^ 0x8000],
        };
        self.sink.emit(&mut c, Dir::C2s, ts, SYN, &[])?;
        self.sink.emit(&mut c, Dir::S2c, ts, SYN | ACK, &[])?;
        self.sink.emit(&mut c, Dir::C2s, ts, ACK, &[])?;
        self.conns.insert(conn, c);
        Ok(())
    }

    /// Bytes sent in one direction, as segments of at most the MSS (PSH on the last), each
    /// followed by the peer's ACK. All packets carry `ts`.
    pub fn data(&mut self, conn: ConnId, dir: Dir, ts: Timestamp, bytes: &[u8]) -> io::Result<()> {
        let c = lookup(&mut self.conns, conn)?;
        let mss = self.sink.mss;
        let mut chunks = bytes.chunks(mss).peekable();
        while let Some(chunk) = chunks.next() {
            let flags = if chunks.peek().is_none() {
                ACK | PSH
            } else {
                ACK
            };
            self.sink.emit(c, dir, ts, flags, chunk)?;
            self.sink.emit(c, dir.flip(), ts, ACK, &[])?;
        }
        Ok(())
    }

    /// Ends a connection; afterwards its id is unknown again.
    pub fn close(
        &mut self,
        conn: ConnId,
        how: WriterClose,
        by: Dir,
        ts: Timestamp,
    ) -> io::Result<()> {
        let c = lookup(&mut self.conns, conn)?;
        match how {
            WriterClose::Fin => {
                self.sink.emit(c, by, ts, FIN | ACK, &[])?;
                self.sink.emit(c, by.flip(), ts, FIN | ACK, &[])?;
                self.sink.emit(c, by, ts, ACK, &[])?;
            }
            WriterClose::Rst => self.sink.emit(c, by, ts, RST | ACK, &[])?,
        }
        self.conns.remove(&conn);
        Ok(())
    }

    /// Largest segment payload for later `data` calls, clamped to 1..=65495 so every packet
    /// fits an IP length field.
    pub fn set_mss(&mut self, mss: usize) {
        self.sink.mss = mss.clamp(1, MAX_MSS);
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.sink.packets
    }

    /// Bytes written so far, file header included.
    pub fn bytes_written(&self) -> u64 {
        self.sink.bytes
    }

    /// Flushes and gives the output back. Connections still open simply end with the file.
    pub fn finish(mut self) -> io::Result<W> {
        self.sink.out.flush()?;
        Ok(self.sink.out)
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn lookup(conns: &mut HashMap<ConnId, Conn>, conn: ConnId) -> io::Result<&mut Conn> {
    conns.get_mut(&conn).ok_or_else(|| {
        invalid(format!(
            "connection {conn} is not open (never opened, or closed)"
        ))
    })
}

impl<W: Write> Sink<W> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn file_header(&mut self) -> io::Result<()> {
        let mut b = std::mem::take(&mut self.scratch);
        match self.format {
            Format::Pcap => {
                b.extend_from_slice(&0xA1B2_3C4Du32.to_le_bytes()); // nanosecond magic
                b.extend_from_slice(&2u16.to_le_bytes());
                b.extend_from_slice(&4u16.to_le_bytes());
                b.extend_from_slice(&[0; 8]); // thiszone, sigfigs
                b.extend_from_slice(&SNAPLEN.to_le_bytes());
                b.extend_from_slice(&u32::from(LINKTYPE_ETHERNET).to_le_bytes());
            }
            Format::Pcapng => {
                let mut body = Vec::with_capacity(64);
                body.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
                body.extend_from_slice(&1u16.to_le_bytes());
                body.extend_from_slice(&0u16.to_le_bytes());
                body.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
                push_option(&mut body, 4, b"duplex"); // shb_userappl
                body.extend_from_slice(&[0; 4]); // opt_endofopt
                push_block(&mut b, 0x0A0D_0D0A, &body);
                body.clear();
                body.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
                body.extend_from_slice(&0u16.to_le_bytes());
                body.extend_from_slice(&SNAPLEN.to_le_bytes());
                push_option(&mut body, 9, &[9]); // if_tsresol: 10^-9 s
                body.extend_from_slice(&[0; 4]);
                push_block(&mut b, 1, &body);
            }
        }
        let result = self.put(&b);
        b.clear();
        self.scratch = b;
        result
    }

    /// One packet from `from`: sequence and ack numbers come from the connection, which then
    /// advances by the payload plus one for SYN or FIN.
    fn emit(
        &mut self,
        c: &mut Conn,
        from: Dir,
        ts: Timestamp,
        flags: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        let (s, p) = (from.index(), from.flip().index());
        let (src, dst) = (c.addr[s], c.addr[p]);
        let seq = c.next_seq[s];
        let ack = if flags & ACK != 0 { c.next_seq[p] } else { 0 };
        let ip_id = c.ip_id[s];
        c.ip_id[s] = ip_id.wrapping_add(1);
        let advance = payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
        c.next_seq[s] = seq.wrapping_add(advance);

        let tcp_len = if flags & SYN != 0 { 24 } else { 20 };
        let ip_len = if src.is_ipv4() { 20 } else { 40 };
        let frame_len = 14 + ip_len + tcp_len + payload.len();
        let pad = (4 - frame_len % 4) % 4;

        let mut b = std::mem::take(&mut self.scratch);
        b.clear();
        match self.format {
            Format::Pcap => {
                b.extend_from_slice(&((ts.0 / 1_000_000_000) as u32).to_le_bytes());
                b.extend_from_slice(&((ts.0 % 1_000_000_000) as u32).to_le_bytes());
            }
            Format::Pcapng => {
                b.extend_from_slice(&6u32.to_le_bytes()); // enhanced packet block
                b.extend_from_slice(&((32 + frame_len + pad) as u32).to_le_bytes());
                b.extend_from_slice(&0u32.to_le_bytes()); // interface 0
                b.extend_from_slice(&((ts.0 >> 32) as u32).to_le_bytes());
                b.extend_from_slice(&(ts.0 as u32).to_le_bytes());
            }
        }
        b.extend_from_slice(&(frame_len as u32).to_le_bytes()); // captured
        b.extend_from_slice(&(frame_len as u32).to_le_bytes()); // original

        // Ethernet: locally administered MACs, ...:01 for the client and ...:02 for the server.
        b.extend_from_slice(&[2, 0, 0, 0, 0, 1 + p as u8, 2, 0, 0, 0, 0, 1 + s as u8]);
        let tcp_total = (tcp_len + payload.len()) as u16;
        let mut pseudo = 6 + u64::from(tcp_total);
        match (src.ip(), dst.ip()) {
            (IpAddr::V4(a), IpAddr::V4(d)) => {
                b.extend_from_slice(&0x0800u16.to_be_bytes());
                let ip = b.len();
                b.extend_from_slice(&[0x45, 0]);
                b.extend_from_slice(&(20 + tcp_total).to_be_bytes());
                b.extend_from_slice(&ip_id.to_be_bytes());
                b.extend_from_slice(&[0x40, 0, 64, 6, 0, 0]); // DF, TTL 64, TCP
                b.extend_from_slice(&a.octets());
                b.extend_from_slice(&d.octets());
                let sum = checksum(sum_words(&b[ip..]));
                b[ip + 10..ip + 12].copy_from_slice(&sum.to_be_bytes());
                pseudo += sum_words(&a.octets()) + sum_words(&d.octets());
            }
            (IpAddr::V6(a), IpAddr::V6(d)) => {
                b.extend_from_slice(&0x86DDu16.to_be_bytes());
                b.extend_from_slice(&[0x60, 0, 0, 0]);
                b.extend_from_slice(&tcp_total.to_be_bytes());
                b.extend_from_slice(&[6, 64]); // next header TCP, hop limit 64
                b.extend_from_slice(&a.octets());
                b.extend_from_slice(&d.octets());
                pseudo += sum_words(&a.octets()) + sum_words(&d.octets());
            }
            // `open` refuses mixed families, so this cannot be reached.
            _ => return Err(invalid("mixed IPv4/IPv6 connection".to_string())),
        }
        let tcp = b.len();
        b.extend_from_slice(&src.port().to_be_bytes());
        b.extend_from_slice(&dst.port().to_be_bytes());
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&ack.to_be_bytes());
        b.extend_from_slice(&[(tcp_len as u8 / 4) << 4, flags, 0xFF, 0xFF, 0, 0, 0, 0]);
        if flags & SYN != 0 {
            b.extend_from_slice(&[2, 4]);
            b.extend_from_slice(&(self.mss as u16).to_be_bytes());
        }
        // The TCP header length is a multiple of 4, so the payload's words stay aligned.
        let sum = checksum(pseudo + sum_words(&b[tcp..]) + sum_words(payload));
        b[tcp + 16..tcp + 18].copy_from_slice(&sum.to_be_bytes());

        let mut result = self.put(&b).and_then(|()| self.put(payload));
        if result.is_ok() && self.format == Format::Pcapng {
            let mut tail = [0u8; 8];
            tail[pad..pad + 4].copy_from_slice(&((32 + frame_len + pad) as u32).to_le_bytes());
            result = self.put(&tail[..pad + 4]);
        }
        self.scratch = b;
        self.packets += 1;
        result
    }
}

/// A pcapng block: type, total length, body (already padded), total length again.
fn push_block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    let total = (12 + body.len()) as u32;
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&total.to_le_bytes());
}

/// A pcapng option: code, length, value padded to 32 bits.
fn push_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
}

/// Sum of big-endian 16-bit words, taken 32 bits at a time: 2^16 = 1 in ones' complement
/// arithmetic, so folding the wider sum gives the same result, faster.
fn sum_words(data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(4);
    let mut sum: u64 = (&mut chunks)
        .map(|c| u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
        .sum();
    for (i, &byte) in chunks.remainder().iter().enumerate() {
        sum += if i % 2 == 0 {
            u64::from(byte) << 8
        } else {
            u64::from(byte)
        };
    }
    sum
}

/// RFC 1071: fold the carries back in and complement.
fn checksum(mut sum: u64) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
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
        let path =
            std::env::temp_dir().join(format!("duplex-writer-{}-{name}", std::process::id()));
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
}

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

    /// Bytes sent in one direction but not captured: the sequence numbers jump over them, so a
    /// dissector sees segments missing, as in a capture that lost packets.
    pub fn gap(&mut self, conn: ConnId, dir: Dir, n: u64) -> io::Result<()> {
        let c = lookup(&mut self.conns, conn)?;
        let seq = &mut c.next_seq[dir.index()];
        // Sequence numbers count modulo 2^32: the truncation is the arithmetic.
        *seq = seq.wrapping_add(n as u32);
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

    /// A pcapng Decryption Secrets Block of SSLKEYLOGFILE lines: Wireshark decrypts with it.
    pub fn secrets(&mut self, nss: &str) -> io::Result<()> {
        if self.sink.format != Format::Pcapng || nss.is_empty() {
            return Ok(());
        }
        let mut body = 0x544C_534Bu32.to_le_bytes().to_vec(); // "TLSK": NSS key log
        body.extend_from_slice(&(nss.len() as u32).to_le_bytes());
        body.extend_from_slice(nss.as_bytes());
        body.resize(body.len().next_multiple_of(4), 0);
        let mut b = Vec::with_capacity(body.len() + 12);
        push_block(&mut b, 0x0A, &body);
        self.sink.put(&b)
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
#[path = "capture_writer_tests.rs"]
mod tests;

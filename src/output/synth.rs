//! Deterministic synthetic traffic for the benchmark and tests: a few HTTP/1.1 keep-alive
//! connections (Content-Length and chunked bodies), then WebSocket connections exchanging a
//! realistic frame mix until a byte budget is spent, each ended by a close handshake.
//! No I/O of its own: everything goes through the `CaptureWriter`.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::capture_writer::{CaptureWriter, WriterClose};
use super::ws_encode::{accept_key, encode_frame};
use crate::proto::{ConnId, Dir, Timestamp};

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthOptions {
    /// Stop starting new WebSocket frames once the file holds this many bytes.
    pub bytes: u64,
    pub seed: u64,
    /// WebSocket connections open at the same time (the last one over IPv6).
    pub ws_conns: u32,
    pub mix: Mix,
}

/// What the WebSocket conversation carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mix {
    /// Ticker and chat: small text frames, rare small binaries, like a live-prices or chat app.
    #[default]
    Chat,
    /// As Chat, with one step in twenty-five a binary of up to 68 KiB: bytes dominated by bulk data.
    Bulk,
}

impl Mix {
    pub fn name(self) -> &'static str {
        match self {
            Mix::Chat => "chat",
            Mix::Bulk => "bulk",
        }
    }
}

impl Default for SynthOptions {
    /// The benchmark's capture: 200 MB, seed 1, four WebSocket connections.
    fn default() -> Self {
        SynthOptions {
            bytes: 200_000_000,
            seed: 1,
            ws_conns: 4,
            mix: Mix::Chat,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct SynthStats {
    pub connections: u32,
    pub http_exchanges: u64,
    /// WebSocket frames, indexed by opcode.
    pub frames_by_opcode: [u64; 16],
}

impl SynthStats {
    pub fn ws_frames(&self) -> u64 {
        self.frames_by_opcode.iter().sum()
    }
}

/// Server port: one tshark dissects as HTTP without being told.
pub const SERVER_PORT: u16 = 8080;
const START: u64 = 1_700_000_000_000_000_000;
const WORDS: [&str; 16] = [
    "hello", "market", "is", "up", "today", "anyone", "seen", "the", "new", "release", "ok",
    "thanks", "see", "you", "later", "lol",
];
const SYMBOLS: [&str; 8] = [
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "TSLA", "META", "ORCL",
];

/// xorshift64: tiny, fast and deterministic; statistical quality is beside the point here.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform enough in `lo..=hi` (just `lo` when `hi <= lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        let span = hi.saturating_sub(lo).saturating_add(1);
        lo + self.next_u64() % span
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// Generates the whole conversation into `w`; the caller chooses the format and finishes it.
pub fn generate<W: Write>(w: &mut CaptureWriter<W>, opts: &SynthOptions) -> io::Result<SynthStats> {
    let mut g = Gen {
        w,
        mix: opts.mix,
        rng: Rng::new(opts.seed),
        ts: START,
        stats: SynthStats::default(),
        frame: Vec::with_capacity(1 << 17),
        text: Vec::with_capacity(256),
        noise: Vec::new(),
    };
    let noise: Vec<u8> = (0..(1 << 17) / 8)
        .flat_map(|_| g.rng.next_u64().to_le_bytes())
        .collect();
    g.noise = noise;

    for _ in 0..3 {
        g.http_connection()?;
    }
    let n = opts.ws_conns.max(1);
    let ws = (0..n)
        .map(|i| g.ws_handshake(n > 1 && i + 1 == n))
        .collect::<io::Result<Vec<ConnId>>>()?;
    while g.w.bytes_written() < opts.bytes {
        let conn = ws[(g.rng.next_u64() % ws.len() as u64) as usize];
        g.ws_step(conn)?;
    }
    for &conn in &ws {
        g.text.clear();
        g.text.extend_from_slice(&1000u16.to_be_bytes());
        g.text.extend_from_slice(b"bye");
        g.send_frame(conn, Dir::C2s, true, 8)?;
        g.send_frame(conn, Dir::S2c, true, 8)?;
        g.tick();
        g.w.close(conn, WriterClose::Fin, Dir::S2c, Timestamp(g.ts))?;
    }
    Ok(g.stats)
}

struct Gen<'a, W: Write> {
    w: &'a mut CaptureWriter<W>,
    mix: Mix,
    rng: Rng,
    ts: u64,
    stats: SynthStats,
    /// Reused buffers: the encoded frame or HTTP message, a text payload, random bytes.
    frame: Vec<u8>,
    text: Vec<u8>,
    noise: Vec<u8>,
}

impl<W: Write> Gen<'_, W> {
    /// Moves the clock on by 20 µs to 2 ms.
    fn tick(&mut self) {
        self.ts += self.rng.range(20_000, 2_000_000);
    }

    fn open(&mut self, v6: bool) -> io::Result<ConnId> {
        self.stats.connections += 1;
        let conn = self.stats.connections;
        let ip: IpAddr = if v6 {
            Ipv6Addr::LOCALHOST.into()
        } else {
            Ipv4Addr::LOCALHOST.into()
        };
        let (client, server) = (
            SocketAddr::new(ip, 40_000 + conn as u16),
            (ip, SERVER_PORT).into(),
        );
        self.tick();
        self.w.open(conn, client, server, Timestamp(self.ts))?;
        Ok(conn)
    }

    /// Sends `self.frame` as one write.
    fn send(&mut self, conn: ConnId, dir: Dir) -> io::Result<()> {
        self.tick();
        self.w.data(conn, dir, Timestamp(self.ts), &self.frame)
    }

    /// A keep-alive connection with three to five exchanges, closed by the client.
    fn http_connection(&mut self) -> io::Result<()> {
        let conn = self.open(false)?;
        for _ in 0..self.rng.range(3, 5) {
            self.stats.http_exchanges += 1;
            match self.rng.next_u64() % 4 {
                0 => self.http_quote(conn)?,
                1 => self.http_order(conn)?,
                2 => self.http_chunked(conn)?,
                _ => self.http_image(conn)?,
            }
        }
        self.tick();
        self.w
            .close(conn, WriterClose::Fin, Dir::C2s, Timestamp(self.ts))
    }

    fn request(&mut self, method: &str, target: &str, body: &[u8]) -> io::Result<()> {
        self.frame.clear();
        write!(
            self.frame,
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{SERVER_PORT}\r\n"
        )?;
        self.frame
            .extend_from_slice(b"User-Agent: duplex-synth/1\r\nAccept: */*\r\n");
        if !body.is_empty() {
            write!(
                self.frame,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            )?;
        }
        self.frame.extend_from_slice(b"\r\n");
        self.frame.extend_from_slice(body);
        Ok(())
    }

    fn response(&mut self, status: &str, content_type: &str, body_len: usize) -> io::Result<()> {
        self.frame.clear();
        write!(
            self.frame,
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {body_len}\r\n\r\n"
        )
    }

    fn http_quote(&mut self, conn: ConnId) -> io::Result<()> {
        let sym = self.rng.pick(&SYMBOLS);
        self.request("GET", &format!("/api/quote?sym={sym}"), &[])?;
        self.send(conn, Dir::C2s)?;
        let px = self.rng.range(1_000, 99_999);
        let body = format!("{{\"sym\":\"{sym}\",\"px\":{}.{:02}}}", px / 100, px % 100);
        self.response("200 OK", "application/json", body.len())?;
        self.frame.extend_from_slice(body.as_bytes());
        self.send(conn, Dir::S2c)
    }

    fn http_order(&mut self, conn: ConnId) -> io::Result<()> {
        let body = format!(
            "{{\"sym\":\"{}\",\"qty\":{}}}",
            self.rng.pick(&SYMBOLS),
            self.rng.range(1, 500)
        );
        self.request("POST", "/api/orders", body.as_bytes())?;
        self.send(conn, Dir::C2s)?;
        let reply = format!("{{\"id\":{}}}", self.rng.range(1, 1 << 30));
        self.response("201 Created", "application/json", reply.len())?;
        self.frame.extend_from_slice(reply.as_bytes());
        self.send(conn, Dir::S2c)
    }

    /// A chunked response streamed one chunk per write, as a server producing it would.
    fn http_chunked(&mut self, conn: ConnId) -> io::Result<()> {
        self.request("GET", "/api/history", &[])?;
        self.send(conn, Dir::C2s)?;
        self.frame.clear();
        self.frame.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        self.send(conn, Dir::S2c)?;
        for i in 0..self.rng.range(2, 5) {
            let line = format!("{{\"t\":{i},\"px\":{}}}\n", self.rng.range(100, 999));
            self.frame.clear();
            write!(self.frame, "{:x}\r\n{line}\r\n", line.len())?;
            self.send(conn, Dir::S2c)?;
        }
        self.frame.clear();
        self.frame.extend_from_slice(b"0\r\n\r\n");
        self.send(conn, Dir::S2c)
    }

    /// A body larger than the loopback MSS, so it spans several segments.
    fn http_image(&mut self, conn: ConnId) -> io::Result<()> {
        self.request("GET", "/static/chart.png", &[])?;
        self.send(conn, Dir::C2s)?;
        let len = self.rng.range(70_000, 120_000) as usize;
        self.response("200 OK", "application/octet-stream", len)?;
        let start = self.rng.range(0, (self.noise.len() - len) as u64) as usize;
        self.frame
            .extend_from_slice(&self.noise[start..start + len]);
        self.send(conn, Dir::S2c)
    }

    fn ws_handshake(&mut self, v6: bool) -> io::Result<ConnId> {
        let conn = self.open(v6)?;
        let key = B64.encode(self.rng.next_u64().to_le_bytes().repeat(2));
        self.frame.clear();
        write!(
            self.frame,
            "GET /ws/ticker HTTP/1.1\r\nHost: 127.0.0.1:{SERVER_PORT}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )?;
        self.send(conn, Dir::C2s)?;
        self.frame.clear();
        write!(
            self.frame,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            accept_key(&key)
        )?;
        self.stats.http_exchanges += 1;
        self.send(conn, Dir::S2c)?;
        Ok(conn)
    }

    /// Encodes `self.text` as one frame (masked when the client sends it) and sends it.
    fn send_frame(&mut self, conn: ConnId, dir: Dir, fin: bool, opcode: u8) -> io::Result<()> {
        let mask = (dir == Dir::C2s).then(|| (self.rng.next_u64() as u32).to_be_bytes());
        self.frame.clear();
        encode_frame(&mut self.frame, fin, opcode, mask, &self.text);
        self.stats.frames_by_opcode[usize::from(opcode & 0x0F)] += 1;
        self.send(conn, dir)
    }

    /// One step of the conversation: mostly small text, sometimes binary, pings, fragments.
    fn ws_step(&mut self, conn: ConnId) -> io::Result<()> {
        let mut roll = self.rng.next_u64() % 100;
        if self.mix == Mix::Chat && (88..92).contains(&roll) {
            // Bulk's binary steps become chat, but for one in four, kept small.
            roll = if roll == 88 { 200 } else { 60 };
        }
        let side = if self.rng.next_u64().is_multiple_of(2) {
            Dir::C2s
        } else {
            Dir::S2c
        };
        match roll {
            0..55 => {
                self.ticker_text();
                self.send_frame(conn, Dir::S2c, true, 1)
            }
            55..88 => {
                self.chat_text();
                self.send_frame(conn, if roll < 80 { Dir::C2s } else { Dir::S2c }, true, 1)
            }
            88..92 => {
                self.binary_payload();
                self.send_frame(conn, side, true, 2)
            }
            92..95 => self.ping_pong(conn, side),
            200 => {
                self.binary_payload();
                self.send_frame(conn, side, true, 2)
            }
            _ => self.fragmented(conn, side, if roll < 98 { 1 } else { 2 }),
        }
    }

    fn ping_pong(&mut self, conn: ConnId, side: Dir) -> io::Result<()> {
        self.text.clear();
        let n = self.rng.next_u64();
        self.text.extend_from_slice(&n.to_be_bytes());
        self.send_frame(conn, side, true, 9)?;
        self.send_frame(conn, side.flip(), true, 10)
    }

    /// A message in two to four frames; sometimes a ping travels between the fragments.
    fn fragmented(&mut self, conn: ConnId, side: Dir, opcode: u8) -> io::Result<()> {
        let parts = self.rng.range(2, 4);
        for i in 0..parts {
            if opcode == 1 {
                self.chat_text();
            } else {
                self.binary_payload();
            }
            let last = i + 1 == parts;
            self.send_frame(conn, side, last, if i == 0 { opcode } else { 0 })?;
            if !last && self.rng.next_u64().is_multiple_of(4) {
                self.ping_pong(conn, side)?;
            }
        }
        Ok(())
    }

    /// `{"type":"tick",...}`, about 60-80 bytes.
    fn ticker_text(&mut self) {
        let sym = self.rng.pick(&SYMBOLS);
        let px = self.rng.range(1_000, 99_999);
        let (qty, seq) = (self.rng.range(1, 10_000), self.rng.next_u64() >> 40);
        self.text.clear();
        // Writing into a Vec cannot fail.
        let _ = write!(
            self.text,
            "{{\"type\":\"tick\",\"sym\":\"{sym}\",\"px\":{}.{:02},\"qty\":{qty},\"seq\":{seq}}}",
            px / 100,
            px % 100
        );
    }

    /// `{"type":"chat",...}` of 10 to 200 bytes; the shortest are heartbeats.
    fn chat_text(&mut self) {
        self.text.clear();
        let target = self.rng.range(10, 200) as usize;
        if target < 40 {
            let _ = write!(self.text, "{{\"hb\":{}}}", self.rng.range(0, 1 << 20));
            return;
        }
        let _ = write!(
            self.text,
            "{{\"type\":\"chat\",\"user\":\"u{}\",\"text\":\"",
            self.rng.range(1, 999)
        );
        while self.text.len() + 8 < target {
            let word = self.rng.pick(&WORDS);
            self.text.extend_from_slice(word.as_bytes());
            self.text.push(b' ');
        }
        self.text.extend_from_slice(b"\"}");
    }

    /// Random bytes: mostly short, some needing the 16-bit length form, a few the 64-bit
    /// form (which RFC 6455 allows only from 65536 bytes up).
    fn binary_payload(&mut self) {
        let len = match self.rng.next_u64() % 20 {
            _ if self.mix == Mix::Chat => self.rng.range(1, 2_048),
            0..10 => self.rng.range(1, 125),
            10..18 => self.rng.range(126, 16_384),
            18 => self.rng.range(16_385, 65_535),
            _ => self.rng.range(65_536, 65_536 + 4_096),
        } as usize;
        let start = self.rng.range(0, (self.noise.len() - len) as u64) as usize;
        self.text.clear();
        self.text.extend_from_slice(&self.noise[start..start + len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Format;

    fn run(seed: u64, bytes: u64) -> (Vec<u8>, SynthStats) {
        let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
        let stats = generate(
            &mut w,
            &SynthOptions {
                bytes,
                seed,
                ws_conns: 3,
                mix: Mix::Bulk,
            },
        )
        .unwrap();
        (w.finish().unwrap(), stats)
    }

    #[test]
    fn same_seed_same_file_other_seed_other_file() {
        let (a, sa) = run(7, 1_500_000);
        let (b, _) = run(7, 1_500_000);
        let (c, _) = run(8, 1_500_000);
        assert!(a == b && a != c);
        assert!(a.len() as u64 >= 1_500_000);
        // Three HTTP connections, three WebSocket ones; each WebSocket conn ends with two closes.
        assert_eq!((sa.connections, sa.frames_by_opcode[8]), (6, 6));
        assert!(sa.frames_by_opcode[1] > sa.ws_frames() / 2, "{sa:?}");
        assert_eq!(sa.frames_by_opcode[9], sa.frames_by_opcode[10]);
    }

    #[test]
    fn rng_ranges_stay_inside() {
        let mut r = Rng::new(0);
        assert!((0..1000).all(|_| (10..=200).contains(&r.range(10, 200))));
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.range(9, 3), 9);
    }
}

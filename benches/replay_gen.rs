//! The bench's captures beside the synth's chat mix: tiny frames and HTTP keep-alive.
//! Deterministic (xorshift, seed 1), written through `CaptureWriter` like the synth's.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};

use duplex::output::synth::Rng;
use duplex::output::ws_encode::{accept_key, encode_frame};
use duplex::output::{CaptureWriter, WriterClose};
use duplex::proto::{Dir, Timestamp};

const START: u64 = 1_700_000_000_000_000_000;

fn addrs(conn: u32) -> (SocketAddr, SocketAddr) {
    let ip = Ipv4Addr::LOCALHOST;
    ((ip, 40_000 + conn as u16).into(), (ip, 8080).into())
}

/// Eight WebSockets exchanging frames of 11 bytes on the wire, one frame per TCP segment:
/// server frames carry 9 payload bytes, masked client frames 5. Returns the frame count.
pub fn tiny<W: Write>(w: &mut CaptureWriter<W>, bytes: u64) -> io::Result<u64> {
    let mut rng = Rng::new(1);
    let mut ts = START;
    let mut frame = Vec::with_capacity(64);
    let conns: Vec<u32> = (1..=8).collect();
    for &c in &conns {
        let (client, server) = addrs(c);
        w.open(c, client, server, Timestamp(ts))?;
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let req = format!(
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        w.data(c, Dir::C2s, Timestamp(ts), req.as_bytes())?;
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            accept_key(key)
        );
        w.data(c, Dir::S2c, Timestamp(ts), resp.as_bytes())?;
    }
    let mut frames = 0;
    while w.bytes_written() < bytes {
        ts += rng.range(1_000, 50_000);
        let c = conns[(rng.next_u64() % conns.len() as u64) as usize];
        let n = rng.next_u64();
        frame.clear();
        let dir = if n % 4 == 0 {
            encode_frame(
                &mut frame,
                true,
                1,
                Some((n as u32).to_be_bytes()),
                b"ping!",
            );
            Dir::C2s
        } else {
            let text = format!("{:09}", n % 1_000_000_000);
            encode_frame(&mut frame, true, 1, None, text.as_bytes());
            Dir::S2c
        };
        w.data(c, dir, Timestamp(ts), &frame)?;
        frames += 1;
    }
    for &c in &conns {
        w.close(c, WriterClose::Fin, Dir::C2s, Timestamp(ts))?;
    }
    Ok(frames)
}

/// HTTP/1.1 keep-alive: connections of 5 to 40 exchanges (browser-like request heads, JSON
/// answers of 50 bytes to 8 KiB, one in eight chunked), four open at a time.
/// Returns the number of exchanges.
pub fn http<W: Write>(w: &mut CaptureWriter<W>, bytes: u64) -> io::Result<u64> {
    let mut rng = Rng::new(1);
    let mut ts = START;
    let mut exchanges = 0;
    let mut next_conn = 1u32;
    let mut open: Vec<(u32, u64)> = Vec::new();
    let mut msg = Vec::with_capacity(16 << 10);
    let paths = [
        "/api/quote",
        "/api/orders",
        "/static/app.js",
        "/index.html",
        "/api/user",
    ];
    while w.bytes_written() < bytes {
        while open.len() < 4 {
            let (client, server) = addrs(next_conn);
            w.open(next_conn, client, server, Timestamp(ts))?;
            open.push((next_conn, rng.range(5, 40)));
            next_conn += 1;
        }
        ts += rng.range(10_000, 500_000);
        let i = (rng.next_u64() % open.len() as u64) as usize;
        let c = open[i].0;
        let path = paths[(rng.next_u64() % paths.len() as u64) as usize];
        msg.clear();
        write!(
            msg,
            "GET {path}?id={} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: Mozilla/5.0 (X11; \
             Linux x86_64) duplex-bench/1\r\nAccept: application/json, text/plain, */*\r\n\
             Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate\r\n\
             Cookie: session=abc{}; theme=dark\r\nConnection: keep-alive\r\n\r\n",
            rng.range(1, 99_999),
            rng.range(1, 1 << 30)
        )?;
        w.data(c, Dir::C2s, Timestamp(ts), &msg)?;
        let len = rng.range(50, 8192) as usize;
        msg.clear();
        let chunked = rng.next_u64() % 8 == 0;
        write!(
            msg,
            "HTTP/1.1 200 OK\r\nDate: Sun, 29 Nov 2026 12:00:00 GMT\r\nServer: bench/1\r\n\
             Content-Type: application/json\r\nCache-Control: no-cache\r\n"
        )?;
        if chunked {
            msg.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            write!(msg, "{len:x}\r\n")?;
            msg.resize(msg.len() + len, b'x');
            msg.extend_from_slice(b"\r\n0\r\n\r\n");
        } else {
            write!(msg, "Content-Length: {len}\r\n\r\n")?;
            msg.resize(msg.len() + len, b'x');
        }
        w.data(c, Dir::S2c, Timestamp(ts), &msg)?;
        exchanges += 1;
        open[i].1 -= 1;
        if open[i].1 == 0 {
            w.close(c, WriterClose::Fin, Dir::C2s, Timestamp(ts))?;
            open.swap_remove(i);
        }
    }
    for (c, _) in open {
        w.close(c, WriterClose::Fin, Dir::C2s, Timestamp(ts))?;
    }
    Ok(exchanges)
}

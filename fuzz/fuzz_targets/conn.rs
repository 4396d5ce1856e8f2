//! A whole connection: chunks of the input go to the client→server or server→client side in
//! the order the input says. Unless the first byte's low bit is set, the connection first
//! carries a valid WebSocket upgrade (request, then `101`, permessage-deflate when bit 1 is
//! set), so most inputs reach the WebSocket decoders.
//!
//! After the first byte, each op byte `b` is followed by its chunk:
//! `b >> 6` = 0 → `1 + (b & 63)` bytes to c2s, 1 → the same to s2c,
//! 2 → `(b & 63 + 1) * 64` bytes to the side of bit 5,
//! 3 → `b & 63`: 0 gap c2s, 1 gap s2c, 2 end c2s, 3 end s2c, else everything left to bit 0's side.
//! When bit 2 of the first byte is set, the same ops are replayed with every chunk cut into
//! pieces of 1 to 7 bytes, and the events must be the same.
#![no_main]

use duplex::output::json;
use duplex::proto::conn::Connection;
use duplex::proto::event::{Event, TcpOpen};
use duplex::proto::{Dir, Timestamp};
use libfuzzer_sys::fuzz_target;

const UPGRADE: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
const SWITCH: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
const SWITCH_DEFLATE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n";

enum Op<'a> {
    Data(Dir, &'a [u8]),
    Gap(Dir, u64),
    End(Dir),
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let mut ops = Vec::new();
    if flags & 1 == 0 {
        let switch = if flags & 2 != 0 {
            SWITCH_DEFLATE
        } else {
            SWITCH
        };
        ops.push(Op::Data(Dir::C2s, UPGRADE));
        ops.push(Op::Data(Dir::S2c, switch));
    }
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        let (dir, len) = match op >> 6 {
            0 => (Dir::C2s, usize::from(op & 63) + 1),
            1 => (Dir::S2c, usize::from(op & 63) + 1),
            2 => (side(op & 32), (usize::from(op & 31) + 1) * 64),
            _ => match op & 63 {
                0 | 1 => {
                    ops.push(Op::Gap(side(op & 1), u64::from(op & 63) * 100 + 1));
                    continue;
                }
                2 | 3 => {
                    ops.push(Op::End(side(op & 1)));
                    continue;
                }
                _ => (side(op & 1), tail.len()),
            },
        };
        let (chunk, after) = tail.split_at(len.min(tail.len()));
        ops.push(Op::Data(dir, chunk));
        rest = after;
    }
    let events = run(&ops, false);
    let mut sink = std::io::sink();
    for ev in &events {
        json::write_event(&mut sink, ev, Timestamp(0)).unwrap();
    }
    // Cutting every chunk into pieces of 1 to 7 bytes must not change what is decoded.
    if flags & 4 != 0 {
        assert_eq!(events, run(&ops, true));
    }
});

fn run(ops: &[Op<'_>], pieces: bool) -> Vec<Event> {
    let mut c = Connection::new(1);
    let mut out = Vec::new();
    let open = c.open_event(
        Timestamp(0),
        TcpOpen {
            client: "10.0.0.1:40000".into(),
            server: "10.0.0.2:80".into(),
            handshake: true,
            live: false,
        },
    );
    out.push(open);
    for (i, op) in ops.iter().enumerate() {
        let ts = Timestamp(i as u64 * 1_000);
        match *op {
            Op::Data(dir, chunk) if pieces => {
                let mut at = 0;
                while at < chunk.len() {
                    let n = (at % 7 + 1).min(chunk.len() - at);
                    c.data(dir, ts, &chunk[at..at + n], &mut out);
                    at += n;
                }
            }
            Op::Data(dir, chunk) => c.data(dir, ts, chunk, &mut out),
            Op::Gap(dir, missing) => c.gap(dir, ts, missing, &mut out),
            Op::End(dir) => c.end(dir, ts, &mut out),
        }
    }
    let ts = Timestamp(ops.len() as u64 * 1_000);
    c.end(Dir::C2s, ts, &mut out);
    c.end(Dir::S2c, ts, &mut out);
    out
}

fn side(bit: u8) -> Dir {
    if bit == 0 { Dir::C2s } else { Dir::S2c }
}

//! A whole connection: chunks of the input go to the client→server or server→client side in
//! the order the input says. Unless the first byte's low bit is set, the connection first
//! carries a valid WebSocket upgrade (request, then `101`, permessage-deflate when bit 1 is
//! set), so most inputs reach the WebSocket decoders.
//!
//! After the first byte, each op byte `b` is followed by its chunk:
//! `b >> 6` = 0 → `1 + (b & 63)` bytes to c2s, 1 → the same to s2c,
//! 2 → `(b & 63 + 1) * 64` bytes to the side of bit 5,
//! 3 → `b & 63`: 0 gap c2s, 1 gap s2c, 2 end c2s, 3 end s2c, else everything left to bit 0's side.
#![no_main]

use duplex::output::json;
use duplex::proto::conn::Connection;
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

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else { return };
    let mut c = Connection::new(1);
    let mut out = Vec::new();
    let mut ts = 0u64;
    let mut tick = || {
        ts += 1_000;
        Timestamp(ts)
    };
    out.push(c.open_event(tick(), "10.0.0.1:40000".into(), "10.0.0.2:80".into(), true));
    if flags & 1 == 0 {
        let switch = if flags & 2 != 0 { SWITCH_DEFLATE } else { SWITCH };
        c.data(Dir::C2s, tick(), UPGRADE, &mut out);
        c.data(Dir::S2c, tick(), switch, &mut out);
    }
    while let Some((&op, tail)) = rest.split_first() {
        let (dir, len) = match op >> 6 {
            0 => (Dir::C2s, usize::from(op & 63) + 1),
            1 => (Dir::S2c, usize::from(op & 63) + 1),
            2 => (side(op & 32), (usize::from(op & 31) + 1) * 64),
            _ => match op & 63 {
                0 | 1 => {
                    c.gap(side(op & 1), tick(), u64::from(op & 63) * 100 + 1, &mut out);
                    rest = tail;
                    continue;
                }
                2 | 3 => {
                    c.end(side(op & 1), tick(), &mut out);
                    rest = tail;
                    continue;
                }
                _ => (side(op & 1), tail.len()),
            },
        };
        let (chunk, after) = tail.split_at(len.min(tail.len()));
        c.data(dir, tick(), chunk, &mut out);
        rest = after;
    }
    let t = tick();
    c.end(Dir::C2s, t, &mut out);
    c.end(Dir::S2c, t, &mut out);
    let mut sink = std::io::sink();
    for ev in &out {
        json::write_event(&mut sink, ev, Timestamp(0)).unwrap();
    }
});

fn side(bit: u8) -> Dir {
    if bit == 0 { Dir::C2s } else { Dir::S2c }
}

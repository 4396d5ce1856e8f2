//! The TLS record layer and decryptor: any bytes for either direction, cut anywhere, after a
//! real ClientHello, with a key log that knows the connection's client_random (so records that
//! claim to be protected are really opened): events, never a panic.
#![no_main]

use std::sync::{Arc, RwLock};

use duplex::proto::Dir;
use duplex::proto::tls::stream::Out;
use duplex::proto::tls::{KeyLog, TlsStream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let mut keys = KeyLog::new();
    // The client_random of a ClientHello the input may carry is unknown: the fuzzer's own
    // bytes 0..32 serve as one, with secrets for every label.
    let random: Vec<u8> = rest.iter().copied().chain(std::iter::repeat(7)).take(32).collect();
    for label in duplex::proto::tls::keylog::LABELS {
        keys.insert(label, &random, &[0x42; 48]);
    }
    let keys = Arc::new(RwLock::new(keys));
    let mut t = TlsStream::new();
    let mut out: Vec<Out> = Vec::new();
    let half = rest.len() / 2;
    let (c2s, s2c) = rest.split_at(half);
    let step = usize::from(cut.max(1));
    let mut i = 0;
    while i < c2s.len().max(s2c.len()) {
        for (dir, bytes) in [(Dir::C2s, c2s), (Dir::S2c, s2c)] {
            if let Some(piece) = bytes.get(i..(i + step).min(bytes.len())) {
                t.feed(dir, piece, Some(&keys), &mut out);
            }
        }
        i += step;
        out.clear();
    }
    t.end(Dir::C2s, &mut out);
    t.end(Dir::S2c, &mut out);
});

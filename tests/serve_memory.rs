//! Memory a client can make the server hold is bounded: WebSocket messages in progress on the
//! echo draw on one shared budget, and a client that sends a small message is not held back.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::{Server, ws_connect};

/// The server's peak resident memory, in MiB (Linux).
fn peak_mib(s: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024
}

#[test]
fn big_frames_left_unfinished_share_one_budget() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let s = Server::start(&[]);
    // Each declares a 16 MiB binary frame (zero mask: the payload is as sent), sends 15 MiB of
    // it as fast as the server takes it, and stops: 150 MiB in all if nothing held them back.
    let senders: Vec<_> = (0..10)
        .map(|_| {
            let mut sock = ws_connect(&s);
            std::thread::spawn(move || {
                sock.set_write_timeout(Some(Duration::from_secs(3)))
                    .unwrap();
                let mut head = vec![0x82, 0x80 | 127];
                head.extend_from_slice(&(16u64 << 20).to_be_bytes());
                head.extend_from_slice(&[0; 4]);
                sock.write_all(&head).unwrap();
                let piece = vec![0u8; 64 * 1024];
                for _ in 0..240 {
                    if sock.write_all(&piece).is_err() {
                        break;
                    }
                }
                sock
            })
        })
        .collect();
    let held: Vec<TcpStream> = senders.into_iter().map(|t| t.join().unwrap()).collect();
    // Meanwhile a small message still goes round at once.
    let mut sock = ws_connect(&s);
    let t = Instant::now();
    sock.write_all(&[0x81, 0x82, 0, 0, 0, 0, b'h', b'i'])
        .unwrap();
    let mut echo = [0u8; 4];
    sock.read_exact(&mut echo).unwrap();
    assert_eq!(echo, [0x81, 2, b'h', b'i']);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let peak = peak_mib(&s);
    assert!(peak < 140, "the server held {peak} MiB at its peak");
    drop(held);
}

//! Bodies streamed, never built whole: `/bytes/N` is made as it is sent.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use support::{BOUND, Server};

fn connect(s: &Server) -> TcpStream {
    let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock
}

/// The head's lines, lowercased, up to the blank line.
fn read_head(r: &mut impl BufRead) -> Vec<String> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let line = line.trim_end().to_lowercase();
        if line.is_empty() {
            return head;
        }
        head.push(line);
    }
}

fn alphabet(n: usize) -> Vec<u8> {
    (b'a'..=b'z').cycle().take(n).collect()
}

/// The server's resident memory, from /proc.
fn rss_kib(s: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn bytes_n_has_its_length_and_the_alphabet() {
    let s = Server::start(&[]);
    for n in [0, 1, 26, 100_000] {
        let mut sock = connect(&s);
        write!(
            sock,
            "GET /bytes/{n} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut r = BufReader::new(sock);
        let head = read_head(&mut r);
        assert_eq!(head[0], "http/1.1 200 ok");
        assert!(head.contains(&format!("content-length: {n}")), "{head:?}");
        let mut body = Vec::new();
        r.read_to_end(&mut body).unwrap();
        assert!(body == alphabet(n), "/bytes/{n}: {} bytes", body.len());
    }
}

#[test]
fn clients_that_never_read_bytes_n_do_not_hold_it_in_the_server() {
    let s = Server::start(&[]);
    let before = rss_kib(&s);
    // 16 times 16 MiB: built whole, that is 256 MiB resident.
    let socks: Vec<TcpStream> = (0..16)
        .map(|_| {
            let mut sock = connect(&s);
            sock.write_all(b"GET /bytes/16777216 HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            sock
        })
        .collect();
    thread::sleep(Duration::from_millis(1500));
    let grew = rss_kib(&s).saturating_sub(before);
    assert!(grew < 96 * 1024, "the server grew by {grew} KiB");
    drop(socks);
}

//! Bodies streamed, never built whole: `/bytes/N` is made as it is sent, `POST /echo` sends the
//! body back as it arrives.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use support::{BOUND, Server, have, kind};

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

#[test]
fn echo_sends_the_body_back_while_it_is_still_arriving() {
    let s = Server::start(&[]);
    let mut sock = connect(&s);
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/x-duplex\r\nContent-Length: 10\r\n\r\nhello")
        .unwrap();
    let mut r = BufReader::new(sock.try_clone().unwrap());
    // The first half comes back before the second half is sent.
    let head = read_head(&mut r);
    assert_eq!(head[0], "http/1.1 200 ok");
    assert!(head.contains(&"content-length: 10".to_owned()), "{head:?}");
    assert!(
        head.contains(&"content-type: text/x-duplex".to_owned()),
        "{head:?}"
    );
    let mut first = [0u8; 5];
    r.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"hello");
    sock.write_all(b"world").unwrap();
    let mut second = [0u8; 5];
    r.read_exact(&mut second).unwrap();
    assert_eq!(&second, b"world");
}

#[test]
fn a_chunked_echo_comes_back_chunked() {
    let s = Server::start(&[]);
    let mut sock = connect(&s);
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(sock);
    let head = read_head(&mut r);
    assert!(
        head.contains(&"transfer-encoding: chunked".to_owned()),
        "{head:?}"
    );
    assert!(
        !head.iter().any(|h| h.starts_with("content-length")),
        "{head:?}"
    );
    let mut body = String::new();
    r.read_to_string(&mut body).unwrap();
    let text: String = body.split("\r\n").skip(1).step_by(2).collect();
    assert_eq!(text, "hello world");
    assert!(body.ends_with("0\r\n\r\n"), "{body:?}");
}

#[test]
fn a_chunked_echo_past_16_mib_is_reset() {
    let mut s = Server::start(&[]);
    let mut sock = connect(&s);
    let mut writer = sock.try_clone().unwrap();
    let w = thread::spawn(move || {
        let head = b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        let chunk = [b"10000\r\n".as_slice(), &[b'x'; 0x10000], b"\r\n"].concat();
        let _ = writer.write_all(head);
        // 17 MiB, unless the server stops it first.
        for _ in 0..17 * 16 {
            if writer.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let mut got = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let end = loop {
        match sock.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => got += n,
            Err(e) => break Some(e.kind()),
        }
    };
    assert_eq!(
        end,
        Some(std::io::ErrorKind::ConnectionReset),
        "after {got} bytes"
    );
    assert!(got < 17 << 20, "{got}");
    w.join().unwrap();
    let evs = s.wait_until("the close", |e| kind(e, "tcp_close").count() == 1);
    let close = kind(evs, "tcp_close").next().unwrap();
    assert_eq!(
        (&close["how"], &close["by"]),
        (&"rst".into(), &"s2c".into())
    );
}

#[test]
fn curl_gets_its_upload_back_after_100_continue() {
    if !have("curl") {
        return;
    }
    let s = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let sent = dir.path().join("sent");
    let back = dir.path().join("back");
    // Over 1 MiB: curl asks `Expect: 100-continue` first.
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&sent, &data).unwrap();
    let out = std::process::Command::new("curl")
        .args(["-sS", "-D", "-", "-o"])
        .arg(&back)
        .arg("--data-binary")
        .arg(format!("@{}", sent.display()))
        .arg(format!("{}/echo", s.url))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let heads = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        heads.starts_with("http/1.1 100 continue\r\n\r\nhttp/1.1 200 ok"),
        "{heads}"
    );
    assert!(heads.contains("content-length: 3000000"), "{heads}");
    assert!(std::fs::read(&back).unwrap() == data, "the bytes differ");
}

#[test]
fn a_declared_echo_over_16_mib_gets_413_at_once() {
    // The server would take it (--max-body), but /echo sends back at most 16 MiB.
    let s = Server::start(&["--max-body", "40000000"]);
    let mut sock = connect(&s);
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 17000000\r\n\r\n")
        .unwrap();
    let head = read_head(&mut BufReader::new(sock));
    assert_eq!(head[0], "http/1.1 413 payload too large");
    assert!(head.contains(&"connection: close".to_owned()), "{head:?}");
}

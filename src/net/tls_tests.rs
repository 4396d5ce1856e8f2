use super::*;
use crate::capture::tap::{Clock, TapChunk, TapEvent};
use crate::capture::tap_queue::tap_channel;
use crate::net::record::Recorder;
use crate::proto::{Dir, Timestamp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duplex-tlsunit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn a_key_log_line_is_label_random_secret_in_lowercase_hex() {
    assert_eq!(
        nss_line("CLIENT_RANDOM", &[0xAB, 1], &[0, 0xFF]),
        "CLIENT_RANDOM ab01 00ff\n"
    );
}

#[test]
fn the_certificate_is_written_and_the_key_is_private() {
    let dir = temp("cert");
    let t = Tls::new(Some(&dir), SharedKeys::default(), None).unwrap();
    let pem = std::fs::read_to_string(dir.join("cert.pem")).unwrap();
    assert_eq!(pem, t.cert.pem);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("key.pem"))
            .unwrap()
            .permissions();
        assert_eq!(mode.mode() & 0o777, 0o600);
    }
    // 32 bytes of sha256, base64: 44 characters ending in '='.
    assert_eq!(t.cert.spki_sha256.len(), 44);
    assert!(t.cert.spki_sha256.ends_with('='));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A server with TLS on beside plain HTTP, and a client that trusts its certificate: the
/// tap copies the ciphertext, and every secret reaches the key log file and the recording.
#[tokio::test]
async fn the_tap_sees_ciphertext_and_the_secrets_go_everywhere() {
    let dir = temp("serve");
    std::fs::create_dir_all(&dir).unwrap();
    let keylog = dir.join("keys.log");
    let tls = Arc::new(Tls::new(None, SharedKeys::default(), Some(&keylog)).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = tap_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::net::server::serve_tls(
        listener,
        crate::net::server::Config::default(),
        Clock::start(),
        tx,
        async {
            let _ = stop_rx.await;
        },
        Arc::default(),
        Some(tls.clone()),
    ));
    let c = client::connector(&tls.cert.der).unwrap();
    let mut s = client::Stream::connect(addr, Some(&c)).await.unwrap();
    s.write_all(b"GET /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.unwrap();
    assert!(got.starts_with(b"HTTP/1.1 200 OK"), "{got:?}");
    // Plain HTTP on the same port.
    let mut p = client::Stream::connect(addr, None).await.unwrap();
    p.write_all(b"GET /echo HTTP/1.0\r\n\r\n").await.unwrap();
    let mut plain = Vec::new();
    p.read_to_end(&mut plain).await.unwrap();
    assert!(plain.starts_with(b"HTTP/1.0 200 OK"));
    let _ = stop_tx.send(());
    server.await.unwrap();
    let mut chunks = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let TapEvent::Chunk(c) = ev {
            chunks.push(c);
        }
    }
    let first = chunks
        .iter()
        .find(|c| c.conn == 1 && c.dir == Dir::C2s)
        .unwrap();
    assert_eq!(first.bytes.first(), Some(&0x16), "a ClientHello record");
    let all: Vec<u8> = chunks
        .iter()
        .filter(|c| c.conn == 1)
        .flat_map(|c| c.bytes.to_vec())
        .collect();
    assert!(
        !all.windows(9).any(|w| w == b"GET /echo"),
        "no plaintext on the tap"
    );
    let log = std::fs::read_to_string(&keylog).unwrap();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
        "SERVER_TRAFFIC_SECRET_0 ",
    ] {
        assert!(log.contains(label), "{log}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn chunk(dir: Dir, ts: u64, b: &'static [u8]) -> TapEvent {
    TapEvent::Chunk(TapChunk {
        conn: 1,
        dir,
        ts: Timestamp(ts),
        bytes: bytes::Bytes::from_static(b),
    })
}

/// The block types of a pcapng file, in order.
fn blocks(file: &[u8]) -> Vec<u32> {
    let mut at = 0;
    let mut kinds = Vec::new();
    while at + 8 <= file.len() {
        let kind = u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        kinds.push(kind);
        at += len.max(12);
    }
    kinds
}

/// A secret logged after the client's chunk was tapped (TLS 1.2's last client flight) still
/// comes before that chunk in the capture: client chunks wait for the server's answer.
#[test]
fn the_secrets_block_comes_before_the_packets_it_decrypts() {
    let dir = temp("dsb");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.pcapng");
    let secrets = Arc::new(Secrets::new(SharedKeys::default(), None).unwrap());
    let mut r = Recorder::create(&path, Clock::start())
        .unwrap()
        .with_secrets(Some(secrets.clone()));
    r.on(&TapEvent::Open {
        conn: 1,
        ts: Timestamp(1),
        client: "127.0.0.1:5000".into(),
        server: "127.0.0.1:443".into(),
    });
    r.on(&chunk(Dir::C2s, 2, &[0x16, 3, 3, 0, 1, 9]));
    // The secret is logged only now, after the chunk went by.
    rustls::KeyLog::log(&*secrets, "CLIENT_RANDOM", &[7; 32], &[8; 48]);
    r.on(&chunk(Dir::S2c, 3, &[0x14, 3, 3, 0, 1, 1]));
    r.on(&TapEvent::Close {
        conn: 1,
        ts: Timestamp(4),
        how: crate::proto::event::CloseHow::Fin,
        by: Some(Dir::C2s),
        why: None,
    });
    r.finish();
    let file = std::fs::read(&path).unwrap();
    let kinds = blocks(&file);
    // SHB, IDB, three handshake packets, the secrets, then the client's data and its ACK.
    assert_eq!(
        &kinds[..7],
        &[0x0A0D_0D0A, 1, 6, 6, 6, 0x0A, 6],
        "{kinds:x?}"
    );
    let text = String::from_utf8_lossy(&file);
    assert!(text.contains(&format!("CLIENT_RANDOM {} ", "07".repeat(32))));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two connections through one lesson connector: the second is a full handshake too, with
/// the certificate, not a resumption from a ticket the first one kept.
#[tokio::test]
async fn every_lesson_connection_makes_a_full_handshake() {
    let tls = Arc::new(Tls::new(None, SharedKeys::default(), None).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, _rx) = tap_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::net::server::serve_tls(
        listener,
        crate::net::server::Config::default(),
        Clock::start(),
        tx,
        async {
            let _ = stop_rx.await;
        },
        Arc::default(),
        Some(tls.clone()),
    ));
    let c = client::connector(&tls.cert.der).unwrap();
    for n in 0..2 {
        let mut s = client::Stream::connect(addr, Some(&c)).await.unwrap();
        s.write_all(b"GET /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert!(got.starts_with(b"HTTP/1.1 200 OK"), "{got:?}");
        let client::Stream::Tls(t) = &s else {
            panic!("not TLS")
        };
        assert_eq!(
            t.get_ref().1.handshake_kind(),
            Some(rustls::HandshakeKind::Full),
            "connection {n}"
        );
    }
    let _ = stop_tx.send(());
    server.await.unwrap();
}

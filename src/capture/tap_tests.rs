//! The tap on real sockets: what it copies, when it closes, and its limits.

use super::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::capture::tap_queue::{TapRx, tap_channel};

fn drain(rx: &mut TapRx) -> Vec<TapEvent> {
    let mut v = Vec::new();
    while let Ok(e) = rx.try_recv() {
        v.push(e);
    }
    v
}

/// A tapped in-memory socket: the client's end, the tap, its notices and its handle.
fn tapped(
    id: ConnId,
) -> (
    tokio::io::DuplexStream,
    TapStream<tokio::io::DuplexStream>,
    TapRx,
    TapHandle,
) {
    let (client, server) = tokio::io::duplex(64);
    let (tx, rx) = tap_channel();
    let handle = TapHandle::default();
    let tap = TapStream::new(
        server,
        id,
        "c".into(),
        "s".into(),
        Clock::start(),
        tx,
        handle.clone(),
    );
    (client, tap, rx, handle)
}

#[tokio::test]
async fn copies_both_directions_and_closes_once() {
    let (client, mut tap, mut rx, _) = tapped(7);
    let mut client = client;
    client.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 16];
    let n = tap.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"ping");
    tap.write_all(b"pong!").await.unwrap();
    drop(client);
    assert_eq!(tap.read(&mut buf).await.unwrap(), 0);
    drop(tap);
    let evs = drain(&mut rx);
    assert!(matches!(evs[0], TapEvent::Open { conn: 7, .. }));
    let chunks: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            TapEvent::Chunk(c) => Some((c.dir, c.bytes.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        chunks,
        vec![
            (Dir::C2s, Bytes::from_static(b"ping")),
            (Dir::S2c, Bytes::from_static(b"pong!"))
        ]
    );
    let closes: Vec<_> = evs
        .iter()
        .filter(|e| matches!(e, TapEvent::Close { .. }))
        .collect();
    assert_eq!(closes.len(), 1);
    assert!(matches!(
        closes[0],
        TapEvent::Close {
            how: CloseHow::Fin,
            by: Some(Dir::C2s),
            ..
        }
    ));
}

#[tokio::test]
async fn timeout_mark_wins_over_fin() {
    let (_client, mut tap, mut rx, handle) = tapped(1);
    tap.shutdown().await.unwrap();
    handle.mark_timeout(Stall::Idle);
    drop(tap);
    let evs = drain(&mut rx);
    assert!(matches!(
        evs.last(),
        Some(TapEvent::Close {
            how: CloseHow::Timeout,
            by: Some(Dir::S2c),
            ..
        })
    ));
}

fn limits(idle: u64, first_byte: u64, head: u64, write: u64) -> Limits {
    let ms = Duration::from_millis;
    Limits {
        idle: Some(ms(idle)),
        first_byte: ms(first_byte),
        head: ms(head),
        write: ms(write),
    }
}

#[tokio::test]
async fn a_started_head_stalls_while_silence_is_idle() {
    let (mut client, mut tap, _rx, handle) = tapped(1);
    let l = limits(40, 1000, 20, 1000);
    // Something was heard already: the keep-alive limit applies, not the first byte's.
    client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 32];
    assert!(tap.read(&mut buf).await.unwrap() > 0);
    handle.request_started();
    handle.request_done();
    assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(handle.verdict(&l), Verdict::Idle(Stall::Idle));
    client.write_all(b"GET / HT").await.unwrap();
    assert_eq!(tap.read(&mut buf).await.unwrap(), 8);
    assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(handle.verdict(&l), Verdict::Stalled);
    handle.request_started();
    assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
}

#[tokio::test]
async fn a_silent_new_connection_meets_the_first_byte_limit() {
    let (_client, _tap, _rx, handle) = tapped(1);
    let l = limits(10_000, 20, 1000, 1000);
    assert!(matches!(handle.verdict(&l), Verdict::Wait(_)));
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(handle.verdict(&l), Verdict::Idle(Stall::FirstByte));
}

#[tokio::test]
async fn a_client_that_does_not_read_stalls_the_write() {
    let (_client, mut tap, mut rx, handle) = tapped(1);
    let l = limits(10_000, 10_000, 1000, 20);
    // 64 bytes fit in the pipe; the rest waits for a reader that never comes.
    let write = tokio::time::timeout(Duration::from_millis(40), tap.write_all(&[b'x'; 200]));
    assert!(write.await.is_err(), "the write waits");
    assert_eq!(handle.verdict(&l), Verdict::WriteStalled);
    handle.mark_timeout(Stall::Write);
    handle.kill(false);
    assert!(
        tap.write_all(b"more").await.is_err(),
        "a killed socket fails"
    );
    drop(tap);
    let why = drain(&mut rx).into_iter().find_map(|e| match e {
        TapEvent::Close { why, .. } => why,
        _ => None,
    });
    assert_eq!(why, Some(Stall::Write));
}

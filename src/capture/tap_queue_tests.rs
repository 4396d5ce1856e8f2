use super::*;
use crate::proto::event::CloseHow;
use crate::proto::{ConnId, Dir, Timestamp};

fn drain(rx: &mut TapRx) -> Vec<TapEvent> {
    let mut v = Vec::new();
    while let Ok(e) = rx.try_recv() {
        v.push(e);
    }
    v
}

/// Each notice in a short form: "open", "c2s 100" (a chunk), "skip s2c 7@3", "fin s2c", "close".
fn names(evs: &[TapEvent]) -> Vec<String> {
    evs.iter()
        .map(|e| match e {
            TapEvent::Open { .. } => "open".to_owned(),
            TapEvent::Chunk(c) => format!("{} {}", c.dir.as_str(), c.bytes.len()),
            TapEvent::Skipped { dir, bytes, ts, .. } => {
                format!("skip {} {bytes}@{}", dir.as_str(), ts.0)
            }
            TapEvent::Fin { dir, .. } => format!("fin {}", dir.as_str()),
            TapEvent::Close { .. } => "close".to_owned(),
        })
        .collect()
}

fn open(tx: &TapTx, conn: ConnId) -> ConnTx {
    ConnTx::open(tx.clone(), conn, Timestamp(0), "c".into(), "s".into())
}

#[test]
fn chunks_past_the_budget_are_skipped_then_told_once_before_the_next_that_fits() {
    // Room for the open and two chunks of 100 bytes, not three.
    let budget = (OVERHEAD + 2) + 2 * (OVERHEAD + 100) + OVERHEAD;
    let (tx, mut rx) = channel(budget);
    let mut c = open(&tx, 1);
    for ts in 1..=4 {
        c.chunk(Dir::S2c, Timestamp(ts), &[7; 100]);
    }
    assert_eq!(
        rx.gauge().stats(),
        TapStats {
            queued: 3,
            queued_bytes: 200,
            skipped: 200,
            unseen: 0,
        }
    );
    let first = drain(&mut rx);
    assert_eq!(names(&first), ["open", "s2c 100", "s2c 100"]);
    // The queue is empty again: the next chunk fits, and the skip is told just before it.
    c.chunk(Dir::S2c, Timestamp(5), &[7; 100]);
    c.close(Timestamp(6), CloseHow::Fin, Some(Dir::C2s), None);
    let rest = drain(&mut rx);
    assert_eq!(names(&rest), ["skip s2c 200@3", "s2c 100", "close"]);
    let stats = rx.gauge().stats();
    assert_eq!(
        (stats.queued, stats.queued_bytes, stats.skipped),
        (0, 0, 200)
    );
}

#[test]
fn opens_fins_and_closes_pass_a_full_queue_and_skips_are_told_before_them() {
    let (tx, mut rx) = channel(0);
    let mut c = open(&tx, 1);
    c.chunk(Dir::C2s, Timestamp(1), &[1; 5]);
    c.chunk(Dir::S2c, Timestamp(2), &[1; 3]);
    c.chunk(Dir::S2c, Timestamp(3), &[1; 4]);
    c.fin(Timestamp(4), Dir::S2c);
    c.chunk(Dir::C2s, Timestamp(5), &[1; 6]);
    c.close(Timestamp(6), CloseHow::Rst, Some(Dir::C2s), None);
    assert_eq!(
        names(&drain(&mut rx)),
        [
            "open",
            "skip c2s 5@1",
            "skip s2c 7@2",
            "fin s2c",
            "skip c2s 6@5",
            "close"
        ]
    );
    assert_eq!(rx.gauge().stats().skipped, 18);
}

#[test]
fn past_the_room_for_opens_new_connections_are_counted_not_queued() {
    let (tx, mut rx) = channel(0);
    let mut conns = Vec::new();
    let mut c = open(&tx, 0);
    while c.shown {
        conns.push(c);
        c = open(&tx, conns.len() as ConnId);
    }
    assert_eq!(conns.len(), OPEN_ROOM / (OVERHEAD + 2));
    // The one not shown sends nothing at all; those shown still close.
    c.chunk(Dir::C2s, Timestamp(1), b"x");
    c.close(Timestamp(2), CloseHow::Fin, None, None);
    conns[0].close(Timestamp(2), CloseHow::Fin, None, None);
    let evs = drain(&mut rx);
    assert_eq!(evs.len(), conns.len() + 1);
    assert!(matches!(evs.last(), Some(TapEvent::Close { conn: 0, .. })));
    assert_eq!(rx.gauge().stats().unseen, 1);
    // Received, the opens free their room.
    assert!(open(&tx, 99_999).shown);
}

#[test]
fn a_gone_receiver_frees_what_it_was_charged() {
    let (tx, rx) = channel(1000);
    let gauge = rx.gauge();
    let mut c = open(&tx, 1);
    drop(rx);
    // Not let go for want of room: nothing decodes any more.
    c.chunk(Dir::C2s, Timestamp(1), b"late");
    assert!(!tx.send(TapEvent::Fin {
        conn: 1,
        ts: Timestamp(0),
        dir: Dir::C2s
    }));
    assert_eq!(gauge.stats(), TapStats::default());
    assert_eq!(tx.shared.lock().used, 0);
}

/// Through a real tap: a write the queue has no room for is served all the same, and its
/// bytes are told as skipped before the close.
#[tokio::test]
async fn a_tapped_socket_never_waits_for_room() {
    use super::super::tap::{Clock, TapHandle, TapStream};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (mut client, server) = tokio::io::duplex(1 << 16);
    let (tx, mut rx) = channel(OVERHEAD + 10);
    let mut tap = TapStream::new(
        server,
        3,
        "c".into(),
        "s".into(),
        Clock::start(),
        tx,
        TapHandle::default(),
    );
    tap.write_all(&[9; 1000]).await.unwrap();
    let mut got = vec![0; 1000];
    client.read_exact(&mut got).await.unwrap();
    drop(tap);
    let evs = drain(&mut rx);
    assert_eq!(names(&evs)[0], "open");
    let told: u64 = evs
        .iter()
        .map(|e| match e {
            TapEvent::Skipped { bytes, .. } => *bytes,
            _ => 0,
        })
        .sum();
    assert_eq!(told, 1000);
    assert!(matches!(evs.last(), Some(TapEvent::Close { conn: 3, .. })));
}

/// A waker that counts its wakes.
struct Wakes(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Polls `rx.recv()` once with a waker that counts.
fn poll_recv(rx: &mut TapRx, wakes: &Arc<Wakes>) -> std::task::Poll<Option<TapEvent>> {
    use std::future::Future;
    let waker = std::task::Waker::from(wakes.clone());
    let mut cx = std::task::Context::from_waker(&waker);
    // Unconstrained: the test polls far more often than tokio's budget allows one task turn.
    let fut = std::pin::pin!(tokio::task::unconstrained(rx.recv()));
    fut.poll(&mut cx)
}

/// While notices keep coming, the taps do not wake the receiver for each (a task switch per
/// chunk): it looks again on its own.
#[tokio::test]
async fn steady_traffic_does_not_wake_the_receiver_per_chunk() {
    let (tx, mut rx) = tap_channel();
    let mut c = open(&tx, 1);
    let wakes = Arc::new(Wakes(Default::default()));
    assert!(poll_recv(&mut rx, &wakes).is_ready(), "the open");
    for ts in 0..100 {
        // Nothing queued: the receiver waits.
        assert!(poll_recv(&mut rx, &wakes).is_pending());
        c.chunk(Dir::C2s, Timestamp(ts), b"ping");
        assert!(poll_recv(&mut rx, &wakes).is_ready());
    }
    let n = wakes.0.load(Ordering::Relaxed);
    assert!(n <= 1, "{n} wakes for 100 chunks");
}

/// A receiver that went quiet is woken by the next notice, and by the last sender leaving.
#[tokio::test]
async fn a_quiet_receiver_is_woken_by_a_notice_and_by_the_end() {
    let (tx, mut rx) = tap_channel();
    let mut c = open(&tx, 1);
    assert!(rx.recv().await.is_some());
    // Past its looks the receiver sleeps until woken; the chunk comes from another thread.
    let sender = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        c.chunk(Dir::S2c, Timestamp(1), b"late");
        drop(c);
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(tx);
    });
    let limit = std::time::Duration::from_secs(5);
    let got = tokio::time::timeout(limit, rx.recv()).await.unwrap();
    assert!(matches!(got, Some(TapEvent::Chunk(ref c)) if &c.bytes[..] == b"late"));
    let end = tokio::time::timeout(limit, rx.recv()).await.unwrap();
    assert!(end.is_none(), "{end:?}");
    sender.join().unwrap();
    assert_eq!(rx.gauge().stats().queued, 0);
}

/// Taps on several threads at once: every chunk arrives, each connection's in its order, and the
/// accounts come back to nothing.
#[test]
fn taps_on_many_threads_lose_nothing_and_keep_each_connections_order() {
    let (tx, mut rx) = channel(BUDGET);
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut c = open(&tx, t);
                for i in 0..2000u64 {
                    c.chunk(Dir::C2s, Timestamp(i), &i.to_le_bytes());
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0u64; 4];
    let mut seen = 0;
    loop {
        match rx.try_recv() {
            Ok(TapEvent::Chunk(c)) => {
                let i = u64::from_le_bytes(c.bytes[..].try_into().unwrap());
                assert_eq!(i, next[c.conn as usize], "connection {}", c.conn);
                next[c.conn as usize] += 1;
                seen += 1;
            }
            Ok(_) => {}
            Err(TryRecvError::Empty) => std::thread::yield_now(),
            Err(TryRecvError::Disconnected) => break,
        }
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(seen, 8000);
    assert_eq!(rx.gauge().stats(), TapStats::default());
}

/// A receiver with a long backlog still yields to the other tasks of its thread (tokio's
/// budget), as tokio's own channels do.
#[tokio::test]
async fn a_backlog_does_not_keep_other_tasks_off_the_thread() {
    use std::sync::atomic::AtomicBool;
    let (tx, mut rx) = tap_channel();
    let mut c = open(&tx, 1);
    for ts in 0..10_000 {
        c.chunk(Dir::C2s, Timestamp(ts), b"x");
    }
    let other = Arc::new(AtomicBool::new(false));
    let flag = other.clone();
    tokio::spawn(async move { flag.store(true, Ordering::Relaxed) });
    let mut before_other = 0;
    while !other.load(Ordering::Relaxed) {
        assert!(rx.recv().await.is_some());
        before_other += 1;
    }
    assert!(
        before_other < 1000,
        "{before_other} notices before the other task ran"
    );
}

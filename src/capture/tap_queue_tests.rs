use super::*;

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
    drop(rx);
    assert!(!tx.send(TapEvent::Fin {
        conn: 1,
        ts: Timestamp(0),
        dir: Dir::C2s
    }));
    assert_eq!(gauge.stats(), TapStats::default());
    assert_eq!(tx.shared.used.load(Ordering::Relaxed), 0);
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

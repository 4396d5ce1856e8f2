//! Events made ready in batches, as the capture loader's thread makes them, give the session
//! that pushing them one at a time gives: rows, bytes, side stores, connections and totals.

use super::tests::{close_event, frame_event, open_event};
use super::*;
use crate::proto::ByteRange;
use crate::proto::ws::Message;

/// Appends `events` in batches of `size`. The maker learns whether the store keeps short rows
/// only between batches, as the loader learns it from the UI thread.
fn batched(events: &[Event], size: usize) -> Session {
    let mut s = Session::new();
    for chunk in events.chunks(size.max(1)) {
        let short = s.keeps_short();
        let mut batch = Batch::default();
        for ev in chunk {
            batch.push(ev.clone(), short);
        }
        let mut ready = batch.drain();
        while s.push_ready(&mut ready) {}
    }
    s
}

fn pushed(events: &[Event]) -> Session {
    let mut s = Session::new();
    for ev in events {
        s.push(ev);
    }
    s
}

#[test]
fn batches_of_any_size_give_what_pushing_gives_on_every_shipped_capture() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/captures");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the captures")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    let mut events_seen = 0;
    for path in files {
        let bytes = std::fs::read(&path).expect("a capture");
        let mut events = Vec::new();
        let _ = crate::replay::replay_owned(&bytes[..], Default::default(), &mut |ev, _| {
            events.push(ev)
        });
        events_seen += events.len();
        let one = format!("{:?}", pushed(&events));
        for size in [1, 2, 7, 4096] {
            let many = format!("{:?}", batched(&events, size));
            assert!(many == one, "{} in batches of {size}", path.display());
        }
    }
    assert!(events_seen > 1000, "{events_seen} events");
}

fn message(conn: ConnId, ts: u64, frames: u32, text: &str) -> Event {
    let preview = text.as_bytes().to_vec();
    Event {
        conn,
        ts: Timestamp(ts),
        dir: Some(Dir::S2c),
        kind: EventKind::WsMessage(Box::new(Message {
            opcode: 1,
            len: preview.len() as u64,
            wire_len: preview.len() as u64,
            frames,
            compressed: false,
            text: Some(text.to_string()),
            preview,
            range: ByteRange::default(),
        })),
    }
}

/// The store passes `STORE_GENEROUS` inside a batch made while it was small: that batch's
/// rows are cut to the budget when appended, and the next batches copy no more than that.
#[test]
fn a_batch_made_while_the_store_was_small_is_cut_to_its_budget_when_appended() {
    let text = "0123456789".repeat(30);
    let mut events = vec![open_event(1, 0, 51324)];
    for i in 0..70_000u64 {
        let dir = if i % 3 == 0 { Dir::C2s } else { Dir::S2c };
        events.push(frame_event(1, 1 + i * 1_000, dir, &text));
        events.push(message(
            1,
            2 + i * 1_000,
            if i % 100 == 0 { 2 } else { 1 },
            &text,
        ));
    }
    events.push(close_event(1, 80_000_000, Dir::C2s));
    let one = pushed(&events);
    assert!(one.keeps_short(), "the store filled");
    for size in [4096, 5000] {
        let many = batched(&events, size);
        assert_eq!(many.len(), one.len());
        for i in 0..one.len() {
            let (a, b) = (one.row(i), many.row(i));
            assert_eq!(a, b, "row {i} in batches of {size}");
            assert_eq!(one.bytes(&a), many.bytes(&b), "row {i}");
            assert_eq!(one.mask_key(&a), many.mask_key(&b), "row {i}");
        }
        assert_eq!(one.stats(), many.stats());
        assert_eq!(one.conns(), many.conns());
        assert_eq!(one.store.len(), many.store.len());
    }
    let last = one.row(one.len() - 2);
    assert_eq!(one.bytes(&last).len(), KEEP_SHORT);
    assert!(last.has(flags::CUT));
    assert_eq!(one.bytes(&one.row(1)).len(), KEEP_FULL);
}

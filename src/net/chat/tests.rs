//! The rooms without sockets: joins, leaves, crowds and slow members, outbox by outbox.

use super::*;

fn recv_all(room: &str, outbox: &Outbox) -> Vec<serde_json::Value> {
    let items = outbox.take_now().unwrap_or_default();
    items
        .into_iter()
        .map(|i| serde_json::from_str(i.into_text(room).as_str()).unwrap())
        .collect()
}

#[test]
fn names_are_cleaned() {
    assert_eq!(clean(None, "anon"), "anon");
    assert_eq!(clean(Some(" \u{7}bob\n ".into()), "anon"), "bob");
    assert_eq!(clean(Some("x".repeat(99)), "anon").len(), MAX_NAME);
}

#[test]
fn duplicates_get_a_suffix_and_rooms_go_when_empty() {
    let (a, ia, ra) = join("unit-dup", "alice");
    let (b, ib, _rb) = join("unit-dup", "alice");
    assert_eq!((&*a, &*b), ("alice", "alice#2"));
    let got = recv_all("unit-dup", &ra);
    assert_eq!(got[0]["type"], "welcome");
    assert_eq!(
        got[1],
        serde_json::json!({"type":"join","name":"alice#2","room":"unit-dup"})
    );
    leave("unit-dup", &b, ib, "closed");
    assert_eq!(recv_all("unit-dup", &ra)[0]["type"], "leave");
    leave("unit-dup", &a, ia, "closed");
    assert!(!rooms().contains_key("unit-dup"));
}

#[test]
fn bad_input_is_an_error_not_a_crash() {
    let (a, ia, _ra) = join("unit-bad", "a");
    for bad in ["", "{", "[1]", r#"{"text":5}"#, r#"{"to":"a"}"#] {
        assert!(said("unit-bad", &a, ia, bad).is_err(), "{bad}");
    }
    let err = said("unit-bad", &a, ia, r#"{"to":"zed","text":"hi"}"#).unwrap_err();
    assert!(err.contains("zed"), "{err}");
    leave("unit-bad", &a, ia, "closed");
}

#[test]
fn a_join_storm_leaves_no_one_behind() {
    // Nobody reads while 300 join: each hears of the later ones in a few merged notices.
    let crowd: Vec<_> = (0..300)
        .map(|i| join("unit-storm", &format!("u{i}")))
        .collect();
    assert_eq!(rooms()["unit-storm"].len(), 300);
    let first = recv_all("unit-storm", &crowd[0].2);
    assert!(first.len() < 10, "{} messages", first.len());
    let heard: usize = first[1..]
        .iter()
        .map(|m| m["names"].as_array().map_or(1, Vec::len))
        .sum();
    assert_eq!(heard, 299);
    let last = recv_all("unit-storm", &crowd[299].2);
    assert_eq!(last[0]["members"].as_array().unwrap().len(), LIST_MAX);
    assert_eq!(last[0]["more"], 299 - LIST_MAX);
    for (name, id, _) in &crowd {
        leave("unit-storm", name, *id, "closed");
    }
    assert!(!rooms().contains_key("unit-storm"));
}

#[test]
fn a_crowd_joining_one_by_one_costs_each_reader_a_few_frames() {
    // Every member reads whatever may go after each join, as a client that keeps up does;
    // all joins fall within HOLD of `t`.
    let t = tokio::time::Instant::now();
    let mut crowd: Vec<(Arc<str>, u64, Arc<Outbox>)> = Vec::new();
    let mut frames = vec![0usize; 300];
    for i in 0..300 {
        crowd.push(join("unit-crowd", &format!("u{i}")));
        for (j, (_, _, o)) in crowd.iter().enumerate() {
            frames[j] += o.take_at(t).unwrap().len();
        }
    }
    let first = recv_all("unit-crowd", &crowd[0].2);
    let heard: usize = first
        .iter()
        .map(|m| m["names"].as_array().map_or(1, Vec::len))
        .sum();
    // One by one while the room is small, then merged: not one frame per newcomer.
    assert_eq!(frames[0] - 1 + heard, 299, "{first:?}");
    assert!(frames[0] + first.len() < 40, "{} frames", frames[0]);
    for (name, id, _) in &crowd {
        leave("unit-crowd", name, *id, "closed");
    }
}

#[test]
fn a_slow_client_is_dropped_and_others_hear_it() {
    let (a, ia, ra) = join("unit-slow", "reader");
    let (_s, _is, rs) = join("unit-slow", "sleeper");
    let text = "x".repeat(MAX_TEXT);
    let (mut said_bytes, mut heard) = (0, vec![]);
    while rooms()["unit-slow"].len() == 2 {
        assert!(
            said_bytes <= outbox::MAX_BACKLOG,
            "still there after {said_bytes} bytes"
        );
        said("unit-slow", &a, ia, &format!(r#"{{"text":"{text}"}}"#)).unwrap();
        said_bytes += text.len();
        heard = recv_all("unit-slow", &ra);
    }
    // Not before about MAX_BACKLOG bytes (of JSON: a little more than the texts).
    assert!(
        said_bytes > outbox::MAX_BACKLOG * 9 / 10,
        "gone after {said_bytes} bytes"
    );
    let left =
        serde_json::json!({"type":"leave","name":"sleeper","room":"unit-slow","why":"too slow"});
    assert_eq!(
        heard[1..],
        [left],
        "after the message that was one too many"
    );
    // What waited for the sleeper is dropped: its task closes with 1008.
    assert!(rs.take_now().is_none());
    leave("unit-slow", &a, ia, "closed");
}

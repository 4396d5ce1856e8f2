//! A member's queue of messages not yet written to its socket.
//!
//! Once a member is behind (MERGE_FROM items wait), a join or leave notice that follows another
//! unsent one extends it (up to LIST_MAX names), so that a crowd joining at once costs each
//! member a few messages, not one per newcomer. In a small room a member that keeps up gets the
//! notices one by one, as before merging existed. In a crowd (CROWD members or more) a notice
//! waits up to HOLD for the next ones even for a member that keeps up: otherwise 1,000 joining
//! one by one cost 500,000 frames (n²), each a wake-up and a write. A message never waits, and
//! takes the notices before it along. The backlog is measured in bytes: a member is too slow only
//! when more than MAX_BACKLOG bytes wait, which a join storm cannot reach but a client that
//! stopped reading while the room talks soon does.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use tokio::sync::Notify;
use tokio::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// Bytes a member may have waiting before it counts as too slow. A crowd of 1,024 joining at
/// once is about 35 KiB of names even with 32-character ones.
pub const MAX_BACKLOG: usize = 1024 * 1024;
/// Most names in one join or leave notice (and in a welcome): a crowd's list is split.
pub const LIST_MAX: usize = 256;
/// Items waiting from which a notice joins the one before it (a reader that keeps up sees no
/// merged notices, which older clients do not expect).
const MERGE_FROM: usize = 4;
/// Members from which a room counts as a crowd: its notices wait HOLD to be merged.
pub const CROWD: usize = 32;
/// How long a crowd's join or leave notice waits for the next ones.
pub const HOLD: Duration = Duration::from_millis(25);
/// Bytes written in one go: the time limit on a write then stays fair to a slow link.
const BATCH: usize = 64 * 1024;
/// What an item costs beyond its text (the JSON around a name list); an estimate.
const OVERHEAD: usize = 64;

/// Something that happened in a room, for its members.
#[derive(Clone)]
pub enum Note {
    /// A JSON message, ready to go out as it is (shared by every member it goes to).
    Text(Utf8Bytes),
    Joined(Arc<str>),
    Left(Arc<str>, &'static str),
}

/// A queued message; notices are turned into JSON only when they are written.
pub enum Item {
    Text(Utf8Bytes),
    Joined(Vec<Arc<str>>),
    Left(Vec<Arc<str>>, &'static str),
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Notice<'a> {
    Join {
        name: &'a str,
        room: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        names: Option<Vec<&'a str>>,
    },
    Leave {
        name: &'a str,
        room: &'a str,
        why: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        names: Option<Vec<&'a str>>,
    },
}

/// All the names when there are several; None for one.
fn several(names: &[Arc<str>]) -> Option<Vec<&str>> {
    names.get(1).map(|_| names.iter().map(|n| &**n).collect())
}

impl Item {
    /// What the item counts for in the backlog: about the bytes of its JSON.
    fn cost(&self) -> usize {
        match self {
            Item::Text(t) => t.len(),
            Item::Joined(names) | Item::Left(names, _) => {
                OVERHEAD + names.iter().map(|n| n.len() + 3).sum::<usize>()
            }
        }
    }

    /// The frame's text. A notice of one name is the original `{"type":"join","name":..}`;
    /// of several, `name` is the first and `names` has them all, in order.
    pub fn into_text(self, room: &str) -> Utf8Bytes {
        let json = match &self {
            Item::Text(t) => return t.clone(),
            Item::Joined(names) => serde_json::to_string(&Notice::Join {
                name: names.first().map_or("", |n| n),
                room,
                names: several(names),
            }),
            Item::Left(names, why) => serde_json::to_string(&Notice::Leave {
                name: names.first().map_or("", |n| n),
                room,
                why,
                names: several(names),
            }),
        };
        json.unwrap_or_default().into()
    }
}

#[derive(Default)]
struct State {
    items: VecDeque<Item>,
    bytes: usize,
    /// Judged too slow: nothing more is queued and the client's task closes with 1008.
    slow: bool,
    /// Text items waiting: while there are any, nothing is held.
    texts: usize,
    /// Until when a crowd's notices wait to be merged, if they do.
    hold_until: Option<Instant>,
}

impl State {
    /// Until when what waits is held back; None when it can go (or nothing waits).
    fn held(&self, now: Instant) -> Option<Instant> {
        self.hold_until
            .filter(|&t| t > now && self.texts == 0 && !self.items.is_empty())
    }

    /// The next items, about BATCH bytes at most; what stays goes out at once.
    fn batch(&mut self) -> Vec<Item> {
        let mut batch = Vec::new();
        let mut size = 0;
        while size < BATCH
            && let Some(item) = self.items.pop_front()
        {
            size += item.cost();
            self.texts -= usize::from(matches!(item, Item::Text(_)));
            batch.push(item);
        }
        self.bytes = self.bytes.saturating_sub(size);
        self.hold_until = None;
        batch
    }
}

#[derive(Default)]
pub struct Outbox {
    state: Mutex<State>,
    /// Wakes the task for new items (a stored permit covers a push between check and wait).
    ready: Notify,
    /// Wakes the task, mid-write, when it has been judged too slow.
    slowed: Notify,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `note`; false when the member is (now) too slow and must leave the room.
    pub fn push(&self, note: &Note) -> bool {
        self.push_in(note, false)
    }

    /// As `push`, for a member of a crowd when `crowd`: a notice then waits HOLD to be merged.
    pub fn push_in(&self, note: &Note, crowd: bool) -> bool {
        let mut s = self.lock();
        if s.slow {
            return false;
        }
        let behind = s.items.len() >= MERGE_FROM || (crowd && s.hold_until.is_some());
        let (item, cost) = match (note, s.items.back_mut().filter(|_| behind)) {
            (Note::Joined(n), Some(Item::Joined(names))) if names.len() < LIST_MAX => {
                names.push(n.clone());
                (None, n.len() + 3)
            }
            (Note::Left(n, why), Some(Item::Left(names, w)))
                if w == why && names.len() < LIST_MAX =>
            {
                names.push(n.clone());
                (None, n.len() + 3)
            }
            (Note::Text(t), _) => (Some(Item::Text(t.clone())), 0),
            (Note::Joined(n), _) => (Some(Item::Joined(vec![n.clone()])), 0),
            (Note::Left(n, why), _) => (Some(Item::Left(vec![n.clone()], why)), 0),
        };
        let cost = item.as_ref().map_or(cost, Item::cost);
        if s.bytes + cost > MAX_BACKLOG {
            drop(s);
            self.set_slow();
            return false;
        }
        s.bytes += cost;
        let Some(item) = item else {
            // Merged: the task knows already that something waits.
            return true;
        };
        if matches!(item, Item::Text(_)) {
            s.texts += 1;
        } else if crowd && s.hold_until.is_none() {
            s.hold_until = Some(Instant::now() + HOLD);
        }
        s.items.push_back(item);
        drop(s);
        self.ready.notify_one();
        true
    }

    /// Marks the member too slow and drops what waits for it.
    pub fn set_slow(&self) {
        let mut s = self.lock();
        s.slow = true;
        s.items.clear();
        s.bytes = 0;
        s.texts = 0;
        s.hold_until = None;
        drop(s);
        self.slowed.notify_one();
        self.ready.notify_one();
    }

    /// The next items to write (at least one, about BATCH bytes at most), once there are any;
    /// None once the member is too slow. Cancel-safe: items leave the queue only on return.
    pub async fn take(&self) -> Option<Vec<Item>> {
        loop {
            let held = {
                let mut s = self.lock();
                if s.slow {
                    return None;
                }
                match s.held(Instant::now()) {
                    None if s.items.is_empty() => None,
                    None => return Some(s.batch()),
                    until => until,
                }
            };
            match held {
                None => self.ready.notified().await,
                Some(until) => tokio::select! {
                    () = self.ready.notified() => {}
                    () = tokio::time::sleep_until(until) => {}
                },
            }
        }
    }

    /// As `take` at `now`, without waiting: an empty batch when nothing can go yet.
    #[cfg(test)]
    pub fn take_at(&self, now: Instant) -> Option<Vec<Item>> {
        let mut s = self.lock();
        if s.slow {
            return None;
        }
        if s.held(now).is_some() {
            return Some(Vec::new());
        }
        Some(s.batch())
    }

    /// Everything that waits (at most a batch), held or not: an empty batch when nothing does.
    #[cfg(test)]
    pub fn take_now(&self) -> Option<Vec<Item>> {
        let mut s = self.lock();
        if s.slow {
            return None;
        }
        Some(s.batch())
    }

    /// Resolves once the member has been judged too slow.
    pub async fn slowed(&self) {
        while !self.lock().slow {
            self.slowed.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::Value;

    fn texts(items: Vec<Item>) -> Vec<Value> {
        items
            .into_iter()
            .map(|i| serde_json::from_str(i.into_text("r").as_str()).unwrap())
            .collect()
    }

    fn now<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn notices_are_merged_only_when_the_member_is_behind() {
        let o = Outbox::default();
        for n in ["a", "b", "c", "d", "e"] {
            assert!(o.push(&Note::Joined(n.into())));
        }
        let got = texts(now(o.take()).unwrap());
        let names: Vec<&Value> = got.iter().map(|m| &m["name"]).collect();
        assert_eq!(names, ["a", "b", "c", "d"], "{got:?}");
        assert_eq!(got[3]["names"], serde_json::json!(["d", "e"]));
        assert!(got[..3].iter().all(|m| m.get("names").is_none()));
    }

    #[test]
    fn notices_in_a_row_become_one_and_keep_their_order() {
        let o = Outbox::default();
        let msg = Note::Text(r#"{"type":"msg"}"#.into());
        // Behind already: MERGE_FROM messages wait.
        for _ in 0..MERGE_FROM {
            assert!(o.push(&msg));
        }
        for note in [
            Note::Joined("a".into()),
            Note::Joined("b".into()),
            msg.clone(),
            Note::Joined("c".into()),
            Note::Left("a".into(), "closed"),
            Note::Left("b".into(), "too slow"),
            Note::Left("c".into(), "too slow"),
        ] {
            assert!(o.push(&note));
        }
        let got = texts(now(o.take()).unwrap()).split_off(MERGE_FROM);
        let want = serde_json::json!([
            {"type":"join","name":"a","room":"r","names":["a","b"]},
            {"type":"msg"},
            {"type":"join","name":"c","room":"r"},
            {"type":"leave","name":"a","room":"r","why":"closed"},
            {"type":"leave","name":"b","room":"r","why":"too slow","names":["b","c"]},
        ]);
        assert_eq!(Value::from(got), want);
        assert_eq!(o.lock().bytes, 0);
    }

    #[test]
    fn a_crowd_is_split_into_lists_of_at_most_list_max() {
        let o = Outbox::default();
        for i in 0..MERGE_FROM - 1 + LIST_MAX * 2 + 1 {
            assert!(o.push(&Note::Joined(format!("user{i}").into())));
        }
        let lens: Vec<usize> = texts(now(o.take()).unwrap())
            .iter()
            .map(|m| m["names"].as_array().map_or(1, Vec::len))
            .collect();
        // One by one until MERGE_FROM wait, then lists.
        let mut want = vec![1; MERGE_FROM - 1];
        want.extend([LIST_MAX, LIST_MAX, 1]);
        assert_eq!(lens, want);
    }

    #[test]
    fn a_crowds_notices_wait_to_be_merged_and_a_message_takes_them_along() {
        let o = Outbox::default();
        let t = Instant::now();
        assert!(o.push_in(&Note::Joined("a".into()), true));
        assert!(o.take_at(t).unwrap().is_empty(), "held");
        assert!(o.push_in(&Note::Joined("b".into()), true));
        let got = texts(o.take_at(t + HOLD * 2).unwrap());
        assert_eq!(
            Value::from(got),
            serde_json::json!([{"type":"join","name":"a","room":"r","names":["a","b"]}])
        );
        // A message does not wait, nor do the notices before it.
        assert!(o.push_in(&Note::Left("a".into(), "closed"), true));
        assert!(o.push(&Note::Text(r#"{"type":"msg"}"#.into())));
        let got = texts(o.take_at(t).unwrap());
        assert_eq!(got.len(), 2);
        assert_eq!(
            (&got[0]["type"], &got[1]["type"]),
            (&"leave".into(), &"msg".into())
        );
        // The hold ends by itself.
        assert!(o.push_in(&Note::Joined("c".into()), true));
        assert_eq!(now(o.take()).unwrap().len(), 1);
        assert_eq!(o.lock().bytes, 0);
    }

    #[test]
    fn the_backlog_is_bounded_in_bytes() {
        let o = Outbox::default();
        let big = Note::Text("x".repeat(MAX_BACKLOG / 4).into());
        assert!((0..4).all(|_| o.push(&big)));
        assert!(!o.push(&big), "the fifth quarter is over the limit");
        assert!(
            !o.push(&Note::Joined("late".into())),
            "and it stays too slow"
        );
        assert!(now(o.take()).is_none());
        now(o.slowed());
    }
}

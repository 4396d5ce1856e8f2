//! A member's queue of messages not yet written to its socket.
//!
//! Once a member is behind (MERGE_FROM items wait), a join or leave notice that follows another
//! unsent one extends it (up to LIST_MAX names), so that a crowd joining at once costs each
//! member a few messages, not one per newcomer. A member that keeps up gets the notices one by
//! one, as before merging existed. The backlog is measured in bytes: a member is too slow only
//! when more than MAX_BACKLOG bytes wait, which a join storm cannot reach but a client that
//! stopped reading while the room talks soon does.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// Bytes a member may have waiting before it counts as too slow. A crowd of 1,024 joining at
/// once is about 35 KiB of names even with 32-character ones.
pub const MAX_BACKLOG: usize = 1024 * 1024;
/// Most names in one join or leave notice (and in a welcome): a crowd's list is split.
pub const LIST_MAX: usize = 256;
/// Items waiting from which a notice joins the one before it (a reader that keeps up sees no
/// merged notices, which older clients do not expect).
const MERGE_FROM: usize = 4;
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
        let mut s = self.lock();
        if s.slow {
            return false;
        }
        let behind = s.items.len() >= MERGE_FROM;
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
        if let Some(item) = item {
            s.items.push_back(item);
        }
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
        drop(s);
        self.slowed.notify_one();
        self.ready.notify_one();
    }

    /// The next items to write (at least one, about BATCH bytes at most), once there are any;
    /// None once the member is too slow. Cancel-safe: items leave the queue only on return.
    pub async fn take(&self) -> Option<Vec<Item>> {
        loop {
            match self.take_now() {
                Some(batch) if batch.is_empty() => self.ready.notified().await,
                taken => return taken,
            }
        }
    }

    /// As `take`, without waiting: an empty batch when nothing waits.
    pub fn take_now(&self) -> Option<Vec<Item>> {
        let mut s = self.lock();
        if s.slow {
            return None;
        }
        let mut batch = Vec::new();
        let mut size = 0;
        while size < BATCH
            && let Some(item) = s.items.pop_front()
        {
            size += item.cost();
            batch.push(item);
        }
        s.bytes = s.bytes.saturating_sub(size);
        Some(batch)
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

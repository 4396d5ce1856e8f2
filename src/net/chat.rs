//! `/ws/chat?name=NAME&room=ROOM`: named clients in rooms, JSON text frames both ways.
//!
//! In: `{"text":".."}` for the whole room, `{"to":"NAME","text":".."}` for one member.
//! Out: `welcome` (to the newcomer: its name, after any `#2` suffix, and who is there), `join`,
//! `leave`, `msg` (to everyone in the room, the sender too: its copy shows the order the server
//! chose), `dm` (to the target only) and `error` (to the sender only; the connection stays).
//!
//! Every client has a queue of QUEUE messages. Senders never wait: a client whose queue is full
//! is too slow; it leaves the room at once and its connection ends with close 1008.
//! A room disappears with its last member.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::live::{self, Ws};
use super::routes::RespBody;
use super::{Shared, limits};

/// Messages a client may have waiting before it counts as too slow.
const QUEUE: usize = 64;
/// Longest name or room name, in characters; longer ones are cut.
const MAX_NAME: usize = 32;
/// Longest message text, in characters.
const MAX_TEXT: usize = 2000;

struct Member {
    id: u64,
    tx: mpsc::Sender<String>,
}

/// Members by name.
type Room = BTreeMap<String, Member>;

static ROOMS: LazyLock<Mutex<HashMap<String, Room>>> = LazyLock::new(Default::default);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn rooms() -> MutexGuard<'static, HashMap<String, Room>> {
    // No code panics while holding the lock, but a poisoned map is still a usable map.
    ROOMS.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Out<'a> {
    Welcome {
        name: &'a str,
        room: &'a str,
        members: Vec<&'a str>,
    },
    Join {
        name: &'a str,
        room: &'a str,
    },
    Leave {
        name: &'a str,
        room: &'a str,
        why: &'a str,
    },
    Msg {
        from: &'a str,
        room: &'a str,
        text: &'a str,
    },
    Dm {
        from: &'a str,
        to: &'a str,
        text: &'a str,
    },
    Error {
        error: &'a str,
    },
}

impl Out<'_> {
    fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct In {
    to: Option<String>,
    text: String,
}

/// Answers the upgrade and runs the client in its room.
pub fn upgrade(req: Request<Incoming>, shared: Shared) -> Response<RespBody> {
    let name = clean(live::query(&req, "name"), "anon");
    let room = clean(live::query(&req, "room"), "lobby");
    live::upgrade(req, shared, move |ws, shared| {
        client(ws, shared, room, name)
    })
}

/// Control characters out, surrounding spaces off, at most MAX_NAME characters.
fn clean(s: Option<String>, default: &str) -> String {
    let s: String = s
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let s: String = s.trim().chars().take(MAX_NAME).collect();
    if s.is_empty() { default.into() } else { s }
}

/// Sends `msg` to every member without waiting. Members whose queue is full (or
/// gone) are removed, and the others hear that they left.
fn deliver(room_name: &str, room: &mut Room, msg: String) {
    let mut pending = vec![msg];
    while let Some(msg) = pending.pop() {
        let slow: Vec<String> = room
            .iter()
            .filter(|(_, m)| m.tx.try_send(msg.clone()).is_err())
            .map(|(name, _)| name.clone())
            .collect();
        for name in slow {
            // Dropping its sender ends the slow client's queue: its task then closes with 1008.
            room.remove(&name);
            let why = "too slow";
            let leave = Out::Leave {
                name: &name,
                room: room_name,
                why,
            };
            pending.push(leave.json());
        }
    }
}

/// Adds a client to its room under a free name; returns the name, its id and its queue.
fn join(room_name: &str, wanted: &str) -> (String, u64, mpsc::Receiver<String>) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel(QUEUE);
    let mut rooms = rooms();
    let room = rooms.entry(room_name.to_owned()).or_default();
    let name = (1..)
        .map(|n| match n {
            1 => wanted.to_owned(),
            n => format!("{wanted}#{n}"),
        })
        .find(|n| !room.contains_key(n))
        .unwrap_or_default();
    let members = room.keys().map(String::as_str).collect();
    let welcome = Out::Welcome {
        name: &name,
        room: room_name,
        members,
    }
    .json();
    let _ = tx.try_send(welcome);
    let joined = Out::Join {
        name: &name,
        room: room_name,
    }
    .json();
    deliver(room_name, room, joined);
    room.insert(name.clone(), Member { id, tx });
    (name, id, rx)
}

/// Removes the client if it is still there (a slow one was removed already).
fn leave(room_name: &str, name: &str, id: u64) {
    let mut rooms = rooms();
    let Some(room) = rooms.get_mut(room_name) else {
        return;
    };
    if room.get(name).is_some_and(|m| m.id == id) {
        room.remove(name);
        let left = Out::Leave {
            name,
            room: room_name,
            why: "closed",
        };
        deliver(room_name, room, left.json());
    }
    if room.is_empty() {
        rooms.remove(room_name);
    }
}

/// Handles one text frame from `name`; an error is for the sender only.
fn said(room_name: &str, name: &str, id: u64, frame: &str) -> Result<(), String> {
    let msg: In = serde_json::from_str(frame).map_err(|e| {
        format!(r#"send JSON like {{"text":"hi"}} or {{"to":"NAME","text":"hi"}} ({e})"#)
    })?;
    if msg.text.chars().count() > MAX_TEXT {
        return Err(format!("text is longer than {MAX_TEXT} characters"));
    }
    let mut rooms = rooms();
    let Some(room) = rooms
        .get_mut(room_name)
        .filter(|r| r.get(name).is_some_and(|m| m.id == id))
    else {
        // Removed as too slow: its connection is about to close.
        return Ok(());
    };
    let text = msg.text.as_str();
    match msg.to {
        None => {
            let out = Out::Msg {
                from: name,
                room: room_name,
                text,
            };
            deliver(room_name, room, out.json());
        }
        Some(to) => {
            let Some(target) = room.get(&to) else {
                return Err(format!("no one named {to:?} in room {room_name:?}"));
            };
            let out = Out::Dm {
                from: name,
                to: &to,
                text,
            }
            .json();
            if target.tx.try_send(out).is_err() {
                room.remove(&to);
                let left = Out::Leave {
                    name: &to,
                    room: room_name,
                    why: "too slow",
                };
                deliver(room_name, room, left.json());
            }
        }
    }
    Ok(())
}

async fn client(mut ws: Ws, shared: Shared, room: String, wanted: String) {
    let (name, id, mut rx) = join(&room, &wanted);
    let stop = super::stopped(shared.shutdown.clone());
    tokio::pin!(stop);
    loop {
        let reply = tokio::select! {
            out = rx.recv() => match out {
                Some(json) => json,
                None => {
                    live::close(&mut ws, CloseCode::Policy, "too slow: messages piled up unread").await;
                    break;
                }
            },
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => match said(&room, &name, id, t.as_str()) {
                    Ok(()) => continue,
                    Err(e) => Out::Error { error: &e }.json(),
                },
                Some(Ok(Message::Binary(_))) => {
                    Out::Error { error: "this chat speaks text frames of JSON" }.json()
                }
                // tungstenite answers pings and the client's close by itself.
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    limits::close_after_error(&mut ws, &e).await;
                    break;
                }
                None => break,
            },
            () = &mut stop => {
                live::going_away(&mut ws).await;
                break;
            }
        };
        if ws.send(Message::text(reply)).await.is_err() {
            break;
        }
    }
    leave(&room, &name, id);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recv_all(rx: &mut mpsc::Receiver<String>) -> Vec<serde_json::Value> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(|s| serde_json::from_str(&s).unwrap())
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
        let (a, ia, mut ra) = join("unit-dup", "alice");
        let (b, ib, _rb) = join("unit-dup", "alice");
        assert_eq!((a.as_str(), b.as_str()), ("alice", "alice#2"));
        let got = recv_all(&mut ra);
        assert_eq!(got[0]["type"], "welcome");
        assert_eq!(
            got[1],
            serde_json::json!({"type":"join","name":"alice#2","room":"unit-dup"})
        );
        leave("unit-dup", &b, ib);
        assert_eq!(recv_all(&mut ra)[0]["type"], "leave");
        leave("unit-dup", &a, ia);
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
        leave("unit-bad", &a, ia);
    }

    #[test]
    fn a_slow_client_is_dropped_and_others_hear_it() {
        let (a, ia, mut ra) = join("unit-slow", "reader");
        let (_s, _is, mut rs) = join("unit-slow", "sleeper");
        for i in 0..QUEUE + 1 {
            said("unit-slow", &a, ia, &format!(r#"{{"text":"m{i}"}}"#)).unwrap();
            recv_all(&mut ra);
        }
        assert_eq!(rooms()["unit-slow"].len(), 1);
        // The sleeper still reads what was queued, then its queue ends.
        assert_eq!(recv_all(&mut rs).len(), QUEUE);
        assert!(rs.try_recv().is_err());
        leave("unit-slow", &a, ia);
    }
}

//! `/ws/chat?name=NAME&room=ROOM`: named clients in rooms, JSON text frames both ways.
//!
//! In: `{"text":".."}` for the whole room, `{"to":"NAME","text":".."}` for one member.
//! Out: `welcome` (to the newcomer: its name, after any `#2` suffix, and who is there), `join`,
//! `leave`, `msg` (to everyone in the room, the sender too: its copy shows the order the server
//! chose), `dm` (to the target only) and `error` (to the sender only; the connection stays).
//! Notices still unsent when the next comes are merged: a `join` or `leave` then carries
//! `names` (all of them, in order, at most LIST_MAX; `name` is the first). A welcome lists at most
//! LIST_MAX members and says how many more there are in `more`.
//!
//! Senders never wait. A client is too slow when more than MAX_BACKLOG bytes wait for it, or
//! when one write to it has not finished in STALL: it leaves the room at once and its connection
//! ends with close 1008 (given up after GRACE if it does not read even that).
//! A room disappears with its last member.

mod outbox;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use self::outbox::{Item, LIST_MAX, Note, Outbox};
use super::live::{self, Ws};
use super::routes::RespBody;
use super::{Shared, limits};

/// Longest name or room name, in characters; longer ones are cut.
const MAX_NAME: usize = 32;
/// Longest message text, in characters.
const MAX_TEXT: usize = 2000;
/// A write that has not finished after this long means the client does not read.
const STALL: Duration = Duration::from_secs(10);
/// How long a too-slow client gets to take its close frame before the connection is dropped.
const GRACE: Duration = Duration::from_secs(5);

struct Member {
    id: u64,
    outbox: Arc<Outbox>,
}

/// Members by name.
type Room = BTreeMap<Arc<str>, Member>;

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
        #[serde(skip_serializing_if = "is_zero")]
        more: usize,
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

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Out<'_> {
    fn note(&self) -> Note {
        Note::Text(serde_json::to_string(self).unwrap_or_default().into())
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

/// Queues `note` for every member without waiting. Members that are too slow are removed,
/// and the others hear that they left.
fn deliver(room: &mut Room, note: Note) {
    let mut pending = vec![note];
    while let Some(note) = pending.pop() {
        let crowd = room.len() >= outbox::CROWD;
        let slow: Vec<Arc<str>> = room
            .iter()
            .filter(|(_, m)| !m.outbox.push_in(&note, crowd))
            .map(|(name, _)| name.clone())
            .collect();
        for name in slow {
            // Its task sees the outbox marked slow and closes with 1008.
            room.remove(&name);
            pending.push(Note::Left(name, "too slow"));
        }
    }
}

/// Adds a client to its room under a free name; returns the name, its id and its outbox.
fn join(room_name: &str, wanted: &str) -> (Arc<str>, u64, Arc<Outbox>) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let outbox = Arc::new(Outbox::default());
    let mut rooms = rooms();
    let room = rooms.entry(room_name.to_owned()).or_default();
    let name: Arc<str> = (1..)
        .map(|n| match n {
            1 => wanted.to_owned(),
            n => format!("{wanted}#{n}"),
        })
        .find(|n| !room.contains_key(n.as_str()))
        .unwrap_or_default()
        .into();
    let welcome = Out::Welcome {
        name: &name,
        room: room_name,
        members: room.keys().take(LIST_MAX).map(|n| &**n).collect(),
        more: room.len().saturating_sub(LIST_MAX),
    };
    outbox.push(&welcome.note());
    deliver(room, Note::Joined(name.clone()));
    let member = Member {
        id,
        outbox: outbox.clone(),
    };
    room.insert(name.clone(), member);
    (name, id, outbox)
}

/// Removes the client if it is still there (a slow one may have been removed already), and
/// tells the others `why` it left.
fn leave(room_name: &str, name: &Arc<str>, id: u64, why: &'static str) {
    let mut rooms = rooms();
    let Some(room) = rooms.get_mut(room_name) else {
        return;
    };
    if room.get(name).is_some_and(|m| m.id == id) {
        room.remove(name);
        deliver(room, Note::Left(name.clone(), why));
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
            deliver(room, out.note());
        }
        Some(to) => {
            let Some((to, target)) = room.get_key_value(to.as_str()) else {
                return Err(format!("no one named {to:?} in room {room_name:?}"));
            };
            let out = Out::Dm {
                from: name,
                to,
                text,
            };
            if !target.outbox.push(&out.note()) {
                let to = to.clone();
                room.remove(&to);
                deliver(room, Note::Left(to, "too slow"));
            }
        }
    }
    Ok(())
}

/// Writes `items` and flushes once: a storm's notices go out in one write, not one each.
async fn write(ws: &mut Ws, room: &str, items: Vec<Item>) -> Result<(), ()> {
    for item in items {
        let frame = Message::Text(item.into_text(room));
        ws.feed(frame).await.map_err(drop)?;
    }
    ws.flush().await.map_err(drop)
}

/// How the client's loop ended.
enum End {
    Closed,
    TooSlow,
}

async fn client(mut ws: Ws, shared: Shared, room: String, wanted: String) {
    let (name, id, outbox) = join(&room, &wanted);
    let stop = super::stopped(shared.shutdown.clone());
    tokio::pin!(stop);
    let mut heart = super::heartbeat::Heartbeat::new(&shared);
    let end = loop {
        tokio::select! {
            beat = heart.due() => if !heart.act(&mut ws, beat).await {
                break End::Closed;
            },
            items = outbox.take() => {
                let Some(items) = items else { break End::TooSlow };
                // Too slow mid-write: what is still unwritten is dropped with the connection.
                // The write first: when it ends at once (the socket had room), nothing waits
                // on `slowed`.
                let written = tokio::select! {
                    biased;
                    r = tokio::time::timeout(STALL, write(&mut ws, &room, items)) => r,
                    () = outbox.slowed() => break End::TooSlow,
                };
                match written {
                    Ok(Ok(())) => {}
                    Ok(Err(())) => break End::Closed,
                    Err(_) => break End::TooSlow,
                }
            }
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    if let Err(e) = said(&room, &name, id, t.as_str()) {
                        outbox.push(&Out::Error { error: &e }.note());
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    let e = Out::Error { error: "this chat speaks text frames of JSON" };
                    outbox.push(&e.note());
                }
                // tungstenite answers pings and the client's close by itself.
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    limits::close_after_error(&mut ws, &e).await;
                    break End::Closed;
                }
                None => break End::Closed,
            },
            () = &mut stop => {
                // A client that does not read must not hold up the shutdown.
                let _ = tokio::time::timeout(GRACE, live::going_away(&mut ws)).await;
                break End::Closed;
            }
        }
    };
    match end {
        End::Closed => leave(&room, &name, id, "closed"),
        End::TooSlow => {
            // The others hear it first: the close may take up to GRACE.
            outbox.set_slow();
            leave(&room, &name, id, "too slow");
            let reason = "too slow: messages piled up unread";
            let close = live::close(&mut ws, CloseCode::Policy, reason);
            let _ = tokio::time::timeout(GRACE, close).await;
        }
    }
}

#[cfg(test)]
mod tests;

//! `/ws/game`: one shared board. The server ticks at 20 Hz and sends every client the whole
//! state, `{"tick":N,"players":[{"id":..,"x":..,"y":..}]}`; a client sends moves
//! `{"dx":-1..1,"dy":-1..1}` whenever it likes on the same connection (full duplex).
//!
//! A move waits for the next tick, which moves the player one step and forgets it; a later move
//! before that tick replaces an earlier one. First the client gets `{"type":"welcome","id":N}`.
//! States go out through a `watch` channel: a slow client skips ticks and never holds others up.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use super::live::{self, Rng, Ws};
use super::routes::RespBody;
use super::{Shared, limits};

const TICK: Duration = Duration::from_millis(50);
/// The board is SIZE × SIZE; positions run from 0 to SIZE - 1.
const SIZE: i64 = 20;

#[derive(Serialize, Clone, Copy)]
struct Player {
    id: u64,
    x: i64,
    y: i64,
    #[serde(skip)]
    step: (i64, i64),
}

#[derive(Serialize)]
struct World {
    tick: u64,
    players: Vec<Player>,
}

struct Board {
    tick: u64,
    players: BTreeMap<u64, Player>,
    next_id: u64,
    rng: Rng,
}

impl Board {
    fn add(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let (x, y) = (self.rng.below(SIZE as u64), self.rng.below(SIZE as u64));
        let step = (0, 0);
        let p = Player {
            id,
            x: x as i64,
            y: y as i64,
            step,
        };
        self.players.insert(id, p);
        id
    }

    /// Moves everyone one step as asked; returns the state as JSON.
    fn advance(&mut self) -> String {
        self.tick += 1;
        for p in self.players.values_mut() {
            p.x = (p.x + p.step.0).clamp(0, SIZE - 1);
            p.y = (p.y + p.step.1).clamp(0, SIZE - 1);
            p.step = (0, 0);
        }
        let players = self.players.values().copied().collect();
        serde_json::to_string(&World {
            tick: self.tick,
            players,
        })
        .unwrap_or_default()
    }
}

static BOARD: LazyLock<Mutex<Board>> = LazyLock::new(|| {
    Mutex::new(Board {
        tick: 0,
        players: BTreeMap::new(),
        next_id: 1,
        rng: Rng::new(20),
    })
});

fn board() -> MutexGuard<'static, Board> {
    BOARD.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The state after each tick; the first call starts the thread that ticks.
fn states() -> watch::Receiver<Arc<str>> {
    static STATES: OnceLock<watch::Receiver<Arc<str>>> = OnceLock::new();
    STATES
        .get_or_init(|| {
            let (tx, rx) = watch::channel(Arc::from(""));
            let _ = std::thread::Builder::new()
                .name("duplex-game".into())
                .spawn(move || {
                    let mut next = Instant::now();
                    loop {
                        next += TICK;
                        std::thread::sleep(next.saturating_duration_since(Instant::now()));
                        let state = board().advance();
                        tx.send_replace(Arc::from(state));
                    }
                });
            rx
        })
        .clone()
}

#[derive(Deserialize)]
struct Move {
    #[serde(default)]
    dx: i64,
    #[serde(default)]
    dy: i64,
}

/// Records a move for the next tick, or says what is wrong with it.
fn moved(id: u64, frame: &str) -> Result<(), String> {
    let how = |e: &dyn std::fmt::Display| format!(r#"send a move like {{"dx":1,"dy":0}} ({e})"#);
    let v: serde_json::Value = serde_json::from_str(frame).map_err(|e| how(&e))?;
    if !v.is_object() {
        return Err(how(&"a JSON object"));
    }
    let m: Move = serde_json::from_value(v).map_err(|e| how(&e))?;
    if !(-1..=1).contains(&m.dx) || !(-1..=1).contains(&m.dy) {
        return Err("dx and dy are -1, 0 or 1".into());
    }
    if let Some(p) = board().players.get_mut(&id) {
        p.step = (m.dx, m.dy);
    }
    Ok(())
}

pub fn upgrade(req: Request<Incoming>, shared: Shared) -> Response<RespBody> {
    live::upgrade(req, shared, play)
}

async fn play(mut ws: Ws, shared: Shared) {
    let mut states = states();
    states.mark_unchanged();
    let id = board().add();
    let stop = super::stopped(shared.shutdown.clone());
    tokio::pin!(stop);
    let mut out = Some(format!(r#"{{"type":"welcome","id":{id}}}"#));
    let mut heart = super::heartbeat::Heartbeat::new(&shared);
    loop {
        if let Some(text) = out.take()
            && ws.send(Message::text(text)).await.is_err()
        {
            break;
        }
        tokio::select! {
            r = states.changed() => match r {
                Ok(()) => out = Some(states.borrow_and_update().to_string()),
                Err(_) => break,
            },
            beat = heart.due() => if !heart.act(&mut ws, beat).await {
                break;
            },
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => if let Err(e) = moved(id, t.as_str()) {
                    out = Some(serde_json::json!({"type": "error", "error": e}).to_string());
                },
                Some(Ok(Message::Binary(_))) => {
                    out = Some(r#"{"type":"error","error":"moves are text frames of JSON"}"#.into());
                }
                // tungstenite answers pings and the client's close by itself.
                Some(Ok(_)) => {}
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
        }
    }
    board().players.remove(&id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_are_checked_and_applied_once() {
        let mut b = Board {
            tick: 0,
            players: BTreeMap::new(),
            next_id: 1,
            rng: Rng::new(1),
        };
        let id = b.add();
        let p = b.players[&id];
        b.players.get_mut(&id).unwrap().step = (1, -1);
        let state: serde_json::Value = serde_json::from_str(&b.advance()).unwrap();
        assert_eq!(state["tick"], 1);
        let q = &state["players"][0];
        assert_eq!(q["x"], (p.x + 1).min(SIZE - 1));
        assert_eq!(q["y"], (p.y - 1).max(0));
        assert!(q.get("step").is_none());
        let after = b.players[&id];
        b.advance();
        assert_eq!((b.players[&id].x, b.players[&id].y), (after.x, after.y));
    }

    #[test]
    fn bad_moves_are_errors() {
        for bad in ["", "{", r#"{"dx":2}"#, r#"{"dy":-1.5}"#, "[]"] {
            assert!(moved(u64::MAX, bad).is_err(), "{bad}");
        }
        assert!(moved(u64::MAX, r#"{"dx":-1}"#).is_ok());
    }
}

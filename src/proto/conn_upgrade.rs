//! The server's 101: report it, check the upgrade rules and the accept value against the
//! request (now, or once the request head is decoded when the 101 came first), switch.

use super::{Connection, Dir, Event, Layer, Proto, Switch, Timestamp, Upgrade, WsDecoder, ws};
use crate::proto::event::{AcceptCheck, HttpMessage};
use crate::proto::http1::Framing;

/// A 101 decoded before the request it answers (the two directions of a live tap may report
/// in either order): its checks wait for that request's head.
pub(super) struct Early101 {
    at: u64,
    accept: Option<String>,
    websocket: bool,
}

impl Connection {
    /// The server's 101 head is complete: report it, then switch both directions.
    pub(super) fn switch(&mut self, ts: Timestamp, at: u64, out: &mut Vec<Event>) {
        let Some(head) = self.sides[Dir::S2c.index()].head.take() else {
            return;
        };
        let upgrade = self.upgrade.take();
        let websocket = head.status == Some(101)
            && (upgrade.as_ref().is_some_and(|u| u.websocket)
                || head.has_token("upgrade", "websocket"));
        let accept = head
            .header("sec-websocket-accept")
            .map(|v| v.trim().to_owned());
        let ws_accept = upgrade.as_ref().and_then(|u| accept_check(u, &accept));
        let deflate = match head.header("sec-websocket-extensions") {
            Some(ext) if websocket => match ws::negotiated_deflate(ext) {
                Ok(d) => d,
                Err(why) => {
                    let what = format!("Sec-WebSocket-Extensions: {why}");
                    out.push(self.error(ts, Dir::S2c, Layer::WebSocket, Some(at), what));
                    None
                }
            },
            _ => None,
        };
        let msg = HttpMessage {
            head,
            streaming: false,
            body_bytes: 0,
            framing: Framing::None,
            trailers: Vec::new(),
            body_preview: Vec::new(),
            body_follows: false,
            ws_accept,
        };
        out.push(self.message_event(ts, Dir::S2c, msg));
        let early = Early101 {
            at,
            accept,
            websocket,
        };
        match upgrade {
            Some(u) => self.upgrade_checks(ts, &early, &u, out),
            None => self.early_101 = Some(early),
        }

        let (c2s_params, s2c_params) = match deflate {
            Some((c, s)) => (Some(c), Some(s)),
            None => (None, None),
        };
        self.sides[Dir::S2c.index()].proto = if websocket {
            Proto::Ws(WsDecoder::new(false, s2c_params, at))
        } else {
            Proto::Opaque
        };
        let c2s = &mut self.sides[Dir::C2s.index()];
        if let Proto::Http(d) = &c2s.proto {
            let switch = Switch {
                websocket,
                deflate: c2s_params,
            };
            if !d.awaiting_upgrade() {
                self.c2s_switch = Some(switch);
                return;
            }
            c2s.proto = switch.decoder(d.offset());
            let buf = std::mem::take(&mut c2s.pending);
            if !buf.is_empty() {
                self.pump(Dir::C2s, ts, buf, out);
            }
        }
    }

    /// The request head a 101 came before is decoded: its checks run now.
    pub(super) fn late_upgrade_checks(&mut self, ts: Timestamp, out: &mut Vec<Event>) {
        if self.early_101.is_none() || self.upgrade.is_none() {
            return;
        }
        if let (Some(early), Some(u)) = (self.early_101.take(), self.upgrade.take()) {
            self.upgrade_checks(ts, &early, &u, out);
        }
    }

    /// The rules a 101 answering `u` breaks, and a wrong accept value, as errors.
    fn upgrade_checks(&self, ts: Timestamp, r: &Early101, u: &Upgrade, out: &mut Vec<Event>) {
        if u.websocket && r.websocket {
            for b in ws::broken_rules(&u.rules) {
                let layer = if b.http {
                    Layer::Http
                } else {
                    Layer::WebSocket
                };
                out.push(self.error(ts, Dir::S2c, layer, Some(r.at), b.what));
            }
        }
        if let Some(check) = accept_check(u, &r.accept).filter(|c| !c.ok()) {
            let what = format!(
                "Sec-WebSocket-Accept is {:?}, but SHA-1 of the key {:?} and the GUID gives {:?}",
                check.got.as_deref().unwrap_or("(missing)"),
                check.key,
                check.expected
            );
            out.push(self.error(ts, Dir::S2c, Layer::WebSocket, Some(r.at), what));
        }
    }
}

fn accept_check(u: &Upgrade, got: &Option<String>) -> Option<AcceptCheck> {
    u.key.as_ref().map(|key| AcceptCheck {
        key: key.clone(),
        expected: ws::accept_key(key),
        got: got.clone(),
    })
}

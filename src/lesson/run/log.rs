//! Everything a lesson's traffic produced, in order, each event tagged with the label of the
//! action whose time it happened in; and the byte tallies per label.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;
use serde_json::Value as Json;

use crate::output::json;
use crate::proto::event::{Event, EventKind};
use crate::proto::{Dir, Timestamp};

/// One decoded event and what expectations read of it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub ev: Event,
    /// The `--json` object of the event, which matchers compare against.
    pub json: Json,
    pub label: Option<Arc<str>>,
    /// Events from a replayed capture have their own clock and connection numbers.
    pub replayed: bool,
    /// The replayed capture's name (a second replay of one file gets ` #2`); none when live.
    pub source: Option<Arc<str>>,
}

/// Tallies of one label, kept as traffic arrives.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub bytes_c2s: u64,
    pub bytes_s2c: u64,
    pub head_bytes: u64,
    pub connections: u64,
    pub requests: u64,
}

#[derive(Debug, Default)]
pub struct Log {
    pub entries: Vec<Entry>,
    /// When each action began, and its label: an event belongs to the last one started before it.
    windows: Vec<(Timestamp, Option<Arc<str>>)>,
    pub tallies: HashMap<Arc<str>, Tally>,
    /// The captures replayed so far, each a session of its own.
    sources: Vec<Arc<str>>,
}

impl Log {
    /// An action starts at `ts`; what happens from now on is `label`'s.
    pub fn begin(&mut self, ts: Timestamp, label: Option<&str>) {
        self.windows.push((ts, label.map(Arc::from)));
    }

    fn label_at(&self, ts: Timestamp) -> Option<Arc<str>> {
        let i = self.windows.partition_point(|(start, _)| *start <= ts);
        i.checked_sub(1)
            .and_then(|i| self.windows.get(i))
            .and_then(|(_, l)| l.clone())
    }

    /// Bytes seen on the wire, by the tap.
    pub fn bytes(&mut self, ts: Timestamp, dir: Dir, n: usize) {
        if let Some(l) = self.label_at(ts) {
            let t = self.tallies.entry(l).or_default();
            match dir {
                Dir::C2s => t.bytes_c2s += n as u64,
                Dir::S2c => t.bytes_s2c += n as u64,
            }
        }
    }

    /// A live event, labelled by its time.
    pub fn push(&mut self, ev: Event) {
        let label = self.label_at(ev.ts);
        if let Some(l) = &label {
            tally(self.tallies.entry(l.clone()).or_default(), &ev, false);
        }
        self.entries.push(entry(ev, label, None, Timestamp(0)));
    }

    /// A name for a new replay of `capture`, unique in this log.
    pub fn new_source(&mut self, capture: &str) -> Arc<str> {
        let n = self
            .sources
            .iter()
            .filter(|s| s.starts_with(capture))
            .count();
        let name: Arc<str> = match n {
            0 => Arc::from(capture),
            n => Arc::from(format!("{capture} #{}", n + 1)),
        };
        self.sources.push(name.clone());
        name
    }

    /// An event of a replayed capture, labelled by the action that replayed it.
    pub fn push_replayed(
        &mut self,
        ev: Event,
        label: Option<&str>,
        origin: Timestamp,
        source: &Arc<str>,
    ) {
        let label: Option<Arc<str>> = label.map(Arc::from);
        // A capture's bytes are its own: count them for its label too.
        if let Some(l) = &label {
            tally(self.tallies.entry(l.clone()).or_default(), &ev, true);
        }
        self.entries
            .push(entry(ev, label, Some(source.clone()), origin));
    }
}

fn entry(ev: Event, label: Option<Arc<str>>, source: Option<Arc<str>>, origin: Timestamp) -> Entry {
    let mut line = Vec::new();
    let json = json::write_event(&mut line, &ev, origin)
        .ok()
        .and_then(|()| serde_json::from_slice(&line).ok())
        .unwrap_or(Json::Null);
    Entry {
        ev,
        json,
        label,
        replayed: source.is_some(),
        source,
    }
}

fn tally(t: &mut Tally, ev: &Event, with_bytes: bool) {
    let (head, body) = match &ev.kind {
        EventKind::TcpOpen(_) => {
            t.connections += 1;
            (0, 0)
        }
        EventKind::HttpRequest(m) => {
            t.requests += 1;
            (m.head.range.len(), m.body_bytes)
        }
        EventKind::HttpResponse(m) => (m.head.range.len(), m.body_bytes),
        EventKind::WsFrame(f) => (u64::from(f.header_len), f.payload_len),
        _ => (0, 0),
    };
    t.head_bytes += head;
    if with_bytes {
        match ev.dir {
            Some(Dir::C2s) => t.bytes_c2s += head + body,
            Some(Dir::S2c) => t.bytes_s2c += head + body,
            None => {}
        }
    }
}

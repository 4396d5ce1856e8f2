//! The label of the lesson action each entry came from (`poll`, `ws`), as the narration names
//! them: set after the fact from the step's report, kept beside the rows so a row stays small.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use super::Session;
use crate::proto::{ConnId, Timestamp};

#[derive(Clone, Debug, Default)]
pub(crate) struct Labels {
    names: Vec<Arc<str>>,
    rows: HashMap<u32, u16>,
    /// A connection's label: the one of its first labelled row.
    conns: HashMap<ConnId, u16>,
    /// Rows before this one were matched already.
    scanned: usize,
}

impl Session {
    /// Gives the rows not matched yet the label of the event at the same connection and time
    /// in `labelled`; rows with no such event stay without one.
    pub fn label_rows<'a>(
        &mut self,
        labelled: impl IntoIterator<Item = (ConnId, Timestamp, &'a str)>,
    ) {
        let by_event: HashMap<(ConnId, Timestamp), &str> =
            labelled.into_iter().map(|(c, t, l)| ((c, t), l)).collect();
        for i in self.labels.scanned..self.rows.len() {
            let Some(row) = self.rows.get(i).copied() else {
                break;
            };
            let Some(name) = by_event.get(&(row.conn, row.ts)) else {
                continue;
            };
            let l = &mut self.labels;
            let at = match l.names.iter().position(|n| &**n == *name) {
                Some(at) => at,
                None => {
                    l.names.push(Arc::from(*name));
                    l.names.len() - 1
                }
            };
            let Ok(at) = u16::try_from(at) else {
                continue;
            };
            l.rows.insert(i as u32, at);
            l.conns.entry(row.conn).or_insert(at);
        }
        self.labels.scanned = self.rows.len();
    }

    /// The label of row `i`, if it has one.
    pub fn label_of(&self, i: usize) -> Option<&str> {
        let at = *self.labels.rows.get(&u32::try_from(i).ok()?)?;
        self.labels.names.get(usize::from(at)).map(|s| &**s)
    }

    /// The label of connection `id`: the one of its first labelled row.
    pub fn conn_label(&self, id: ConnId) -> Option<&str> {
        let at = *self.labels.conns.get(&id)?;
        self.labels.names.get(usize::from(at)).map(|s| &**s)
    }
}

#[cfg(test)]
mod tests {
    use crate::proto::Timestamp;
    use crate::proto::event::{Event, EventKind, TcpOpen};
    use crate::session::Session;

    #[test]
    fn rows_take_the_label_of_the_event_at_their_time_and_connection() {
        let mut s = Session::new();
        let open = |conn, t| Event {
            ts: Timestamp(t),
            conn,
            dir: None,
            kind: EventKind::TcpOpen(TcpOpen {
                client: String::new(),
                server: String::new(),
                handshake: false,
                live: true,
            }),
        };
        s.push(&open(1, 10));
        s.push(&open(2, 20));
        s.label_rows([(1, Timestamp(10), "poll"), (9, Timestamp(20), "other")]);
        assert_eq!(s.label_of(0), Some("poll"));
        assert_eq!(s.label_of(1), None, "another connection's event");
        assert_eq!(s.conn_label(1), Some("poll"));
        assert_eq!(s.label_of(99), None);
        // Rows already matched are not matched again.
        s.label_rows([(2, Timestamp(20), "late")]);
        assert_eq!(s.label_of(1), None);
    }
}

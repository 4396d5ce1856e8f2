//! The measures a lesson compares and tables, per label: from the tap's byte tallies, the
//! events, and what the clients themselves timed.

use rustc_hash::FxHashMap as HashMap;

use super::log::Log;
use crate::lesson::model::Metric;

/// What the clients of one label reported.
#[derive(Clone, Debug, Default)]
pub struct ClientTally {
    /// Price updates or WebSocket messages received.
    pub updates: u64,
    /// Milliseconds from the server stamping an update to the client holding it.
    pub latencies_ms: Vec<f64>,
    /// Time spent in the label's actions.
    pub elapsed_ms: f64,
}

/// Everything measured so far in a lesson.
#[derive(Clone, Debug, Default)]
pub struct Measures {
    pub clients: HashMap<String, ClientTally>,
    /// A copy of the log's tallies, taken when checking.
    tallies: HashMap<String, super::log::Tally>,
}

impl Measures {
    pub fn client(&mut self, label: &str) -> &mut ClientTally {
        self.clients.entry(label.to_owned()).or_default()
    }

    /// Takes the byte and event tallies of `log` as they stand.
    pub fn refresh(&mut self, log: &Log) {
        self.tallies = log
            .tallies
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
    }

    /// `metric` of `label`, or None when nothing of it was measured.
    pub fn get(&self, label: &str, metric: Metric) -> Option<f64> {
        let t = self.tallies.get(label);
        let c = self.clients.get(label);
        if t.is_none() && c.is_none() {
            return None;
        }
        let t = t.cloned().unwrap_or_default();
        let c = c.cloned().unwrap_or_default();
        let bytes = (t.bytes_c2s + t.bytes_s2c) as f64;
        Some(match metric {
            Metric::Bytes => bytes,
            Metric::BytesC2s => t.bytes_c2s as f64,
            Metric::BytesS2c => t.bytes_s2c as f64,
            Metric::HeadBytes => t.head_bytes as f64,
            Metric::RequestHeadBytes => t.request_head_bytes as f64,
            Metric::ResponseHeadBytes => t.response_head_bytes as f64,
            Metric::Connections => t.conns.len() as f64,
            Metric::ConnectionsOpened => t.opened as f64,
            Metric::Requests => t.requests as f64,
            Metric::Updates => c.updates as f64,
            Metric::BytesPerUpdate if c.updates == 0 => return None,
            Metric::BytesPerUpdate => bytes / c.updates as f64,
            Metric::LatencyMs => return median(&c.latencies_ms),
            Metric::ElapsedMs => c.elapsed_ms,
            Metric::WsPayloadBytes => t.ws_payload_bytes as f64,
            Metric::WsMessageBytes => t.ws_message_bytes as f64,
        })
    }
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn per_update_needs_updates() {
        let mut m = Measures::default();
        m.client("ws").elapsed_ms = 5.0;
        assert_eq!(m.get("ws", Metric::BytesPerUpdate), None);
        assert_eq!(m.get("ws", Metric::ElapsedMs), Some(5.0));
        assert_eq!(m.get("nope", Metric::Bytes), None);
    }
}

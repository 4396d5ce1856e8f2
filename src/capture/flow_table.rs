//! The open connections by flow: values in a slab, the map holding only their slots, and the
//! last flow used remembered beside it. A capture mostly alternates a segment and its ACK on
//! one flow: those skip the hash altogether, and a miss costs one lookup, never a move.

use rustc_hash::FxHashMap as HashMap;
use std::net::SocketAddr;

/// Both directions of a connection share one key: the two endpoints packed into words, the
/// lower first. An IPv4 flow is two words (address and port in each), so finding the flow of a
/// packet compares and hashes two integers instead of two `SocketAddr` enums.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FlowKey {
    V4(u64, u64),
    /// Both addresses (high and low halves, lower endpoint first) and both ports.
    V6([u64; 4], u32),
}

impl FlowKey {
    pub fn new(a: SocketAddr, b: SocketAddr) -> Self {
        match (a, b) {
            (SocketAddr::V4(x), SocketAddr::V4(y)) => {
                let pack = |v: std::net::SocketAddrV4| {
                    u64::from(v.ip().to_bits()) << 16 | u64::from(v.port())
                };
                let (x, y) = (pack(x), pack(y));
                if x <= y {
                    FlowKey::V4(x, y)
                } else {
                    FlowKey::V4(y, x)
                }
            }
            // One packet's addresses are of one family; a mixed pair is keyed as IPv6 all the same.
            _ => {
                let wide = |s: SocketAddr| {
                    let ip = match s.ip() {
                        std::net::IpAddr::V4(v) => v.to_ipv6_mapped(),
                        std::net::IpAddr::V6(v) => v,
                    };
                    (ip.to_bits(), s.port())
                };
                let (x, y) = (wide(a), wide(b));
                let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
                let words = [
                    (lo.0 >> 64) as u64,
                    lo.0 as u64,
                    (hi.0 >> 64) as u64,
                    hi.0 as u64,
                ];
                FlowKey::V6(words, u32::from(lo.1) << 16 | u32::from(hi.1))
            }
        }
    }
}

pub(crate) struct FlowTable<K, V> {
    map: HashMap<K, usize>,
    slots: Vec<Option<V>>,
    free: Vec<usize>,
    last: Option<(K, usize)>,
}

impl<K, V> Default for FlowTable<K, V> {
    fn default() -> Self {
        FlowTable {
            map: HashMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            last: None,
        }
    }
}

impl<K: std::hash::Hash + Eq + Copy, V> FlowTable<K, V> {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The entry of `key`, which becomes the remembered one. Inlined for the remembered flow
    /// (most packets, and every second look of `push`); the map's lookup stays out of line.
    #[inline]
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let slot = match self.last {
            Some((k, slot)) if k == *key => slot,
            _ => self.look_up(key)?,
        };
        self.slots.get_mut(slot)?.as_mut()
    }

    #[inline(never)]
    fn look_up(&mut self, key: &K) -> Option<usize> {
        let slot = *self.map.get(key)?;
        self.last = Some((*key, slot));
        Some(slot)
    }

    pub fn insert(&mut self, key: K, value: V) {
        if let Some(old) = self.remove(&key) {
            drop(old);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(value);
                slot
            }
            None => {
                self.slots.push(Some(value));
                self.slots.len() - 1
            }
        };
        self.map.insert(key, slot);
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let slot = self.map.remove(key)?;
        if self.last.is_some_and(|(_, s)| s == slot) {
            self.last = None;
        }
        self.free.push(slot);
        self.slots.get_mut(slot)?.take()
    }

    #[cfg(test)]
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map
            .iter()
            .filter_map(|(k, &slot)| Some((k, self.slots.get(slot)?.as_ref()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_has_one_key_both_ways_and_no_other_flow_shares_it() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        let pairs = [
            ("10.0.0.1:5000", "10.0.0.2:80"),
            ("10.0.0.1:5001", "10.0.0.2:80"),
            ("10.0.0.2:5000", "10.0.0.1:80"),
            ("10.0.0.1:80", "10.0.0.3:5000"),
            ("[::1]:5000", "[::2]:80"),
            ("[::1]:5001", "[::2]:80"),
            ("[2001:db8::1]:80", "[::1]:5000"),
        ];
        let keys: Vec<FlowKey> = pairs
            .iter()
            .map(|(a, b)| {
                let key = FlowKey::new(addr(a), addr(b));
                assert_eq!(key, FlowKey::new(addr(b), addr(a)), "{a} {b}");
                key
            })
            .collect();
        for (i, k) in keys.iter().enumerate() {
            for (j, other) in keys.iter().enumerate() {
                assert_eq!(i == j, k == other, "{:?} {:?}", pairs[i], pairs[j]);
            }
        }
    }

    #[test]
    fn the_cached_entry_is_found_replaced_and_removed_like_the_others() {
        let mut t = FlowTable::default();
        t.insert(1, "a");
        t.insert(2, "b");
        assert_eq!(t.get_mut(&1).copied(), Some("a"));
        assert_eq!(t.get_mut(&2).copied(), Some("b"));
        assert_eq!(t.get_mut(&3), None);
        assert_eq!(t.len(), 2);
        t.insert(2, "c");
        assert_eq!(t.get_mut(&2).copied(), Some("c"));
        assert_eq!(t.len(), 2);
        assert_eq!(t.remove(&2), Some("c"));
        assert_eq!(t.remove(&2), None);
        let mut all: Vec<_> = t.iter().map(|(k, v)| (*k, *v)).collect();
        all.sort();
        assert_eq!(all, [(1, "a")]);
    }
}

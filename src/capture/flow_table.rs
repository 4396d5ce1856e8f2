//! The open connections by flow: values in a slab, the map holding only their slots, and the
//! last flow used remembered beside it. A capture mostly alternates a segment and its ACK on
//! one flow: those skip the hash altogether, and a miss costs one lookup, never a move.

use rustc_hash::FxHashMap as HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;

/// Both directions of a connection share one key: the two endpoints, lower first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FlowKey(SocketAddr, SocketAddr);

impl FlowKey {
    pub fn new(a: SocketAddr, b: SocketAddr) -> Self {
        if a <= b { FlowKey(a, b) } else { FlowKey(b, a) }
    }
}

/// Two words per key instead of every field of both addresses: equal keys hash the same,
/// which is all a map needs.
impl Hash for FlowKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(fold(&self.0));
        state.write_u64(fold(&self.1));
    }
}

fn fold(a: &SocketAddr) -> u64 {
    let port = u64::from(a.port());
    match a {
        SocketAddr::V4(v) => u64::from(v.ip().to_bits()) << 16 | port,
        SocketAddr::V6(v) => {
            let ip = v.ip().to_bits();
            (ip as u64) ^ ((ip >> 64) as u64).rotate_left(23) ^ port << 48
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

    /// The entry of `key`, which becomes the remembered one.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let slot = match self.last {
            Some((k, slot)) if k == *key => slot,
            _ => {
                let slot = *self.map.get(key)?;
                self.last = Some((*key, slot));
                slot
            }
        };
        self.slots.get_mut(slot)?.as_mut()
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

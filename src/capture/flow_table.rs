//! The open connections by flow, with the last one used held outside the hash map: a capture
//! mostly alternates a segment and its ACK on one flow, and those skip the hash altogether.

use rustc_hash::FxHashMap as HashMap;

pub(crate) struct FlowTable<K, V> {
    map: HashMap<K, V>,
    last: Option<(K, V)>,
}

impl<K, V> Default for FlowTable<K, V> {
    fn default() -> Self {
        FlowTable {
            map: HashMap::default(),
            last: None,
        }
    }
}

impl<K: std::hash::Hash + Eq + Copy, V> FlowTable<K, V> {
    pub fn len(&self) -> usize {
        self.map.len() + usize::from(self.last.is_some())
    }

    /// The entry of `key`, which becomes the cached one.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.last.as_ref().is_some_and(|(k, _)| k == key) {
            return self.last.as_mut().map(|(_, v)| v);
        }
        let found = self.map.remove(key)?;
        if let Some((k, v)) = self.last.take() {
            self.map.insert(k, v);
        }
        self.last = Some((*key, found));
        self.last.as_mut().map(|(_, v)| v)
    }

    pub fn insert(&mut self, key: K, value: V) {
        if self.last.as_ref().is_some_and(|(k, _)| *k == key) {
            self.last = None;
        }
        self.map.insert(key, value);
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        if self.last.as_ref().is_some_and(|(k, _)| k == key) {
            return self.last.take().map(|(_, v)| v);
        }
        self.map.remove(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter().chain(self.last.iter().map(|(k, v)| (k, v)))
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

//! [`ExpiringMap`]: what the platform remembers for a while in memory (sign-in attempts, forms
//! sent), bounded by sweeping out what has expired as it grows.

use std::collections::HashMap;

/// Entries by key, swept of the expired once there are more than `floor`; then not again before
/// the live ones have doubled, so that a map full of live entries is not scanned at every insert.
pub struct ExpiringMap<V> {
    pub entries: HashMap<String, V>,
    floor: usize,
    /// Past this many entries, the next [`ExpiringMap::sweep_if_grown`] sweeps.
    sweep_above: usize,
}

impl<V> ExpiringMap<V> {
    pub fn new(floor: usize) -> Self {
        ExpiringMap { entries: HashMap::new(), floor, sweep_above: floor }
    }

    /// Before an insert: drops the entries `live` says have expired, when the map has grown past
    /// its mark, and sets the next mark.
    pub fn sweep_if_grown(&mut self, mut live: impl FnMut(&V) -> bool) {
        if self.entries.len() > self.sweep_above {
            self.entries.retain(|_, value| live(value));
            self.sweep_above = self.floor.max(2 * self.entries.len());
        }
    }

    #[cfg(test)]
    pub fn sweep_above(&self) -> usize {
        self.sweep_above
    }
}

//! A fixed-capacity table of 32-byte keys that expire, shared by the revocation
//! list and the replay caches.
//!
//! The table is an open-addressing hash table with linear probing. Its slots are
//! allocated at construction, half again as many as the capacity, and never grown,
//! so nothing allocates afterwards and a lookup or insert costs a few probes
//! whatever the number of entries. The keys are SHA-256 digests, so their first
//! eight bytes serve as the hash. A full table evicts expired entries before it
//! reports that it is full, and never drops an entry that has not expired.

use alloc::vec;
use alloc::vec::Vec;

use crate::error::Error;

/// A table of expiring entries.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    /// More slots than `capacity`, so that a probe always ends at an empty slot
    /// and the load stays at most two thirds.
    slots: Vec<Slot>,
    len: usize,
    capacity: usize,
}

/// A slot of the table; `entry` means nothing unless `used`.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    used: bool,
    entry: Entry,
}

/// One entry: a key, the time after which it may be evicted, and a value whose
/// meaning belongs to the table's owner.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Entry {
    pub(crate) key: [u8; 32],
    pub(crate) evictable_after: i64,
    pub(crate) value: i64,
}

/// The outcome of [`Table::insert`].
pub(crate) enum Insert<'a> {
    /// The key was added.
    Added,
    /// The entry's time has already passed, so it was not stored.
    Expired,
    /// The key was already present; the entry is returned for the owner to update.
    Present(&'a mut Entry),
    /// The table is full of entries that have not expired; nothing was stored.
    Full,
}

/// The outcome of a probe for a key: the slot that holds it, or the empty slot
/// where it belongs.
enum Probe {
    Found(usize),
    Vacant(usize),
}

impl Table {
    /// Builds an empty table for `capacity` entries; a capacity above `max` is the
    /// configuration error `field`, `reason`.
    pub(crate) fn new(
        capacity: usize,
        max: usize,
        field: &'static str,
        reason: &'static str,
    ) -> Result<Self, Error> {
        if capacity > max {
            return Err(Error::InvalidConfig { field, reason });
        }
        let slots = capacity + capacity / 2 + 1;
        Ok(Self {
            slots: vec![Slot::default(); slots],
            len: 0,
            capacity,
        })
    }

    /// Returns the number of entries the table holds at most.
    pub(crate) const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Returns the number of entries stored.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Returns the entry for `key`, expired or not.
    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<&Entry> {
        match self.probe(key) {
            Probe::Found(index) => Some(&self.slots[index].entry),
            Probe::Vacant(_) => None,
        }
    }

    /// Adds `key` unless it is present, evicting expired entries when the table is
    /// full.
    pub(crate) fn insert(
        &mut self,
        key: [u8; 32],
        evictable_after: i64,
        value: i64,
        now: i64,
    ) -> Insert<'_> {
        let mut vacant = match self.probe(&key) {
            Probe::Found(index) => return Insert::Present(&mut self.slots[index].entry),
            Probe::Vacant(index) => index,
        };
        if evictable_after < now {
            return Insert::Expired;
        }
        if self.len == self.capacity {
            if self.evict_expired(now) == 0 {
                return Insert::Full;
            }
            // Eviction moves entries, so the empty slot for `key` may have moved.
            vacant = match self.probe(&key) {
                Probe::Found(index) => return Insert::Present(&mut self.slots[index].entry),
                Probe::Vacant(index) => index,
            };
        }
        self.slots[vacant] = Slot {
            used: true,
            entry: Entry {
                key,
                evictable_after,
                value,
            },
        };
        self.len += 1;
        Insert::Added
    }

    /// Removes every entry whose time has passed at `now` and returns how many.
    pub(crate) fn evict_expired(&mut self, now: i64) -> usize {
        let mut removed = 0;
        for slot in &mut self.slots {
            if slot.used && slot.entry.evictable_after < now {
                slot.used = false;
                removed += 1;
            }
        }
        if removed > 0 {
            self.len -= removed;
            self.reseat();
        }
        removed
    }

    /// Removes every entry, keeping the capacity.
    pub(crate) fn clear(&mut self) {
        self.slots.fill(Slot::default());
        self.len = 0;
    }

    /// Finds `key`, or the empty slot where it belongs. Some slot is always empty,
    /// because there are more slots than the capacity.
    fn probe(&self, key: &[u8; 32]) -> Probe {
        let mut index = self.home(key);
        loop {
            let slot = &self.slots[index];
            if !slot.used {
                return Probe::Vacant(index);
            }
            if slot.entry.key == *key {
                return Probe::Found(index);
            }
            index = self.next(index);
        }
    }

    /// Maps the key's first eight bytes onto the slots by multiplying, which spreads
    /// them evenly without a division.
    fn home(&self, key: &[u8; 32]) -> usize {
        let mut head = [0; 8];
        head.copy_from_slice(&key[..8]);
        let hash = u128::from(u64::from_le_bytes(head));
        let slots = u128::try_from(self.slots.len()).unwrap_or(u128::MAX);
        // The product shifted right by 64 is below `slots`, so it fits a usize.
        usize::try_from((hash * slots) >> 64).unwrap_or(0)
    }

    fn next(&self, index: usize) -> usize {
        if index + 1 == self.slots.len() {
            0
        } else {
            index + 1
        }
    }

    /// Moves every entry back to the first empty slot on its probe path, after
    /// removals left gaps that would end a later probe too early.
    ///
    /// The walk starts just after an empty slot, so it sees every run of entries from
    /// the run's start. Each entry is taken out before it is placed again, which frees
    /// its own slot, so it never lands further along its path than before.
    fn reseat(&mut self) {
        let slots = self.slots.len();
        let Some(start) = self.slots.iter().position(|slot| !slot.used) else {
            return;
        };
        let mut index = start;
        for _ in 0..slots {
            index = self.next(index);
            if self.slots[index].used {
                let slot = self.slots[index];
                self.slots[index].used = false;
                // Keys are unique, so the probe ends at an empty slot.
                if let Probe::Vacant(vacant) = self.probe(&slot.entry.key) {
                    self.slots[vacant] = slot;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(capacity: usize) -> Table {
        Table::new(capacity, 1 << 20, "capacity", "too large").unwrap()
    }

    /// Builds a key whose hash is `head`, so that tests can force collisions.
    fn key(head: u64, tail: u8) -> [u8; 32] {
        let mut key = [tail; 32];
        key[..8].copy_from_slice(&head.to_le_bytes());
        key
    }

    fn added(outcome: Insert<'_>) -> bool {
        matches!(outcome, Insert::Added)
    }

    #[test]
    fn capacity_above_max_rejected() {
        let error = Table::new(11, 10, "capacity", "too large").unwrap_err();
        assert!(matches!(
            error,
            Error::InvalidConfig {
                field: "capacity",
                ..
            }
        ));
    }

    #[test]
    fn insert_then_present() {
        let mut table = table(4);
        assert!(added(table.insert(key(1, 1), 100, 7, 0)));
        assert_eq!(table.get(&key(1, 1)).map(|e| e.value), Some(7));
        let Insert::Present(entry) = table.insert(key(1, 1), 200, 8, 0) else {
            panic!("second insert of a key must find it");
        };
        entry.value = 9;
        assert_eq!(table.get(&key(1, 1)).map(|e| e.value), Some(9));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn past_entry_not_stored() {
        let mut table = table(4);
        assert!(matches!(table.insert(key(1, 1), 9, 0, 10), Insert::Expired));
        assert_eq!(table.len(), 0);
        assert!(table.get(&key(1, 1)).is_none());
    }

    #[test]
    fn full_table_evicts_only_expired() {
        let mut table = table(3);
        for tail in 0..3 {
            assert!(added(table.insert(key(5, tail), 100, 0, 0)));
        }
        assert!(matches!(table.insert(key(6, 9), 100, 0, 100), Insert::Full));
        assert_eq!(table.len(), 3);

        // At 101 every entry has expired, so the new one takes a freed slot.
        assert!(added(table.insert(key(6, 9), 200, 0, 101)));
        assert_eq!(table.len(), 1);
        assert!(table.get(&key(5, 0)).is_none());
        assert!(table.get(&key(6, 9)).is_some());
    }

    #[test]
    fn zero_capacity_always_full() {
        let mut table = table(0);
        assert!(matches!(table.insert(key(1, 1), 100, 0, 0), Insert::Full));
        assert!(table.get(&key(1, 1)).is_none());
    }

    #[test]
    fn collisions_survive_eviction() {
        // Every key has the same home slot, and the run wraps past the last slot.
        let mut table = table(8);
        let last = u64::MAX;
        for tail in 0..8 {
            let expiry = if tail % 2 == 0 { 50 } else { 500 };
            assert!(added(table.insert(
                key(last, tail),
                expiry,
                i64::from(tail),
                0
            )));
        }
        assert_eq!(table.evict_expired(100), 4);
        assert_eq!(table.len(), 4);
        for tail in 0..8 {
            let found = table.get(&key(last, tail)).map(|e| e.value);
            let expected = (tail % 2 == 1).then_some(i64::from(tail));
            assert_eq!(found, expected, "key {tail}");
        }
    }

    #[test]
    fn matches_sorted_reference() {
        // A pseudo-random sequence of inserts and evictions, checked against a
        // plain vector of the entries that must be present.
        let mut table = table(64);
        let mut reference: Vec<([u8; 32], i64)> = Vec::new();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for step in 0..5_000_i64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let now = step / 10;
            // Few distinct heads, so that runs of collisions are common.
            let tail = u8::try_from(state >> 56).unwrap();
            let key = key(state % 97 * (u64::MAX / 97), tail);
            let expiry = now + i64::try_from(state % 50).unwrap();
            let known = reference.iter().any(|(k, _)| *k == key);
            if !known && reference.len() == 64 {
                reference.retain(|(_, at)| *at >= now);
            }
            match table.insert(key, expiry, 0, now) {
                Insert::Added => {
                    assert!(!known, "step {step}: added a present key");
                    reference.push((key, expiry));
                }
                Insert::Present(_) => assert!(known, "step {step}: found an absent key"),
                Insert::Full => {
                    assert!(!known, "step {step}: full for a present key");
                    assert_eq!(
                        reference.len(),
                        64,
                        "step {step}: full with expired entries"
                    );
                }
                Insert::Expired => panic!("step {step}: expiry is never in the past"),
            }
            assert!(table.get(&key).is_some() || !known, "step {step}: key lost");
            assert_eq!(table.len(), reference.len(), "step {step}");
        }
        for (key, _) in &reference {
            assert!(table.get(key).is_some());
        }
    }
}

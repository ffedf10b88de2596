//! A fixed-capacity table of 32-byte keys that expire, shared by the revocation
//! list and the replay caches.
//!
//! Entries are kept sorted by key in a vector reserved at construction and never
//! grown past it, so lookups are binary searches and nothing allocates after the
//! table is built. A full table evicts expired entries before it reports that it
//! is full, and never drops an entry that has not expired.

use alloc::vec::Vec;

use crate::error::Error;

/// A table of expiring entries.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    entries: Vec<Entry>,
    capacity: usize,
}

/// One entry: a key, the time after which it may be evicted, and a value whose
/// meaning belongs to the table's owner.
#[derive(Clone, Copy, Debug)]
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
        Ok(Self {
            entries: Vec::with_capacity(capacity),
            capacity,
        })
    }

    /// Returns the number of entries the table holds at most.
    pub(crate) const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Returns the number of entries stored.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns the entry for `key`, expired or not.
    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<&Entry> {
        let index = self.entries.binary_search_by(|e| e.key.cmp(key)).ok()?;
        self.entries.get(index)
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
        if let Ok(index) = self.entries.binary_search_by(|e| e.key.cmp(&key)) {
            return Insert::Present(&mut self.entries[index]);
        }
        if evictable_after < now {
            return Insert::Expired;
        }
        if self.entries.len() == self.capacity && self.evict_expired(now) == 0 {
            return Insert::Full;
        }
        // Eviction keeps the order but may have moved the insertion point.
        let index = self
            .entries
            .binary_search_by(|e| e.key.cmp(&key))
            .unwrap_or_else(|index| index);
        let entry = Entry {
            key,
            evictable_after,
            value,
        };
        self.entries.insert(index, entry);
        Insert::Added
    }

    /// Removes every entry whose time has passed at `now` and returns how many.
    pub(crate) fn evict_expired(&mut self, now: i64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|entry| entry.evictable_after >= now);
        before - self.entries.len()
    }

    /// Removes every entry, keeping the capacity.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

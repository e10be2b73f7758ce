//! The ring buffer of finished calls: at most `capacity` records, kept newest first by their
//! ordering key (end instant, else start instant); the oldest falls off.

use super::record::CallRecord;
use std::collections::{HashSet, VecDeque};

/// Newest-first bounded collection of finished calls with O(1) id lookup.
#[derive(Debug)]
pub(crate) struct Ring {
    capacity: usize,
    items: VecDeque<CallRecord>,
    ids: HashSet<String>,
}

impl Ring {
    pub fn new(capacity: usize) -> Self {
        Ring { capacity: capacity.max(1), items: VecDeque::new(), ids: HashSet::new() }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn get(&self, id: &str) -> Option<&CallRecord> {
        if !self.ids.contains(id) {
            return None;
        }
        self.items.iter().find(|r| r.summary.call_id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &CallRecord> {
        self.items.iter()
    }

    fn remove(&mut self, id: &str) {
        if self.ids.remove(id) {
            self.items.retain(|r| r.summary.call_id != id);
        }
    }

    /// Inserts (replacing a record with the same id). Among equal keys the newest insertion
    /// comes first. Returns false when the record is older than everything in a full ring.
    pub fn insert(&mut self, rec: CallRecord) -> bool {
        self.remove(&rec.summary.call_id);
        let key = rec.summary.order_ns;
        let pos = self.items.partition_point(|r| r.summary.order_ns > key);
        if pos >= self.capacity {
            return false;
        }
        self.ids.insert(rec.summary.call_id.clone());
        self.items.insert(pos, rec);
        if self.items.len() > self.capacity {
            if let Some(old) = self.items.pop_back() {
                self.ids.remove(&old.summary.call_id);
            }
        }
        true
    }
}

//! A shard's timer queue: when each tenant's engine next needs a tick.
//!
//! After every batch the shard reads each touched engine's
//! `next_deadline` and, when it changed, pushes `(deadline, slot)`. Entries
//! are checked when they come due against the tenant's current scheduled
//! deadline, so stale ones (the deadline moved, the tenant left) cost one
//! pop. The heap is rebuilt from the tenants when stale entries pile up, so
//! it never holds more than `COMPACT_FACTOR` times the tenants plus a slack.

use crate::model::Timestamp;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const COMPACT_FACTOR: usize = 4;
const COMPACT_SLACK: usize = 64;

/// Pending ticks of one shard's tenants.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<(Timestamp, usize)>>,
}

impl TimerQueue {
    /// The earliest deadline queued (possibly stale).
    pub(crate) fn next(&self) -> Option<Timestamp> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Queues a tick of tenant `slot` at `at`.
    pub(crate) fn push(&mut self, at: Timestamp, slot: usize) {
        self.heap.push(Reverse((at, slot)));
    }

    /// Takes the earliest entry due at `now`.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<(Timestamp, usize)> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now => self.heap.pop().map(|Reverse(e)| e),
            _ => None,
        }
    }

    /// Whether the heap holds too many stale entries for `tenants` tenants.
    pub(crate) fn needs_compaction(&self, tenants: usize) -> bool {
        self.heap.len() > tenants * COMPACT_FACTOR + COMPACT_SLACK
    }

    /// Replaces the entries with `live` (one per tenant with a deadline).
    pub(crate) fn rebuild(&mut self, live: impl Iterator<Item = (Timestamp, usize)>) {
        self.heap = live.map(Reverse).collect();
    }

    /// Entries queued.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_entries_come_out_in_order_and_the_heap_stays_bounded() {
        let mut q = TimerQueue::default();
        q.push(Timestamp(30), 1);
        q.push(Timestamp(10), 0);
        q.push(Timestamp(20), 2);
        assert_eq!(q.next(), Some(Timestamp(10)));
        assert_eq!(q.pop_due(Timestamp(5)), None);
        assert_eq!(q.pop_due(Timestamp(25)), Some((Timestamp(10), 0)));
        assert_eq!(q.pop_due(Timestamp(25)), Some((Timestamp(20), 2)));
        assert_eq!(q.pop_due(Timestamp(25)), None);
        // Stale entries pile up for one tenant until a rebuild.
        for at in 0..(COMPACT_SLACK as u64 + 10) {
            q.push(Timestamp(100 + at), 3);
        }
        assert!(q.needs_compaction(1));
        q.rebuild([(Timestamp(150), 3)].into_iter());
        assert_eq!(q.len(), 1);
        assert!(!q.needs_compaction(1));
    }
}

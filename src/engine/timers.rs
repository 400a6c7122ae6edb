//! Pending timers: SLA warnings and breaches, offer expiries, known-agent
//! waits, auto-park. Sharded by conversation so that arming a timer does not
//! contend on one lock; a timer is void unless its generation still matches
//! the conversation's, so nothing is ever cancelled in place.

use crate::model::{ConversationId, Timestamp};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum TimerKind {
    SlaWarning,
    SlaBreach,
    OfferExpiry,
    StickyWait,
    AutoPark,
}

/// One pending timer. Ordered by time, then kind, so that at one instant a
/// warning fires before the breach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct Timer {
    pub at: Timestamp,
    pub kind: TimerKind,
    pub conversation: ConversationId,
    pub generation: u32,
}

const SHARDS: usize = 16;

/// The timer wheel: a few locked heaps, each with its earliest time
/// published in an atomic so that `next` takes no lock (hosts ask for it
/// after every command).
#[derive(Debug)]
pub(crate) struct Timers {
    shards: Vec<Mutex<BinaryHeap<Reverse<Timer>>>>,
    /// Earliest timer of each shard, `u64::MAX` when empty; written only
    /// with the shard's lock held.
    earliest: Vec<AtomicU64>,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            earliest: (0..SHARDS).map(|_| AtomicU64::new(u64::MAX)).collect(),
        }
    }
}

fn head(heap: &BinaryHeap<Reverse<Timer>>) -> u64 {
    heap.peek().map_or(u64::MAX, |t| t.0.at.0)
}

impl Timers {
    pub(crate) fn arm(&self, timer: Timer) {
        let shard = (timer.conversation.0 as usize) % SHARDS;
        let mut heap = self.shards[shard].lock();
        heap.push(Reverse(timer));
        // ORDERING: Relaxed; the value is published under the shard lock
        // and read as a hint of when to tick, never to decide anything.
        self.earliest[shard].store(head(&heap), Ordering::Relaxed);
    }

    /// Removes and returns every timer due at or before `now`, in firing
    /// order (so a multi-threaded host still gets a deterministic order).
    pub(crate) fn take_due(&self, now: Timestamp) -> Vec<Timer> {
        let mut due = Vec::new();
        for (shard, earliest) in self.shards.iter().zip(&self.earliest) {
            // ORDERING: a stale read only skips a shard whose timers are all
            // later than `now` or were armed after this tick began.
            if earliest.load(Ordering::Relaxed) > now.0 {
                continue;
            }
            let mut heap = shard.lock();
            while heap.peek().is_some_and(|t| t.0.at <= now) {
                if let Some(Reverse(timer)) = heap.pop() {
                    due.push(timer);
                }
            }
            earliest.store(head(&heap), Ordering::Relaxed);
        }
        due.sort_unstable();
        due
    }

    /// The earliest pending timer.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        let earliest = self
            .earliest
            .iter()
            .map(|e| e.load(Ordering::Relaxed))
            .min()?;
        (earliest != u64::MAX).then_some(Timestamp(earliest))
    }

    /// Every pending timer, sorted (for snapshots and audits).
    pub(crate) fn all(&self) -> Vec<Timer> {
        let mut all: Vec<Timer> = self
            .shards
            .iter()
            .flat_map(|s| s.lock().iter().map(|t| t.0).collect::<Vec<_>>())
            .collect();
        all.sort_unstable();
        all
    }
}

//! Pending timers in one heap. A timer is void unless it still matches its
//! subject (the conversation's id in the slot and its generation), so
//! nothing is ever cancelled in place.

use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum TimerKind {
    SlaWarning,
    SlaBreach,
    OfferExpiry,
    StickyWait,
    AutoPark,
    /// The end of an agent's cool-down in one group after a decline.
    CooldownEnd,
}

/// One pending timer, ordered by time, then kind (a warning before the
/// breach at the same instant), then subject: a total order, so the firing
/// order never depends on how the heap was built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct Timer {
    pub at: Timestamp,
    pub kind: TimerKind,
    /// The conversation's id, or the agent's slot for `CooldownEnd`.
    pub subject: u64,
    /// The conversation's slot, or the group's slot for `CooldownEnd`.
    pub slot: u32,
    pub generation: u32,
    /// The conversation's arrival number (unique for the engine's life,
    /// unlike an id a host may reuse after a purge), 0 for `CooldownEnd`.
    pub incarnation: u64,
}

/// The timer heap.
#[derive(Clone, Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Timer>>,
}

impl Timers {
    pub(crate) fn arm(&mut self, timer: Timer) {
        self.heap.push(Reverse(timer));
    }

    /// The earliest timer if due at `now`, removed.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<Timer> {
        if self.heap.peek()?.0.at <= now {
            self.heap.pop().map(|t| t.0)
        } else {
            None
        }
    }

    /// When the earliest timer is due.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        self.heap.peek().map(|t| t.0.at)
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Every pending timer, sorted (snapshots and audits).
    pub(crate) fn sorted(&self) -> Vec<Timer> {
        let mut all: Vec<Timer> = self.heap.iter().map(|t| t.0).collect();
        all.sort_unstable();
        all
    }
}

//! Running counters, readable at any time without locks.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters since the engine started (restored with a snapshot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStats {
    /// Conversations handed to an agent (assigned or offered).
    pub assignments: u64,
    /// Returning customers who reached their last agent.
    pub sticky_hits: u64,
    /// Returning customers who did not.
    pub sticky_misses: u64,
    /// SLA warnings raised.
    pub sla_warnings: u64,
    /// SLA breaches raised.
    pub sla_breaches: u64,
    /// Threads sent back to a queue (offline agent, decline, offer timeout,
    /// transfer to a group).
    pub requeues: u64,
}

// ORDERING: independent monotonic counters for reports; Relaxed.
#[derive(Debug, Default)]
pub(crate) struct StatsCounters {
    assignments: AtomicU64,
    sticky_hits: AtomicU64,
    sticky_misses: AtomicU64,
    sla_warnings: AtomicU64,
    sla_breaches: AtomicU64,
    requeues: AtomicU64,
}

impl StatsCounters {
    pub(crate) fn assigned(&self) {
        self.assignments.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn sticky_hit(&self) {
        self.sticky_hits.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn sticky_miss(&self) {
        self.sticky_misses.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn warning(&self) {
        self.sla_warnings.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn breach(&self) {
        self.sla_breaches.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn requeued(&self) {
        self.requeues.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn read(&self) -> EngineStats {
        EngineStats {
            assignments: self.assignments.load(Ordering::Relaxed),
            sticky_hits: self.sticky_hits.load(Ordering::Relaxed),
            sticky_misses: self.sticky_misses.load(Ordering::Relaxed),
            sla_warnings: self.sla_warnings.load(Ordering::Relaxed),
            sla_breaches: self.sla_breaches.load(Ordering::Relaxed),
            requeues: self.requeues.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn restore(s: EngineStats) -> Self {
        Self {
            assignments: AtomicU64::new(s.assignments),
            sticky_hits: AtomicU64::new(s.sticky_hits),
            sticky_misses: AtomicU64::new(s.sticky_misses),
            sla_warnings: AtomicU64::new(s.sla_warnings),
            sla_breaches: AtomicU64::new(s.sla_breaches),
            requeues: AtomicU64::new(s.requeues),
        }
    }
}

//! Real-time statistics through the handle, per tenant and per shard, read
//! from counters (never by scanning conversations).
//!
//! `tenant_stats` (crate-private) is the one place that turns a tenant's
//! engine into its statistics: the engine's running counters
//! ([`EngineStats`]), its conversation count, and the real-time statistics
//! of each skill group ([`GroupStats`]: waiting, oldest wait, agents online
//! and with room), each O(1) to read.

use super::shard::TenantState;
use super::tenant::TenantId;
use crate::engine::{EngineStats, GroupStats};
use crate::model::Timestamp;

/// Counters the runtime keeps per tenant (since the tenant was opened in
/// this process).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TenantCounters {
    /// Commands from callers the engine accepted.
    pub accepted: u64,
    /// Commands from callers the engine refused (typed errors).
    pub rejected: u64,
    /// Timer ticks the shard applied at the engine's deadlines.
    pub ticks: u64,
    /// Decisions made (published on the stream).
    pub decisions: u64,
    /// Offers declined by agents.
    pub declines: u64,
    /// Host closures that panicked and were caught (queries; see
    /// [`RuntimeError::Panicked`](super::RuntimeError::Panicked)).
    pub panics: u64,
}

/// One tenant's statistics.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TenantStats {
    /// The tenant.
    pub tenant: TenantId,
    /// Its shard.
    pub shard: usize,
    /// The engine's counters since the tenant's history began (restored
    /// with snapshots): assignments, sticky hits and misses, SLA warnings
    /// and breaches, requeues.
    pub engine: EngineStats,
    /// Conversations the engine holds (all states, until purged).
    pub conversations: usize,
    /// The engine's next timer deadline; the shard ticks it then.
    pub next_deadline: Option<Timestamp>,
    /// Journal sequence number of the last command applied.
    pub last_record: u64,
    /// Whether a journal failure poisoned the tenant.
    pub poisoned: bool,
    /// The runtime's own counters.
    pub runtime: TenantCounters,
    /// Each skill group now: waiting count and oldest wait, agents online
    /// and with room (the engine keeps them as state changes).
    pub groups: Vec<GroupStats>,
}

/// A shard's statistics, summed over its tenants where it says so.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardStats {
    /// The shard.
    pub shard: usize,
    /// Tenants on it.
    pub tenants: usize,
    /// Batches applied.
    pub batches: u64,
    /// Largest batch so far.
    pub max_batch: usize,
    /// Commands waiting in its queue now.
    pub queue_depth: usize,
    /// Its queue's capacity.
    pub queue_capacity: usize,
    /// The engine counters, summed over its tenants.
    pub engine: EngineStats,
    /// Conversations, summed over its tenants.
    pub conversations: usize,
    /// Conversations waiting in a skill group's line, summed over its
    /// tenants' groups.
    pub waiting: u64,
    /// The runtime counters, summed over its tenants.
    pub runtime: TenantCounters,
}

/// The statistics of one tenant.
pub(crate) fn tenant_stats(state: &TenantState, shard: usize) -> TenantStats {
    TenantStats {
        groups: state.engine.group_stats(),
        ..tenant_counts(state, shard)
    }
}

/// [`tenant_stats`] without the groups (`groups` empty): what a batch
/// publishes every time (see `group_refresh.rs`).
pub(crate) fn tenant_counts(state: &TenantState, shard: usize) -> TenantStats {
    TenantStats {
        tenant: state.id.clone(),
        shard,
        engine: state.engine.stats(),
        conversations: state.engine.conversation_count(),
        next_deadline: state.engine.next_deadline(),
        last_record: state.journal.last_seq(),
        poisoned: state.poisoned.is_some(),
        runtime: state.counters,
        groups: Vec::new(),
    }
}

/// Adds `b` into `a`, counter by counter.
pub(crate) fn add_engine(a: &mut EngineStats, b: &EngineStats) {
    a.assignments += b.assignments;
    a.sticky_hits += b.sticky_hits;
    a.sticky_misses += b.sticky_misses;
    a.sla_warnings += b.sla_warnings;
    a.sla_breaches += b.sla_breaches;
    a.requeues += b.requeues;
    a.declines += b.declines;
    a.offer_timeouts += b.offer_timeouts;
    a.policy_faults += b.policy_faults;
}

/// Adds `b` into `a`, counter by counter.
pub(crate) fn add_counters(a: &mut TenantCounters, b: &TenantCounters) {
    a.accepted += b.accepted;
    a.rejected += b.rejected;
    a.ticks += b.ticks;
    a.decisions += b.decisions;
    a.declines += b.declines;
    a.panics += b.panics;
}

//! Metrics through the `metrics` facade: nothing is recorded until the host
//! installs a recorder (for example `metrics-exporter-prometheus`, as
//! `examples/runtime.rs` does). Install it before starting the runtime:
//! handles are registered when a shard starts and a tenant opens.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `switchboard_batch_size` | histogram | shard | commands (and ticks) per batch |
//! | `switchboard_apply_seconds` | histogram | shard | time applying a batch to the engines |
//! | `switchboard_sync_seconds` | histogram | shard | time writing and syncing a batch's journals |
//! | `switchboard_queue_depth` | gauge | shard | commands waiting after the batch was drained |
//! | `switchboard_commands_total` | counter | tenant | commands accepted |
//! | `switchboard_rejected_total` | counter | tenant | commands refused |
//! | `switchboard_ticks_total` | counter | tenant | timer ticks applied |
//! | `switchboard_assignments_total` | counter | tenant | conversations handed to an agent |
//! | `switchboard_sla_warnings_total` | counter | tenant | SLA warnings |
//! | `switchboard_sla_breaches_total` | counter | tenant | SLA breaches |
//! | `switchboard_sticky_hits_total` | counter | tenant | returning customers who reached their agent |
//! | `switchboard_sticky_misses_total` | counter | tenant | returning customers who did not |
//! | `switchboard_declines_total` | counter | tenant | offers declined |
//! | `switchboard_requeues_total` | counter | tenant | threads sent back to a queue |
//! | `switchboard_conversations` | gauge | tenant | conversations held |
//!
//! Per-group queue depth and agents online/available come with the
//! engine's per-group statistics (see [`stats`](super::stats)).

use super::stats::TenantStats;
use metrics::{counter, gauge, histogram, Counter, Gauge, Histogram};
use std::time::Duration;

/// A shard's metric handles, registered once.
#[derive(Debug)]
pub(crate) struct ShardMetrics {
    batch_size: Histogram,
    apply_seconds: Histogram,
    sync_seconds: Histogram,
    queue_depth: Gauge,
}

impl ShardMetrics {
    pub(crate) fn new(shard: usize) -> Self {
        let shard = shard.to_string();
        Self {
            batch_size: histogram!("switchboard_batch_size", "shard" => shard.clone()),
            apply_seconds: histogram!("switchboard_apply_seconds", "shard" => shard.clone()),
            sync_seconds: histogram!("switchboard_sync_seconds", "shard" => shard.clone()),
            queue_depth: gauge!("switchboard_queue_depth", "shard" => shard),
        }
    }

    pub(crate) fn batch(&self, size: usize, apply: Duration, sync: Duration, depth: usize) {
        self.batch_size.record(size as f64);
        self.apply_seconds.record(apply.as_secs_f64());
        self.sync_seconds.record(sync.as_secs_f64());
        self.queue_depth.set(depth as f64);
    }
}

/// A tenant's metric handles, registered once when it opens.
#[derive(Debug)]
pub(crate) struct TenantMetrics {
    commands: Counter,
    rejected: Counter,
    ticks: Counter,
    assignments: Counter,
    warnings: Counter,
    breaches: Counter,
    sticky_hits: Counter,
    sticky_misses: Counter,
    declines: Counter,
    requeues: Counter,
    conversations: Gauge,
}

impl TenantMetrics {
    pub(crate) fn new(tenant: &str) -> Self {
        let t = || tenant.to_owned();
        Self {
            commands: counter!("switchboard_commands_total", "tenant" => t()),
            rejected: counter!("switchboard_rejected_total", "tenant" => t()),
            ticks: counter!("switchboard_ticks_total", "tenant" => t()),
            assignments: counter!("switchboard_assignments_total", "tenant" => t()),
            warnings: counter!("switchboard_sla_warnings_total", "tenant" => t()),
            breaches: counter!("switchboard_sla_breaches_total", "tenant" => t()),
            sticky_hits: counter!("switchboard_sticky_hits_total", "tenant" => t()),
            sticky_misses: counter!("switchboard_sticky_misses_total", "tenant" => t()),
            declines: counter!("switchboard_declines_total", "tenant" => t()),
            requeues: counter!("switchboard_requeues_total", "tenant" => t()),
            conversations: gauge!("switchboard_conversations", "tenant" => t()),
        }
    }

    /// Publishes the tenant's statistics (absolute values).
    pub(crate) fn update(&self, s: &TenantStats) {
        self.commands.absolute(s.runtime.accepted);
        self.rejected.absolute(s.runtime.rejected);
        self.ticks.absolute(s.runtime.ticks);
        self.assignments.absolute(s.engine.assignments);
        self.warnings.absolute(s.engine.sla_warnings);
        self.breaches.absolute(s.engine.sla_breaches);
        self.sticky_hits.absolute(s.engine.sticky_hits);
        self.sticky_misses.absolute(s.engine.sticky_misses);
        self.declines.absolute(s.runtime.declines);
        self.requeues.absolute(s.engine.requeues);
        self.conversations.set(s.conversations as f64);
    }
}

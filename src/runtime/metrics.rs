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
//! | `switchboard_panics_total` | counter | tenant | host closures (queries) that panicked, caught |
//! | `switchboard_conversations` | gauge | tenant | conversations held |
//! | `switchboard_group_waiting` | gauge | tenant, group | conversations waiting in the skill group's line |
//! | `switchboard_group_oldest_wait_since_ms` | gauge | tenant, group | when its longest-waiting conversation started waiting (engine time, ms; 0 when none waits) |
//! | `switchboard_group_agents_online` | gauge | tenant, group | eligible agents online |
//! | `switchboard_group_agents_with_room` | gauge | tenant, group | eligible agents with room for its work now |
//!
//! The `switchboard_group_*` gauges are refreshed at most every 100 ms
//! while their tenant is busy (and once more after it goes quiet): building
//! them reads every group of the engine (`group_refresh.rs`).
//!
//! The workload rules' counters (refusals per level, wrap-up time,
//! rate-limited skips, reassignments of unanswered conversations, pulls,
//! interruptions) are listed in `workload_metrics.rs`.
//!
//! A group's label is its channel and required skills, for example
//! `whats_app/7:3+9:1` (skill 7 at level 3 or better, and skill 9).

use super::stats::TenantStats;
use super::workload_metrics::WorkloadMetrics;
use crate::engine::GroupStats;
use crate::model::{Channel, SkillRequirement};
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
    panics: Counter,
    conversations: Gauge,
    workload: WorkloadMetrics,
    tenant: String,
    /// One set of gauges per skill group in use, by channel and skills (a
    /// reclaimed group's slot may be reused by another group, so not by
    /// position; and not by label, which costs a JSON value and a string
    /// per group to build, paid per batch when groups come and go).
    groups: std::collections::HashMap<GroupKey, GroupGauges>,
    /// The groups of the last update in their order, with their gauges: a
    /// batch that leaves the set of groups as it was (the usual case) sets
    /// the gauges by position, without a lookup per group.
    last: Vec<(GroupKey, GroupGauges)>,
}

/// A skill group's identity: its channel and required skills.
type GroupKey = (Channel, Vec<SkillRequirement>);

#[derive(Clone, Debug)]
struct GroupGauges {
    waiting: Gauge,
    oldest: Gauge,
    online: Gauge,
    with_room: Gauge,
}

impl GroupGauges {
    fn set(&self, group: &GroupStats) {
        self.waiting.set(f64::from(group.waiting));
        let oldest = group.oldest_waiting_since.map_or(0, |t| t.0);
        self.oldest.set(oldest as f64);
        self.online.set(f64::from(group.agents_online));
        self.with_room.set(f64::from(group.agents_with_room));
    }
}

/// A group's label: channel and required skills.
fn group_label(group: &GroupStats) -> String {
    let channel = serde_json::to_value(group.channel)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let skills: Vec<String> = group
        .skills
        .iter()
        .map(|r| format!("{}:{}", r.skill.0, r.min_level.get()))
        .collect();
    format!("{channel}/{}", skills.join("+"))
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
            panics: counter!("switchboard_panics_total", "tenant" => t()),
            conversations: gauge!("switchboard_conversations", "tenant" => t()),
            workload: WorkloadMetrics::new(tenant),
            tenant: tenant.to_owned(),
            groups: std::collections::HashMap::new(),
            last: Vec::new(),
        }
    }

    /// Publishes the tenant's statistics (absolute values), its groups'
    /// gauges included.
    pub(crate) fn update(&mut self, s: &TenantStats) {
        self.update_counters(s);
        self.update_groups(&s.groups);
    }

    /// Publishes the tenant's counters and gauges other than its groups'
    /// (`s.groups` is not read; see `group_refresh.rs`).
    pub(crate) fn update_counters(&mut self, s: &TenantStats) {
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
        self.panics.absolute(s.runtime.panics);
        self.conversations.set(s.conversations as f64);
        self.workload.update(&s.engine);
    }

    /// Publishes each group's gauges; a group gone since the last call
    /// reads zero.
    pub(crate) fn update_groups(&mut self, groups: &[GroupStats]) {
        let same = self.last.len() == groups.len()
            && self
                .last
                .iter()
                .zip(groups)
                .all(|((key, _), g)| key.0 == g.channel && key.1 == g.skills);
        if same {
            for ((_, gauges), group) in self.last.iter().zip(groups) {
                gauges.set(group);
            }
            return;
        }
        self.last.clear();
        // Register gauges for groups created since the last update (the
        // only ones whose label is built); those of reclaimed groups read
        // zero and are dropped.
        let mut stale = std::mem::take(&mut self.groups);
        for group in groups {
            let key: GroupKey = (group.channel, group.skills.clone());
            let gauges = stale.remove(&key).unwrap_or_else(|| {
                let g = group_label(group);
                let t = self.tenant.clone();
                GroupGauges {
                    waiting: gauge!("switchboard_group_waiting", "tenant" => t.clone(), "group" => g.clone()),
                    oldest: gauge!("switchboard_group_oldest_wait_since_ms", "tenant" => t.clone(), "group" => g.clone()),
                    online: gauge!("switchboard_group_agents_online", "tenant" => t.clone(), "group" => g.clone()),
                    with_room: gauge!("switchboard_group_agents_with_room", "tenant" => t, "group" => g),
                }
            });
            gauges.set(group);
            self.last.push((key.clone(), gauges.clone()));
            self.groups.insert(key, gauges);
        }
        for gauges in stale.values() {
            for gauge in [
                &gauges.waiting,
                &gauges.oldest,
                &gauges.online,
                &gauges.with_room,
            ] {
                gauge.set(0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Capacity, SkillId, Timestamp};
    use crate::runtime::{TenantCounters, TenantId};

    fn group(channel: Channel, skill: u32, waiting: u32) -> GroupStats {
        GroupStats {
            channel,
            skills: vec![SkillRequirement::new(SkillId(skill), 2).expect("level")],
            waiting,
            oldest_waiting_since: Some(Timestamp(5)),
            agents_online: 1,
            agents_with_room: 0,
            weight: Capacity::default(),
        }
    }

    fn stats(groups: Vec<GroupStats>) -> TenantStats {
        TenantStats {
            tenant: TenantId::new("acme").expect("id"),
            shard: 0,
            engine: Default::default(),
            conversations: 0,
            next_deadline: None,
            last_record: 0,
            poisoned: false,
            runtime: TenantCounters::default(),
            groups,
        }
    }

    /// Groups that come and go between batches keep their gauges (found by
    /// channel and skills, not by a label built per batch); a reclaimed
    /// group's gauges read zero.
    #[test]
    fn group_gauges_follow_groups_that_come_and_go() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let mut m = metrics::with_local_recorder(&recorder, || TenantMetrics::new("acme"));
        let (a, b, c) = (
            group(Channel::Sms, 1, 3),
            group(Channel::WhatsApp, 2, 4),
            group(Channel::Sms, 3, 5),
        );
        metrics::with_local_recorder(&recorder, || {
            m.update(&stats(vec![a.clone(), b.clone()]));
            m.update(&stats(vec![b.clone(), c.clone()]));
            m.update(&stats(vec![group(Channel::WhatsApp, 2, 7), c.clone()]));
        });
        let text = handle.render();
        for line in [
            r#"switchboard_group_waiting{tenant="acme",group="sms/1:2"} 0"#,
            r#"switchboard_group_waiting{tenant="acme",group="whats_app/2:2"} 7"#,
            r#"switchboard_group_waiting{tenant="acme",group="sms/3:2"} 5"#,
            r#"switchboard_group_oldest_wait_since_ms{tenant="acme",group="sms/3:2"} 5"#,
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
        assert_eq!(m.groups.len(), 2, "the reclaimed group's gauges dropped");
    }
}

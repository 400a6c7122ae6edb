//! The workload rules' counters of a tenant, through the `metrics` facade
//! beside the others of `metrics.rs`:
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `switchboard_refusals_total` | counter | tenant, level | assignments refused by a full level: `agent_channel`, `agent_total`, `rate_limit`, `team`, `queue`, `tenant` (the order they are checked in) |
//! | `switchboard_wrap_ups_total` | counter | tenant | wrap-ups started |
//! | `switchboard_wrap_up_ms_total` | counter | tenant | time spent in ended wrap-ups, all agents, in milliseconds |
//! | `switchboard_no_answer_total` | counter | tenant, action | unanswered assignments: `requeued` (reassigned), `kept` (kept and warned after the last hop), `resolved` |
//! | `switchboard_pulls_total` | counter | tenant | conversations agents pulled |
//! | `switchboard_interruptions_total` | counter | tenant | interrupting assignments that took an agent above their cap |
//!
//! The rate-limited skips are the `rate_limit` level of the refusals.

use crate::engine::EngineStats;
use metrics::{counter, Counter};

/// A tenant's workload counters, registered once when it opens.
#[derive(Debug)]
pub(crate) struct WorkloadMetrics {
    agent_channel: Counter,
    agent_total: Counter,
    rate_limit: Counter,
    team: Counter,
    tenant: Counter,
    queue: Counter,
    wrap_ups: Counter,
    wrap_up_ms: Counter,
    requeued: Counter,
    kept: Counter,
    resolved: Counter,
    pulls: Counter,
    interruptions: Counter,
}

impl WorkloadMetrics {
    pub(crate) fn new(tenant: &str) -> Self {
        let t = || tenant.to_owned();
        let refusals = |level: &'static str| counter!("switchboard_refusals_total", "tenant" => t(), "level" => level);
        let no_answer = |action: &'static str| counter!("switchboard_no_answer_total", "tenant" => t(), "action" => action);
        Self {
            agent_channel: refusals("agent_channel"),
            agent_total: refusals("agent_total"),
            rate_limit: refusals("rate_limit"),
            team: refusals("team"),
            tenant: refusals("tenant"),
            queue: refusals("queue"),
            wrap_ups: counter!("switchboard_wrap_ups_total", "tenant" => t()),
            wrap_up_ms: counter!("switchboard_wrap_up_ms_total", "tenant" => t()),
            requeued: no_answer("requeued"),
            kept: no_answer("kept"),
            resolved: no_answer("resolved"),
            pulls: counter!("switchboard_pulls_total", "tenant" => t()),
            interruptions: counter!("switchboard_interruptions_total", "tenant" => t()),
        }
    }

    /// Publishes the engine's workload counters (absolute values).
    pub(crate) fn update(&self, s: &EngineStats) {
        let r = &s.refusals;
        self.agent_channel.absolute(r.agent_channel);
        self.agent_total.absolute(r.agent_total);
        self.rate_limit.absolute(r.rate_limit);
        self.team.absolute(r.team);
        self.tenant.absolute(r.tenant);
        self.queue.absolute(r.queue);
        self.wrap_ups.absolute(s.wrap_ups);
        self.wrap_up_ms.absolute(s.wrap_up_ms);
        self.requeued.absolute(s.no_answer_requeues);
        self.kept.absolute(s.no_answer_kept);
        self.resolved.absolute(s.no_answer_resolved);
        self.pulls.absolute(s.pulls);
        self.interruptions.absolute(s.interruptions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Refusals;

    /// Every counter reaches the exporter under its name and labels.
    #[test]
    fn workload_counters_are_exported_by_level_and_action() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let m = metrics::with_local_recorder(&recorder, || WorkloadMetrics::new("acme"));
        let stats = EngineStats {
            refusals: Refusals {
                agent_channel: 1,
                agent_total: 2,
                team: 3,
                tenant: 4,
                rate_limit: 5,
                queue: 13,
            },
            wrap_ups: 6,
            wrap_up_ms: 7_000,
            no_answer_requeues: 8,
            no_answer_kept: 9,
            no_answer_resolved: 10,
            pulls: 11,
            interruptions: 12,
            ..EngineStats::default()
        };
        m.update(&stats);
        let text = handle.render();
        for line in [
            r#"switchboard_refusals_total{tenant="acme",level="agent_channel"} 1"#,
            r#"switchboard_refusals_total{tenant="acme",level="agent_total"} 2"#,
            r#"switchboard_refusals_total{tenant="acme",level="team"} 3"#,
            r#"switchboard_refusals_total{tenant="acme",level="tenant"} 4"#,
            r#"switchboard_refusals_total{tenant="acme",level="rate_limit"} 5"#,
            r#"switchboard_wrap_ups_total{tenant="acme"} 6"#,
            r#"switchboard_wrap_up_ms_total{tenant="acme"} 7000"#,
            r#"switchboard_no_answer_total{tenant="acme",action="requeued"} 8"#,
            r#"switchboard_no_answer_total{tenant="acme",action="kept"} 9"#,
            r#"switchboard_no_answer_total{tenant="acme",action="resolved"} 10"#,
            r#"switchboard_pulls_total{tenant="acme"} 11"#,
            r#"switchboard_interruptions_total{tenant="acme"} 12"#,
            r#"switchboard_refusals_total{tenant="acme",level="queue"} 13"#,
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }
}

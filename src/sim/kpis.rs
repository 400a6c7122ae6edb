//! The scalar KPIs of a report, by name: what replications average, sweeps
//! plot and comparisons test. Times in minutes, shares in `0..1`.

use super::report::Report;

impl Report {
    /// Every scalar KPI as `(name, value)`, always in the same order.
    pub fn kpis(&self) -> Vec<(&'static str, f64)> {
        let min = |s: f64| s / 60.0;
        vec![
            ("first_response_p50_min", min(self.first_response.p50)),
            ("first_response_p90_min", min(self.first_response.p90)),
            ("within_target", self.service_level.within_target),
            ("abandonment", self.abandonment_rate),
            (
                "resolutions_per_agent_hour",
                self.resolutions_per_agent_hour,
            ),
            ("resolution_p50_min", min(self.resolution_time.p50)),
            ("mean_utilisation", self.concurrency.mean_utilisation),
            ("mean_load", self.concurrency.mean_load),
            ("sticky_hit_rate", self.stickiness.hit_rate),
            ("longest_wait_min", min(self.longest_wait_secs)),
            ("jain_index", self.fairness.jain_index),
            ("requeues", self.requeues as f64),
            ("solved", self.volumes.solved as f64),
            ("p_wait", self.queueing.p_wait),
            ("mean_wait_secs", self.queueing.mean_wait_secs),
        ]
    }

    /// Names of [`kpis`](Self::kpis), in order.
    pub fn kpi_names() -> Vec<&'static str> {
        Report::default()
            .kpis()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }
}

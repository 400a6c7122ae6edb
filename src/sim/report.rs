//! The report: the KPIs contact-centre leaders read, computed from the
//! engine's decisions only (see [`metrics`](super::metrics)), as a text table
//! and as serde JSON.

use super::intervals::IntervalFigures;
use super::queueing::{Formulas, Queueing};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Percentiles of a duration, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Number of samples.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest sample.
    pub max: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of `samples` (milliseconds), in seconds.
    /// Reorders `samples`: each rank is found by selection (`O(n)` each),
    /// not by sorting them all (a day's every wait: about 2% of an M/M/10
    /// run's instructions went to the sort). The figures are the sorted
    /// order's, exactly.
    pub fn of_ms(samples: &mut [u64]) -> Percentiles {
        let n = samples.len();
        let Some(&max) = samples.iter().max() else {
            return Percentiles::default();
        };
        let rank = |q: f64| ((q * n as f64).ceil() as usize).clamp(1, n);
        // Ascending ranks: each selection leaves everything at or above
        // its rank to its right, so the next one searches only there.
        let mut from = 0;
        let mut at = |q: f64| -> f64 {
            let r = rank(q) - 1;
            let (_, &mut v, _) = samples[from..].select_nth_unstable(r - from);
            from = r;
            v as f64 / 1_000.0
        };
        let (p50, p90, p99) = (at(0.5), at(0.9), at(0.99));
        Percentiles {
            count: n as u64,
            p50,
            p90,
            p99,
            max: max as f64 / 1_000.0,
        }
    }
}

/// Conversation counts by how they ended (or did not).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Volumes {
    /// Conversations opened.
    pub opened: u64,
    /// Opened by customers who had written before.
    pub returning: u64,
    /// Resolved by the bot alone.
    pub bot_contained: u64,
    /// Escalated from the bot to humans.
    pub escalated: u64,
    /// Conversations that reached the human tier.
    pub to_humans: u64,
    /// Resolved as solved by an agent.
    pub solved: u64,
    /// Customers who left before a first human reply.
    pub abandoned: u64,
    /// Threads closed by the housekeeping rule (customer never came back).
    pub expired: u64,
    /// Still open when the simulation ended.
    pub open_at_end: u64,
    /// Customer messages (first messages included).
    pub customer_messages: u64,
    /// Agent replies.
    pub agent_messages: u64,
}

/// Service-level figures for the first-response target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceLevel {
    /// The target, in seconds.
    pub target_secs: f64,
    /// Share of first responses within the target (0..1).
    pub within_target: f64,
    /// Warnings raised.
    pub warnings: u64,
    /// Breaches (target missed).
    pub breaches: u64,
    /// Breaches that had a warning strictly before them.
    pub breaches_warned_before: u64,
    /// Breaches without any warning first (should be zero).
    pub breaches_without_warning: u64,
}

/// Concurrency used against the cap, over logged-in time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Concurrency {
    /// Mean load in conversation units, time-weighted.
    pub mean_load: f64,
    /// Mean load divided by cap, time-weighted (0..1).
    pub mean_utilisation: f64,
    /// Highest load any agent reached, in units.
    pub peak_load: f64,
    /// Highest load / cap any agent reached (never above 1).
    pub peak_utilisation: f64,
    /// Mean cap of the agents, in units.
    pub mean_cap: f64,
}

/// Stickiness of returning customers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stickiness {
    /// Returning conversations that reached their last agent.
    pub hits: u64,
    /// Returning conversations that did not.
    pub misses: u64,
    /// hits / (hits + misses), or 0 when there were none.
    pub hit_rate: f64,
}

/// Spread of work among agents who could take the same work (agents of the
/// same group), averaged over groups weighted by their size. Lower is fairer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fairness {
    /// Coefficient of variation of time-averaged utilisation (load / cap).
    pub utilisation_cv: f64,
    /// Coefficient of variation of assignments per logged-in hour.
    pub assignments_cv: f64,
    /// Jain's index of assignments per logged-in hour (1 = perfectly even).
    pub jain_index: f64,
}

/// One time bucket of the day, for plots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Bucket start, in hours since the start of the simulation.
    pub hour: f64,
    /// Mean number of conversations waiting for a human (queued or held for
    /// an agent) over the bucket.
    pub waiting_mean: f64,
    /// Most conversations waiting at once in the bucket.
    pub waiting_max: u64,
    /// Median first-response time of replies given in the bucket, seconds.
    pub first_response_p50: Option<f64>,
    /// 90th percentile of the same, seconds.
    pub first_response_p90: Option<f64>,
    /// Agents logged in at the bucket's start.
    pub agents_logged_in: u64,
}

/// The KPIs of one simulated run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// The policy that routed.
    pub policy: String,
    /// The seed.
    pub seed: u64,
    /// Simulated hours.
    pub hours: f64,
    /// Agents in the roster.
    pub agents: u64,
    /// Commands applied to the engine (ticks included).
    pub engine_commands: u64,
    /// Conversation counts.
    pub volumes: Volumes,
    /// First-response time.
    pub first_response: Percentiles,
    /// Service level and alerting.
    pub service_level: ServiceLevel,
    /// Time from opening to resolution of solved conversations.
    pub resolution_time: Percentiles,
    /// Solved conversations per logged-in agent-hour, whole team.
    pub resolutions_per_agent_hour: f64,
    /// Median over agents of their own resolutions per logged-in hour.
    pub resolutions_per_agent_hour_median: f64,
    /// Logged-in agent-hours.
    pub agent_hours: f64,
    /// Concurrency against the cap.
    pub concurrency: Concurrency,
    /// Sticky routing of returning customers.
    pub stickiness: Stickiness,
    /// Abandoned / conversations that reached humans.
    pub abandonment_rate: f64,
    /// Longest time any conversation waited for a first human reply
    /// (answered, abandoned or still waiting at the end), seconds.
    pub longest_wait_secs: f64,
    /// Spread of load among eligible agents.
    pub fairness: Fairness,
    /// Threads requeued (agent log-offs and the like).
    pub requeues: u64,
    /// The day in 15-minute buckets.
    pub timeline: Vec<Bucket>,
    /// Waiting figures as queueing theory defines them (after the warm-up
    /// of a classical scenario).
    #[serde(default)]
    pub queueing: Queueing,
    /// Erlang C and Erlang A beside the simulation, for a classical
    /// scenario with a constant rate and staffing.
    #[serde(default)]
    pub formulas: Option<Formulas>,
    /// Service level and occupancy per staffing interval (scenarios with
    /// `staffing`; empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<IntervalFigures>,
    /// What the routing plan and the workload rules did (steps entered,
    /// wrap-up time, reassignments, rate limits, pulls); absent when no
    /// rule acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<super::rules_figures::RuleFigures>,
}

impl Report {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialisation cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The KPI rows of the text table: (label, value) pairs.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let min = |s: f64| format!("{:.1} min", s / 60.0);
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        let fr = &self.first_response;
        let sl = &self.service_level;
        let v = &self.volumes;
        let c = &self.concurrency;
        let mut rows = vec![
            (
                "conversations opened",
                format!("{} ({} returning)", v.opened, v.returning),
            ),
            (
                "bot contained / escalated",
                format!("{} / {}", v.bot_contained, v.escalated),
            ),
            ("reached humans", v.to_humans.to_string()),
            (
                "solved / expired / open at end",
                format!("{} / {} / {}", v.solved, v.expired, v.open_at_end),
            ),
            (
                "messages customer / agent",
                format!("{} / {}", v.customer_messages, v.agent_messages),
            ),
            ("first response p50", min(fr.p50)),
            ("first response p90", min(fr.p90)),
            ("first response p99", min(fr.p99)),
            (
                "answered within target",
                format!("{} (target {})", pct(sl.within_target), min(sl.target_secs)),
            ),
            (
                "SLA warnings / breaches",
                format!("{} / {}", sl.warnings, sl.breaches),
            ),
            (
                "breaches warned before",
                sl.breaches_warned_before.to_string(),
            ),
            (
                "breaches without warning",
                sl.breaches_without_warning.to_string(),
            ),
            (
                "time to resolution p50 / p90",
                format!(
                    "{} / {}",
                    min(self.resolution_time.p50),
                    min(self.resolution_time.p90)
                ),
            ),
            (
                "resolutions per agent-hour",
                format!(
                    "{:.2} (agent median {:.2})",
                    self.resolutions_per_agent_hour, self.resolutions_per_agent_hour_median
                ),
            ),
            (
                "concurrency mean / cap",
                format!(
                    "{:.2} / {:.2} ({} used)",
                    c.mean_load,
                    c.mean_cap,
                    pct(c.mean_utilisation)
                ),
            ),
            (
                "concurrency peak",
                format!("{:.2} ({} of cap)", c.peak_load, pct(c.peak_utilisation)),
            ),
            (
                "sticky hit rate",
                format!(
                    "{} ({} of {})",
                    pct(self.stickiness.hit_rate),
                    self.stickiness.hits,
                    self.stickiness.hits + self.stickiness.misses
                ),
            ),
            (
                "abandonment",
                format!("{} ({})", pct(self.abandonment_rate), v.abandoned),
            ),
            ("longest wait", min(self.longest_wait_secs)),
            (
                "load spread (CV util / assign)",
                format!(
                    "{:.3} / {:.3}",
                    self.fairness.utilisation_cv, self.fairness.assignments_cv
                ),
            ),
            (
                "fairness (Jain)",
                format!("{:.3}", self.fairness.jain_index),
            ),
            ("requeues", self.requeues.to_string()),
        ];
        if let Some(w) = &self.rules {
            rows.extend(w.rows());
        }
        rows
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} -- policy {}, seed {}, {:.0} h, {} agents, {:.0} agent-hours",
            self.scenario, self.policy, self.seed, self.hours, self.agents, self.agent_hours
        )?;
        for (label, value) in self.rows() {
            writeln!(f, "  {label:<32} {value}")?;
        }
        if let Some(fm) = &self.formulas {
            super::queueing::write_formulas(f, &self.queueing, fm)?;
        }
        Ok(())
    }
}

/// Several reports of the same day, one per policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// One report per policy, in the order run.
    pub reports: Vec<Report>,
}

impl Comparison {
    /// The comparison as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.reports.first() else {
            return writeln!(f, "(no policies)");
        };
        writeln!(
            f,
            "{} -- seed {}, same day under each policy",
            first.scenario, first.seed
        )?;
        let width = 20;
        write!(f, "  {:<32}", "")?;
        for r in &self.reports {
            write!(f, " {:>width$}", r.policy)?;
        }
        writeln!(f)?;
        let rows: Vec<Vec<(&str, String)>> = self.reports.iter().map(Report::rows).collect();
        for (i, (label, _)) in first.rows().iter().enumerate() {
            write!(f, "  {label:<32}")?;
            for r in &rows {
                let cell = r.get(i).map_or("", |(_, v)| v.as_str());
                // Keep columns aligned: drop the parenthesised detail.
                let short = cell.split(" (").next().unwrap_or(cell);
                write!(f, " {short:>width$}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

//! Turning the collected counts into a [`Report`]: percentiles, rates,
//! concurrency, stickiness, fairness among alike agents, the timeline.

use super::metrics::{Agent, Collector, BUCKET_MS};
use super::report::*;
use crate::model::{Capacity, Timestamp};

impl Collector {
    /// Closes the books at `end` and computes the report.
    pub fn finish(mut self, end: Timestamp, mut report: Report) -> Report {
        self.advance_waiting(end.0);
        for i in 0..self.agents.len() {
            self.agent_change(end.0, i as u64, None, None, None);
        }
        for c in &self.convs {
            if let (Some(s), false, false) = (c.human_since(), c.responded, c.resolved) {
                self.longest_wait = self.longest_wait.max(end.0.saturating_sub(s));
                self.queue.unanswered(s, end.0.saturating_sub(s), false);
                self.intervals.outcome(s, None);
            }
        }
        let v = &mut self.volumes;
        v.open_at_end = self.convs.iter().filter(|c| !c.resolved).count() as u64;
        report.volumes = *v;
        report.engine_commands = self.commands;
        report.agents = self.agents.len() as u64;
        report.hours = end.0 as f64 / 3_600_000.0;
        self.sl.within_target = ratio(self.within, self.frt.len() as u64);
        report.service_level = self.sl;
        report.first_response = Percentiles::of_ms(&mut self.frt);
        report.resolution_time = Percentiles::of_ms(&mut self.resolution);
        let online_ms: u64 = self.agents.iter().map(|a| a.online_ms).sum();
        let hours = online_ms as f64 / 3_600_000.0;
        report.agent_hours = hours;
        report.resolutions_per_agent_hour = if hours > 0.0 {
            v.solved as f64 / hours
        } else {
            0.0
        };
        let mut per_agent: Vec<f64> = self
            .agents
            .iter()
            .filter(|a| a.online_ms >= 3_600_000)
            .map(|a| a.solved as f64 / (a.online_ms as f64 / 3_600_000.0))
            .collect();
        per_agent.sort_by(f64::total_cmp);
        report.resolutions_per_agent_hour_median =
            per_agent.get(per_agent.len() / 2).copied().unwrap_or(0.0);
        let load_ms: f64 = self.agents.iter().map(|a| a.load_ms).sum();
        let util_ms: f64 = self.agents.iter().map(|a| a.util_ms).sum();
        let unit = f64::from(Capacity::UNIT);
        report.concurrency = Concurrency {
            mean_load: if online_ms > 0 {
                load_ms / online_ms as f64 / unit
            } else {
                0.0
            },
            mean_utilisation: if online_ms > 0 {
                util_ms / online_ms as f64
            } else {
                0.0
            },
            peak_load: f64::from(self.agents.iter().map(|a| a.peak_load).max().unwrap_or(0)) / unit,
            peak_utilisation: self.agents.iter().map(|a| a.peak_util).fold(0.0, f64::max),
            mean_cap: self.agents.iter().map(|a| f64::from(a.cap)).sum::<f64>()
                / (self.agents.len().max(1) as f64 * unit),
        };
        let hits = self.convs.iter().filter(|c| c.sticky == 1).count() as u64;
        let misses = self.convs.iter().filter(|c| c.sticky == 2).count() as u64;
        report.stickiness = Stickiness {
            hits,
            misses,
            hit_rate: ratio(hits, hits + misses),
        };
        report.abandonment_rate = ratio(v.abandoned, v.to_humans);
        report.longest_wait_secs = self.longest_wait as f64 / 1_000.0;
        report.requeues = self.requeues;
        report.rules = std::mem::take(&mut self.rules).finish(end.0, report.agent_hours);
        report.queueing = self.queue.finish();
        report.intervals = self.intervals.finish();
        report.fairness = self.fairness();
        report.timeline = self.timeline(end.0);
        report
    }

    fn fairness(&self) -> Fairness {
        let mut f = Fairness::default();
        let mut weight = 0.0;
        for g in 0..self.groups {
            let members: Vec<&Agent> = self
                .agents
                .iter()
                .filter(|a| usize::from(a.group) == g && a.online_ms >= 3_600_000)
                .collect();
            if members.len() < 2 {
                continue;
            }
            let util: Vec<f64> = members
                .iter()
                .map(|a| a.util_ms / a.online_ms as f64)
                .collect();
            let rate: Vec<f64> = members
                .iter()
                .map(|a| a.assignments as f64 / (a.online_ms as f64 / 3_600_000.0))
                .collect();
            let w = members.len() as f64;
            f.utilisation_cv += cv(&util) * w;
            f.assignments_cv += cv(&rate) * w;
            f.jain_index += jain(&rate) * w;
            weight += w;
        }
        if weight > 0.0 {
            f.utilisation_cv /= weight;
            f.assignments_cv /= weight;
            f.jain_index /= weight;
        }
        f
    }

    fn timeline(&mut self, end: u64) -> Vec<Bucket> {
        let n = self.buckets.len();
        (0..n)
            .map(|i| {
                let (integral, max, ref mut frt, _) = self.buckets[i];
                let start = i as u64 * BUCKET_MS;
                let len = (end.min(start + BUCKET_MS)).saturating_sub(start).max(1);
                let p = (!frt.is_empty()).then(|| Percentiles::of_ms(frt));
                Bucket {
                    hour: start as f64 / 3_600_000.0,
                    waiting_mean: integral / len as f64,
                    waiting_max: max,
                    first_response_p50: p.map(|p| p.p50),
                    first_response_p90: p.map(|p| p.p90),
                    agents_logged_in: self.buckets[i].3,
                }
            })
            .collect()
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn cv(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return 0.0;
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

fn jain(xs: &[f64]) -> f64 {
    let sum: f64 = xs.iter().sum();
    let sq: f64 = xs.iter().map(|x| x * x).sum();
    if sq <= 0.0 {
        1.0
    } else {
        sum * sum / (xs.len() as f64 * sq)
    }
}

//! Replications: the same scenario under one policy over several seeds (a
//! seed is a day), each KPI reported as a mean with its 95% confidence
//! interval. Replications run in parallel (rayon); each owns its engine,
//! its workload and its random streams, and the results are collected in
//! seed order, so the output is identical whatever the thread count.

use super::error::SimError;
use super::report::Report;
use super::scenario::Scenario;
use super::simulation::Simulation;
use super::stats::Estimate;
use crate::policy::PolicyFactory;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Called after each finished replication with (finished, total).
pub type ProgressFn<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// One KPI over the replications.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    /// The KPI's name (see [`Report::kpis`]).
    pub name: String,
    /// Mean and 95% interval.
    pub estimate: Estimate,
    /// The value of each replication, in seed order.
    pub values: Vec<f64>,
}

/// A scenario under one policy over several seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Replicated {
    /// The scenario's name.
    pub scenario: String,
    /// The policy's name.
    pub policy: String,
    /// The seeds, in order.
    pub seeds: Vec<u64>,
    /// Each KPI with its interval.
    pub kpis: Vec<Kpi>,
    /// The full report of each seed (omitted from JSON to keep it short).
    #[serde(skip)]
    pub reports: Vec<Report>,
}

impl Replicated {
    /// The KPI named `name`.
    pub fn kpi(&self, name: &str) -> Option<&Kpi> {
        self.kpis.iter().find(|k| k.name == name)
    }

    /// Collects the KPIs of `reports` (one per seed, in seed order).
    pub fn of(reports: Vec<Report>, seeds: Vec<u64>) -> Replicated {
        let first = reports.first().cloned().unwrap_or_default();
        let names: Vec<&'static str> = first.kpis().iter().map(|(n, _)| *n).collect();
        let kpis = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let values: Vec<f64> = reports.iter().map(|r| r.kpis()[i].1).collect();
                Kpi {
                    name: (*name).to_string(),
                    estimate: Estimate::of(&values),
                    values,
                }
            })
            .collect();
        Replicated {
            scenario: first.scenario,
            policy: first.policy,
            seeds,
            kpis,
            reports,
        }
    }

    /// The result as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl std::fmt::Display for Replicated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} -- policy {}, {} seeds ({}..={}), mean and 95% confidence interval",
            self.scenario,
            self.policy,
            self.seeds.len(),
            self.seeds.first().unwrap_or(&0),
            self.seeds.last().unwrap_or(&0)
        )?;
        for k in &self.kpis {
            writeln!(f, "  {:<34} {}", k.name, interval(&k.estimate))?;
        }
        Ok(())
    }
}

/// `mean ± half-width`, compactly.
pub(crate) fn interval(e: &Estimate) -> String {
    if e.half_width.is_finite() {
        format!("{:.4} ± {:.4}", e.mean, e.half_width)
    } else {
        format!("{:.4}", e.mean)
    }
}

/// Runs a scenario over several seeds, in parallel.
#[derive(Clone, Debug)]
pub struct Replications {
    scenario: Scenario,
    seeds: Vec<u64>,
    threads: usize,
    tick_ms: Option<u64>,
}

impl Replications {
    /// `count` replications of `scenario`, seeds `1..=count`.
    pub fn new(scenario: Scenario, count: u64) -> Self {
        Replications {
            scenario,
            seeds: (1..=count).collect(),
            threads: 0,
            tick_ms: None,
        }
    }

    /// Uses these seeds instead (in this order).
    pub fn with_seeds(mut self, seeds: Vec<u64>) -> Self {
        self.seeds = seeds;
        self
    }

    /// Runs on `threads` threads (0, the default: one per core). The
    /// results do not depend on it.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Tick granularity of every run (see
    /// [`Simulation::with_tick_granularity`]).
    pub fn with_tick_granularity(mut self, ms: u64) -> Self {
        self.tick_ms = Some(ms);
        self
    }

    /// The seeds.
    pub fn seeds(&self) -> &[u64] {
        &self.seeds
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs every seed under a fresh policy from `policy` (policies may
    /// keep state, so each replication gets its own).
    pub fn run(&self, policy: &PolicyFactory) -> Result<Replicated, SimError> {
        self.run_with_progress(policy, &|_, _| {})
    }

    /// As [`run`](Self::run), calling `progress` after each replication.
    pub fn run_with_progress(
        &self,
        policy: &PolicyFactory,
        progress: ProgressFn<'_>,
    ) -> Result<Replicated, SimError> {
        self.scenario.validate()?;
        let reports = self.run_reports(policy, progress)?;
        Ok(Replicated::of(reports, self.seeds.clone()))
    }

    /// The report of every seed of `scenario` (instead of this one's), with
    /// these seeds and threads, in seed order.
    pub(crate) fn run_for(
        &self,
        scenario: Scenario,
        policy: &PolicyFactory,
    ) -> Result<Vec<Report>, SimError> {
        let mut r = self.clone();
        r.scenario = scenario;
        r.run_reports(policy, &|_, _| {})
    }

    /// The report of every seed, in seed order.
    pub(crate) fn run_reports(
        &self,
        policy: &PolicyFactory,
        progress: ProgressFn<'_>,
    ) -> Result<Vec<Report>, SimError> {
        let done = AtomicUsize::new(0);
        let total = self.seeds.len();
        let one = |seed: &u64| -> Result<Report, SimError> {
            let mut sim = Simulation::new(self.scenario.clone(), *seed);
            if let Some(ms) = self.tick_ms {
                sim = sim.with_tick_granularity(ms);
            }
            let outcome = sim.run(policy.build())?;
            // ORDERING: a progress count only; no data is published by it.
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(n, total);
            Ok(outcome.report)
        };
        let run = || {
            self.seeds
                .par_iter()
                .map(one)
                .collect::<Result<Vec<_>, _>>()
        };
        if self.threads == 0 {
            run()
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(self.threads)
                .build()
                .map_err(|e| SimError::Threads(e.to_string()))?;
            pool.install(run)
        }
    }
}

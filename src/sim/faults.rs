//! Fault injection: the simulated world delivered through a flaky host.
//! Between the workload and the engine, a seeded layer duplicates commands,
//! delivers some late (with an older timestamp than the engine has seen),
//! drops agents mid-conversation (offline, then straight back online), and
//! jumps the clock forward (a tick far ahead of the simulated time). The
//! engine must refuse what no longer applies with a typed error and keep
//! every invariant: with faults on, the audit runs after every command and
//! each violation is counted (the count must be zero).

use super::rng::SimRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How often each fault happens, per command delivered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Share of commands delivered twice.
    pub duplicate: f64,
    /// Share of commands delivered late: stamped up to `late_max_ms` before
    /// the simulated time, after later commands were applied.
    pub late: f64,
    /// Largest lateness, in milliseconds.
    pub late_max_ms: u64,
    /// Share of commands after which an agent drops (offline, then online).
    pub agent_drop: f64,
    /// Share of commands after which the clock jumps: a tick up to
    /// `jump_max_ms` ahead of the simulated time.
    pub clock_jump: f64,
    /// Largest forward jump, in milliseconds.
    pub jump_max_ms: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            duplicate: 0.02,
            late: 0.02,
            late_max_ms: 5 * 60_000,
            agent_drop: 0.002,
            clock_jump: 0.001,
            jump_max_ms: 30 * 60_000,
        }
    }
}

/// What a faulty run injected, what the engine refused, and what broke.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultReport {
    /// Faults injected, by kind (`duplicate`, `late`, `agent_drop`,
    /// `clock_jump`).
    pub injected: BTreeMap<String, u64>,
    /// Commands the engine refused with a typed error, by the refused
    /// command (duplicates and stale replies are expected here).
    pub refused: BTreeMap<String, u64>,
    /// Audits run (one after every command delivered).
    pub audits: u64,
    /// Audits that failed: invariant violations. Must be zero.
    pub violations: u64,
    /// The first violation, if any.
    pub first_violation: Option<String>,
}

impl std::fmt::Display for FaultReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total: u64 = self.injected.values().sum();
        writeln!(f, "faults injected                  {total}")?;
        for (kind, n) in &self.injected {
            writeln!(f, "  {kind:<31}{n}")?;
        }
        let refused: u64 = self.refused.values().sum();
        writeln!(f, "commands refused (typed errors)  {refused}")?;
        for (command, n) in &self.refused {
            writeln!(f, "  {command:<31}{n}")?;
        }
        writeln!(f, "audits                           {}", self.audits)?;
        write!(f, "invariant violations             {}", self.violations)?;
        if let Some(v) = &self.first_violation {
            write!(f, " (first: {v})")?;
        }
        Ok(())
    }
}

/// The fault layer's state during a run.
pub(super) struct Faults {
    pub(super) config: FaultConfig,
    pub(super) rng: SimRng,
    pub(super) report: FaultReport,
}

impl Faults {
    pub(super) fn new(config: FaultConfig, seed: u64) -> Self {
        Self {
            config,
            // Its own stream: the day itself stays the day of this seed.
            rng: SimRng::new(seed ^ 0xFA17_FA17_FA17_FA17),
            report: FaultReport::default(),
        }
    }

    pub(super) fn injected(&mut self, kind: &str) {
        *self.report.injected.entry(kind.to_owned()).or_default() += 1;
    }

    pub(super) fn refused(&mut self, command: &str) {
        *self.report.refused.entry(command.to_owned()).or_default() += 1;
    }
}

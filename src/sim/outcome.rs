//! What a simulation reports while it runs ([`Progress`]) and when it ends
//! ([`SimOutcome`]). Its own file so that the event loop (`runner.rs`) and
//! the entry point (`simulation.rs`) both depend on it, not on each other.

use super::faults::FaultReport;
use super::report::Report;
use crate::engine::EngineStats;

/// How far a run has got, for progress bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Simulated time reached, ms.
    pub at_ms: u64,
    /// Simulated time at which the run ends, ms.
    pub horizon_ms: u64,
    /// Events processed so far.
    pub events: u64,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct SimOutcome {
    /// The KPIs.
    pub report: Report,
    /// The engine's own counters at the end.
    pub engine_stats: EngineStats,
    /// Simulator events processed (arrivals, messages, roster changes...).
    pub events: u64,
    /// What the fault layer injected and found, when faults were on.
    pub faults: Option<FaultReport>,
}

//! The simulator's public entry point: [`Simulation`] (a scenario, a seed
//! and options) and what a run returns.

use super::error::SimError;
use super::faults::FaultConfig;
use super::outcome::{Progress, SimOutcome};
use super::runner::{Run, RunOptions};
use super::scenario::Scenario;
use super::trace::TraceWriter;
use super::workload::Workload;
use crate::engine::Engine;
use crate::policy::IntoPolicy;
use std::io::Write;

/// The default tick grid of a classical scenario, ms: alerts up to a
/// minute late, still in order (the default warning comes two minutes
/// before the breach).
pub const CLASSICAL_TICK_MS: u64 = 60_000;

/// One simulation: a scenario, a seed and options. See [`Simulation::run`].
pub struct Simulation {
    scenario: Scenario,
    seed: u64,
    trace: Option<TraceWriter>,
    progress: Option<Box<dyn FnMut(Progress)>>,
    audit_every: u64,
    tick_ms: Option<u64>,
    faults: Option<FaultConfig>,
    workload: Option<Workload>,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("scenario", &self.scenario.name)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Simulation {
    /// A simulation of `scenario` with `seed`. Same scenario, same seed:
    /// the same day, the same report, the same trace, byte for byte.
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        Self {
            scenario,
            seed,
            trace: None,
            progress: None,
            audit_every: 0,
            faults: None,
            tick_ms: None,
            workload: None,
        }
    }

    /// Applies ticks on a grid of `ms` milliseconds instead of at each
    /// deadline: a deadline at `d` is ticked at the first multiple of `ms`
    /// at or after `d`, so timers that come due within one grid step share
    /// one tick. Alerts are then up to `ms` late (keep it well under the gap
    /// between the SLA warning and the breach). 0, the default, ticks at
    /// every deadline exactly. A speed knob for very large days: most
    /// deadlines the engine reports belong to timers that a later message
    /// has already made void.
    ///
    /// Unset, a messaging day ticks at every deadline and a classical
    /// scenario on a [`CLASSICAL_TICK_MS`] grid (its figures do not depend
    /// on alerts, and the grid halves the engine commands).
    pub fn with_tick_granularity(mut self, ms: u64) -> Self {
        self.tick_ms = Some(ms);
        self
    }

    /// Writes a JSON Lines trace (see [`trace`](super::trace)) to `out`.
    /// Wrap files in a `BufWriter`.
    pub fn with_trace(mut self, out: Box<dyn Write + Send>) -> Self {
        self.trace = Some(TraceWriter::new(out));
        self
    }

    /// Calls `f` every few thousand events with the run's progress.
    pub fn with_progress(mut self, f: impl FnMut(Progress) + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Runs the engine's [`audit`](Engine::audit) after every `every`
    /// events and after every tick (0, the default: never). Slow; for tests.
    pub fn with_audit(mut self, every: u64) -> Self {
        self.audit_every = every;
        self
    }

    /// Injects faults between the simulated world and the engine (see
    /// [`FaultConfig`]): duplicated, late and out-of-order commands, agents
    /// dropping mid-conversation, clock jumps, from a stream seeded by the
    /// run's seed. Refused commands are counted instead of ending the run,
    /// and the audit runs after every command; the outcome's `faults` says
    /// what was injected and how many invariants broke (must be zero).
    pub fn with_faults(mut self, config: FaultConfig) -> Self {
        self.faults = Some(config);
        self
    }

    /// Replays `workload` (say, a day imported from CSV with
    /// [`import_day`](super::import_day)) instead of generating the
    /// scenario's day; the scenario still gives the engine's rules, reply
    /// times and whatever the workload does not record.
    pub fn with_workload(mut self, workload: Workload) -> Self {
        self.workload = Some(workload);
        self
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs the day under `policy` (a policy value, a
    /// [`BuiltinPolicy`](crate::policy::BuiltinPolicy), or a
    /// `Box<dyn RoutingPolicy>`). The scenario is validated first; the
    /// report's `policy` is the policy's name.
    pub fn run(self, policy: impl IntoPolicy) -> Result<SimOutcome, SimError> {
        let policy = policy.into_policy();
        self.scenario.validate()?;
        let workload = match self.workload {
            Some(w) => w,
            None => Workload::generate(&self.scenario, self.seed),
        };
        // Simulated customers open each conversation as an independent
        // thread (a returning customer may write on a channel where an
        // older thread is still open), so the engine here accepts any
        // number of open conversations per customer.
        let mut config = self.scenario.engine.clone();
        config.open_conversations = crate::engine::OpenConversations::Unlimited;
        if self.scenario.classical.is_some() {
            // A one-turn service never goes quiet: parking it would free
            // the agent's capacity in the middle of the service.
            config.auto_park_after = None;
        }
        let engine = Engine::new(config, policy).map_err(super::error::ScenarioError::from)?;
        let opts = RunOptions {
            trace: self.trace,
            progress: self.progress,
            audit_every: self.audit_every,
            tick_ms: self
                .tick_ms
                .unwrap_or(if self.scenario.classical.is_some() {
                    CLASSICAL_TICK_MS
                } else {
                    0
                }),
            faults: self.faults,
        };
        let mut run = Run::new(&self.scenario, self.seed, engine, &workload, opts);
        run.start(&workload)?;
        run.main_loop(&workload)?;
        let mut outcome = run.finish()?;
        outcome.report.formulas = self.scenario.formulas();
        Ok(outcome)
    }
}

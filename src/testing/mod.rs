//! Property-test your own routing policy: proptest strategies, fairness
//! measures and one-line checks. **Requires the cargo feature `testing`**
//! (`switchboard = { version = "0.1", features = ["testing"] }`, usually in
//! `[dev-dependencies]`), so `proptest` is not a dependency of every
//! embedder.
//!
//! * [`strategies`]: agents (skills, levels, caps, statuses), customers,
//!   conversations and working-day command sequences with time jumps, as
//!   plain values ([`Scenario`]) that shrink to a few steps.
//! * [`run()`]: a scenario through a real [`Engine`](crate::Engine),
//!   recorded as a [`Trace`]: each command, its decisions, and what the
//!   public queries said before and after.
//! * [`fairness`]: measures of a trace: work conservation, order within a
//!   class, the starvation bound, longest waits, load spread and Jain's
//!   index, skill match, sticky hit rate.
//! * [`checks`]: `check_*` functions that search for a violation with a
//!   seeded proptest runner and return a [`CheckReport`], or the shrunk
//!   [`Counterexample`].
//!
//! Nothing here re-implements an engine rule: the engine routes, and these
//! modules compare what it did with what the public API showed at the time.
//!
//! ## Property-test your policy in ten lines
//!
//! ```
//! use switchboard::policy::{AgentView, QueueView, Rank, RoutingPolicy};
//! use switchboard::testing::{check_claimed, CheckConfig};
//!
//! #[derive(Debug, Clone)]
//! struct Mine;
//! impl RoutingPolicy for Mine {
//!     fn name(&self) -> &str { "mine" }
//!     fn rank(&self, agent: &AgentView<'_>, _: &QueueView<'_>) -> Rank {
//!         Rank::new([i64::from(agent.load_permille()), 0, 0])
//!     }
//! }
//!
//! for report in check_claimed(Mine, &CheckConfig::quick())? {
//!     println!("{report}");
//! }
//! # Ok::<(), switchboard::testing::CheckError>(())
//! ```

pub mod checks;
pub mod fairness;
mod measures;
mod run;
mod scenario;
pub mod strategies;
mod violation;

pub use checks::{
    check_balanced_load, check_claimed, check_class_order, check_skill_match,
    check_starvation_bound, check_work_conserving, Check, CheckConfig, CheckError, CheckReport,
    Counterexample,
};
pub use measures::Measures;
pub use run::{run, Observation, RunError, Trace, TraceEntry};
pub use scenario::{AgentPlan, Scenario, Step, SKILLS, STEP_GAP_MS};
pub use violation::Violation;

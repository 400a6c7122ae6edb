//! The simulator: a deterministic discrete-event model of a messaging
//! contact-centre day that drives the real [`Engine`](crate::Engine) through
//! its public API (it never re-implements a routing rule) and reports the
//! KPIs contact-centre leaders read.
//!
//! - [`Scenario`]: every parameter of the day, read from JSON and validated
//!   ([`ScenarioError`] names the field and the problem);
//! - [`Workload`]: the seeded day (arrivals over a daily curve, customers,
//!   agent rosters);
//! - [`Simulation`]: runs one policy over the day and returns a [`Report`]
//!   (and, on request, a JSON Lines trace, see [`trace`]);
//! - [`compare`]: the same day under several policies, side by side.
//!
//! For analysts:
//!
//! - [`Replications`]: one scenario over several seeds, in parallel, every
//!   KPI a mean with a 95% interval ([`stats`]); [`compare_replicated`]
//!   pairs policies by seed and says which differences are significant;
//! - [`Segment`] and [`Surge`]: customer segments with their own arrival
//!   curves and mixes, and windows that multiply their arrivals;
//! - [`Classical`]: Poisson arrivals per interval, one-turn service,
//!   optional patience, through the engine, with [`erlang`] C and A beside
//!   the simulated figures ([`Report::formulas`]);
//! - [`import_day`] / [`export_conversations`]: your own day from CSV
//!   ([`CsvError`] names file, line and column), replayed with
//!   [`Simulation::with_workload`];
//! - [`sweep`] / [`sweep_with`]: one parameter over a range;
//! - [`search_staffing`]: the fewest agents per interval, by simulation
//!   with common random numbers, beside Erlang C and A.
//!
//! ```
//! use switchboard::policy::{BuiltinPolicy, PolicyFactory};
//! use switchboard::sim::{Replications, Scenario};
//!
//! // M/M/5 at 70% load, 5,000 customers a day, 4 days in parallel.
//! let mut s = Scenario::classical_mmn(5, 0.7, 60.0, None, 2);
//! s.classical.as_mut().unwrap().customers = Some(5_000);
//! let erlang_c = s.formulas().and_then(|f| f.erlang_c).unwrap();
//! let factory = PolicyFactory::from(BuiltinPolicy::LeastLoaded);
//! let r = Replications::new(s, 4).run(&factory)?;
//! let p_wait = &r.kpi("p_wait").unwrap().estimate;
//! assert!((p_wait.mean - erlang_c.p_wait).abs() < 0.1);
//! println!("P(wait > 0) {:.3} ± {:.3}, Erlang C {:.3}", p_wait.mean, p_wait.half_width, erlang_c.p_wait);
//! # Ok::<(), switchboard::sim::SimError>(())
//! ```
//!
//! Same scenario and seed give a byte-identical report and trace.
//!
//! ```
//! use switchboard::policy::BuiltinPolicy;
//! use switchboard::sim::{Scenario, Simulation};
//!
//! let mut scenario = Scenario::default();
//! scenario.arrivals.conversations_per_day = 300.0; // a quiet day, for the example
//! let outcome = Simulation::new(scenario, 42).run(BuiltinPolicy::LeastLoaded)?;
//! let report = &outcome.report;
//! assert_eq!(report.service_level.breaches_without_warning, 0);
//! assert!(report.concurrency.peak_utilisation <= 1.0);
//! println!("{report}");
//! # Ok::<(), switchboard::sim::SimError>(())
//! ```
//!
//! To compare policies, your own beside the built-ins:
//!
//! ```no_run
//! use switchboard::policy::BuiltinPolicy;
//! use switchboard::sim::{compare, Scenario};
//!
//! let policies = BuiltinPolicy::ALL.map(BuiltinPolicy::build).into();
//! let comparison = compare(&Scenario::default(), 1, policies)?;
//! println!("{comparison}");
//! # Ok::<(), switchboard::sim::SimError>(())
//! ```

mod arrivals;
mod classical;
mod compare;
mod csv_error;
mod csv_export;
mod csv_import;
mod csv_table;
mod defaults;
mod distribution;
pub mod erlang;
mod error;
mod events;
mod faults;
mod host;
mod intervals;
mod kpis;
pub mod metrics;
mod outcome;
mod people;
mod people_classical;
#[cfg(feature = "plots")]
pub mod plot;
#[cfg(feature = "plots")]
pub mod plot_intervals;
mod queueing;
mod replicate;
pub mod report;
mod rng;
mod roster;
mod rules_figures;
mod runner;
mod scenario;
mod scenario_rules;
mod segments;
mod significance;
mod sim_attributes;
mod sim_rules;
mod simulation;
mod skill_hours;
mod staffing;
mod staffing_confidence;
mod staffing_table;
pub mod stats;
mod summary;
mod sweep;
pub mod timefmt;
pub mod trace;
mod validate;
mod variants;
mod wait_accuracy;
mod workload;

pub use classical::Classical;
pub use compare::compare;
pub use csv_error::CsvError;
pub use csv_export::{export_conversations, export_roster, EXPORT_EPOCH_MS};
pub use csv_import::{import_day, ImportedDay};
pub use distribution::Distribution;
pub use error::{ScenarioError, SimError};
pub use faults::{FaultConfig, FaultReport};
pub use intervals::IntervalFigures;
pub use outcome::{Progress, SimOutcome};
pub use queueing::{Formulas, Queueing};
pub use replicate::{Kpi, ProgressFn, Replicated, Replications};
pub use report::{Comparison, Report};
pub use rng::SimRng;
pub use roster::Staffing;
pub use rules_figures::RuleFigures;
pub use scenario::{
    AgentGroup, AgentSkill, Arrivals, Bot, ChannelShare, Conversations, CurvePoint, Customers,
    Language, Scenario, Topic,
};
pub use scenario_rules::{
    AgentRules, GroupRule, ScenarioPlan, TeamRule, Unanswered, MAX_SCENARIO_TEAMS,
};
pub use segments::{Segment, Surge};
pub use significance::{
    compare_replicated, compare_replicated_with_progress, KpiDifference, PolicyDifference,
    ReplicatedComparison,
};
pub use simulation::{Simulation, CLASSICAL_TICK_MS};
pub use staffing::{
    handle_secs, search_staffing, IntervalStaffing, StaffingPlan, StaffingTarget, MAX_SEEDS_BOUND,
};
pub use staffing_confidence::MIN_SEEDS_TO_MEET;
pub use sweep::{sweep, sweep_with, Parameter, Sweep, SweepFn, SweepPoint};
pub use variants::{compare_variants, compare_variants_replicated, Variant, MAX_VARIANTS};
pub use workload::{reply_ms, AgentPlan, Arrival, CustomerScript, NextMove, Recorded, Workload};

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
//! Same scenario and seed give a byte-identical report and trace.

mod compare;
mod defaults;
mod error;
mod events;
mod host;
pub mod metrics;
mod people;
#[cfg(feature = "plots")]
pub mod plot;
pub mod report;
mod rng;
mod runner;
mod scenario;
mod simulation;
mod summary;
pub mod trace;
mod validate;
mod workload;

pub use compare::compare;
pub use error::{ScenarioError, SimError};
pub use report::{Comparison, Report};
pub use rng::SimRng;
pub use scenario::{
    AgentGroup, AgentSkill, Arrivals, Bot, ChannelShare, Conversations, CurvePoint, Customers,
    Language, Scenario, Topic,
};
pub use simulation::{Progress, SimOutcome, Simulation};
pub use workload::{reply_ms, AgentPlan, Arrival, CustomerScript, NextMove, Workload};

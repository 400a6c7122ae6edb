//! The simulator's errors: [`ScenarioError`] for a scenario that cannot be
//! run (each names the field and the problem), [`SimError`] for a run that
//! stopped.

use crate::engine::{ConfigError, EngineError};
use crate::model::Timestamp;
use thiserror::Error;

/// Why a scenario was refused. The message names the field (a JSON path)
/// and what is wrong, so a user can fix the file without reading code.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Malformed JSON, a wrong type or an unknown field.
    #[error("scenario field `{field}` (line {line}, column {column}): {message}")]
    Parse {
        /// Path of the offending field (empty for the document itself).
        field: String,
        /// Line of the error in the file.
        line: usize,
        /// Column of the error in the file.
        column: usize,
        /// What serde found wrong.
        message: String,
    },
    /// A number below zero, not finite, or otherwise out of its range.
    #[error("scenario field `{field}` is {value}; it must be {expected}")]
    OutOfRange {
        /// Path of the field.
        field: String,
        /// The rejected value.
        value: f64,
        /// The accepted range, in words.
        expected: &'static str,
    },
    /// A list that must not be empty (or whose shares sum to zero).
    #[error("scenario field `{field}` {problem}")]
    Empty {
        /// Path of the field.
        field: String,
        /// What is missing.
        problem: &'static str,
    },
    /// Conversations require a skill that no agent group holds (at the
    /// level required), so they could never be served.
    #[error("scenario field `{field}` requires skill `{skill}` at level {min_level}, but no agent group holds it at that level; add it to an agent group's skills or remove the requirement")]
    SkillNobodyHas {
        /// Path of the requirement.
        field: String,
        /// The skill's name.
        skill: String,
        /// The level required.
        min_level: u8,
    },
    /// Conversations arrive on a channel that no agent group works.
    #[error("scenario field `{field}` sends conversations on {channel:?}, but no agent group works that channel; add it to an agent group's channels or set its share to 0")]
    ChannelNobodyWorks {
        /// Path of the channel's share.
        field: String,
        /// The channel.
        channel: crate::model::Channel,
    },
    /// A policy name that is not built in; `source` has the name and
    /// lists the built-in ones.
    #[error("scenario field `{field}`: {source}")]
    UnknownPolicy {
        /// Path of the field.
        field: String,
        /// The rejected name, and the names accepted.
        source: crate::policy::UnknownPolicy,
    },
    /// A name that refers to nothing (a segment's topic, a surge's segment).
    #[error("scenario field `{field}` names `{name}`, which does not exist; known: {}", known.join(", "))]
    UnknownName {
        /// Path of the field.
        field: String,
        /// The rejected name.
        name: String,
        /// The names accepted.
        known: Vec<String>,
    },
    /// The engine refused the `engine` section.
    #[error("scenario field `engine`: {0}")]
    Engine(#[from] ConfigError),
    /// The routing plan cannot be read, or has errors.
    #[error("scenario field `plan`: {detail}")]
    Plan {
        /// What is wrong, with the plan's route, field and column.
        detail: String,
    },
}

/// Why a simulation run stopped.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The engine refused a command the simulator expected it to accept: a
    /// bug in the simulator or the engine, reported with its seed.
    #[error("engine refused {command} at {at} (seed {seed}): {source}")]
    Engine {
        /// The command's name.
        command: &'static str,
        /// Simulated time.
        at: Timestamp,
        /// The run's seed, to replay it.
        seed: u64,
        /// The engine's error.
        source: EngineError,
    },
    /// The engine's audit found a broken invariant.
    #[error("engine audit failed at {at} (seed {seed}): {violation}")]
    Audit {
        /// Simulated time.
        at: Timestamp,
        /// The run's seed.
        seed: u64,
        /// The violation, as the engine described it.
        violation: String,
    },
    /// The engine kept reporting a deadline in the past after a tick.
    #[error("engine deadline {deadline} did not advance after a tick at {at} (seed {seed})")]
    StuckDeadline {
        /// The deadline reported.
        deadline: Timestamp,
        /// The tick's time.
        at: Timestamp,
        /// The run's seed.
        seed: u64,
    },
    /// The thread pool for replications could not be built.
    #[error("cannot start the replication threads: {0}")]
    Threads(String),
    /// Writing the trace failed.
    #[error("cannot write the trace: {0}")]
    Trace(#[from] std::io::Error),
    /// Variants that cannot be compared.
    #[error("variant `{variant}`: {problem}")]
    Variants {
        /// The variant's name.
        variant: String,
        /// What is wrong.
        problem: &'static str,
    },
}

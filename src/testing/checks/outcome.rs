//! What a check returns: a report when every case passed, or why not (the
//! shrunk counterexample, with the seed that replays it).

use super::Check;
use crate::engine::ConfigError;
use crate::testing::measures::Measures;
use crate::testing::run::Trace;
use crate::testing::scenario::Scenario;
use crate::testing::violation::Violation;
use std::fmt;
use thiserror::Error;

/// A passed check: what was run and what was measured across the cases.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// The rule.
    pub check: Check,
    /// The policy's name.
    pub policy: String,
    /// Cases run (all passed).
    pub cases: u32,
    /// Every measure, merged over the cases.
    pub measures: Measures,
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed for `{}` ({} cases): {}",
            self.check, self.policy, self.cases, self.measures
        )
    }
}

/// A failed check: the smallest scenario proptest found that still breaks
/// the rule, what broke, and the run, command by command.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    /// The rule.
    pub check: Check,
    /// The policy's name.
    pub policy: String,
    /// The seed that replays the search ([`CheckConfig::seed`](super::CheckConfig::seed)).
    pub seed: u64,
    /// The shrunk scenario.
    pub scenario: Scenario,
    /// The first violation in its run.
    pub violation: Violation,
    /// Its run (empty when the engine could not run it).
    pub trace: Option<Trace>,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} failed for policy `{}` (seed {:#x}); shrunk to {} agents and {} steps",
            self.check,
            self.policy,
            self.seed,
            self.scenario.agents.len(),
            self.scenario.steps.len()
        )?;
        writeln!(f, "violation: {}", self.violation)?;
        write!(f, "{}", self.scenario)?;
        if let Some(trace) = &self.trace {
            writeln!(f, "run:")?;
            write!(f, "{trace}")?;
        }
        Ok(())
    }
}

/// Why a check did not pass.
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The rule was broken; the shrunk counterexample says how.
    #[error("{0}")]
    Failed(Box<Counterexample>),
    /// [`CheckConfig::engine`](super::CheckConfig::engine) is not a valid engine configuration.
    #[error("the check's engine configuration is invalid: {0}")]
    Config(#[from] ConfigError),
    /// Proptest gave up (for instance on too many rejected cases).
    #[error("{check} aborted: {reason}")]
    Aborted {
        /// The rule.
        check: Check,
        /// Proptest's reason.
        reason: String,
    },
}

impl CheckError {
    /// The counterexample, when the rule was broken.
    pub fn counterexample(&self) -> Option<&Counterexample> {
        match self {
            CheckError::Failed(c) => Some(c),
            _ => None,
        }
    }
}

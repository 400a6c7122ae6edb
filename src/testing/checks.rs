//! Ready-made property checks: one call each, on your own policy.
//!
//! Each check generates scenarios with a seeded [`TestRunner`], runs each
//! on a fresh engine with a fresh policy from your factory, measures the
//! trace ([`fairness`](super::fairness)), and on the first violation lets
//! proptest shrink the scenario to a small one that still fails. It returns
//! a [`CheckReport`] when every case passed, or a [`CheckError::Failed`]
//! holding the shrunk [`Counterexample`], printable, with the seed that
//! replays it.
//!
//! | check | rule | who keeps it |
//! | --- | --- | --- |
//! | [`check_work_conserving`] | no conversation waits while an eligible online agent has room | the engine, whatever the policy |
//! | [`check_class_order`] | no later arrival of a class served before an earlier one the same agent could take | the engine's queues |
//! | [`check_starvation_bound`] | a lower class is overtaken only within the aging head start | the engine's queues |
//! | [`check_balanced_load`] | equivalent agents' loads stay even (Jain's index above a threshold) | the policy |
//! | [`check_skill_match`] | the policy picks a best-skilled free eligible agent | the policy, if it claims it |
//!
//! The first three hold for any policy, because the engine and not the
//! policy orders the queues; they are there to catch a regression of the
//! engine under your configuration. The last two depend on the policy:
//! [`RoundRobin`](crate::policy::RoundRobin), [`LeastLoaded`](crate::policy::LeastLoaded)
//! and [`LongestIdle`](crate::policy::LongestIdle) ignore skill levels by
//! design and fail [`check_skill_match`];
//! [`BestSkillMatch`](crate::policy::BestSkillMatch) claims it and passes.
//!
//! Every check also runs the engine's [`audit`](crate::Engine::audit) after
//! each command, so a policy that breaks the rank contract of
//! [`RoutingPolicy`](crate::policy::RoutingPolicy) (it must be monotone: a busier agent never ranks
//! better) fails any check with [`Violation::Audit`] and a stale free-agent
//! index, usually within two or three steps.
//!
//! ```
//! use switchboard::policy::LeastLoaded;
//! use switchboard::testing::{check_balanced_load, CheckConfig};
//!
//! let report = check_balanced_load(LeastLoaded, &CheckConfig::quick())?;
//! println!("{report}");
//! # Ok::<(), switchboard::testing::CheckError>(())
//! ```

use super::fairness::{load_balance, queue_order, skill_match, work_conservation};
use super::measures::Measures;
use super::run::{run, RunError, Trace};
use super::scenario::Scenario;
use super::strategies;
use super::violation::Violation;
use crate::engine::{ConfigError, EngineConfig};
use crate::policy::PolicyFactory;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::cell::RefCell;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use thiserror::Error;

/// How a check runs. Deterministic: the same configuration and policy give
/// the same cases, the same counterexample and the same report.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckConfig {
    /// Generated scenarios per check (default 64).
    pub cases: u32,
    /// Largest team generated (default 4 agents).
    pub max_agents: usize,
    /// Longest scenario generated (default 32 steps).
    pub max_steps: usize,
    /// Seed of the generator; printed with every counterexample.
    pub seed: u64,
    /// The engine's configuration in every case.
    pub engine: EngineConfig,
    /// [`check_balanced_load`] fails below this Jain index (default 0.85:
    /// loads one conversation apart never go below 0.889).
    pub jain_threshold: f64,
    /// Bound on shrinking steps once a failure is found (default 2048).
    pub max_shrink_iters: u32,
}

impl Default for CheckConfig {
    fn default() -> Self {
        Self {
            cases: 64,
            max_agents: 4,
            max_steps: 32,
            seed: 0x5157_C4B0_A2D0,
            engine: EngineConfig::default(),
            jain_threshold: 0.85,
            max_shrink_iters: 2048,
        }
    }
}

impl CheckConfig {
    /// A small configuration for doctests and quick feedback (16 cases of
    /// up to 12 steps).
    pub fn quick() -> Self {
        Self {
            cases: 16,
            max_steps: 12,
            ..Self::default()
        }
    }

    /// The same configuration with another seed.
    pub fn with_seed(self, seed: u64) -> Self {
        Self { seed, ..self }
    }

    fn runner(&self) -> TestRunner {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&self.seed.to_le_bytes());
        let config = Config {
            cases: self.cases,
            max_shrink_iters: self.max_shrink_iters,
            // A library check must not write regression files into the
            // user's source tree; the seed in the report replays the case.
            failure_persistence: None,
            ..Config::default()
        };
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
    }
}

/// The fairness rules the checks hold a policy to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// [`check_work_conserving`].
    WorkConserving,
    /// [`check_class_order`].
    ClassOrder,
    /// [`check_starvation_bound`].
    StarvationBound,
    /// [`check_balanced_load`].
    BalancedLoad,
    /// [`check_skill_match`].
    SkillMatch,
}

impl Check {
    /// The check's name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Check::WorkConserving => "work_conserving",
            Check::ClassOrder => "class_order",
            Check::StarvationBound => "starvation_bound",
            Check::BalancedLoad => "balanced_load",
            Check::SkillMatch => "skill_match",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// The seed that replays the search ([`CheckConfig::seed`]).
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
    /// [`CheckConfig::engine`] is not a valid engine configuration.
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

type Finder = fn(&Trace, &CheckConfig) -> Option<Violation>;

/// Runs one scenario and looks for a violation; the trace when it ran.
fn evaluate(
    scenario: &Scenario,
    policy: &PolicyFactory,
    config: &CheckConfig,
    find: Finder,
) -> (Option<Violation>, Option<Trace>) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run(scenario, policy.build(), &config.engine)
    }));
    match outcome {
        Ok(Ok(trace)) => (find(&trace, config), Some(trace)),
        Ok(Err(RunError::Audit {
            step,
            violation,
            trace,
        })) => (Some(Violation::Audit { step, violation }), Some(*trace)),
        // Validated before the search starts.
        Ok(Err(RunError::Config(e))) => (Some(Violation::Panicked(e.to_string())), None),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".to_owned());
            (Some(Violation::Panicked(message)), None)
        }
    }
}

fn drive<S: Strategy<Value = Scenario>>(
    check: Check,
    policy: &PolicyFactory,
    config: &CheckConfig,
    strategy: S,
    find: Finder,
) -> Result<CheckReport, CheckError> {
    config.engine.validate()?;
    let name = policy.build().name().to_owned();
    let measures = RefCell::new(Measures::default());
    let mut runner = config.runner();
    let result = runner.run(&strategy, |scenario| {
        let (violation, trace) = evaluate(&scenario, policy, config, find);
        if let Some(violation) = violation {
            return Err(TestCaseError::fail(violation.to_string()));
        }
        if let Some(trace) = trace {
            measures.borrow_mut().merge(&Measures::of(&trace));
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(CheckReport {
            check,
            policy: name,
            cases: config.cases,
            measures: measures.into_inner(),
        }),
        Err(TestError::Fail(reason, scenario)) => {
            let (violation, trace) = evaluate(&scenario, policy, config, find);
            let violation = violation.unwrap_or_else(|| {
                Violation::Panicked(format!("did not fail again when replayed: {reason}"))
            });
            Err(CheckError::Failed(Box::new(Counterexample {
                check,
                policy: name,
                seed: config.seed,
                scenario,
                violation,
                trace,
            })))
        }
        Err(TestError::Abort(reason)) => Err(CheckError::Aborted {
            check,
            reason: reason.to_string(),
        }),
    }
}

/// Work conservation: after every command, no conversation waits in its
/// group's queue while an online agent who may serve it has room for it and
/// nobody waiting for them in particular
/// ([`fairness::work_conservation`](super::fairness::work_conservation)).
/// Generated: [`strategies::scenario`]. Every built-in policy passes.
///
/// ```
/// use switchboard::policy::RoundRobin;
/// use switchboard::testing::{check_work_conserving, CheckConfig};
/// check_work_conserving(RoundRobin, &CheckConfig::quick())?;
/// # Ok::<(), switchboard::testing::CheckError>(())
/// ```
pub fn check_work_conserving(
    policy: impl Into<PolicyFactory>,
    config: &CheckConfig,
) -> Result<CheckReport, CheckError> {
    let strategy = strategies::scenario(config.max_agents, config.max_steps);
    drive(
        Check::WorkConserving,
        &policy.into(),
        config,
        strategy,
        |t, _| work_conservation(t).into_iter().next(),
    )
}

/// Order within a priority class: no conversation is handed over from a
/// queue while an earlier arrival of the same class, which the same agent
/// could take, still waits; sticky routes are exempt
/// ([`fairness::queue_order`](super::fairness::queue_order)). Generated:
/// [`strategies::scenario`]. Every built-in policy passes.
///
/// ```
/// use switchboard::policy::LongestIdle;
/// use switchboard::testing::{check_class_order, CheckConfig};
/// check_class_order(LongestIdle, &CheckConfig::quick())?;
/// # Ok::<(), switchboard::testing::CheckError>(())
/// ```
pub fn check_class_order(
    policy: impl Into<PolicyFactory>,
    config: &CheckConfig,
) -> Result<CheckReport, CheckError> {
    let strategy = strategies::scenario(config.max_agents, config.max_steps);
    drive(
        Check::ClassOrder,
        &policy.into(),
        config,
        strategy,
        |t, _| queue_order(t).0.into_iter().next(),
    )
}

/// Starvation bound: a conversation of a lower class is overtaken by a
/// higher class only while the higher class's head start
/// ([`EngineConfig::class_head_start`] per class) covers the difference in
/// waiting time, so the lowest class waits at most that much longer than
/// newer urgent work ([`fairness::queue_order`](super::fairness::queue_order)).
/// The report's measures carry the longest wait of each class. Generated:
/// [`strategies::scenario`]. Every built-in policy passes.
///
/// ```
/// use switchboard::policy::BestSkillMatch;
/// use switchboard::testing::{check_starvation_bound, CheckConfig};
/// check_starvation_bound(BestSkillMatch, &CheckConfig::quick())?;
/// # Ok::<(), switchboard::testing::CheckError>(())
/// ```
pub fn check_starvation_bound(
    policy: impl Into<PolicyFactory>,
    config: &CheckConfig,
) -> Result<CheckReport, CheckError> {
    let strategy = strategies::scenario(config.max_agents, config.max_steps);
    drive(
        Check::StarvationBound,
        &policy.into(),
        config,
        strategy,
        |t, _| queue_order(t).1.into_iter().next(),
    )
}

/// Balanced load: during a burst of arrivals on a team of equivalent agents
/// ([`strategies::equivalent_burst`]), Jain's index of their loads stays at
/// or above [`CheckConfig::jain_threshold`] whenever they hold at least one
/// conversation each on average
/// ([`fairness::load_balance`](super::fairness::load_balance)). All four
/// built-in policies pass (among equal skills, [`BestSkillMatch`](crate::policy::BestSkillMatch)
/// falls back to the least loaded); a policy that always prefers the same
/// agent fails.
///
/// ```
/// use switchboard::policy::LeastLoaded;
/// use switchboard::testing::{check_balanced_load, CheckConfig};
/// check_balanced_load(LeastLoaded, &CheckConfig::quick())?;
/// # Ok::<(), switchboard::testing::CheckError>(())
/// ```
pub fn check_balanced_load(
    policy: impl Into<PolicyFactory>,
    config: &CheckConfig,
) -> Result<CheckReport, CheckError> {
    let strategy = strategies::equivalent_burst(config.max_agents, config.max_steps);
    drive(
        Check::BalancedLoad,
        &policy.into(),
        config,
        strategy,
        |t, c| {
            load_balance(t, c.jain_threshold)
                .violations
                .into_iter()
                .next()
        },
    )
}

/// Skill match: each conversation the policy hands over on arrival goes to
/// an agent with the best skill score among the agents free to take it at
/// that moment ([`fairness::skill_match`](super::fairness::skill_match)).
/// Meant for policies whose [`RoutingPolicy::claims_skill_match`](crate::policy::RoutingPolicy::claims_skill_match) is true
/// (of the built-ins, [`BestSkillMatch`](crate::policy::BestSkillMatch));
/// round-robin, least-loaded and longest-idle ignore skill levels by design
/// and fail it. Generated: [`strategies::scenario`].
///
/// ```
/// use switchboard::policy::BestSkillMatch;
/// use switchboard::testing::{check_skill_match, CheckConfig};
/// check_skill_match(BestSkillMatch, &CheckConfig::quick())?;
/// # Ok::<(), switchboard::testing::CheckError>(())
/// ```
pub fn check_skill_match(
    policy: impl Into<PolicyFactory>,
    config: &CheckConfig,
) -> Result<CheckReport, CheckError> {
    let strategy = strategies::scenario(config.max_agents, config.max_steps);
    drive(
        Check::SkillMatch,
        &policy.into(),
        config,
        strategy,
        |t, _| skill_match(t).violations.into_iter().next(),
    )
}

/// Every check the policy should pass: the three engine rules, balanced
/// load, and skill match when the policy claims it. Stops at the first
/// failure.
///
/// ```
/// use switchboard::policy::BestSkillMatch;
/// use switchboard::testing::{check_claimed, CheckConfig};
/// let reports = check_claimed(BestSkillMatch, &CheckConfig::quick())?;
/// assert_eq!(reports.len(), 5);
/// # Ok::<(), switchboard::testing::CheckError>(())
/// ```
pub fn check_claimed(
    policy: impl Into<PolicyFactory>,
    config: &CheckConfig,
) -> Result<Vec<CheckReport>, CheckError> {
    let policy = policy.into();
    let mut reports = vec![
        check_work_conserving(&policy, config)?,
        check_class_order(&policy, config)?,
        check_starvation_bound(&policy, config)?,
        check_balanced_load(&policy, config)?,
    ];
    if policy.build().claims_skill_match() {
        reports.push(check_skill_match(&policy, config)?);
    }
    Ok(reports)
}

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
//! better) fails any check with [`Violation::Audit`](super::Violation::Audit) and a stale free-agent
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
use super::strategies;
use crate::engine::EngineConfig;
use crate::policy::PolicyFactory;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::fmt;

mod drive;
mod outcome;

use drive::drive;
pub use outcome::{CheckError, CheckReport, Counterexample};

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

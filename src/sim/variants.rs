//! The same days under different rules: routing plans, workload rules or
//! any other engine setting, one [`Variant`] each, under one policy. A
//! team tries a routing change on its own day (a CSV day's scenario, or
//! the default) before deploying it. Seed `s` is the same day in every
//! variant, so the replicated comparison pairs runs by seed, as
//! [`compare_replicated`](super::compare_replicated) does for policies.

use super::error::SimError;
use super::replicate::{Replicated, Replications};
use super::report::Comparison;
use super::scenario::Scenario;
use super::significance::ReplicatedComparison;
use super::simulation::Simulation;
use crate::plan::Plan;
use crate::policy::PolicyFactory;

/// The most variants one comparison runs.
pub const MAX_VARIANTS: usize = 16;

/// One arm of a comparison: a name (the report's column) and the scenario
/// it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// The name shown in place of the policy's.
    pub name: String,
    /// The scenario.
    pub scenario: Scenario,
}

impl Variant {
    /// A variant named `name` running `scenario`.
    pub fn new(name: impl Into<String>, scenario: Scenario) -> Variant {
        Variant {
            name: name.into(),
            scenario,
        }
    }

    /// `base` with `plan` in place of its own (`None`: no plan).
    pub fn with_plan(base: &Scenario, name: impl Into<String>, plan: Option<Plan>) -> Variant {
        let mut scenario = base.clone();
        scenario.plan = plan.map(|p| super::ScenarioPlan::Inline(Box::new(p)));
        Variant::new(name, scenario)
    }
}

/// The part of a scenario that makes its day (arrivals, customers,
/// agents, their shifts): all but the rules a variant may change.
fn day_of(s: &Scenario) -> Scenario {
    let mut day = s.clone();
    day.name = String::new();
    day.policy = crate::policy::BuiltinPolicy::LeastLoaded;
    day.engine = Default::default();
    day.plan = None;
    day.agent_rules = Default::default();
    day.unanswered = None;
    day
}

/// Checks 1 to [`MAX_VARIANTS`] variants, each describing the first's day.
fn check(variants: &[Variant]) -> Result<(), SimError> {
    let Some(first) = variants.first() else {
        return Err(SimError::Variants {
            variant: String::new(),
            problem: "no variant to run",
        });
    };
    if variants.len() > MAX_VARIANTS {
        return Err(SimError::Variants {
            variant: variants[MAX_VARIANTS].name.clone(),
            problem: "more than 16 variants",
        });
    }
    let day = day_of(&first.scenario);
    for v in variants {
        v.scenario.validate()?;
        if day_of(&v.scenario) != day {
            return Err(SimError::Variants {
                variant: v.name.clone(),
                problem: "describes another day than the first variant (only the engine's \
                          settings, the plan, the agent rules and the unanswered behaviour \
                          may differ)",
            });
        }
    }
    Ok(())
}

/// Runs every variant with `seed` under `policy`; the reports side by
/// side, each named for its variant.
pub fn compare_variants(
    variants: &[Variant],
    seed: u64,
    policy: &PolicyFactory,
) -> Result<Comparison, SimError> {
    check(variants)?;
    let mut reports = Vec::with_capacity(variants.len());
    for v in variants {
        let mut report = Simulation::new(v.scenario.clone(), seed)
            .run(policy.build())?
            .report;
        report.policy = v.name.clone();
        reports.push(report);
    }
    Ok(Comparison { reports })
}

/// Runs every variant over the seeds (and threads) of `replications` under
/// `policy`, and pairs each against the first by seed: which differences
/// are significant. `replications`' own scenario is not run.
pub fn compare_variants_replicated(
    variants: &[Variant],
    replications: &Replications,
    policy: &PolicyFactory,
) -> Result<ReplicatedComparison, SimError> {
    check(variants)?;
    let mut runs = Vec::with_capacity(variants.len());
    for v in variants {
        let reports = replications.run_for(v.scenario.clone(), policy)?;
        let mut run = Replicated::of(reports, replications.seeds().to_vec());
        run.policy = v.name.clone();
        runs.push(run);
    }
    Ok(ReplicatedComparison::of(runs))
}

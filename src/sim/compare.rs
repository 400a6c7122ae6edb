//! Several policies over the same day.

use super::error::SimError;
use super::report::Comparison;
use super::scenario::Scenario;
use super::simulation::Simulation;
use crate::policy::RoutingPolicy;

/// Runs `scenario` with `seed` once per policy and collects the reports, in
/// the order given. Every run sees the same customers and the same rosters;
/// only the routing differs. Pass your own policies beside the built-ins
/// ([`BuiltinPolicy::build`](crate::policy::BuiltinPolicy::build)).
pub fn compare(
    scenario: &Scenario,
    seed: u64,
    policies: Vec<Box<dyn RoutingPolicy>>,
) -> Result<Comparison, SimError> {
    let mut reports = Vec::with_capacity(policies.len());
    for policy in policies {
        let outcome = Simulation::new(scenario.clone(), seed).run(policy)?;
        reports.push(outcome.report);
    }
    Ok(Comparison { reports })
}

//! Your own routing policy on the simulated default day, beside the
//! built-ins: the same customers, the same rosters, only the routing differs.
//!
//! `cargo run --release --example custom_policy [seed]`

use switchboard::policy::{AgentView, BuiltinPolicy, QueueView, Rank, RoutingPolicy};
use switchboard::sim::{compare, Scenario};

/// Prefer the agent with the highest skill level, unless their load is above
/// 75% of their cap; then the least loaded.
#[derive(Debug)]
struct SkilledUnlessBusy;

impl RoutingPolicy for SkilledUnlessBusy {
    fn name(&self) -> &str {
        "skilled_unless_busy"
    }

    fn rank(&self, agent: &AgentView<'_>, queue: &QueueView<'_>) -> Rank {
        let busy = agent.load_permille() > 750;
        Rank::new([
            i64::from(busy),
            -i64::from(queue.skill_score(agent)),
            i64::from(agent.load_permille()),
        ])
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(42);
    let mut policies: Vec<Box<dyn RoutingPolicy>> =
        BuiltinPolicy::ALL.map(BuiltinPolicy::build).into();
    policies.push(Box::new(SkilledUnlessBusy));
    let comparison = compare(&Scenario::default(), seed, policies)?;
    print!("{comparison}");
    Ok(())
}

use super::{AgentView, QueueView, Rank, RoutingPolicy};

/// The agent with the lowest load relative to their cap; ties go to the one
/// idle longest. Spreads work evenly across agents with different caps.
/// Skill levels are ignored by design: it does not claim skill match and
/// fails `switchboard::testing::check_skill_match`; it passes the other
/// fairness checks (feature `testing`).
#[derive(Clone, Copy, Debug, Default)]
pub struct LeastLoaded;

impl RoutingPolicy for LeastLoaded {
    fn name(&self) -> &str {
        "least_loaded"
    }

    fn rank(&self, agent: &AgentView<'_>, _queue: &QueueView<'_>) -> Rank {
        Rank::new([
            i64::from(agent.load_permille()),
            agent.last_activity.0 as i64,
            0,
        ])
    }
}

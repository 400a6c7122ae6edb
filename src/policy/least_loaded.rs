use super::{AgentView, QueueView, Rank, RoutingPolicy};

/// The agent with the lowest load relative to their cap; ties go to the one
/// idle longest, that is, who received new work least recently. Spreads
/// work evenly across agents with different caps.
///
/// Ranking by the last assignment rather than the last message keeps an
/// agent's rank still while they type, so a reply costs no re-ranking.
///
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
        Rank::new([i64::from(agent.load_permille()), agent.assignment_key(), 0])
    }
}

use super::{AgentView, QueueView, Rank, RoutingPolicy};

/// Agents in turn: the one assigned least recently goes next, whatever their
/// load or skill level. With a fixed set of agents this is an exact rotation.
/// It ignores skill levels by design (beyond the minimum the engine enforces),
/// so it does not claim skill match and fails
/// `switchboard::testing::check_skill_match`; it passes the other fairness
/// checks (feature `testing`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RoundRobin;

impl RoutingPolicy for RoundRobin {
    fn name(&self) -> &str {
        "round_robin"
    }

    fn rank(&self, agent: &AgentView<'_>, _queue: &QueueView<'_>) -> Rank {
        Rank::new([agent.assignment_key(), 0, 0])
    }
}

use super::{AgentView, QueueView, Rank, RoutingPolicy};

/// The agent whose last activity (new work or a message written) is oldest;
/// ties go to the less loaded. Rewards agents who are not busy typing.
/// Skill levels are ignored by design: it does not claim skill match and
/// fails `switchboard::testing::check_skill_match`; it passes the other
/// fairness checks (feature `testing`).
#[derive(Clone, Copy, Debug, Default)]
pub struct LongestIdle;

impl RoutingPolicy for LongestIdle {
    fn name(&self) -> &str {
        "longest_idle"
    }

    fn rank(&self, agent: &AgentView<'_>, _queue: &QueueView<'_>) -> Rank {
        Rank::new([agent.activity_key(), i64::from(agent.load_permille()), 0])
    }
}

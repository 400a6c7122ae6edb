use super::{AgentView, QueueView, Rank, RoutingPolicy};

/// The agent with the highest levels in the required skills; ties go to the
/// least loaded, then the one who received new work least recently. Best
/// first-contact resolution, at the price of concentrating work on experts.
/// It claims skill match and passes `switchboard::testing::check_skill_match`,
/// and every other fairness check (among agents of equal skill it balances
/// load; feature `testing`).
#[derive(Clone, Copy, Debug, Default)]
pub struct BestSkillMatch;

impl RoutingPolicy for BestSkillMatch {
    fn name(&self) -> &str {
        "best_skill"
    }

    fn rank(&self, agent: &AgentView<'_>, queue: &QueueView<'_>) -> Rank {
        Rank::new([
            -i64::from(queue.skill_score(agent)),
            i64::from(agent.load_permille()),
            agent.assignment_key(),
        ])
    }

    fn claims_skill_match(&self) -> bool {
        true
    }
}

//! The routing policy's contract, checked against the free index.

use super::AuditViolation;
use crate::engine::matching;
use crate::engine::Engine;

impl Engine {
    /// Checks the routing policy against its contract (see
    /// [`RoutingPolicy`](crate::policy::RoutingPolicy)): every listed
    /// agent's stored rank is at most (as good as) the policy's rank of the
    /// agent now. A policy that ranks a busier agent better, or whose ranks
    /// change between calls, fails it. The engine stays correct either way
    /// (caps, places and work conservation hold; see [`Engine::audit`]), but
    /// it may then miss the policy's best agent.
    pub fn check_rank_contract(&self) -> Result<(), AuditViolation> {
        let st = &self.state;
        for (g, group) in st.groups.iter().enumerate() {
            let gi = crate::engine::state::index::GroupIdx::new(g).expect("group slot");
            for (p, stored) in group.free.entries() {
                let agent = st.agent(group.members[p as usize]);
                let pending = agent.slot(gi).is_some_and(|s| s.pending);
                let over = self.config.workload.over(group.key.channel);
                if pending
                    || !agent.serves(gi)
                    || !agent.takes(gi, agent.weight_of(group.key.channel, group.weight), over)
                    || agent.held_beside(group.key.channel)
                {
                    continue;
                }
                let current = matching::rank_now(&*self.policy, agent, group);
                if current.is_none_or(|current| stored > current) {
                    return Err(AuditViolation::StaleIndex { agent: agent.id });
                }
            }
        }
        Ok(())
    }
}

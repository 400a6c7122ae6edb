//! Listing the registered agents without a copy of the state: what a host
//! that keeps no list of its own (the HTTP service after a restart) asks.

use super::Engine;
use crate::model::AgentId;

impl Engine {
    /// Every registered agent's id, in registration order (agents are never
    /// forgotten, so the order is stable across a snapshot and a replay).
    ///
    /// Cost: O(1) to start and O(1) per agent, reading the engine's agent
    /// slab in place; nothing is copied or allocated. The length is
    /// [`agent_count`](Self::agent_count), at most
    /// [`Limits`](crate::Limits)'s `agents` (the engine refuses an
    /// agent past it), so a loop over it is bounded. Hold it only as long
    /// as the `&Engine` borrow it comes from.
    ///
    /// ```
    /// use switchboard::policy::BuiltinPolicy;
    /// use switchboard::{AgentId, AgentSpec, Capacity, Engine, EngineConfig, Timestamp};
    ///
    /// let mut engine = Engine::new(EngineConfig::default(), BuiltinPolicy::LeastLoaded)?;
    /// for id in [7, 3] {
    ///     engine.apply(Timestamp(0), AgentSpec::new(AgentId(id), Capacity::units(2)))?;
    /// }
    /// let ids: Vec<AgentId> = engine.agent_ids().collect();
    /// assert_eq!(ids, [AgentId(7), AgentId(3)]);
    /// assert_eq!(engine.agent_count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn agent_ids(&self) -> impl ExactSizeIterator<Item = AgentId> + '_ {
        self.state.agents.iter().map(|agent| agent.id)
    }

    /// Number of registered agents, O(1).
    pub fn agent_count(&self) -> usize {
        self.state.agents.len()
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::BuiltinPolicy;
    use crate::{AgentId, AgentSpec, Capacity, Engine, EngineConfig, Timestamp};

    #[test]
    fn agent_ids_lists_every_agent_once_in_registration_order_also_after_a_restore() {
        let mut engine = Engine::new(EngineConfig::default(), BuiltinPolicy::LeastLoaded).unwrap();
        assert_eq!(engine.agent_ids().len(), 0);
        let ids = [40, 2, 17];
        for id in ids {
            let spec = AgentSpec::new(AgentId(id), Capacity::units(3));
            engine.apply(Timestamp(1), spec).unwrap();
        }
        // A refused duplicate adds nothing.
        let duplicate = AgentSpec::new(AgentId(2), Capacity::units(3));
        assert!(engine.apply(Timestamp(2), duplicate).is_err());
        let listed: Vec<u64> = engine.agent_ids().map(|a| a.0).collect();
        assert_eq!(listed, ids);
        assert_eq!(engine.agent_count(), ids.len());
        let restored = Engine::restore(engine.snapshot(), BuiltinPolicy::LeastLoaded).unwrap();
        assert!(restored.agent_ids().eq(engine.agent_ids()));
    }
}

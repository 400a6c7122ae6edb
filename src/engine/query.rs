//! Read-only views of the engine's state.

use super::record::State;
use super::{Engine, EngineError, EngineStats};
use crate::model::{
    AgentId, AgentInfo, ConversationId, ConversationInfo, CustomerId, CustomerInfo, Timestamp,
};
use serde::{Deserialize, Serialize};

/// One live thread of an agent's inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    /// The conversation.
    pub conversation: ConversationId,
    /// The customer spoke last and waits for the agent.
    pub awaiting_reply: bool,
    /// The agent has seen the latest customer message.
    pub seen: bool,
    /// Offered, not yet accepted.
    pub offered: bool,
    /// When the customer last wrote.
    pub last_customer_message: Timestamp,
}

impl Engine {
    /// The conversation as the engine sees it now, or `None` if unknown.
    pub fn conversation(&self, id: ConversationId) -> Option<ConversationInfo> {
        let registry = self.registry.read();
        let record = self.conversations.get(&id)?;
        Some(record.info(&registry, &self.config))
    }

    /// The agent as the engine sees it now, or `None` if unknown.
    pub fn agent(&self, id: AgentId) -> Option<AgentInfo> {
        let registry = self.registry.read();
        let cell = registry.agent(registry.agent_idx(id)?);
        let (load, cap) = cell.capacity.get();
        let inner = cell.inner.lock();
        let active: Vec<_> = inner
            .inbox
            .clone()
            .into_sorted_iter()
            .map(|(c, _)| c)
            .collect();
        let parked = inner.parked.iter().copied().collect();
        let waiting: Vec<_> = inner
            .personal
            .clone()
            .into_sorted_iter()
            .map(|(c, _)| c)
            .collect();
        Some(AgentInfo {
            id,
            status: cell.status(),
            load,
            cap,
            skills: cell.skills.clone(),
            active,
            parked,
            waiting_for_agent: waiting,
            last_activity: cell.last_activity(),
            load_high_water: cell.high_water(),
        })
    }

    /// What the engine remembers of a customer.
    pub fn customer(&self, id: CustomerId) -> Option<CustomerInfo> {
        let registry = self.registry.read();
        let c = *self.customers.get(&id)?;
        Some(CustomerInfo {
            id,
            tier: c.tier,
            last_agent: c.last_agent.map(|(a, at)| (registry.agent(a).id, at)),
        })
    }

    /// The agent's live threads in working order: threads where the customer
    /// spoke last first, longest-waiting customer first.
    pub fn inbox(&self, agent: AgentId) -> Result<Vec<InboxEntry>, EngineError> {
        let ids: Vec<ConversationId> = {
            let registry = self.registry.read();
            let idx = registry
                .agent_idx(agent)
                .ok_or(EngineError::UnknownAgent(agent))?;
            let inner = registry.agent(idx).inner.lock();
            // Keys are reversed, so the heap's sorted order is working order.
            inner
                .inbox
                .clone()
                .into_sorted_iter()
                .map(|(c, _)| c)
                .collect::<Vec<_>>()
        };
        Ok(ids.into_iter().filter_map(|c| self.entry(c)).collect())
    }

    /// The first entry of [`Engine::inbox`], without building the list.
    pub fn inbox_head(&self, agent: AgentId) -> Result<Option<InboxEntry>, EngineError> {
        let head = {
            let registry = self.registry.read();
            let idx = registry
                .agent_idx(agent)
                .ok_or(EngineError::UnknownAgent(agent))?;
            let inner = registry.agent(idx).inner.lock();
            inner.inbox.peek().map(|(c, _)| *c)
        };
        Ok(head.and_then(|c| self.entry(c)))
    }

    fn entry(&self, conversation: ConversationId) -> Option<InboxEntry> {
        let r = self.conversations.get(&conversation)?;
        Some(InboxEntry {
            conversation,
            awaiting_reply: r.awaiting_reply,
            seen: r.seen,
            offered: matches!(r.state, State::Offered { .. }),
            last_customer_message: r.last_customer_message,
        })
    }

    /// The earliest pending timer. Apply [`Command::Tick`](crate::Command::Tick)
    /// at or after it so that warnings come before breaches.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.timers.next()
    }

    /// Counters since the start.
    pub fn stats(&self) -> EngineStats {
        self.stats.read()
    }

    /// Number of conversations the engine knows (all states).
    pub fn conversation_count(&self) -> usize {
        self.conversations.len()
    }
}

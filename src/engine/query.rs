//! Read-only views of the engine's state, including the real-time
//! statistics a supervisor's wallboard shows.
//!
//! One rule for ids: a query naming an agent, conversation or customer the
//! engine does not know returns `Err` with
//! [`EngineError::UnknownAgent`], [`EngineError::UnknownConversation`] or
//! [`EngineError::UnknownCustomer`], the same error a command naming it
//! gets, so `?` carries both.

use super::state::conversation::{Conv, Place};
use super::state::inbox;
use super::state::index::{ConvIdx, GroupIdx};
use super::state::State;
use super::{AgentStats, Engine, EngineConfig, EngineError, EngineStats, GroupStats};
use crate::model::{
    AgentId, AgentInfo, Channel, ConversationId, ConversationInfo, ConversationState, CustomerId,
    CustomerInfo, SkillRequirement, Timestamp,
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

pub(crate) fn info(st: &State, config: &EngineConfig, c: ConvIdx) -> ConversationInfo {
    let conv = st.conv(c);
    let id_of = |a| st.id(a);
    let state = match conv.place {
        Place::Bot => ConversationState::Bot,
        Place::Queued => ConversationState::Queued { for_agent: None },
        Place::WaitingFor { agent, .. } => ConversationState::Queued {
            for_agent: Some(id_of(agent)),
        },
        Place::Offered { agent, expires_at } => ConversationState::Offered {
            agent: id_of(agent),
            expires_at,
        },
        Place::Assigned { agent } => ConversationState::Assigned {
            agent: id_of(agent),
        },
        Place::Parked { agent } => ConversationState::Parked {
            agent: agent.map(id_of),
        },
        Place::Resolved { reason, .. } => ConversationState::Resolved { reason },
    };
    ConversationInfo {
        id: conv.id,
        customer: st.customers[conv.who.get()].id,
        channel: conv.channel,
        skills: st.group(conv.group).key.skills.clone(),
        priority: conv.priority,
        state,
        message_status: conv.message_status(),
        opened_at: conv.opened_at,
        waiting_since: conv.waiting_since,
        last_customer_message: conv.last_customer_message,
        last_agent_message: conv.last_agent_message(),
        first_response_at: conv.first_response_at(),
        response_deadline: st.response_deadline(c, config),
    }
}

/// Group `g`'s statistics; the agents counted are those of its pool (a
/// plan queue's group sharing another's, `plan_pool.rs`).
fn group_stats(st: &State, g: GroupIdx) -> GroupStats {
    let group = st.group(g);
    let pool = st.group(st.pool(g));
    GroupStats {
        channel: group.key.channel,
        skills: group.key.skills.clone(),
        waiting: group.waiting.len(),
        oldest_waiting_since: group.waiting.oldest(),
        agents_online: pool.online,
        agents_with_room: st.with_room(g),
        weight: group.weight,
    }
}

impl Engine {
    /// The conversation as the engine sees it now, or
    /// [`EngineError::UnknownConversation`] (also once purged).
    pub fn conversation(&self, id: ConversationId) -> Result<ConversationInfo, EngineError> {
        let c = self
            .state
            .conv_idx(id)
            .ok_or(EngineError::UnknownConversation(id))?;
        Ok(info(&self.state, &self.config, c))
    }

    /// The agent holding conversation `id` now, by assignment or by an
    /// offer not yet accepted (a parked thread's owner too); `Ok(None)`
    /// while it is with the bot, queued or resolved, or its owner went
    /// offline. [`EngineError::UnknownConversation`] for an unknown id.
    pub fn assignee(&self, id: ConversationId) -> Result<Option<AgentId>, EngineError> {
        let c = self
            .state
            .conv_idx(id)
            .ok_or(EngineError::UnknownConversation(id))?;
        let agent = match self.state.conv(c).place {
            Place::Offered { agent, .. } | Place::Assigned { agent } => Some(agent),
            Place::Parked { agent } => agent,
            Place::Bot | Place::Queued | Place::WaitingFor { .. } | Place::Resolved { .. } => None,
        };
        Ok(agent.map(|a| self.state.id(a)))
    }

    /// The agent as the engine sees it now, or [`EngineError::UnknownAgent`].
    pub fn agent(&self, id: AgentId) -> Result<AgentInfo, EngineError> {
        let st = &self.state;
        let ai = st.agent_idx(id).ok_or(EngineError::UnknownAgent(id))?;
        let a = st.agent(ai);
        let ids = |c| st.conv(c).id;
        Ok(AgentInfo {
            id,
            status: a.status,
            load: a.load,
            cap: a.cap,
            skills: a.skills.clone(),
            active: inbox::ordered(st, ai).into_iter().map(ids).collect(),
            parked: a.parked.iter(&st.parked_pool).map(|(id, _)| id).collect(),
            waiting_for_agent: (a.personal.iter(&st.personal_pool))
                .map(|(_, c)| ids(c))
                .collect(),
            last_activity: a.last_activity,
            load_high_water: a.high_water,
        })
    }

    /// What the engine remembers of a customer, or
    /// [`EngineError::UnknownCustomer`] before their first conversation.
    pub fn customer(&self, id: CustomerId) -> Result<CustomerInfo, EngineError> {
        let known = self
            .state
            .customer(id)
            .ok_or(EngineError::UnknownCustomer(id))?;
        Ok(CustomerInfo {
            id,
            tier: known.tier,
            last_agent: known.last_agent().map(|(a, at)| (self.state.id(a), at)),
        })
    }

    /// The customer's conversations not yet resolved, in opening order, or
    /// [`EngineError::UnknownCustomer`] before their first conversation. A
    /// host checks this before opening a conversation for a customer who
    /// writes again.
    pub fn open_conversations(
        &self,
        customer: CustomerId,
    ) -> Result<Vec<ConversationId>, EngineError> {
        let known = self
            .state
            .customer(customer)
            .ok_or(EngineError::UnknownCustomer(customer))?;
        Ok((known.open.iter(&self.state.open_pool))
            .map(|c| self.state.conv(c).id)
            .collect())
    }

    /// The agent's live threads in working order: threads where the customer
    /// spoke last first, longest-waiting customer first; or
    /// [`EngineError::UnknownAgent`].
    pub fn inbox(&self, agent: AgentId) -> Result<Vec<InboxEntry>, EngineError> {
        let st = &self.state;
        let a = st
            .agent_idx(agent)
            .ok_or(EngineError::UnknownAgent(agent))?;
        Ok(inbox::ordered(st, a)
            .into_iter()
            .map(|c| entry(st.conv(c)))
            .collect())
    }

    /// The first entry of [`Engine::inbox`], without building the list
    /// (`Ok(None)` for an empty inbox); or [`EngineError::UnknownAgent`].
    pub fn inbox_head(&self, agent: AgentId) -> Result<Option<InboxEntry>, EngineError> {
        let st = &self.state;
        let a = st
            .agent_idx(agent)
            .ok_or(EngineError::UnknownAgent(agent))?;
        Ok(inbox::head(st, a).map(|c| entry(st.conv(c))))
    }

    /// The earliest pending timer. Apply [`Command::Tick`](crate::Command::Tick)
    /// at or after it so that warnings come before breaches.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.state.timers.next()
    }

    /// The latest time a command carried.
    pub fn now(&self) -> Timestamp {
        self.state.clock
    }

    /// Counters since the start.
    pub fn stats(&self) -> EngineStats {
        self.state.stats
    }

    /// Number of conversations the engine knows (all states).
    pub fn conversation_count(&self) -> usize {
        self.state.conv_ids.len()
    }

    /// Customers the engine remembers (a purge forgets those with no held
    /// conversation and no live stickiness; see `Command::Purge`).
    pub fn customer_count(&self) -> usize {
        self.state.known_customers()
    }

    /// Real-time statistics of every skill group in use, in slot order
    /// (creation order, except that a group with no member is reclaimed
    /// once no conversation points at it, and its slot reused). O(1) per
    /// group: the counts are kept as state changes.
    pub fn group_stats(&self) -> Vec<GroupStats> {
        self.state
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.vacant)
            .filter_map(|(i, _)| GroupIdx::new(i))
            .map(|g| group_stats(&self.state, g))
            .collect()
    }

    /// Real-time statistics of the group of `channel` and `skills` (in any
    /// order), or `None` if no command has named it yet. A group has no id
    /// the host chose, so this lookup by key is an `Option`, not an
    /// unknown-id error.
    pub fn group_stats_for(
        &self,
        channel: Channel,
        skills: &[SkillRequirement],
    ) -> Option<GroupStats> {
        let mut sorted = skills.to_vec();
        sorted.sort_unstable_by_key(|r| r.skill);
        let g = self.state.group_of(&(channel, &*sorted))?;
        Some(group_stats(&self.state, g))
    }

    /// Real-time statistics of one agent, or [`EngineError::UnknownAgent`].
    pub fn agent_stats(&self, agent: AgentId) -> Result<AgentStats, EngineError> {
        let a = self.state.agent(
            self.state
                .agent_idx(agent)
                .ok_or(EngineError::UnknownAgent(agent))?,
        );
        Ok(AgentStats {
            agent,
            status: a.status,
            load: a.load,
            cap: a.cap,
            live: a.inbox.len() as u32,
            parked: a.parked.len() as u32,
            waiting_for_agent: a.personal.len() as u32,
            in_wrap_up: a.wrapups.len() as u32,
            wrap_up_time: crate::model::TimeSpan::from_millis(a.wrap_up_ms),
            team: a.team.map(|t| self.state.workload.teams[t.get()].id),
            // A channel with a cap has the box, so its live count is kept.
            channels: super::workload::channel::caps(&a.own().channel_caps)
                .into_iter()
                .map(|(c, cap)| (c, a.own().channel_live[c.index()], cap))
                .collect(),
            rate_limit: a.own().limit,
            recent_assignments: a.own().recent.len() as u32,
            rate_limited: a.rate_limited(),
            pull_cap: a.pull_cap,
            weights: super::workload::weight::own(&a.own().weights),
            counters: a.counters,
        })
    }
}

fn entry(conv: &Conv) -> InboxEntry {
    InboxEntry {
        conversation: conv.id,
        awaiting_reply: conv.awaiting_reply,
        seen: conv.seen,
        offered: matches!(conv.place, Place::Offered { .. }),
        last_customer_message: conv.last_customer_message,
    }
}

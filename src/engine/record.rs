//! The engine's own record of a conversation. Agents are referred to by
//! dense index; the public [`ConversationInfo`] is derived from it.

use super::registry::{AgentIdx, QueueIdx, Registry, WaitKey};
use super::EngineConfig;
use crate::model::{
    Capacity, Channel, ConversationId, ConversationInfo, ConversationState, CustomerId,
    MessageStatus, Priority, ResolveReason, Timestamp,
};
use serde::{Deserialize, Serialize};

/// The state of a conversation, with agents by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum State {
    Bot,
    Queued {
        for_agent: Option<AgentIdx>,
    },
    Offered {
        agent: AgentIdx,
        expires_at: Timestamp,
    },
    Assigned {
        agent: AgentIdx,
    },
    Parked {
        agent: Option<AgentIdx>,
    },
    Resolved {
        reason: ResolveReason,
    },
}

impl State {
    pub(crate) fn agent(self) -> Option<AgentIdx> {
        match self {
            State::Offered { agent, .. } | State::Assigned { agent } => Some(agent),
            State::Parked { agent } => agent,
            State::Queued { for_agent } => for_agent,
            _ => None,
        }
    }

    pub(crate) fn kind(self) -> crate::model::StateKind {
        use crate::model::StateKind as K;
        match self {
            State::Bot => K::Bot,
            State::Queued { .. } => K::Queued,
            State::Offered { .. } => K::Offered,
            State::Assigned { .. } => K::Assigned,
            State::Parked { .. } => K::Parked,
            State::Resolved { .. } => K::Resolved,
        }
    }
}

/// Everything the engine keeps about one conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub id: ConversationId,
    pub customer: CustomerId,
    pub channel: Channel,
    /// Its skill group (which fixes its required skills and channel).
    pub queue: QueueIdx,
    /// Priority as requested, before the VIP boost.
    pub base_priority: Priority,
    /// Effective priority.
    pub priority: Priority,
    pub state: State,
    pub opened_at: Timestamp,
    /// The conversation's age: kept across requeues, transfers, escalation.
    pub waiting_since: Timestamp,
    pub last_customer_message: Timestamp,
    pub last_agent_message: Option<Timestamp>,
    pub first_response_at: Option<Timestamp>,
    /// When the first-response clock started (entry into human routing);
    /// `None` while with the bot.
    pub sla_start: Option<Timestamp>,
    pub seen: bool,
    pub awaiting_reply: bool,
    /// Bumped at every stay in a queue and every state change that voids
    /// pending claims and timers of the previous state.
    pub ticket: u32,
    /// Generation of the SLA timers.
    pub sla_gen: u32,
    /// Generation of the auto-park timer.
    pub park_gen: u32,
    /// Arrival order, for ties between equal aged priorities.
    pub seq: u64,
    /// Capacity held on the owning agent (full weight when offered or
    /// assigned, parked weight when parked, zero otherwise).
    pub held: Capacity,
    /// Known agent this conversation waits for (sticky), for hit/miss.
    pub sticky_agent: Option<AgentIdx>,
    /// When it was resolved (for [`Command::Purge`](crate::Command::Purge)).
    #[serde(default)]
    pub resolved_at: Option<Timestamp>,
}

impl Record {
    /// Place in a waiting line: the class head start is subtracted from the
    /// waiting time, so a lower class overtakes a higher one after waiting
    /// `class_head_start` longer per class (the starvation bound).
    pub(crate) fn wait_key(&self, config: &EngineConfig) -> WaitKey {
        // Saturating, so that absurd timestamps or head starts cannot wrap
        // and reorder the line.
        let head_start = i128::from(config.class_head_start.0) * i128::from(self.priority.rank());
        let effective = i128::from(self.waiting_since.0) - head_start;
        WaitKey {
            effective: effective.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            seq: self.seq,
        }
    }

    /// The inbox order key.
    pub(crate) fn inbox_key(&self) -> (u8, u64, u64) {
        (
            u8::from(!self.awaiting_reply),
            self.last_customer_message.0,
            self.seq,
        )
    }

    pub(crate) fn message_status(&self) -> MessageStatus {
        match self.state {
            State::Bot => MessageStatus::WithBot,
            State::Queued { .. } => MessageStatus::Queued,
            State::Offered { .. } | State::Assigned { .. } => {
                if self.seen {
                    MessageStatus::Seen
                } else {
                    MessageStatus::Delivered
                }
            }
            State::Parked { .. } | State::Resolved { .. } => MessageStatus::Idle,
        }
    }

    pub(crate) fn response_deadline(&self, config: &EngineConfig) -> Option<Timestamp> {
        match (self.first_response_at, self.sla_start, self.state) {
            (
                None,
                Some(start),
                State::Queued { .. } | State::Offered { .. } | State::Assigned { .. },
            ) => Some(start + config.response_target),
            _ => None,
        }
    }

    pub(crate) fn info(&self, registry: &Registry, config: &EngineConfig) -> ConversationInfo {
        let id_of = |a: AgentIdx| registry.agent(a).id;
        let state = match self.state {
            State::Bot => ConversationState::Bot,
            State::Queued { for_agent } => ConversationState::Queued {
                for_agent: for_agent.map(id_of),
            },
            State::Offered { agent, expires_at } => ConversationState::Offered {
                agent: id_of(agent),
                expires_at,
            },
            State::Assigned { agent } => ConversationState::Assigned {
                agent: id_of(agent),
            },
            State::Parked { agent } => ConversationState::Parked {
                agent: agent.map(id_of),
            },
            State::Resolved { reason } => ConversationState::Resolved { reason },
        };
        ConversationInfo {
            id: self.id,
            customer: self.customer,
            channel: self.channel,
            skills: registry.queue(self.queue).key.skills.clone(),
            priority: self.priority,
            state,
            message_status: self.message_status(),
            opened_at: self.opened_at,
            waiting_since: self.waiting_since,
            last_customer_message: self.last_customer_message,
            last_agent_message: self.last_agent_message,
            first_response_at: self.first_response_at,
            response_deadline: self.response_deadline(config),
        }
    }
}

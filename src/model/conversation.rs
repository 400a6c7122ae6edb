//! Conversations and their life cycle.

use super::{AgentId, Channel, ConversationId, CustomerId, Priority, SkillRequirement, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a conversation is in its life. Every conversation is in exactly one
/// of these at every instant (the engine's [`audit`](crate::Engine::audit)
/// recounts it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
#[non_exhaustive]
pub enum ConversationState {
    /// Handled by automation; uses no human capacity.
    Bot,
    /// Waiting for a human. `for_agent` is set when it waits for one agent in
    /// particular (a returning customer's known agent, or a parked thread
    /// whose agent is full).
    Queued {
        /// The agent it waits for, if any.
        for_agent: Option<AgentId>,
    },
    /// Reserved for an agent who must accept it before `expires_at`.
    Offered {
        /// The agent holding the offer.
        agent: AgentId,
        /// When the offer times out.
        expires_at: Timestamp,
    },
    /// A live thread owned by an agent.
    Assigned {
        /// The owner.
        agent: AgentId,
    },
    /// The customer went quiet; the thread stays with `agent` (if any) at the
    /// parked weight and comes back to them when the customer writes again.
    Parked {
        /// The owner, or `None` when the owner went offline.
        agent: Option<AgentId>,
    },
    /// Done.
    Resolved {
        /// Why it ended.
        reason: ResolveReason,
    },
}

/// The kind of a [`ConversationState`], without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StateKind {
    /// See [`ConversationState::Bot`].
    Bot,
    /// See [`ConversationState::Queued`].
    Queued,
    /// See [`ConversationState::Offered`].
    Offered,
    /// See [`ConversationState::Assigned`].
    Assigned,
    /// See [`ConversationState::Parked`].
    Parked,
    /// See [`ConversationState::Resolved`].
    Resolved,
}

impl ConversationState {
    /// The kind of this state.
    pub const fn kind(&self) -> StateKind {
        match self {
            ConversationState::Bot => StateKind::Bot,
            ConversationState::Queued { .. } => StateKind::Queued,
            ConversationState::Offered { .. } => StateKind::Offered,
            ConversationState::Assigned { .. } => StateKind::Assigned,
            ConversationState::Parked { .. } => StateKind::Parked,
            ConversationState::Resolved { .. } => StateKind::Resolved,
        }
    }

    /// The agent that owns or holds the thread, if any.
    pub const fn agent(&self) -> Option<AgentId> {
        match *self {
            ConversationState::Offered { agent, .. } | ConversationState::Assigned { agent } => {
                Some(agent)
            }
            ConversationState::Parked { agent } => agent,
            _ => None,
        }
    }
}

/// Why a conversation was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResolveReason {
    /// The agent (or host) closed it as solved.
    Solved,
    /// The bot tier answered it without a human.
    BotContained,
    /// The customer left before being served.
    Abandoned,
    /// Closed by a housekeeping rule (customer never came back).
    Expired,
}

/// What the customer may be shown about their latest message: the true state,
/// so a host never shows "read" while the message waits in a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageStatus {
    /// With the bot.
    WithBot,
    /// In a queue: no human has it.
    Queued,
    /// Delivered to an agent's inbox (offered or assigned), not yet seen.
    Delivered,
    /// The owning agent has seen the latest customer message.
    Seen,
    /// The conversation is parked or resolved; nothing is pending.
    Idle,
}

/// A read-only picture of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationInfo {
    /// The conversation.
    pub id: ConversationId,
    /// Its customer.
    pub customer: CustomerId,
    /// Its channel.
    pub channel: Channel,
    /// Skills it requires.
    pub skills: Vec<SkillRequirement>,
    /// Effective priority class (after the VIP boost).
    pub priority: Priority,
    /// Its state.
    pub state: ConversationState,
    /// The true status of the customer's latest message.
    pub message_status: MessageStatus,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When the customer started waiting for a human (kept across requeues,
    /// transfers and escalation: this is the conversation's age).
    pub waiting_since: Timestamp,
    /// When the customer last wrote.
    pub last_customer_message: Timestamp,
    /// When an agent last wrote, if ever.
    pub last_agent_message: Option<Timestamp>,
    /// When a human first answered, if yet.
    pub first_response_at: Option<Timestamp>,
    /// The first-response deadline, while no human has answered.
    pub response_deadline: Option<Timestamp>,
}

//! The engine's one error type. Every variant names what was wrong; a command
//! that returns an error has changed nothing.

use super::command::{Command, CommandKind};
use crate::model::{
    AgentId, AgentStatus, Capacity, Channel, ConversationId, CustomerId, SkillId, StateKind,
    Timestamp,
};
use thiserror::Error;

/// Why a command was refused. The engine's state is exactly as before.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No agent has this id.
    #[error("unknown {0}: register it with Command::AddAgent first")]
    UnknownAgent(AgentId),
    /// An agent with this id exists already.
    #[error("{0} is already registered")]
    DuplicateAgent(AgentId),
    /// No conversation has this id.
    #[error("unknown {0}: open it with Command::OpenConversation first")]
    UnknownConversation(ConversationId),
    /// A conversation with this id exists already.
    #[error("{0} already exists; conversation ids are never reused")]
    DuplicateConversation(ConversationId),
    /// The customer already has a conversation open where the engine's
    /// open rule allows only one
    /// ([`EngineConfig::open_conversations`](crate::EngineConfig::open_conversations)).
    #[error("{customer} already has {open} open on {channel:?}: send a CustomerMessage to it, or resolve it first")]
    CustomerHasOpenConversation {
        /// The customer.
        customer: CustomerId,
        /// Their open conversation.
        open: ConversationId,
        /// Its channel.
        channel: Channel,
    },
    /// A cap of zero or above [`Capacity::MAX_CAP`].
    #[error("cap {cap} for {agent} is invalid: it must be above 0 and at most {max} units")]
    InvalidCapacity {
        /// The agent.
        agent: AgentId,
        /// The rejected cap.
        cap: Capacity,
        /// The largest cap allowed.
        max: Capacity,
    },
    /// The same skill listed twice.
    #[error("{0} is listed twice")]
    DuplicateSkill(SkillId),
    /// The command does not apply to the conversation in its current state.
    #[error("cannot {command} {conversation} while it is {state:?}")]
    InvalidTransition {
        /// The conversation.
        conversation: ConversationId,
        /// Its current state.
        state: StateKind,
        /// The refused command.
        command: CommandKind,
    },
    /// An agent acted on a thread that is not theirs.
    #[error("{agent} does not hold {conversation}")]
    NotOwner {
        /// The conversation.
        conversation: ConversationId,
        /// The agent who tried.
        agent: AgentId,
    },
    /// A transfer to the agent the conversation is already with.
    #[error("{conversation} is already with {agent}")]
    AlreadyWithAgent {
        /// The conversation.
        conversation: ConversationId,
        /// Its agent.
        agent: AgentId,
    },
    /// The offer timed out before it was accepted or declined.
    #[error("the offer of {conversation} expired at {expired_at}")]
    OfferExpired {
        /// The conversation.
        conversation: ConversationId,
        /// When it expired.
        expired_at: Timestamp,
    },
    /// A transfer to an agent who does not take new work.
    #[error("{agent} is {status:?} and takes no new work; retry when they are online")]
    AgentUnavailable {
        /// The agent.
        agent: AgentId,
        /// Its status.
        status: AgentStatus,
    },
    /// A transfer to an agent who lacks a required skill or the channel.
    #[error("{agent} is not eligible for {conversation} (skills or channel)")]
    NotEligible {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
    },
    /// A weight that would never fit the agent's cap.
    #[error("{conversation} needs {weight} units, more than {agent}'s cap {cap}")]
    NeverFits {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
        /// The conversation's weight.
        weight: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// The engine holds as many agents, groups or conversations as its
    /// slot indices can address (about four billion).
    #[error("the engine is full: no slot left for another {0}; purge resolved conversations")]
    Full(&'static str),
    /// A query named a customer the engine does not know (none of their
    /// conversations was opened yet).
    #[error("unknown {0}: a customer is known from their first Command::OpenConversation")]
    UnknownCustomer(CustomerId),
    /// A routing plan that does not load: every problem is listed (boxed:
    /// a refusal stays small on every other path).
    #[error("routing plan refused: {0}")]
    Plan(Box<crate::plan::PlanError>),
    /// Conversation attributes past their bounds.
    #[error("attributes refused: {0}")]
    Attributes(Box<crate::plan::AttributeError>),
}

impl From<crate::plan::PlanError> for EngineError {
    fn from(e: crate::plan::PlanError) -> Self {
        EngineError::Plan(Box::new(e))
    }
}

impl From<crate::plan::AttributeError> for EngineError {
    fn from(e: crate::plan::AttributeError) -> Self {
        EngineError::Attributes(Box::new(e))
    }
}

impl EngineError {
    /// Whether the same command may succeed later without being changed,
    /// because the refusal depends on state that moves on its own (an
    /// agent coming back online, a conversation being resolved or purged).
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            EngineError::AgentUnavailable { .. }
                | EngineError::CustomerHasOpenConversation { .. }
                | EngineError::Full(_)
        )
    }
}

/// A refused command, handed back with the reason so the caller can retry
/// it (see [`EngineError::is_retriable`]) without having kept a copy.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{error}")]
pub struct Rejected {
    /// Why it was refused.
    pub error: EngineError,
    /// The command, unchanged.
    pub command: Command,
}

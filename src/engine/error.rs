//! The engine's one error type. Every variant names what was wrong; a command
//! that returns an error has changed nothing.

use crate::model::{AgentId, AgentStatus, Capacity, ConversationId, SkillId, StateKind, Timestamp};
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
    /// A cap below what the agent holds now.
    #[error("cap {cap} for {agent} is below its load {load}: resolve, park or transfer threads first, or set the agent draining")]
    CapBelowLoad {
        /// The agent.
        agent: AgentId,
        /// The rejected cap.
        cap: Capacity,
        /// The current load.
        load: Capacity,
    },
    /// A skill level outside `1..=10`.
    #[error("{skill} has level {level}; levels are 1..=10")]
    SkillLevelOutOfRange {
        /// The skill.
        skill: SkillId,
        /// The rejected level.
        level: u8,
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
        command: &'static str,
    },
    /// An agent acted on a thread that is not theirs.
    #[error("{agent} does not hold {conversation}")]
    NotOwner {
        /// The conversation.
        conversation: ConversationId,
        /// The agent who tried.
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
    #[error("{agent} is {status:?} and takes no new work")]
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
}

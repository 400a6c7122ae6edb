//! The engine's one error type. Every variant names what was wrong; a command
//! that returns an error has changed nothing.

use super::command::{Command, CommandKind};
use super::config::ConfigError;
use super::workload::TeamId;
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
    /// A team name empty or too long.
    #[error("the name of {team} is {len} bytes; it must be 1..={max}")]
    TeamName {
        /// The team.
        team: TeamId,
        /// The name's length.
        len: usize,
        /// The longest allowed.
        max: usize,
    },
    /// A cap on live conversations above the largest allowed.
    #[error("a cap of {value} live conversations is invalid: it must be at most {max}")]
    LiveCapOutOfRange {
        /// The rejected cap.
        value: u32,
        /// The largest allowed.
        max: u32,
    },
    /// An agent named as a member of a team who is in another team.
    #[error("{agent} is in {team} already: remove them there first")]
    AgentInAnotherTeam {
        /// The agent.
        agent: AgentId,
        /// Their team.
        team: TeamId,
    },
    /// The same agent listed twice in a team.
    #[error("{agent} is listed twice in {team}")]
    DuplicateTeamMember {
        /// The team.
        team: TeamId,
        /// The agent.
        agent: AgentId,
    },
    /// A query named a team no `SetTeam` created.
    #[error("unknown {0}: create it with Command::SetTeam first")]
    UnknownTeam(TeamId),
    /// A rate limit out of range.
    #[error("a rate limit of {max} per {window} is invalid: max must be 1..={max_rate} and the window 1 ms..=365 days")]
    RateLimitOutOfRange {
        /// The rejected count.
        max: u32,
        /// The rejected window.
        window: crate::model::TimeSpan,
        /// The largest count allowed.
        max_rate: u32,
    },
    /// An `EndWrapUp` for a conversation not in wrap-up.
    #[error("{conversation} is not in wrap-up")]
    NotInWrapUp {
        /// The conversation.
        conversation: ConversationId,
    },
    /// An `EndWrapUp` the channel's wrap-up mode does not allow now.
    #[error("the wrap-up of {conversation} is mandatory (may end early from {until:?}; None: only at its time box)")]
    WrapUpMandatory {
        /// The conversation.
        conversation: ConversationId,
        /// From when the agent may end it (`None`: never early).
        until: Option<Timestamp>,
    },
    /// A query named a customer the engine does not know (none of their
    /// conversations was opened yet).
    #[error("unknown {0}: a customer is known from their first Command::OpenConversation")]
    UnknownCustomer(CustomerId),
    /// A [`Command::Reconfigure`] with an invalid configuration.
    #[error("invalid configuration: {0}")]
    InvalidConfig(#[source] ConfigError),
    /// A [`Command::Reconfigure`] that would contradict the engine's live
    /// state (see [`Reconfigure`](crate::Reconfigure)).
    #[error("cannot change {field} now: {reason}")]
    ReconfigureRefused {
        /// The first setting that cannot change now.
        field: &'static str,
        /// Why, and what to do.
        reason: &'static str,
    },
    /// The command would take the engine past one of its
    /// [`Limits`](crate::Limits); nothing changed.
    #[error("limit reached: {limit} is {max}; purge resolved conversations or raise EngineConfig::limits.{limit}")]
    LimitReached {
        /// The limit's name (a field of [`Limits`](crate::Limits)).
        limit: &'static str,
        /// Its value.
        max: u32,
    },
    /// A routing plan that does not load: every problem is listed (boxed:
    /// a refusal stays small on every other path).
    #[error("routing plan refused: {0}")]
    Plan(Box<crate::plan::PlanError>),
    /// Conversation attributes past their bounds.
    #[error("attributes refused: {0}")]
    Attributes(Box<crate::plan::AttributeError>),
    /// An emergency switch of business hours names what the plan in force
    /// cannot switch.
    #[error("hours switch refused for {target:?}: {reason}")]
    HoursTarget {
        /// The queue or calendar named.
        target: super::HoursTarget,
        /// Why, and what to do instead.
        reason: &'static str,
    },
    /// A preferred-agent list or an owner's wait past its bounds
    /// (`MAX_PREFERRED` agents, scores 0-100, each agent once, waits up to
    /// an hour).
    #[error("preferred agents refused: {reason}")]
    Preferred {
        /// What was wrong.
        reason: &'static str,
    },
    /// An agent's skill windows are invalid (see
    /// [`SkillWindow`](crate::SkillWindow)).
    #[error("skill windows refused: {0}")]
    SkillWindow(super::skill_windows::SkillWindowError),
    /// An agent's own channel weight of zero or above
    /// [`Capacity::MAX_CAP`] ([`Command::SetChannelWeight`](crate::Command::SetChannelWeight)).
    #[error("weight {weight} of {channel:?} for {agent} is invalid: it must be above 0 and at most {max} units")]
    InvalidChannelWeight {
        /// The agent.
        agent: AgentId,
        /// The channel.
        channel: Channel,
        /// The rejected weight.
        weight: Capacity,
        /// The largest weight allowed.
        max: Capacity,
    },
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
                | EngineError::LimitReached { .. }
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

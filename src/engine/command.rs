//! Commands: everything a host can tell the engine. Each is applied with a
//! timestamp by [`Engine::apply`](crate::Engine::apply) and answers with the
//! decisions it caused, or a typed error that changed nothing.

use super::open::OpenConversation;
use super::reconfigure::Reconfigure;
use super::workload::{RateLimit, TeamId};
use crate::model::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, ConversationId, CustomerId, Priority,
    ResolveReason, SkillRequirement, Timestamp,
};
use serde::{Deserialize, Serialize};

/// A command to the engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command {
    /// Register an agent. Fails on a duplicate id, a zero or absurd cap, or a
    /// skill level outside `1..=10`.
    AddAgent(AgentSpec),
    /// Change an agent's status. Going online pulls waiting work up to the
    /// cap; going offline requeues live threads (age and priority kept) and
    /// releases parked ones; away and draining keep threads, take no new work.
    SetAgentStatus {
        /// The agent.
        agent: AgentId,
        /// The new status.
        status: AgentStatus,
    },
    /// Change an agent's cap. Raising it pulls waiting work. Lowering it is
    /// always accepted, also below the current load: live threads never
    /// move unasked, so the agent keeps them, takes no new work until the
    /// load is under the new cap, and the cap takes effect as threads end.
    SetCapacity {
        /// The agent.
        agent: AgentId,
        /// The new cap, in `1..=Capacity::MAX_CAP`.
        cap: Capacity,
    },
    /// A customer opens a conversation (their first message). Build it
    /// with [`Command::open`].
    OpenConversation(OpenConversation),
    /// Hand a conversation from the bot tier to humans; its age, history and
    /// priority are kept. Optionally refine its skills or priority.
    Escalate {
        /// The conversation (must be with the bot).
        conversation: ConversationId,
        /// New required skills, if the bot learned them.
        skills: Option<Vec<SkillRequirement>>,
        /// New priority, if the bot learned it.
        priority: Option<Priority>,
        /// New attributes, if the bot learned them (under a plan the
        /// route is chosen afresh either way).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attributes: Option<crate::plan::Attributes>,
    },
    /// The customer wrote. An assigned thread moves up its agent's inbox; a
    /// parked thread returns to its agent (or waits at the head of their own
    /// queue when they are full).
    CustomerMessage {
        /// The conversation.
        conversation: ConversationId,
    },
    /// The owning agent wrote. The first one is the first response.
    AgentMessage {
        /// The conversation.
        conversation: ConversationId,
        /// The agent writing; must own the thread.
        agent: AgentId,
    },
    /// The owning agent opened the thread and saw the latest message.
    MarkSeen {
        /// The conversation.
        conversation: ConversationId,
        /// The agent; must own the thread.
        agent: AgentId,
    },
    /// The customer went quiet: set the thread aside at the parked weight.
    Park {
        /// The conversation (must be assigned).
        conversation: ConversationId,
    },
    /// Close a conversation from any live state.
    Resolve {
        /// The conversation.
        conversation: ConversationId,
        /// Why.
        reason: ResolveReason,
    },
    /// Move a conversation to another agent or skill group.
    Transfer {
        /// The conversation (queued, assigned or parked).
        conversation: ConversationId,
        /// Where to.
        to: TransferTarget,
    },
    /// Change a conversation's priority class (reorders its queue).
    SetPriority {
        /// The conversation.
        conversation: ConversationId,
        /// The new class (before the VIP boost).
        priority: Priority,
    },
    /// The agent accepts an offer.
    AcceptOffer {
        /// The conversation.
        conversation: ConversationId,
        /// The agent holding the offer.
        agent: AgentId,
    },
    /// The agent declines an offer; the conversation is requeued with its
    /// age, and the agent gets no new work from that skill group for
    /// [`EngineConfig::decline_cooldown`](crate::EngineConfig::decline_cooldown).
    DeclineOffer {
        /// The conversation.
        conversation: ConversationId,
        /// The agent holding the offer.
        agent: AgentId,
    },
    /// Let time pass: fire SLA warnings and breaches, offer timeouts,
    /// known-agent wait timeouts and automatic parking due by now.
    Tick,
    /// Forget conversations resolved before `resolved_before`, so that a
    /// long-running engine's memory stays bounded by its retention window.
    /// Customers keep their last agent for the affinity window
    /// ([`EngineConfig::affinity_window`](crate::EngineConfig::affinity_window),
    /// the retention stickiness needs); a customer left with no held
    /// conversation whose last agent served them longer ago than that (or
    /// never) is forgotten, which no later routing decision can notice
    /// (their next open names their tier again). A purged id
    /// is unknown afterwards and could be opened again: hosts that never
    /// reuse ids lose nothing. Maintenance, not routing: it costs the
    /// conversations and customers it forgets (an engine's first purge,
    /// also after a restore, visits every conversation once).
    Purge {
        /// Conversations resolved strictly before this instant are forgotten.
        resolved_before: Timestamp,
    },
    /// Change the engine's rules (its configuration; later routing plans
    /// and policies), journaled like any command so a replay makes the
    /// same decisions. Settings baked into live state change only while
    /// the engine holds no conversation (see [`Reconfigure`]).
    Reconfigure(Reconfigure),
    /// Create or replace a team: a name, its members (each in at most one
    /// team) and a cap on their live conversations together. Accepted at
    /// once whatever the members hold: a cap lowered below the live count
    /// moves nothing, and the members take no new work until the team is
    /// under it. Members who leave are no longer held back by it.
    SetTeam {
        /// The team (created on first use).
        team: TeamId,
        /// Its name, `1..=MAX_TEAM_NAME` bytes (a boxed `str`, so that a
        /// command stays small: `"name".into()`).
        name: Box<str>,
        /// Its members, each once.
        members: Vec<AgentId>,
        /// Cap on the members' live (offered or assigned) threads together,
        /// at most [`MAX_LIVE_CAP`](crate::MAX_LIVE_CAP); `None`: no cap.
        max_live: Option<u32>,
        /// The members' assignment rate limit, unless an agent has their
        /// own ([`Command::SetRateLimit`]); `None`: none.
        #[serde(default)]
        rate_limit: Option<RateLimit>,
    },
    /// Change the tenant's cap on live conversations (at most
    /// [`MAX_LIVE_CAP`](crate::MAX_LIVE_CAP); `None`: no cap). Lowering it
    /// moves nothing; new work waits until the tenant is under it.
    SetTenantCap {
        /// The new cap.
        max_live: Option<u32>,
    },
    /// The agent ends a wrap-up early, where its channel's mode allows
    /// ([`WrapUpMode`](crate::WrapUpMode)); the held weight is freed.
    EndWrapUp {
        /// The resolved conversation in wrap-up.
        conversation: ConversationId,
        /// The agent in wrap-up with it.
        agent: AgentId,
    },
    /// Set an agent's cap on live conversations of one channel, beside
    /// their total cap (`None`: no cap on the channel). Accepted at once:
    /// a cap below the agent's live threads on the channel moves nothing,
    /// and they take no new work there until under it.
    SetChannelCap {
        /// The agent.
        agent: AgentId,
        /// The channel.
        channel: Channel,
        /// At most this many live (offered or assigned) threads on it, at
        /// most [`MAX_LIVE_CAP`](crate::MAX_LIVE_CAP).
        max_live: Option<u32>,
    },
    /// Set an agent's own assignment rate limit: at most `max` new
    /// assignments in any rolling window (`None`: their team's, if any).
    /// An agent at the limit gets no new work until the window slides;
    /// their threads coming back (a parked thread, a reopened wrap-up) are
    /// not new work.
    SetRateLimit {
        /// The agent.
        agent: AgentId,
        /// The limit (`max` in `1..=MAX_RATE`, a window in
        /// `1..=MAX_SETTING`).
        limit: Option<RateLimit>,
    },
    /// The agent asks for their next conversation: the best waiting one
    /// of their groups, under the rules a push follows, up to their pull
    /// maximum ([`Command::SetPullCap`]). Nothing eligible is a
    /// [`Decision::NothingToPull`](crate::Decision::NothingToPull), not an
    /// error.
    PullNext {
        /// The agent.
        agent: AgentId,
    },
    /// Set how far an agent may fill up by pulling, above the cap pushes
    /// stop at (`None`: the cap). At most
    /// [`Capacity::MAX_CAP`](crate::Capacity::MAX_CAP); lowering it moves
    /// nothing.
    SetPullCap {
        /// The agent.
        agent: AgentId,
        /// The pull maximum.
        pull_cap: Option<Capacity>,
    },
    /// Replace a conversation's attributes. Under a plan, a conversation
    /// that waits (or is with the bot) is re-evaluated at once: its route
    /// chosen afresh, its age kept.
    SetAttributes {
        /// The conversation (not resolved).
        conversation: ConversationId,
        /// Its attributes now.
        attributes: crate::plan::Attributes,
    },
    /// Set (or clear) a known customer's owner, an account manager tried
    /// after their last agent and before any scored preferred agent (see
    /// [`PreferredAgent`](crate::PreferredAgent)); their conversations may
    /// wait up to `wait` for the owner while the owner is full or away.
    SetOwner {
        /// The customer (known to the engine).
        customer: crate::model::CustomerId,
        /// The owner, a registered agent (`None`: no owner).
        owner: Option<AgentId>,
        /// How long a conversation may wait for the owner, at most
        /// [`MAX_PREFERRED_WAIT`](crate::MAX_PREFERRED_WAIT).
        #[serde(default)]
        wait: crate::model::TimeSpan,
    },
    /// Set what one channel's live thread costs one agent, in place of
    /// the configuration's channel weight (`None`: the channel's again).
    /// The agent's threads of the channel are re-weighed at once (their
    /// parked and wrap-up shares scale with it); nothing moves: a load
    /// left above the cap is tolerated as after a lowered cap, and new
    /// work waits until under it.
    SetChannelWeight {
        /// The agent.
        agent: AgentId,
        /// The channel.
        channel: Channel,
        /// The weight, in `1..=`[`Capacity::MAX_CAP`](crate::Capacity::MAX_CAP).
        weight: Option<Capacity>,
    },
}

impl From<AgentSpec> for Command {
    fn from(spec: AgentSpec) -> Self {
        Command::AddAgent(spec)
    }
}

/// Where a transfer goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransferTarget {
    /// A named agent, who must be online and have the skills; if they are
    /// full the thread waits at the head of their own queue.
    Agent(AgentId),
    /// A skill group: the thread is requeued with new required skills, its
    /// age and priority kept.
    Skills(Vec<SkillRequirement>),
}

/// The kind of a [`Command`], without its data: what an error names when it
/// refuses a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CommandKind {
    /// [`Command::AddAgent`].
    AddAgent,
    /// [`Command::SetAgentStatus`].
    SetAgentStatus,
    /// [`Command::SetCapacity`].
    SetCapacity,
    /// [`Command::OpenConversation`].
    OpenConversation,
    /// [`Command::Escalate`].
    Escalate,
    /// [`Command::CustomerMessage`].
    CustomerMessage,
    /// [`Command::AgentMessage`].
    AgentMessage,
    /// [`Command::MarkSeen`].
    MarkSeen,
    /// [`Command::Park`].
    Park,
    /// [`Command::Resolve`].
    Resolve,
    /// [`Command::Transfer`].
    Transfer,
    /// [`Command::SetPriority`].
    SetPriority,
    /// [`Command::AcceptOffer`].
    AcceptOffer,
    /// [`Command::DeclineOffer`].
    DeclineOffer,
    /// [`Command::Tick`].
    Tick,
    /// [`Command::Purge`].
    Purge,
    /// [`Command::Reconfigure`].
    Reconfigure,
    /// [`Command::SetTeam`].
    SetTeam,
    /// [`Command::SetTenantCap`].
    SetTenantCap,
    /// [`Command::EndWrapUp`].
    EndWrapUp,
    /// [`Command::SetChannelCap`].
    SetChannelCap,
    /// [`Command::SetRateLimit`].
    SetRateLimit,
    /// [`Command::PullNext`].
    PullNext,
    /// [`Command::SetPullCap`].
    SetPullCap,
    /// [`Command::SetAttributes`].
    SetAttributes,
    /// [`Command::SetOwner`].
    SetOwner,
    /// [`Command::SetChannelWeight`].
    SetChannelWeight,
}

impl CommandKind {
    /// The name as it appears in JSON (`type`).
    pub const fn name(self) -> &'static str {
        match self {
            CommandKind::AddAgent => "add_agent",
            CommandKind::SetAgentStatus => "set_agent_status",
            CommandKind::SetCapacity => "set_capacity",
            CommandKind::OpenConversation => "open_conversation",
            CommandKind::Escalate => "escalate",
            CommandKind::CustomerMessage => "customer_message",
            CommandKind::AgentMessage => "agent_message",
            CommandKind::MarkSeen => "mark_seen",
            CommandKind::Park => "park",
            CommandKind::Resolve => "resolve",
            CommandKind::Transfer => "transfer",
            CommandKind::SetPriority => "set_priority",
            CommandKind::AcceptOffer => "accept_offer",
            CommandKind::DeclineOffer => "decline_offer",
            CommandKind::Tick => "tick",
            CommandKind::Purge => "purge",
            CommandKind::Reconfigure => "reconfigure",
            CommandKind::SetTeam => "set_team",
            CommandKind::SetTenantCap => "set_tenant_cap",
            CommandKind::EndWrapUp => "end_wrap_up",
            CommandKind::SetChannelCap => "set_channel_cap",
            CommandKind::SetRateLimit => "set_rate_limit",
            CommandKind::PullNext => "pull_next",
            CommandKind::SetPullCap => "set_pull_cap",
            CommandKind::SetAttributes => "set_attributes",
            CommandKind::SetOwner => "set_owner",
            CommandKind::SetChannelWeight => "set_channel_weight",
        }
    }
}

impl std::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Command {
    /// Opens conversation `conversation` of `customer`: an
    /// [`OpenConversation`] with the defaults, to refine with its setters
    /// and hand to [`Engine::apply`](crate::Engine::apply) (which takes
    /// anything that converts into a command).
    ///
    /// ```
    /// use switchboard::policy::LeastLoaded;
    /// use switchboard::{Command, ConversationId, CustomerId, Decision, Engine, EngineConfig, Timestamp};
    ///
    /// let mut engine = Engine::new(EngineConfig::default(), LeastLoaded)?;
    /// let decisions = engine.apply(Timestamp(0), Command::open(ConversationId(1), CustomerId(9)))?;
    /// assert!(matches!(decisions[..], [Decision::Queued { .. }]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(conversation: ConversationId, customer: CustomerId) -> OpenConversation {
        OpenConversation::new(conversation, customer)
    }

    /// The command's kind.
    pub const fn kind(&self) -> CommandKind {
        match self {
            Command::AddAgent(_) => CommandKind::AddAgent,
            Command::SetAgentStatus { .. } => CommandKind::SetAgentStatus,
            Command::SetCapacity { .. } => CommandKind::SetCapacity,
            Command::OpenConversation(_) => CommandKind::OpenConversation,
            Command::Escalate { .. } => CommandKind::Escalate,
            Command::CustomerMessage { .. } => CommandKind::CustomerMessage,
            Command::AgentMessage { .. } => CommandKind::AgentMessage,
            Command::MarkSeen { .. } => CommandKind::MarkSeen,
            Command::Park { .. } => CommandKind::Park,
            Command::Resolve { .. } => CommandKind::Resolve,
            Command::Transfer { .. } => CommandKind::Transfer,
            Command::SetPriority { .. } => CommandKind::SetPriority,
            Command::AcceptOffer { .. } => CommandKind::AcceptOffer,
            Command::DeclineOffer { .. } => CommandKind::DeclineOffer,
            Command::Tick => CommandKind::Tick,
            Command::Purge { .. } => CommandKind::Purge,
            Command::Reconfigure(_) => CommandKind::Reconfigure,
            Command::SetTeam { .. } => CommandKind::SetTeam,
            Command::SetTenantCap { .. } => CommandKind::SetTenantCap,
            Command::EndWrapUp { .. } => CommandKind::EndWrapUp,
            Command::SetChannelCap { .. } => CommandKind::SetChannelCap,
            Command::SetRateLimit { .. } => CommandKind::SetRateLimit,
            Command::PullNext { .. } => CommandKind::PullNext,
            Command::SetPullCap { .. } => CommandKind::SetPullCap,
            Command::SetAttributes { .. } => CommandKind::SetAttributes,
            Command::SetOwner { .. } => CommandKind::SetOwner,
            Command::SetChannelWeight { .. } => CommandKind::SetChannelWeight,
        }
    }

    /// The command's name, for errors and traces.
    pub const fn name(&self) -> &'static str {
        self.kind().name()
    }
}

//! What validation hands on: a [`Step`], the command with its ids
//! resolved to slots and its payload checked, which cannot fail. A type of
//! its own, apart from the checks that build it, because `execute` and
//! the modules it calls match on it without caring how it was checked.

use super::super::config::EngineConfig;
use super::super::state::group::RoutingKey;
use super::super::state::index::{AgentIdx, ConvIdx, GroupIdx};
use super::super::workload::team::TeamStep;
use super::super::workload::RateLimit;
use crate::model::{
    AgentSpec, AgentStatus, Capacity, Channel, ConversationId, CustomerId, Priority, ResolveReason,
    Tier, Timestamp,
};

/// A skill group named by a command: one that exists, or one to create.
#[derive(Clone, Debug)]
// A new group is rare (a key's first command) and its key is 40 bytes:
// boxed, so that every `Step` naming a group stays small (issue 22: the
// `Step` is built and moved on every command).
pub(crate) enum GroupRef {
    Existing(GroupIdx),
    New(Box<RoutingKey>),
}

/// What an open may carry besides its ids (most carry neither).
#[derive(Clone, Debug)]
pub(crate) struct OpenExtras {
    pub attributes: Option<crate::plan::Attributes>,
    pub preferred: Vec<super::super::PreferredAgent>,
}

/// A validated command, ids resolved to slots.
// Built and moved on every command: the rare variants' large payloads
// (an agent's spec, a team, an hours switch, free attributes) are boxed,
// so that the enum stays at the size of the common ones (issue 22: at 120
// bytes, building and moving it was 28M of `profile`'s instructions).
#[derive(Clone, Debug)]
pub(crate) enum Step {
    /// The configuration to run with from now on (checked).
    Reconfigure(Box<EngineConfig>),
    AddAgent(Box<AgentSpec>),
    SetStatus {
        agent: AgentIdx,
        status: AgentStatus,
    },
    SetCapacity {
        agent: AgentIdx,
        cap: Capacity,
    },
    Open {
        conversation: ConversationId,
        customer: CustomerId,
        tier: Tier,
        channel: Channel,
        group: GroupRef,
        priority: Priority,
        start_in_bot: bool,
        /// Free attributes and preferred agents, when the open names any.
        extras: Option<Box<OpenExtras>>,
    },
    Escalate {
        conv: ConvIdx,
        group: Option<GroupRef>,
        priority: Option<Priority>,
        attributes: Option<Box<crate::plan::Attributes>>,
    },
    CustomerMessage(ConvIdx),
    AgentMessage {
        conv: ConvIdx,
        agent: AgentIdx,
    },
    MarkSeen(ConvIdx),
    Park(ConvIdx),
    Resolve {
        conv: ConvIdx,
        reason: ResolveReason,
    },
    TransferToAgent {
        conv: ConvIdx,
        agent: AgentIdx,
    },
    TransferToGroup {
        conv: ConvIdx,
        group: GroupRef,
    },
    SetPriority {
        conv: ConvIdx,
        priority: Priority,
    },
    Accept(ConvIdx),
    Decline(ConvIdx),
    Tick,
    Purge(Timestamp),
    SetTeam(Box<TeamStep>),
    SetTenantCap(Option<u32>),
    EndWrapUp(ConvIdx),
    /// A customer message to a thread in wrap-up.
    Reopen(ConvIdx),
    SetChannelCap {
        agent: AgentIdx,
        channel: Channel,
        max_live: Option<u32>,
    },
    SetRateLimit {
        agent: AgentIdx,
        limit: Option<RateLimit>,
    },
    PullNext(AgentIdx),
    SetPullCap {
        agent: AgentIdx,
        pull_cap: Option<Capacity>,
    },
    SetPlan(Option<std::sync::Arc<crate::plan::compiled::CompiledPlan>>),
    SetAttributes {
        conv: ConvIdx,
        attributes: Box<crate::plan::Attributes>,
    },
    /// An emergency switch of business hours (checked).
    Hours(Box<super::super::HoursSwitch>),
    SetOwner {
        customer: super::super::state::index::CustomerIdx,
        owner: Option<AgentIdx>,
        wait: crate::model::TimeSpan,
    },
    SetChannelWeight {
        agent: AgentIdx,
        channel: Channel,
        weight: Option<Capacity>,
    },
}

// The boxes above keep it so (the common variants: an open's ids, group
// and flags).
const _: () = assert!(std::mem::size_of::<Step>() <= 48);

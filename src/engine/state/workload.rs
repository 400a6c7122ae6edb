//! The workload rules' state: teams with their caps and live counts, the
//! tenant's total, the work each level holds back, and a conversation's
//! wrap-up hold. Kept apart from the routing state it gates so that an
//! engine without these rules carries empty lists and `None`s only.

use super::hash::IdMap;
use super::index::{AgentIdx, GroupIdx, TeamIdx};
use crate::engine::workload::TeamId;
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// No cap on a channel's live threads (`Agent::channel_caps`).
pub(crate) const NO_CAP: u32 = u32::MAX;

/// Bits of an agent's rule word (`Agent::rules`): a rule of their own
/// per channel beside the total cap (a channel cap, an own channel
/// weight).
pub(crate) const RULES_OWN: u8 = 1;
/// See [`RULES_OWN`]: the agent's team has a cap on live threads.
pub(crate) const RULES_TEAM: u8 = 2;
/// See [`RULES_OWN`]: an assignment rate limit is in force (the agent's
/// own or their team's); per agent, not per channel.
pub(crate) const RULES_RATE: u8 = 4;

/// Gate flags of an agent (`Agent::gated`): which level's list holds them.
pub(crate) const GATED_BY_TEAM: u8 = 1;
/// See [`GATED_BY_TEAM`].
pub(crate) const GATED_BY_TENANT: u8 = 2;

/// One team: named agents with a cap on their live conversations together.
#[derive(Clone, Debug)]
pub(crate) struct Team {
    pub id: TeamId,
    pub name: String,
    /// Ascending, each agent once; an agent is in at most one team.
    pub members: Vec<AgentIdx>,
    /// Cap on the members' live (offered or assigned) threads together.
    pub max_live: Option<u32>,
    /// The members' live threads (derived: the sum of their inboxes).
    pub live: u32,
    /// Members passed over while the team was full, each once (their
    /// `GATED_BY_TEAM` flag), longest held back first: when the team frees
    /// room they are settled one at a time, at the end of the command,
    /// while it still has room. Bounded by the team's size.
    pub gated: VecDeque<AgentIdx>,
    /// Assignments refused at this team's level.
    pub refusals: u64,
    /// The members' default assignment rate limit.
    pub rate: Option<crate::engine::workload::RateLimit>,
    /// Listed in `Workload::freed` (transient: false between commands).
    pub freed: bool,
}

impl Team {
    /// Whether the team takes no new work now (at or over its cap).
    pub(crate) fn full(&self) -> bool {
        self.max_live.is_some_and(|max| self.live >= max)
    }
}

/// Teams, the tenant's total and the refusal counters.
#[derive(Clone, Debug, Default)]
pub(crate) struct Workload {
    pub teams: Vec<Team>,
    pub team_ids: IdMap<TeamId, TeamIdx>,
    /// The tenant's cap on live threads.
    pub tenant_max_live: Option<u32>,
    /// Live (offered or assigned) threads in the engine (derived).
    pub live: u32,
    /// Groups whose waiting work the tenant's cap held back, each once
    /// (their `tenant_blocked` flag): dispatched, oldest head first, when
    /// the tenant frees room. Bounded by the number of groups.
    pub blocked: Vec<GroupIdx>,
    /// Agents whose pull or known-agent work the tenant's cap held back,
    /// each once (their `GATED_BY_TENANT` flag): settled when it frees.
    pub tenant_gated: Vec<AgentIdx>,
    /// Whether any team has a cap or the tenant has one: the gates are
    /// skipped entirely otherwise (the hot path of an engine without
    /// these rules pays one branch).
    pub gates_on: bool,
    /// Teams that went from full to free during the current command while
    /// holding members back, each once (their `freed` flag): at the end of
    /// the command their members are released one at a time while the
    /// team still has room (`gate::release_next`). Empty between commands.
    pub freed: Vec<TeamIdx>,
    /// The routing plan's queues (by index in the plan in force; empty
    /// without a plan): caps and live counts (`workload/queue_cap.rs`).
    pub queues: Vec<QueueCap>,
    /// Queues that went from full to free during the current command,
    /// each once (their `freed` flag): their pools are dispatched at the
    /// end of the command while they have room. Empty between commands.
    pub queues_freed: Vec<u16>,
    /// Whether any routing-plan queue has a cap (derived, with
    /// `gates_on`): then every agent's search asks the gates. The
    /// tenant's cap alone keeps agents outside capped teams on the plain
    /// path (`fit::plain`), which asks it in one test.
    pub queues_capped: bool,
}

/// A routing-plan queue's cap on the live conversations its pool took.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct QueueCap {
    /// The plan's `max_live` for it.
    pub max_live: Option<u32>,
    /// Live (offered or assigned) conversations counted on it (derived:
    /// those whose `ConvPlan::live_queue` is this queue).
    pub live: u32,
    /// Assignments refused at this queue's level.
    pub refusals: u64,
    /// Listed in `Workload::queues_freed` (transient).
    pub freed: bool,
}

impl QueueCap {
    /// Whether the queue takes no new work now (at or over its cap).
    pub(crate) fn full(&self) -> bool {
        self.max_live.is_some_and(|max| self.live >= max)
    }
}

impl Workload {
    /// Whether the tenant takes no new work now.
    pub(crate) fn tenant_full(&self) -> bool {
        self.tenant_max_live.is_some_and(|max| self.live >= max)
    }

    /// Recomputes `gates_on` after a cap changed (O(teams), only on the
    /// commands that set caps).
    pub(crate) fn refresh_gates(&mut self) {
        self.queues_capped = self.queues.iter().any(|q| q.max_live.is_some());
        self.gates_on = self.tenant_max_live.is_some()
            || self.teams.iter().any(|t| t.max_live.is_some())
            || self.queues_capped;
    }
}

/// A resolved thread's wrap-up: the agent keeps part of its weight until
/// `until`, or until ended early (from `min_end`), or the customer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WrapHold {
    pub agent: AgentIdx,
    pub started: Timestamp,
    /// The time box: a `WrapUpEnd` timer fires then.
    pub until: Timestamp,
    /// The earliest the agent may end it (`None`: never early).
    pub min_end: Option<Timestamp>,
}

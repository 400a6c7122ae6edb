//! Routing profiles in the engine (agent-side overflow, see
//! `plan/profile.rs` for the rule): delays are pool tiers, priorities are
//! read where a freed agent picks its next work.
//!
//! * **Delays.** While a plan has profiles, every queue's work is kept
//!   apart (its groups carry the queue's gate, as a queue with hours or
//!   members). Tier 0 of a queue is the pool of the agents who serve it at
//!   once (no profile, or a profile listing it with no delay); tier `t` is
//!   the pool of the agents whose profile gives it the queue's `t`-th
//!   delay, a group of its own whose gate carries `t` in its top bits.
//!   Work waits in its queue's tier-0 group and, once its age reaches a
//!   tier's delay, in that tier's group too, as an overflow line (same
//!   place: age and arrival). The tier is joined by the conversation's
//!   `PlanStep` timer, armed for the earliest of its next step, its time
//!   to live and its next tier (`plan_steps::next_due`): one timer per
//!   waiting conversation, never a scan. `RouteState::profile_age` records
//!   the age its tiers were computed at (what the audit recomputes them
//!   from).
//! * **Priorities.** A freed agent takes the best waiting work of their
//!   groups (`matching::best_waiting`, pulls): with a profile, the key is
//!   the profile's priority of the group's queue first, then the usual
//!   aged key. Work outside the plan's queues (a manual transfer by
//!   skills) counts as priority 0, before the primary queues. Without a
//!   profile every group is priority 0: the order is exactly as before.
//!
//! Costs: nothing without profiles (one branch where a freed agent
//! chooses); with them, one binary search of the agent's profile per
//! choice and O(1) per group they belong to, and a tier joined is one more
//! line insertion, O(log n).

use super::state::group::Group;
use super::state::index::{AgentIdx, GroupIdx};
use super::state::plan::RouteState;
use super::state::State;
use crate::model::{AgentId, Channel, SkillRequirement};
use crate::plan::compiled::CompiledPlan;
use crate::plan::limits::MAX_QUEUES;
use crate::plan::profile::CProfile;
use serde::{Deserialize, Serialize};

/// Where a gate keeps its tier: above the queue's gate proper (an epoch
/// times `MAX_QUEUES` plus the queue, below 2^40).
const TIER_SHIFT: u32 = 48;

// The queue's part of a gate never reaches the tier's bits.
const _: () = assert!((u32::MAX as u64 + 1) * (MAX_QUEUES as u64) < 1 << TIER_SHIFT);

/// `gate` without its tier: the queue's gate proper.
pub(crate) fn queue_gate(gate: u64) -> u64 {
    gate & ((1 << TIER_SHIFT) - 1)
}

/// The tier a gate names (0: the queue's own pool).
pub(crate) fn tier_of(gate: u64) -> u8 {
    (gate >> TIER_SHIFT) as u8
}

/// The gate of tier `tier` of the queue whose gate is `gate`.
pub(crate) fn tier_gate(gate: u64, tier: u8) -> u64 {
    debug_assert_eq!(tier_of(gate), 0, "a queue's gate has no tier");
    gate | (u64::from(tier) << TIER_SHIFT)
}

/// Whether `agent`'s routing profile lets them into a group of `gate`
/// under `plan` at hours epoch `epoch`: always, without profiles, for a
/// shared group (gate 0) and for a group of an older plan (which keeps
/// the members it had and gets no new work); else only into the tier of
/// the queue their profile gives them (tier 0 without a profile).
pub(crate) fn admits(plan: Option<&CompiledPlan>, epoch: u32, gate: u64, agent: AgentId) -> bool {
    let Some(plan) = plan.filter(|p| !p.profiles.is_empty()) else {
        return true;
    };
    let base = u64::from(epoch) * MAX_QUEUES as u64 + 1;
    let Some(q) = queue_gate(gate).checked_sub(base) else {
        return true;
    };
    if q >= plan.queues.len() as u64 {
        return true;
    }
    plan.profiles.admits(agent, q as usize, tier_of(gate))
}

/// The routing profile `agent` works by under the plan in force, if any.
#[inline]
pub(crate) fn profile_of(st: &State, agent: AgentIdx) -> Option<&CProfile> {
    let plan = st.plan.as_deref()?;
    if plan.profiles.is_empty() {
        return None;
    }
    plan.profiles.of(st.agent(agent).id).map(|(_, p)| p)
}

/// The priority `profile` gives `group`'s work (lower first): 0 without a
/// profile and for work outside the plan's queues.
#[inline]
pub(crate) fn priority(st: &State, profile: Option<&CProfile>, group: &Group) -> u8 {
    let Some(p) = profile else {
        return 0;
    };
    super::plan_hours::queue_of_gate(st, group.key.gate)
        .and_then(|q| p.entries.get(q).copied().flatten())
        .map_or(0, |e| e.priority)
}

/// The age at which `rs` next joins a tier of one of its queues, if any
/// is left (the delays above `rs.profile_age`).
pub(crate) fn next_delay(plan: &CompiledPlan, rs: &RouteState) -> Option<u64> {
    if plan.profiles.is_empty() {
        return None;
    }
    rs.queues
        .iter()
        .filter_map(|&q| {
            let delays = plan.profiles.delays(usize::from(q));
            delays.iter().copied().find(|&d| d > rs.profile_age)
        })
        .min()
}

/// The tiers (1-based) of queue `q` that work of age `age` has reached.
pub(crate) fn reached(plan: &CompiledPlan, q: u16, age: u64) -> impl Iterator<Item = u8> + '_ {
    let delays = plan.profiles.delays(usize::from(q));
    let n = delays.partition_point(|&d| d <= age);
    (1..=n).map(|t| t as u8)
}

/// The groups a queued conversation on `rs` waits in besides `own`, as
/// `plan_steps::groups_of` gives them (for the audit; `None` if one is
/// missing): per queue in order, its tier-0 group (the first queue's is
/// `own`), then its reached tiers' groups, each once.
pub(crate) fn expected_extra(
    st: &State,
    plan: &CompiledPlan,
    rs: &RouteState,
    channel: Channel,
    explicit: &[SkillRequirement],
    own: GroupIdx,
) -> Option<Vec<GroupIdx>> {
    let mut out = Vec::new();
    for (i, &q) in rs.queues.iter().enumerate() {
        let skills = super::plan_steps::requirements(&plan.queues[usize::from(q)], rs, explicit);
        let gate = super::plan_hours::gate_of(st, plan, q);
        let tiers = reached(plan, q, rs.profile_age).map(|t| tier_gate(gate, t));
        let gates = (i > 0).then_some(gate).into_iter().chain(tiers);
        for gate in gates {
            let g = st.group_of(&(channel, &skills[..], gate))?;
            if g != own && !out.contains(&g) {
                out.push(g);
            }
        }
    }
    Some(out)
}

/// What a routing profile says about one agent and one conversation's
/// queue (in [`Explanation::profile`](crate::Explanation)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileAdmission {
    /// The agent's routing profile.
    pub profile: String,
    /// The queue of the conversation it concerns (its own queue when the
    /// profile lists it, else the first of its overflow queues listed).
    pub queue: String,
    /// The profile's priority of that queue (1 is primary).
    pub priority: u8,
    /// The profile's delay of that queue, in milliseconds.
    pub delay_ms: u64,
    /// How long the conversation had waited when asked, in milliseconds
    /// (at least the delay for an agent it reached through the profile).
    pub waited_ms: u64,
}

/// What `agent`'s profile says about the queues of a conversation on `rs`
/// that started waiting `waited_ms` ago, if the agent has a profile that
/// lists one of them.
pub(crate) fn admission(
    st: &State,
    agent: AgentIdx,
    rs: &RouteState,
    waited_ms: u64,
) -> Option<ProfileAdmission> {
    let plan = st.plan.as_deref()?;
    let profile = profile_of(st, agent)?;
    let (q, e) = rs.queues.iter().find_map(|&q| {
        let e = profile.entries.get(usize::from(q)).copied().flatten()?;
        Some((q, e))
    })?;
    Some(ProfileAdmission {
        profile: profile.name.clone(),
        queue: plan.queues[usize::from(q)].name.clone(),
        priority: e.priority,
        delay_ms: e.delay_ms,
        waited_ms,
    })
}

impl super::Engine {
    /// What `agent`'s routing profile says about conversation
    /// `conversation` now: the profile, the queue of the conversation it
    /// lists, its priority and delay, and how long the conversation has
    /// waited. For waiting work, `waited_ms < delay_ms` means the profile
    /// holds the agent back from it until it has waited the delay.
    /// `Ok(None)` when the agent has no profile, the conversation is on
    /// no route, or the profile lists none of its queues (the agent does
    /// not serve it). O(log agents + queues).
    pub fn profile_admission(
        &self,
        conversation: crate::model::ConversationId,
        agent: AgentId,
    ) -> Result<Option<ProfileAdmission>, super::EngineError> {
        let st = &self.state;
        let c = st
            .conv_idx(conversation)
            .ok_or(super::EngineError::UnknownConversation(conversation))?;
        let a = st
            .agent_idx(agent)
            .ok_or(super::EngineError::UnknownAgent(agent))?;
        let conv = st.conv(c);
        let Some(rs) = st.conv_route(c) else {
            return Ok(None);
        };
        let waited = st.clock.since(conv.waiting_since).as_millis();
        Ok(admission(st, a, rs, waited))
    }
}

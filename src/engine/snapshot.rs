//! Snapshots: the whole state as plain serde data, and the restore that
//! rebuilds an engine making the same decisions. A snapshot holds what
//! cannot be derived (agents, groups with their free-agent ranks as they
//! stand, conversations, customers, timers, counters); every list and
//! count that can be derived from the conversations' places is rebuilt.
//! Restore treats its input as untrusted: every index is checked, and the
//! rebuilt engine must pass the audit, so a corrupt snapshot is an error,
//! never a panic.

use super::audit::AuditViolation;
use super::matching;
use super::state::agent::Agent;
use super::state::agent_rules::{AgentRules, NO_RULES};
use super::state::channel_set::ChannelSet;
use super::state::conv_wire::{ConvSide, ConvWire};
use super::state::conversation::Place;
use super::state::group::{Group, RoutingKey};
use super::state::index::{AgentIdx, ConvIdx, CustomerIdx, GroupIdx};
use super::state::timers::{Timer, TimerKind};
use super::state::State;
use super::structure::eligible;
use super::{ConfigError, Engine, EngineConfig, EngineStats};
use crate::model::{
    AgentId, AgentStatus, Capacity, Channel, CustomerId, SkillLevel, SkillRequirement, Tier,
    Timestamp,
};
use crate::policy::{IntoPolicy, Rank};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The snapshot format this build writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 2;

/// The engine's whole state as plain data (serialise it with any serde
/// format). Opaque on purpose: restore it with [`Engine::restore`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    format: u32,
    config: EngineConfig,
    policy: String,
    clock: Timestamp,
    seq: u64,
    stats: EngineStats,
    agents: Vec<AgentSnapshot>,
    groups: Vec<GroupSnapshot>,
    conversations: Vec<ConvWire>,
    customers: Vec<CustomerSnapshot>,
    timers: Vec<TimerSnapshot>,
    /// Teams, the tenant's cap and what they hold back.
    #[serde(default)]
    workload: super::workload::snapshot::WorkloadSnapshot,
    /// The routing plan in force, as loaded (recompiled on restore).
    #[serde(default)]
    plan: Option<crate::plan::Plan>,
    /// Reclaimed group slots, in reuse order (last first); their entries in
    /// `groups` are vacant. Left out when empty, so snapshots of engines
    /// that never reclaimed read and write as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    free_groups: Vec<GroupIdx>,
    /// Business hours: each calendar's and queue's state, the emergency
    /// switches, the epoch of the plan's gates and timers. Left out while
    /// nothing was ever set, so older snapshots encode as they did.
    #[serde(default, skip_serializing_if = "super::state::hours::Hours::is_unset")]
    hours: super::state::hours::Hours,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct AgentSnapshot {
    id: AgentId,
    skills: Vec<SkillLevel>,
    channels: Option<Vec<Channel>>,
    status: AgentStatus,
    load: Capacity,
    cap: Capacity,
    over_cap_allowance: Capacity,
    last_activity: Timestamp,
    last_assigned: u64,
    high_water: Capacity,
    cooldowns: Vec<(GroupIdx, Timestamp)>,
    /// Time spent in ended wrap-ups (ms).
    #[serde(default)]
    wrap_up_ms: u64,
    /// Caps on live threads per channel.
    #[serde(default)]
    channel_caps: Vec<(Channel, u32)>,
    /// The agent's own rate limit.
    #[serde(default)]
    own_limit: Option<super::workload::RateLimit>,
    /// Times of the recent assignments in the window.
    #[serde(default)]
    recent: Vec<Timestamp>,
    /// When the window timer that counts is due.
    #[serde(default)]
    rate_timer: Option<Timestamp>,
    /// The pull maximum.
    #[serde(default)]
    pull_cap: Option<Capacity>,
    /// Skills held only in windows of time (their skills are also in
    /// `skills`); left out when none, so older snapshots encode as they
    /// did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    skill_windows: Vec<crate::model::SkillWindow>,
    /// The windowed skills outside their windows now (which edge timers
    /// have fired is state: a command's time alone does not say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dormant: Vec<crate::model::SkillId>,
    /// The agent's own channel weights, left out when none so older
    /// snapshots encode as they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    weights: Vec<(Channel, Capacity)>,
    /// The agent's workload counters, left out when zero so older
    /// snapshots encode as they did.
    #[serde(
        default,
        skip_serializing_if = "super::workload::AgentCounters::is_zero"
    )]
    counters: super::workload::AgentCounters,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct GroupSnapshot {
    channel: Channel,
    skills: Vec<SkillRequirement>,
    /// The free-agent index as it stands (member position, stored rank):
    /// entries may lag on the worse side, and restoring them as they are
    /// keeps every later decision equal.
    free: Vec<(u32, Rank)>,
    /// Members to re-rank at the group's next search, in order.
    pending: Vec<AgentIdx>,
    /// Named as a routing plan's overflow group (never reclaimed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
    /// A reclaimed slot (listed in `Snapshot::free_groups`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    vacant: bool,
    /// The queue whose work it holds (0: shared; see `RoutingKey::gate`),
    /// left out when 0 so older snapshots encode as they did.
    #[serde(default, skip_serializing_if = "gate_is_shared")]
    gate: u64,
    /// A plan queue's group sharing the members and free index of the
    /// shared group (gate 0) of its channel and skills (`plan_pool.rs`):
    /// it has none of its own. Left out when not, so older snapshots
    /// encode as they did (and restore with members of their own).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    shares: bool,
    /// The members of a group of a queue no longer in force (an earlier
    /// plan's or hours epoch's gate): it keeps the members it had
    /// (`plan_hours::members_of`), which the plan in force cannot derive,
    /// so they are stored. Left out for every other group (derived on
    /// restore), so older snapshots encode as they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    members: Option<Vec<AgentIdx>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CustomerSnapshot {
    id: CustomerId,
    tier: Tier,
    last_agent: Option<(AgentIdx, Timestamp)>,
    /// Their owner and the wait for them (`Command::SetOwner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<(AgentIdx, crate::model::TimeSpan)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct TimerSnapshot {
    at: Timestamp,
    kind: TimerKind,
    subject: u64,
    /// Only for `CooldownEnd` (the group); a conversation's slot is
    /// found again from its id.
    group: u32,
    generation: u32,
    incarnation: u64,
}

/// Why a snapshot could not be restored.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// Written by another format version.
    #[error("snapshot format {found} is not supported (this build reads {SNAPSHOT_FORMAT})")]
    Format {
        /// The format found.
        found: u32,
    },
    /// Taken under another policy; restore it with that policy.
    #[error("snapshot was taken with policy {expected:?}, not {given:?}")]
    PolicyMismatch {
        /// The snapshot's policy.
        expected: String,
        /// The policy given to restore.
        given: String,
    },
    /// The configuration inside is invalid.
    #[error("invalid configuration in snapshot: {0}")]
    Config(#[from] ConfigError),
    /// An index or id inside points nowhere, or appears twice.
    #[error("corrupt snapshot: {0}")]
    Corrupt(&'static str),
    /// The rebuilt state breaks an invariant.
    #[error("snapshot breaks an invariant: {0}")]
    Inconsistent(#[from] AuditViolation),
}

impl Engine {
    /// A copy of the whole state.
    pub fn snapshot(&self) -> Snapshot {
        let st = &self.state;
        let agents = st
            .agents
            .iter()
            .map(|a| AgentSnapshot {
                id: a.id,
                skills: a.skills.clone(),
                channels: a.channels.map(|c| c.to_vec()),
                status: a.status,
                load: a.load,
                cap: a.cap,
                over_cap_allowance: a.over_cap_allowance,
                last_activity: a.last_activity,
                last_assigned: a.last_assigned,
                high_water: a.high_water,
                cooldowns: a.cooldowns.clone(),
                wrap_up_ms: a.wrap_up_ms,
                channel_caps: super::workload::channel::caps(&a.own().channel_caps),
                own_limit: a.own().own_limit,
                recent: a.own().recent.iter().copied().collect(),
                rate_timer: a.own().rate_timer,
                pull_cap: a.pull_cap,
                skill_windows: a.windows.clone(),
                dormant: a.dormant.clone(),
                weights: super::workload::weight::own(&a.own().weights),
                counters: a.counters,
            })
            .collect();
        let groups = st
            .groups
            .iter()
            .map(|g| GroupSnapshot {
                channel: g.key.channel,
                skills: g.key.skills.clone(),
                free: g.free.entries().collect(),
                pending: g.pending.clone(),
                pinned: g.pinned,
                vacant: g.vacant,
                gate: g.key.gate,
                shares: g.pool.is_some(),
                members: kept_members(st, g),
            })
            .collect();
        // Slots (`who`) are derived, not state: left out, so that equal
        // states give equal snapshots whatever their slot layout.
        let mut conversations: Vec<ConvWire> = (st.convs.iter().enumerate())
            .filter_map(|(i, v)| {
                let v = v.as_ref()?;
                let c = ConvIdx::new(i)?;
                Some(ConvWire::new(v, ConvSide::of(st, c)))
            })
            .collect();
        conversations.sort_unstable_by_key(|c| c.id);
        let mut customers: Vec<CustomerSnapshot> = st
            .customers
            .iter()
            .enumerate()
            .filter(|(_, k)| !k.vacant)
            .map(|(i, k)| CustomerSnapshot {
                id: k.id,
                tier: k.tier,
                last_agent: k.last_agent(),
                owner: CustomerIdx::new(i).and_then(|i| st.customer_owner(i)),
            })
            .collect();
        customers.sort_unstable_by_key(|c| c.id);
        let timers = st
            .timers
            .sorted()
            .into_iter()
            .map(|t| TimerSnapshot {
                at: t.at,
                kind: t.kind,
                subject: t.subject,
                // A cool-down keeps its group in `incarnation`; the
                // format has a field of its own for it and 0 there.
                group: if t.kind == TimerKind::CooldownEnd {
                    t.cooldown_group() as u32
                } else {
                    0
                },
                generation: t.generation,
                incarnation: if t.kind == TimerKind::CooldownEnd {
                    0
                } else {
                    t.incarnation
                },
            })
            .collect();
        Snapshot {
            format: SNAPSHOT_FORMAT,
            config: self.config.clone(),
            policy: self.policy.name().to_owned(),
            clock: st.clock,
            seq: st.seq,
            stats: st.stats,
            agents,
            groups,
            conversations,
            customers,
            timers,
            workload: super::workload::snapshot::take(st),
            plan: st.plan.as_ref().map(|p| p.doc.clone()),
            free_groups: st.free_groups.clone(),
            hours: st.hours.clone(),
        }
    }

    /// Rebuilds an engine from a snapshot, with the policy it was taken
    /// under. The result passes [`Engine::audit`] or this fails.
    pub fn restore(snapshot: Snapshot, policy: impl IntoPolicy) -> Result<Engine, RestoreError> {
        let policy = policy.into_policy();
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(RestoreError::Format {
                found: snapshot.format,
            });
        }
        if snapshot.policy != policy.name() {
            return Err(RestoreError::PolicyMismatch {
                expected: snapshot.policy,
                given: policy.name().to_owned(),
            });
        }
        snapshot.config.validate()?;
        let config = snapshot.config;
        let mut st = State {
            clock: snapshot.clock,
            seq: snapshot.seq,
            stats: snapshot.stats,
            ..State::default()
        };
        restore_agents(&mut st, snapshot.agents)?;
        // The room registration gives an inbox, so that a restored engine
        // allocates no more than a fresh one while taking work.
        let lightest = config.lightest_weight();
        for a in &mut st.agents {
            a.inbox.reserve_for(a.cap, lightest);
        }
        // The plan and its gates' epoch first: a queue's explicit members
        // decide who joins its groups.
        if let Some(plan) = &snapshot.plan {
            let (compiled, _) = crate::plan::compile(plan)
                .map_err(|_| RestoreError::Corrupt("the routing plan does not load"))?;
            st.plan = Some(std::sync::Arc::new(compiled));
        }
        st.hours.epoch = snapshot.hours.epoch;
        restore_groups(&mut st, &config, snapshot.groups, snapshot.free_groups)?;
        for c in snapshot.customers {
            if c.last_agent
                .is_some_and(|(a, _)| a.get() >= st.agents.len())
                || c.owner.is_some_and(|(a, _)| a.get() >= st.agents.len())
            {
                return Err(RestoreError::Corrupt(
                    "a customer's last agent does not exist",
                ));
            }
            let k = st.ensure_customer(c.id);
            let known = &mut st.customers[k.get()];
            known.tier = c.tier;
            known.set_last_agent(c.last_agent);
            st.put_customer_owner(k, c.owner);
        }
        restore_conversations(&mut st, &config, snapshot.conversations)?;
        // Customers no restored conversation holds may expire.
        st.queue_unheld_customers();
        super::workload::snapshot::restore(&mut st, snapshot.workload)?;
        super::plan_hours::restore(&mut st, snapshot.hours)?;
        for t in snapshot.timers {
            // A conversation timer finds its slot by id when it fires; a
            // cool-down keeps its group where the others keep their
            // incarnation.
            let incarnation = if t.kind == TimerKind::CooldownEnd {
                u64::from(t.group)
            } else {
                t.incarnation
            };
            st.timers.arm(Timer {
                at: t.at,
                kind: t.kind,
                subject: t.subject,
                generation: t.generation,
                incarnation,
            });
        }
        let mut engine = Engine {
            config,
            policy,
            state: st,
            scratch: Default::default(),
        };
        engine.recount_rooms();
        matching::derive_closed_marks(&mut engine.state);
        engine.audit()?;
        Ok(engine)
    }

    /// Recounts every agent's room in each group (derived state).
    fn recount_rooms(&mut self) {
        let mut out = Vec::new();
        let mut cx = super::cx::Cx::new(
            &self.config,
            &*self.policy,
            &mut self.state,
            &mut self.scratch,
            Timestamp(0),
            &mut out,
        );
        for a in 0..cx.st.agents.len() {
            if let Some(a) = AgentIdx::new(a) {
                matching::refresh_room(&mut cx, a);
            }
        }
    }
}

fn restore_agents(st: &mut State, agents: Vec<AgentSnapshot>) -> Result<(), RestoreError> {
    for a in agents {
        let idx = AgentIdx::new(st.agents.len()).ok_or(RestoreError::Corrupt("too many agents"))?;
        if st.agent_ids.insert(a.id, idx).is_some() {
            return Err(RestoreError::Corrupt("an agent appears twice"));
        }
        let bad_cap = a.cap == Capacity::ZERO || a.cap > Capacity::MAX_CAP;
        let ceiling = a.pull_cap.map_or(a.cap, |p| p.max(a.cap));
        let bad_pull = a.pull_cap.is_some_and(|p| p > Capacity::MAX_CAP);
        if bad_cap
            || bad_pull
            || a.load > ceiling.max(a.over_cap_allowance)
            || a.load > Capacity::MAX_CAP
        {
            return Err(RestoreError::Corrupt(
                "an agent's load or cap is out of range",
            ));
        }
        if !a.skills.windows(2).all(|p| p[0].skill < p[1].skill) {
            return Err(RestoreError::Corrupt(
                "an agent's skills are unsorted or repeated",
            ));
        }
        let bad_limit = a.own_limit.is_some_and(|l| !l.valid());
        let sorted = a.recent.windows(2).all(|p| p[0] <= p[1]);
        if bad_limit || !sorted || a.recent.len() > super::workload::MAX_RATE as usize {
            return Err(RestoreError::Corrupt("an agent's rate limit is invalid"));
        }
        let mut channel_caps = [super::state::workload::NO_CAP; 8];
        for &(channel, cap) in &a.channel_caps {
            if cap > super::workload::MAX_LIVE_CAP {
                return Err(RestoreError::Corrupt("a channel cap is out of range"));
            }
            channel_caps[channel.index()] = cap;
        }
        // Checked before any group counts them; their consistency with
        // the pending edges is the audit's.
        if !super::skill_windows::restorable(&a.skills, &a.skill_windows, &a.dormant) {
            return Err(RestoreError::Corrupt(
                "an agent's skill windows are invalid",
            ));
        }
        let mut weights = [0u32; 8];
        for &(channel, weight) in &a.weights {
            let slot = &mut weights[channel.index()];
            if *slot != 0 || weight == Capacity::ZERO || weight > Capacity::MAX_CAP {
                return Err(RestoreError::Corrupt(
                    "an agent's channel weight is out of range or twice",
                ));
            }
            *slot = weight.0;
        }
        // The box of the agent's own rules only if one is set (the limit
        // in force and the live threads per channel are derived after the
        // teams and the inboxes: `workload::snapshot::restore`).
        let own = AgentRules {
            channel_caps,
            weights,
            own_limit: a.own_limit,
            recent: a.recent.into(),
            rate_timer: a.rate_timer,
            ..NO_RULES.clone()
        };
        let own_rules_box = (own != NO_RULES).then(|| Box::new(own));
        let channels = a.channels.as_deref().map(ChannelSet::of);
        if channels.map(ChannelSet::to_vec) != a.channels {
            // The engine writes each agent's channels sorted and once.
            return Err(RestoreError::Corrupt(
                "an agent's channels are out of order or repeated",
            ));
        }
        for s in &a.skills {
            st.agents_by_skill.entry(s.skill).or_default().push(idx);
        }
        st.agents.push(Agent {
            id: a.id,
            skills: a.skills,
            channels,
            status: a.status,
            load: a.load,
            cap: a.cap,
            over_cap_allowance: a.over_cap_allowance,
            last_activity: a.last_activity,
            last_assigned: a.last_assigned,
            high_water: a.high_water,
            inbox: Default::default(),
            parked: Default::default(),
            personal: Default::default(),
            slots: Vec::new(),
            cooldowns: a.cooldowns,
            dirty: false,
            closed_marked: false,
            team: None,
            gated: 0,
            wrapups: Default::default(),
            wrap_up_ms: a.wrap_up_ms,
            channel_load: [0; 8],
            rules: 0,
            own_rules_box,
            pull_cap: a.pull_cap,
            windows: a.skill_windows,
            dormant: a.dormant,
            cool_counted: Vec::new(),
            counters: a.counters,
        });
    }
    Ok(())
}

/// Groups with their members recomputed from the agents' skills (not
/// trusted from the snapshot) and the stored ranks of the free index.
/// The members a snapshot stores for group `g`: those of a group whose
/// queue is no longer in force, which restore cannot derive (see
/// `GroupSnapshot::members`).
fn kept_members(st: &State, g: &Group) -> Option<Vec<AgentIdx>> {
    let derived = g.vacant
        || g.pool.is_some()
        || g.key.gate == 0
        || super::plan_hours::queue_of_gate(st, g.key.gate).is_some();
    (!derived).then(|| g.members.clone())
}

fn restore_groups(
    st: &mut State,
    config: &EngineConfig,
    groups: Vec<GroupSnapshot>,
    free_groups: Vec<GroupIdx>,
) -> Result<(), RestoreError> {
    for g in groups {
        let idx = GroupIdx::new(st.groups.len()).ok_or(RestoreError::Corrupt("too many groups"))?;
        if g.vacant {
            if !g.skills.is_empty() || !g.free.is_empty() || !g.pending.is_empty() {
                return Err(RestoreError::Corrupt("a reclaimed group slot is not empty"));
            }
            st.groups.push(Group::vacant(g.channel));
            continue;
        }
        if !g.skills.windows(2).all(|p| p[0].skill < p[1].skill) {
            return Err(RestoreError::Corrupt(
                "a group's skills are unsorted or repeated",
            ));
        }
        let key = RoutingKey {
            channel: g.channel,
            skills: g.skills,
            gate: g.gate,
        };
        if st.group_keys.insert(key.clone(), idx).is_some() {
            return Err(RestoreError::Corrupt("a skill group appears twice"));
        }
        let weight = config.weight(key.channel);
        let mut group = Group::new(key, weight);
        if g.shares {
            // Linked to its pool once every group is back.
            if g.gate == 0 || !g.free.is_empty() || !g.pending.is_empty() {
                return Err(RestoreError::Corrupt("a group sharing a pool has its own"));
            }
            group.pinned = g.pinned;
            group.pool = Some(idx);
            st.groups.push(group);
            st.list_group(idx);
            continue;
        }
        if let Some(kept) = g.members {
            // A queue no longer in force: its members as they were.
            if !kept.windows(2).all(|p| p[0] < p[1])
                || kept.iter().any(|a| a.get() >= st.agents.len())
            {
                return Err(RestoreError::Corrupt("a group's kept members are invalid"));
            }
            for a in kept {
                group.add_member(idx, a, &mut st.agents[a.get()]);
            }
        } else {
            let members =
                super::plan_hours::members_of(st.plan.as_deref(), st.hours.epoch, group.key.gate);
            for (i, agent) in st.agents.iter_mut().enumerate() {
                let admitted = eligible(agent, &group.key, members)
                    && super::profiles::admits(
                        st.plan.as_deref(),
                        st.hours.epoch,
                        group.key.gate,
                        agent.id,
                    );
                if let (true, Some(a)) = (admitted, AgentIdx::new(i)) {
                    group.add_member(idx, a, agent);
                }
            }
        }
        for (position, rank) in g.free {
            if position as usize >= group.members.len() || group.free.rank_of(position).is_some() {
                return Err(RestoreError::Corrupt("a free-agent index entry is invalid"));
            }
            group.free.set(position, Some(rank));
        }
        for &a in &g.pending {
            let slot = st
                .agents
                .get_mut(a.get())
                .and_then(|agent| agent.slot_mut(idx))
                .filter(|slot| !slot.pending)
                .ok_or(RestoreError::Corrupt(
                    "a pending re-ranking names no member, or twice",
                ))?;
            slot.pending = true;
        }
        group.pending = g.pending;
        group.pinned = g.pinned;
        st.groups.push(group);
        st.list_group(idx);
    }
    let mut listed = vec![false; st.groups.len()];
    for &g in &free_groups {
        match listed.get_mut(g.get()) {
            Some(seen) if !*seen && st.groups[g.get()].vacant => *seen = true,
            _ => return Err(RestoreError::Corrupt("the free group list is wrong")),
        }
    }
    if free_groups.len() != st.groups.iter().filter(|g| g.vacant).count() {
        return Err(RestoreError::Corrupt("the free group list is wrong"));
    }
    st.free_groups = free_groups;
    super::plan_pool::restore(st)?;
    for a in &st.agents {
        if a.cooldowns.iter().any(|(g, _)| g.get() >= st.groups.len()) {
            return Err(RestoreError::Corrupt("a cool-down names no group"));
        }
    }
    Ok(())
}

/// Conversations, and every list derived from their places: lines, inboxes,
/// parked sets, own queues and the customers' open lists.
fn restore_conversations(
    st: &mut State,
    config: &EngineConfig,
    conversations: Vec<ConvWire>,
) -> Result<(), RestoreError> {
    let agents = st.agents.len();
    let mut opens: Vec<(u64, CustomerId, ConvIdx)> = Vec::new();
    for conv in conversations {
        let sticky = conv.sticky_agent;
        let (conv, side) = conv.into_parts().ok_or(RestoreError::Corrupt(
            "a conversation's resolution time does not match its place",
        ))?;
        let (customer, wrap_up) = (side.customer, side.wrap_up);
        let extra = side
            .plan
            .as_deref()
            .and_then(|p| p.route.as_ref())
            .map_or(&[][..], |r| &r.extra[..]);
        let c =
            ConvIdx::new(st.convs.len()).ok_or(RestoreError::Corrupt("too many conversations"))?;
        let agent_ok = |a: Option<AgentIdx>| a.is_none_or(|a| a.get() < agents);
        if st.groups.get(conv.group.get()).is_none_or(|g| g.vacant)
            || !agent_ok(conv.place.agent())
            || !agent_ok(sticky)
            || !agent_ok(wrap_up.map(|w| w.agent))
            || conv.held > Capacity::MAX_CAP
        {
            return Err(RestoreError::Corrupt(
                "a conversation points at no group or agent",
            ));
        }
        if st.conv_ids.insert(conv.id, c).is_some() {
            return Err(RestoreError::Corrupt("a conversation appears twice"));
        }
        let repeated = extra
            .iter()
            .enumerate()
            .any(|(i, g)| *g == conv.group || extra[..i].contains(g));
        if repeated
            || extra
                .iter()
                .any(|g| st.groups.get(g.get()).is_none_or(|g| g.vacant))
        {
            return Err(RestoreError::Corrupt(
                "a conversation's overflow line points at no group",
            ));
        }
        match conv.place {
            Place::Queued => {
                st.line_insert(
                    conv.group,
                    conv.class(),
                    conv.line_key(),
                    c,
                    config.class_head_start,
                );
                for &g in extra {
                    st.line_insert(g, conv.class(), conv.line_key(), c, config.class_head_start);
                }
            }
            Place::WaitingFor { agent, own } => {
                let key = conv.personal_key(own, config);
                st.personal_insert(agent, key, c);
            }
            Place::Parked { agent: Some(agent) } => {
                st.parked_insert(agent, conv.id, c);
            }
            _ => {}
        }
        if let Some(w) = wrap_up {
            st.wrapup_insert(w.agent, conv.id, c);
        }
        if !matches!(conv.place, Place::Resolved { .. }) {
            opens.push((conv.seq, customer, c));
        }
        if st.customers.len() >= u32::MAX as usize - 1 {
            return Err(RestoreError::Corrupt("too many customers"));
        }
        let mut conv = conv;
        conv.who = st.ensure_customer(customer);
        st.customer_holds(conv.who);
        st.hold_group(conv.group);
        let live = conv.place.live_agent();
        st.convs.push(Some(conv));
        if let Some(w) = wrap_up {
            st.wraps.insert(c, w);
        }
        st.conv_plans.set(c, side.plan);
        st.affinities.set(c, side.preferred);
        if let Some(agent) = live {
            super::state::inbox::add(st, agent, c);
        }
    }
    // Opening order is arrival order.
    opens.sort_unstable();
    for (_, customer, c) in opens {
        let k = st.ensure_customer(customer);
        st.open_push(k, c);
    }
    Ok(())
}

impl Snapshot {
    /// The snapshot as JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// A snapshot from JSON.
    pub fn from_json(json: &str) -> Result<Snapshot, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The policy name the snapshot was taken under.
    pub fn policy(&self) -> &str {
        &self.policy
    }
}

/// For serde: a group of no queue's own (gate 0) writes no gate.
fn gate_is_shared(gate: &u64) -> bool {
    *gate == 0
}

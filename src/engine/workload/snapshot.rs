//! The workload rules in a snapshot: teams with their caps and counters,
//! the tenant's cap, and what a full level holds back. Live counts and an
//! agent's team are derived (recounted from the agents' inboxes and the
//! teams' members); a conversation's wrap-up travels with the
//! conversation. Restore checks every index and name.

use super::team::MAX_TEAM_NAME;
use super::TeamId;
use crate::engine::snapshot::RestoreError;
use crate::engine::state::index::{AgentIdx, GroupIdx, TeamIdx};
use crate::engine::state::workload::{Team, GATED_BY_TEAM, GATED_BY_TENANT};
use crate::engine::state::State;
use crate::engine::workload::config::MAX_LIVE_CAP;
use serde::{Deserialize, Serialize};

/// The workload part of a snapshot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct WorkloadSnapshot {
    teams: Vec<TeamSnapshot>,
    tenant_max_live: Option<u32>,
    /// Groups the tenant's cap holds back, in order.
    blocked: Vec<GroupIdx>,
    /// Agents the tenant's cap holds back, in order.
    tenant_gated: Vec<AgentIdx>,
    /// Refusals at each routing-plan queue's cap, in plan order (empty
    /// when none; caps come from the plan, live counts are recounted).
    // Left out when empty: snapshots written before it encode byte for
    // byte as they did (tests/persist/wire_fixtures.rs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    queue_refusals: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct TeamSnapshot {
    id: TeamId,
    name: String,
    members: Vec<AgentIdx>,
    max_live: Option<u32>,
    /// Members held back, in order.
    gated: Vec<AgentIdx>,
    refusals: u64,
    #[serde(default)]
    rate: Option<crate::engine::workload::RateLimit>,
}

/// The workload state of `st` as plain data.
pub(crate) fn take(st: &State) -> WorkloadSnapshot {
    let w = &st.workload;
    WorkloadSnapshot {
        teams: w
            .teams
            .iter()
            .map(|t| TeamSnapshot {
                id: t.id,
                name: t.name.clone(),
                members: t.members.clone(),
                max_live: t.max_live,
                gated: t.gated.iter().copied().collect(),
                refusals: t.refusals,
                rate: t.rate,
            })
            .collect(),
        tenant_max_live: w.tenant_max_live,
        blocked: w.blocked.clone(),
        tenant_gated: w.tenant_gated.clone(),
        queue_refusals: super::queue_cap::take(w),
    }
}

fn corrupt(what: &'static str) -> RestoreError {
    RestoreError::Corrupt(what)
}

/// Rebuilds the workload state into `st`, whose agents, groups and
/// conversations are restored already (the agents' inboxes give the live
/// counts). The engine's audit then checks the rest.
pub(crate) fn restore(st: &mut State, snap: WorkloadSnapshot) -> Result<(), RestoreError> {
    let agents = st.agents.len();
    let in_range = |a: &AgentIdx| a.get() < agents;
    if snap.tenant_max_live.is_some_and(|m| m > MAX_LIVE_CAP) {
        return Err(corrupt("the tenant's cap is out of range"));
    }
    for t in snap.teams {
        let idx = TeamIdx::new(st.workload.teams.len()).ok_or(corrupt("too many teams"))?;
        let bad_name = t.name.is_empty() || t.name.len() > MAX_TEAM_NAME;
        let bad_cap =
            t.max_live.is_some_and(|m| m > MAX_LIVE_CAP) || t.rate.is_some_and(|r| !r.valid());
        let sorted = t.members.windows(2).all(|p| p[0] < p[1]);
        if bad_name || bad_cap || !sorted || !t.members.iter().all(in_range) {
            return Err(corrupt("a team is invalid"));
        }
        if st.workload.team_ids.insert(t.id, idx).is_some() {
            return Err(corrupt("a team appears twice"));
        }
        let mut live = 0u32;
        for &m in &t.members {
            let a = &mut st.agents[m.get()];
            if a.team.replace(idx).is_some() {
                return Err(corrupt("an agent is in two teams"));
            }
            live += a.inbox.len() as u32;
        }
        for &m in &t.gated {
            let a = st
                .agents
                .get_mut(m.get())
                .filter(|a| a.team == Some(idx) && a.gated & GATED_BY_TEAM == 0)
                .ok_or(corrupt("a held-back member is no member, or twice"))?;
            a.gated |= GATED_BY_TEAM;
        }
        st.workload.teams.push(Team {
            id: t.id,
            name: t.name,
            members: t.members,
            max_live: t.max_live,
            live,
            gated: t.gated.into(),
            refusals: t.refusals,
            rate: t.rate,
            freed: false,
        });
    }
    for &g in &snap.blocked {
        let group = st
            .groups
            .get_mut(g.get())
            .filter(|g| !g.tenant_blocked)
            .ok_or(corrupt("a held-back group is unknown, or twice"))?;
        group.tenant_blocked = true;
    }
    for &a in &snap.tenant_gated {
        let agent = st
            .agents
            .get_mut(a.get())
            .filter(|a| a.gated & GATED_BY_TENANT == 0)
            .ok_or(corrupt("a held-back agent is unknown, or twice"))?;
        agent.gated |= GATED_BY_TENANT;
    }
    // Live threads per channel, from the rebuilt inboxes; the limit in
    // force, from the agent's own and their team's.
    for a in 0..st.agents.len() {
        let team = st.agents[a].team.map(|t| &st.workload.teams[t.get()]);
        let (rate, capped) = (
            team.and_then(|t| t.rate),
            team.is_some_and(|t| t.max_live.is_some()),
        );
        let limit = st.agents[a].own().own_limit.or(rate);
        if let Some(idx) = AgentIdx::new(a).filter(|_| limit.is_some()) {
            // A team's limit needs the box too.
            st.own_rules_mut(idx).limit = limit;
        }
        // Live threads per channel, kept only in the box.
        let mut live = [0u32; 8];
        if st.agents[a].own_rules_box.is_some() {
            for c in st.agents[a].inbox.iter() {
                live[st.conv(c).channel.index()] += 1;
            }
        }
        let agent = &mut st.agents[a];
        if let Some(own) = agent.own_rules_box.as_deref_mut() {
            own.channel_live = live;
        }
        agent.refresh_rules();
        agent.set_team_capped(capped);
        // The load per channel, from what each thread holds.
        let agent = &st.agents[a];
        let held = agent
            .inbox
            .iter()
            .chain(agent.parked.iter(&st.parked_pool).map(|(_, c)| c))
            .chain(agent.wrapups.iter(&st.wrapup_pool).map(|(_, c)| c));
        let mut load = [0u32; 8];
        for c in held {
            let conv = st.conv(c);
            let slot = &mut load[conv.channel.index()];
            *slot = slot.saturating_add(conv.held.0);
        }
        st.agents[a].channel_load = load;
    }
    let w = &mut st.workload;
    w.tenant_max_live = snap.tenant_max_live;
    w.blocked = snap.blocked;
    w.tenant_gated = snap.tenant_gated;
    w.live = st.agents.iter().map(|a| a.inbox.len() as u32).sum();
    w.refresh_gates();
    super::queue_cap::restore(st, snap.queue_refusals)
}

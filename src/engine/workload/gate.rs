//! The gates above the agent: a team's cap and the tenant's total, checked
//! in that order after the agent's own (see the module doc of
//! `workload`), the lists of what they held back, and the live counts they
//! compare against.

use super::CapLevel;
use crate::engine::cx::Cx;
use crate::engine::matching;
use crate::engine::state::index::{AgentIdx, ConvIdx, GroupIdx};
use crate::engine::state::workload::{GATED_BY_TEAM, GATED_BY_TENANT};
use crate::engine::state::State;

/// The first level above `agent` that is full, if any: the team, then
/// the tenant.
pub(crate) fn above_agent(st: &State, agent: AgentIdx) -> Option<CapLevel> {
    let w = &st.workload;
    if !w.gates_on {
        return None;
    }
    if let Some(t) = st.agent(agent).team {
        if w.teams[t.get()].full() {
            return Some(CapLevel::Team);
        }
    }
    w.tenant_full().then_some(CapLevel::Tenant)
}

/// Counts a refusal at `level` (and at the team for a team refusal).
pub(crate) fn count(st: &mut State, agent: AgentIdx, level: CapLevel) {
    st.stats.refusals.count(level);
    if level == CapLevel::Team {
        if let Some(t) = st.agent(agent).team {
            st.workload.teams[t.get()].refusals += 1;
        }
    }
}

/// Records that `level` held `agent` back, so that they are settled (and
/// so re-ranked and take work) when that level frees room.
pub(crate) fn hold_back(st: &mut State, agent: AgentIdx, level: CapLevel) {
    let a = st.agent_mut(agent);
    match level {
        CapLevel::Team => {
            if a.gated & GATED_BY_TEAM == 0 {
                a.gated |= GATED_BY_TEAM;
                if let Some(t) = a.team {
                    st.workload.teams[t.get()].gated.push(agent);
                }
            }
        }
        CapLevel::Tenant => {
            if a.gated & GATED_BY_TENANT == 0 {
                a.gated |= GATED_BY_TENANT;
                st.workload.tenant_gated.push(agent);
            }
        }
        CapLevel::AgentChannel | CapLevel::AgentTotal | CapLevel::RateLimit => {}
    }
}

/// Records that the tenant's cap held `group`'s waiting work back.
pub(crate) fn block_group(st: &mut State, group: GroupIdx) {
    let g = st.group_mut(group);
    if !g.tenant_blocked {
        g.tenant_blocked = true;
        st.workload.blocked.push(group);
    }
}

/// A live thread `c` of `agent` started (`true`) or ended (`false`): the
/// team's and the tenant's live counts follow, and a level that goes from
/// full to free releases what it held back.
pub(crate) fn live_changed(cx: &mut Cx<'_>, agent: AgentIdx, c: ConvIdx, started: bool) {
    let channel = cx.st.conv(c).channel.index();
    let a = cx.st.agent_mut(agent);
    let team = a.team;
    if started {
        a.channel_live[channel] += 1;
    } else {
        a.channel_live[channel] -= 1;
    }
    let w = &mut cx.st.workload;
    if started {
        w.live += 1;
        if let Some(t) = team {
            w.teams[t.get()].live += 1;
        }
        return;
    }
    // Groups and agents the tenant held back are taken up at the end of
    // the command (`resume`), not here in the middle of a transition.
    w.live -= 1;
    if let Some(t) = team {
        let team = &mut w.teams[t.get()];
        let was_full = team.full();
        team.live -= 1;
        if was_full && !team.full() {
            release_team(cx, t);
        }
    }
}

/// Settles every member a team held back (the team has room again).
pub(crate) fn release_team(cx: &mut Cx<'_>, t: crate::engine::state::index::TeamIdx) {
    let gated = std::mem::take(&mut cx.st.workload.teams[t.get()].gated);
    for agent in gated {
        cx.st.agent_mut(agent).gated &= !GATED_BY_TEAM;
        cx.settle_later(agent);
    }
}

/// At the end of a command: if the tenant has room again, dispatches the
/// groups it held back, oldest waiting head first, and settles the agents
/// it held back. Returns whether it did anything (the caller settles
/// again).
pub(crate) fn resume(cx: &mut Cx<'_>) -> bool {
    let w = &cx.st.workload;
    if (w.blocked.is_empty() && w.tenant_gated.is_empty()) || w.tenant_full() {
        return false;
    }
    let head_start = cx.cfg.class_head_start;
    let mut blocked = std::mem::take(&mut cx.st.workload.blocked);
    blocked.sort_by_cached_key(|&g| {
        let line = &cx.st.group(g).waiting;
        (
            line.head(head_start)
                .map(|(class, key, _)| key.aged(class, head_start)),
            g,
        )
    });
    for &g in &blocked {
        cx.st.group_mut(g).tenant_blocked = false;
    }
    for g in blocked {
        // A dispatch that reaches the tenant's cap again lists the group
        // again, and the ones after it return at once.
        matching::dispatch(cx, g);
    }
    let gated = std::mem::take(&mut cx.st.workload.tenant_gated);
    for agent in gated {
        cx.st.agent_mut(agent).gated &= !GATED_BY_TENANT;
        cx.settle_later(agent);
    }
    true
}

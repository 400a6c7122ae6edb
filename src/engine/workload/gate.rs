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

/// The first level above `agent` that is full for work from `group`'s
/// pool, if any: the team, the group's queue, then the tenant.
// Always: asked before every pull and known-agent wait with caps above
// the agents, and a hint left it out of line (52k calls on the every-rule
// stream).
#[inline(always)]
pub(crate) fn above(st: &State, agent: AgentIdx, group: GroupIdx) -> Option<CapLevel> {
    if !st.workload.gates_on {
        return None;
    }
    match above_agent(st, agent) {
        Some(CapLevel::Team) => Some(CapLevel::Team),
        _ if super::queue_cap::group_full(st, group) => Some(CapLevel::Queue),
        level => level,
    }
}

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
#[inline]
pub(crate) fn count(st: &mut State, agent: AgentIdx, level: CapLevel) {
    st.stats.refusals.count(level);
    if level == CapLevel::AgentChannel {
        st.agent_mut(agent).counters.channel_cap += 1;
    }
    if level == CapLevel::Team {
        if let Some(t) = st.agent(agent).team {
            st.workload.teams[t.get()].refusals += 1;
        }
    }
}

/// Records that `level` held `agent` back, so that they are settled (and
/// so re-ranked and take work) when that level frees room. Returns
/// whether they were not held back by it already.
pub(crate) fn hold_back(st: &mut State, agent: AgentIdx, level: CapLevel) -> bool {
    let a = st.agent_mut(agent);
    match level {
        CapLevel::Team => {
            if a.gated & GATED_BY_TEAM != 0 {
                return false;
            }
            a.gated |= GATED_BY_TEAM;
            if let Some(t) = a.team {
                st.workload.teams[t.get()].gated.push_back(agent);
            }
            true
        }
        CapLevel::Tenant => {
            if a.gated & GATED_BY_TENANT != 0 {
                return false;
            }
            a.gated |= GATED_BY_TENANT;
            st.workload.tenant_gated.push(agent);
            true
        }
        // A full queue holds its line back, not agents (`queue_cap.rs`).
        CapLevel::AgentChannel | CapLevel::AgentTotal | CapLevel::RateLimit | CapLevel::Queue => {
            false
        }
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
// Always: on every assignment and every thread's end, and a hint left it
// out of line (196k calls of 25 instructions on `profile`).
#[inline(always)]
pub(crate) fn live_changed(cx: &mut Cx<'_>, agent: AgentIdx, c: ConvIdx, started: bool) {
    let conv = cx.st.conv(c);
    let channel = conv.channel.index();
    if cx.st.conv_plans.contains(c) {
        // Only a routing plan's conversation counts on a queue: out of
        // line, so the hot path without a plan stays one branch.
        super::queue_cap::conv_live_changed(cx.st, c, started);
    }
    let a = cx.st.agent_mut(agent);
    let team = a.team;
    // Kept only where a channel cap may read it (`agent_rules.rs`).
    if let Some(own) = a.own_rules_box.as_deref_mut() {
        if started {
            own.channel_live[channel] += 1;
        } else {
            own.channel_live[channel] -= 1;
        }
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
        if was_full && !team.full() && !team.gated.is_empty() && !team.freed {
            // Released at the end of the command, and only while the team
            // still has room: usually the agent who freed it takes the
            // next thread and nobody held back needs settling (a team at
            // its cap would otherwise re-rank its members at every flip).
            team.freed = true;
            w.freed.push(t);
        }
    }
}

/// Whether `agent`'s team is at its cap (one predictable branch without
/// caps above the agent).
#[inline]
pub(crate) fn team_full(st: &State, agent: AgentIdx) -> bool {
    let w = &st.workload;
    w.gates_on
        && st
            .agent(agent)
            .team
            .is_some_and(|t| w.teams[t.get()].full())
}

/// At the end of a command, once every agent is settled: settles the
/// longest held-back member of a team that went from full to free, if it
/// still has room. Returns whether it queued someone (the caller settles
/// them and asks again); a team found full again, or with nobody left
/// held back, is dropped from the list. Each call consumes a held-back
/// member or a listed team, so it is bounded by agents + teams.
#[inline]
pub(crate) fn release_next(cx: &mut Cx<'_>) -> bool {
    // Asked at the end of every command with caps above the agents:
    // inlined, one length test when no team freed room.
    if cx.st.workload.freed.is_empty() {
        return false;
    }
    release_freed(cx)
}

#[inline(never)]
fn release_freed(cx: &mut Cx<'_>) -> bool {
    while let Some(&t) = cx.st.workload.freed.last() {
        let team = &mut cx.st.workload.teams[t.get()];
        let next = if team.full() {
            None
        } else {
            team.gated.pop_front()
        };
        let Some(agent) = next else {
            team.freed = false;
            cx.st.workload.freed.pop();
            continue;
        };
        cx.st.agent_mut(agent).gated &= !GATED_BY_TEAM;
        cx.settle_later(agent);
        return true;
    }
    false
}

/// Whether a level above the agents holds anything back (groups or
/// agents the tenant's cap held, teams that freed room this command).
#[inline]
pub(crate) fn holds_any(w: &crate::engine::state::workload::Workload) -> bool {
    !(w.blocked.is_empty()
        && w.tenant_gated.is_empty()
        && w.freed.is_empty()
        && w.queues_freed.is_empty())
}

/// At the end of a command: if the tenant has room again, dispatches the
/// groups it held back, oldest waiting head first, and settles the agents
/// it held back. Returns whether it did anything (the caller settles
/// again).
#[inline]
pub(crate) fn resume(cx: &mut Cx<'_>) -> bool {
    // Asked on every settling round: without anything held back (always,
    // without a tenant cap) it is two length tests, inlined.
    let w = &cx.st.workload;
    if w.blocked.is_empty() && w.tenant_gated.is_empty() {
        return false;
    }
    resume_held(cx)
}

fn resume_held(cx: &mut Cx<'_>) -> bool {
    if cx.st.workload.tenant_full() {
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

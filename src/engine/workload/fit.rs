//! The fit checks of matching under the workload rules: whether any
//! rule can apply to an agent at all (`plain`: one test, so an engine
//! without workload rules reads none of their fields), and, when one can,
//! the root of a free index against every level (`past_rules`) and an
//! agent held out of a free index (`held_back`). Kept apart
//! from `matching/` so its hot paths stay the plain ones.

use super::{gate, queue_cap, CapLevel};
use crate::engine::cx::Cx;
use crate::engine::state::agent::Agent;
use crate::engine::state::group::Group;
use crate::engine::state::index::{AgentIdx, GroupIdx};
use crate::engine::state::workload::GATED_BY_TEAM;
use crate::engine::state::State;
use crate::model::{Capacity, Channel};

/// What `take_agent` does with the root of its index under the workload
/// rules.
pub(crate) enum Past {
    /// The agent may take the work (their rank still to check).
    Yes,
    /// Passed over (dropped from the index, or left for the pool).
    Passed,
    /// A level above the agents is full: the search stops.
    Stop,
}

/// The root `agent` of `pool`'s index (at `position`) against every
/// level, in order (see the module doc of `workload`): their own rules,
/// then their team, the group's queue and the tenant. Refusals are
/// counted at the level that refused.
pub(crate) fn past_rules(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    group: GroupIdx,
    pool: GroupIdx,
    position: u32,
    weight: Capacity,
) -> Past {
    let g = cx.st.group(pool);
    let (channel, shared) = (g.key.channel, !g.followers.is_empty());
    let over = cx.cfg.workload.over(channel);
    let a = cx.st.agent(agent);
    let weight = a.weight_of(channel, weight);
    let takes =
        a.takes(pool, weight, over) || (shared && crate::engine::plan_pool::takes(a, weight, over));
    if !takes || a.held_beside(channel) {
        // Listed with a rank from before their load rose: a refusal
        // at the first of their own levels that is full.
        if a.status.accepts_work() && a.personal.is_empty() {
            if a.channel_full(channel) {
                gate::count(cx.st, agent, CapLevel::AgentChannel);
            } else if !a.fits_over(weight, over) {
                gate::count(cx.st, agent, CapLevel::AgentTotal);
            }
        }
        // Their next live thread to end settles them again.
        cx.st.group_mut(pool).free.set(position, None);
        return Past::Passed;
    }
    match gate::above(cx.st, agent, group) {
        None => Past::Yes,
        Some(CapLevel::Queue) => {
            // The group's queue is full: its line waits; the queue's
            // groups are dispatched when it has room (`queue_cap.rs`).
            queue_cap::count(cx.st, group);
            Past::Stop
        }
        Some(CapLevel::Team) => {
            // Out of this index until the team has room: then the
            // team settles them, which ranks them again.
            gate::count(cx.st, agent, CapLevel::Team);
            gate::hold_back(cx.st, agent, CapLevel::Team);
            cx.st.group_mut(pool).free.set(position, None);
            Past::Passed
        }
        Some(level) => {
            // The tenant is full: nobody here may take work. The index
            // stays as it is; the group is dispatched when it frees.
            gate::count(cx.st, agent, level);
            gate::block_group(cx.st, group);
            Past::Stop
        }
    }
}

/// Whether no workload rule but the tenant's cap can apply to `a` now:
/// no rule of their own and no capped team (`Agent::rules`), no capped
/// plan queue, no interruption matrix (every engine without workload
/// rules, and one with the tenant's cap alone). Then the fit checks read
/// none of the rules' fields: one well-predicted test per fit, and the
/// search asks the tenant's cap in one more (`take_agent`).
#[inline]
pub(crate) fn plain(cx: &Cx<'_>, a: &Agent) -> bool {
    a.rules == 0 && !cx.st.workload.queues_capped && cx.cfg.workload.interruptions.is_empty()
}

/// Whether a rule keeps `agent`, who has room for a group's work of
/// `channel`, out of its free index: a rule of their own (the channel's
/// cap, the rate limit) or their team's cap. A full team's members stay
/// out of the index (no rank to compute, nothing to drop later) until
/// the team releases them; passed over for the team, counted once per
/// full spell.
#[inline]
pub(crate) fn held_back(cx: &mut Cx<'_>, agent: AgentIdx, channel: Channel) -> bool {
    if cx.st.agent(agent).held_beside(channel) {
        return true;
    }
    if gate::team_full(cx.st, agent) {
        if gate::hold_back(cx.st, agent, CapLevel::Team) {
            gate::count(cx.st, agent, CapLevel::Team);
        }
        return true;
    }
    false
}

/// Whether `agent` is held back by their team already and the team is
/// still full: then `held_back` would keep them out of every index
/// whatever they take, without counting again, so re-ranking them needs
/// none of the fit checks.
#[inline]
pub(crate) fn held_by_full_team(st: &State, agent: AgentIdx) -> bool {
    st.agent(agent).gated & GATED_BY_TEAM != 0 && gate::team_full(st, agent)
}

/// Whether `a`'s pull reads none of the rules' fields (no rule of their
/// own, no interruption matrix): the plain fit per slot (`slot_fits`).
#[inline]
pub(crate) fn plain_pull(cx: &Cx<'_>, a: &Agent) -> bool {
    !a.own_rules() && cx.cfg.workload.interruptions.is_empty()
}

/// Whether `a` has room for `g`'s work under their own rules (`plain`:
/// `plain_pull`, the fit alone): the per-slot fit of a pull
/// (`matching::best_waiting`, `any_waiting`).
// Always: per slot in a pull's scan, where `plain` is the same for every
// slot; a hint left it out of line (4.8M instructions on `profile`).
#[inline(always)]
pub(crate) fn slot_fits(cx: &Cx<'_>, a: &Agent, plain: bool, g: &Group) -> bool {
    if plain {
        a.fits(g.weight)
    } else {
        let over = cx.cfg.workload.over(g.key.channel);
        a.has_room(g.key.channel, a.weight_of(g.key.channel, g.weight), over)
    }
}

/// The level above `agent` that refuses any work they would pull from
/// any of their groups, if one does: their team at its cap, or the
/// tenant at its total when no plan queue is capped (a queue's cap would
/// be checked first and depends on the group). As `gate::above` for
/// every group.
#[inline]
pub(crate) fn refused_whatever(st: &State, agent: AgentIdx) -> Option<CapLevel> {
    let w = &st.workload;
    if !w.gates_on {
        return None;
    }
    if gate::team_full(st, agent) {
        return Some(CapLevel::Team);
    }
    (!w.queues_capped && w.tenant_full()).then_some(CapLevel::Tenant)
}

/// Whether `matching::best_waiting` would find work for `agent` (the same
/// conditions per slot: not dormant, fits, and the group's line open to
/// them and not empty, or a busy line sharing its pool), without ranking
/// any head: a refused pull (`refused_whatever`) needs only this.
pub(crate) fn any_waiting(cx: &Cx<'_>, agent: AgentIdx) -> bool {
    let st = &*cx.st;
    let a = st.agent(agent);
    let plain = plain_pull(cx, a);
    let queue_caps = queue_cap::any(st);
    let open = |g: GroupIdx| {
        let group = st.group(g);
        let shut = group.closed || a.cooling(g) || (queue_caps && queue_cap::group_full(st, g));
        group.waiting.len() != 0 && !shut
    };
    a.slots.iter().any(|slot| {
        let g = st.group(slot.group);
        !slot.dormant
            && slot_fits(cx, a, plain, g)
            && (open(slot.group) || (!g.followers.is_empty() && g.busy.iter().any(|&f| open(f))))
    })
}

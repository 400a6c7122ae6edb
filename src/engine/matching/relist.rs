//! Re-ranking: an agent whose rank may have changed is marked in each of
//! their groups (`relist`) and re-ranked when the group is next searched
//! (`flush`); `refresh_room` recounts where they have room.

use super::rank::{rank, rank_inlined};
use crate::engine::cx::Cx;
use crate::engine::state::agent::fits_beside;
use crate::engine::state::group::Group;
use crate::engine::state::index::{AgentIdx, GroupIdx};
use crate::engine::workload::fit;
use crate::model::Capacity;

/// Marks `agent` for re-ranking in every group (their rank may have
/// improved): done when each group is next searched (`flush`).
pub(crate) fn relist(cx: &mut Cx<'_>, agent: AgentIdx) {
    let st = &mut *cx.st;
    let a = &mut st.agents[agent.get()];
    if !a.status.accepts_work() {
        // An agent whose status takes no work is listed nowhere once each
        // group has re-ranked them, and nothing lists them again until
        // their status changes (a re-rank lists only an agent who `takes`,
        // which needs the status; `take_agent` and `pass_over` only
        // unlist). So once they are marked everywhere under such a status,
        // another mark re-ranks nothing: `flush` would find them unlisted
        // and leave them so. Only `execute::set_status` changes a status,
        // and it clears the flag and settles them (marking every group
        // again) with no group searched in between. A wrap-up or a thread
        // ending on an away agent marked all of their groups for nothing
        // (issue 22).
        if a.closed_marked {
            return;
        }
        a.closed_marked = true;
    }
    for slot in &mut a.slots {
        if !slot.pending {
            slot.pending = true;
            st.groups[slot.group.get()].pending.push(agent);
        }
    }
}

/// Sets each agent's `closed_marked` as `relist` leaves it between
/// commands: their status takes no work and each of their groups holds
/// their mark or does not list them (a restored engine's, which a live one
/// had too: a status change settles the agent, marking every group, within
/// its command). Otherwise false: their next `relist` marks every group.
pub(crate) fn derive_closed_marks(st: &mut crate::engine::state::State) {
    for a in &mut st.agents {
        a.closed_marked = !a.status.accepts_work()
            && a.slots
                .iter()
                .all(|s| s.pending || st.groups[s.group.get()].free.rank_of(s.position).is_none());
    }
}

/// Room in a group's emptied `pending` list for every member at once
/// (each is listed at most once), reserved at its first search with
/// marks: then no
/// doubling series toward the most marked between two searches (446 of
/// `profile`'s allocations, BENCHMARKS.md, wheel7): at most the first
/// interval's doublings and this one allocation. Reserved here, not
/// in `relist`, so `relist` stays small enough to inline; cold and out
/// of line for `flush` too.
#[cold]
#[inline(never)]
fn room_for_members(pending: &mut Vec<AgentIdx>, members: usize) {
    let room = members.max(pending.len() + 1);
    pending.reserve_exact(room - pending.len());
}

/// Re-ranks the members of `group` marked since its last search.
pub(super) fn flush(cx: &mut Cx<'_>, group: GroupIdx) {
    if cx.st.group(group).pending.is_empty() {
        // Nothing marked (a dispatch's later rounds): no list moved out
        // and back.
        return;
    }
    let pending = std::mem::take(&mut cx.st.group_mut(group).pending);
    // Read once for every marked member, not once each (`cx.st` is
    // borrowed mutably in between, so the compiler reloaded them).
    let fixed = Fixed::of(cx, group);
    for &agent in &pending {
        // One search of the agent's slots serves the mark and the re-rank:
        // a scan, as an agent belongs to a handful of groups (4 to 8 on
        // the `profile` stream), where a binary search costs more.
        let slots = &mut cx.st.agent_mut(agent).slots;
        let Some(slot) = slots.iter_mut().find(|s| s.group == group) else {
            continue;
        };
        slot.pending = false;
        let (position, dormant) = (slot.position, slot.dormant);
        relist_fixed(cx, agent, group, position, dormant, fixed);
    }
    // Keep the allocation for the next marks, with room for every member.
    // Only for a group that re-ranks: one merely searched keeps none.
    let mut pending = pending;
    let marked = !pending.is_empty();
    pending.clear();
    let g = cx.st.group_mut(group);
    if marked && pending.capacity() < g.members.len() {
        room_for_members(&mut pending, g.members.len());
    }
    g.pending = pending;
}

/// Re-ranks `agent` in `group` (a pool: a group sharing none).
pub(crate) fn relist_in(cx: &mut Cx<'_>, agent: AgentIdx, group: GroupIdx) {
    let Some(slot) = cx.st.agent(agent).slot(group).copied() else {
        return;
    };
    relist_slot(cx, agent, group, slot.position, slot.dormant);
}

/// `relist_in` for the agent at `position` in `group`, `dormant` there
/// (their slot's), found by the caller.
#[inline(always)]
pub(super) fn relist_slot(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    group: GroupIdx,
    position: u32,
    dormant: bool,
) {
    let fixed = Fixed::of(cx, group);
    relist_fixed(cx, agent, group, position, dormant, fixed);
}

/// What a re-rank in one group reads that no re-rank changes: the group's
/// weight, channel and whether it shares its index with followers, and
/// whether the engine has rules beside the agents' own (`fit::plain`).
#[derive(Clone, Copy)]
struct Fixed {
    weight: Capacity,
    channel: crate::model::Channel,
    shared: bool,
    engine_plain: bool,
}

impl Fixed {
    #[inline(always)]
    fn of(cx: &Cx<'_>, group: GroupIdx) -> Self {
        let g = cx.st.group(group);
        debug_assert!(g.pool.is_none(), "a follower has no index of its own");
        Self {
            weight: g.weight,
            channel: g.key.channel,
            shared: !g.followers.is_empty(),
            engine_plain: !cx.st.workload.queues_capped && cx.cfg.workload.interruptions.is_empty(),
        }
    }
}

/// `relist_slot` with the group's `Fixed` reads done.
#[inline(always)]
fn relist_fixed(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    group: GroupIdx,
    position: u32,
    dormant: bool,
    fixed: Fixed,
) {
    let Fixed {
        weight,
        shared,
        engine_plain,
        ..
    } = fixed;
    let a = cx.st.agent(agent);
    // Without a workload rule that can apply (`fit::plain`), the fit
    // alone: no rule's field is read.
    let rules = !(engine_plain && a.rules == 0);
    debug_assert_eq!(rules, !fit::plain(cx, a));
    if rules {
        // With the policy's call out of line: inlined beside the rank it
        // cost the rules' path about 3M instructions (issue 20's budget).
        relist_ruled(cx, agent, group, position, dormant, fixed);
        return;
    }
    let takes =
        a.takes(group, weight, 0) || (shared && crate::engine::plan_pool::takes(a, weight, 0));
    if !dormant && takes {
        // The policy's rank inlined here (`rank_inlined`).
        let rank = rank_inlined(cx, agent, group);
        cx.st.group_mut(group).free.list(position, rank);
    } else {
        cx.st.group_mut(group).free.unlist(position);
    }
}

/// `relist_fixed` of an agent a workload rule may hold back.
#[inline(always)]
fn relist_ruled(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    group: GroupIdx,
    position: u32,
    dormant: bool,
    fixed: Fixed,
) {
    let Fixed {
        weight,
        channel,
        shared,
        ..
    } = fixed;
    if fit::held_by_full_team(cx.st, agent) {
        // As `held_back` would find (no count: held back already), before
        // any fit check: most re-ranks of a capped team's members.
        cx.st.group_mut(group).free.unlist(position);
        return;
    }
    let a = cx.st.agent(agent);
    let (weight, over) = (a.weight_of(channel, weight), cx.cfg.workload.over(channel));
    let takes = a.takes(group, weight, over)
        || (shared && crate::engine::plan_pool::takes(a, weight, over));
    let listed = !dormant && takes && !fit::held_back(cx, agent, channel);
    if listed {
        let rank = rank(cx, agent, group);
        cx.st.group_mut(group).free.list(position, rank);
    } else {
        cx.st.group_mut(group).free.unlist(position);
    }
}

/// Recounts whether `agent` has room in each of their groups (the groups'
/// real-time statistics).
pub(crate) fn refresh_room(cx: &mut Cx<'_>, agent: AgentIdx) {
    let workload = &cx.cfg.workload;
    let st = &mut *cx.st;
    let a = &mut st.agents[agent.get()];
    a.dirty = false;
    // Without an interruption matrix, the plain sum (no lookup per slot).
    let interrupting = !workload.interruptions.is_empty();
    if !a.channel_rules() && !interrupting && a.cooldowns.is_empty() && a.cool_counted.is_empty() {
        // No rule of the agent's own per channel, no interruption matrix,
        // no cool-down to count (an engine without workload rules, or
        // with a rate limit alone, which holds the agent in every group
        // alike): the plain count, one branch for all the rules.
        let (load, cap) = (u64::from(a.load.0), u64::from(a.cap.0));
        let open = a.status.accepts_work() && a.personal.is_empty() && !a.rate_limited();
        // The groups as a slice held across the loop: through `st` the
        // compiler reloaded the vector's pointer and length per slot.
        let groups = &mut st.groups[..];
        for slot in &mut a.slots {
            let g = &mut groups[slot.group.get()];
            let room = open && !slot.dormant && load + u64::from(g.weight.0) <= cap;
            count_room(slot, g, room);
        }
        return;
    }
    let (load, cap, channel_load) = (a.load, a.cap, a.channel_load);
    // Without rules of the agent's own (`Agent::rules`), no per-channel
    // field is read: one predictable branch per slot.
    let (rules, limited) = (a.own_rules(), a.rate_limited());
    let own = if rules {
        a.own_rules_box.as_deref()
    } else {
        None
    };
    let open = a.status.accepts_work() && a.personal.is_empty();
    // The cool-down counts of the groups sharing pools (`plan_pool.rs`),
    // recounted for an agent cooling down somewhere or who was.
    let cool = !a.cooldowns.is_empty() || !a.cool_counted.is_empty();
    if cool {
        for g in a.cool_counted.drain(..) {
            st.groups[g.get()].cool_room -= 1;
        }
    }
    if !open {
        // Away, offline or owed personal work: no room anywhere, and
        // nothing to count as cooling (issue 20's budget: a wrap-up or a
        // held agent's refresh reads no rule per slot).
        for slot in &mut a.slots {
            count_room(slot, &mut st.groups[slot.group.get()], false);
        }
        return;
    }
    for slot in &mut a.slots {
        let g = &mut st.groups[slot.group.get()];
        // `Agent::weight_of` and `Agent::held_beside`, by field (the
        // slots are borrowed), read only for a slot that is not dormant.
        let base = !slot.dormant && {
            let i = g.key.channel.index();
            let (weight, beside) = match own {
                Some(r) => {
                    let weight = match r.weights[i] {
                        0 => g.weight,
                        own => Capacity(own),
                    };
                    (weight, r.channel_live[i] >= r.channel_caps[i] || limited)
                }
                None => (g.weight, false),
            };
            !beside
                && if interrupting {
                    fits_beside(
                        load,
                        cap,
                        &channel_load,
                        weight,
                        workload.over(g.key.channel),
                    )
                } else {
                    u64::from(load.0) + u64::from(weight.0) <= u64::from(cap.0)
                }
        };
        let room = base && !a.cooldowns.iter().any(|&(c, _)| c == slot.group);
        count_room(slot, g, room);
        if cool && base {
            // Bounded by the agent's cool-downs.
            for &(c, _) in &a.cooldowns {
                if st.groups[c.get()].pool.unwrap_or(c) == slot.group {
                    st.groups[c.get()].cool_room += 1;
                    a.cool_counted.push(c);
                }
            }
        }
    }
}

/// Records whether the agent of `slot` has room in `g` now, counted in
/// the group's real-time statistics.
#[inline]
fn count_room(slot: &mut crate::engine::state::agent::Slot, g: &mut Group, room: bool) {
    if room != slot.room {
        slot.room = room;
        if room {
            g.with_room += 1;
        } else {
            g.with_room -= 1;
        }
    }
}

//! Plan queues with equal requirements share one pool of agents.
//!
//! A routing-plan queue with business hours or priority aging keeps its
//! work apart: its groups carry its *gate* in their routing key
//! (`plan_hours::gate_of`), so that closing the queue is a flag on its
//! lines and its aging points are its lines' own. Their agents, though,
//! are exactly those of the shared group (gate 0) of the same channel and
//! skills whenever the queue lists no explicit members and sets no cap on
//! its live work, and the plan has no routing profiles. Such a queue's
//! group is a *follower*: it keeps its own waiting line, closed flag,
//! hand-over ring and gate, and matches from its *pool*, the shared group,
//! whose members, free-agent index, pending re-rankings and online count
//! it uses (`State::pool`). An agent
//! is then a member of one group per skill set, not one per queue, and is
//! re-ranked once per load change, not once per queue.
//!
//! What stays per queue is read at the choice:
//! * its hours: `Group::closed` of the line (`matching::dispatch`,
//!   `matching::best_waiting`);
//! * its aging: the line's points (`queue_aging::head_choice`);
//! * cool-downs, which are per group: a pool with followers lists an
//!   agent cooling down in one of its groups (they may take the others'
//!   work); a search for a group's work passes over those cooling down in
//!   that group, taking them out of the index until the pool's next
//!   search re-ranks them (`matching::take_agent`), and a freed agent
//!   skips the lines of the groups they cool down in.
//!
//! No decision moves: a follower's work would have met the same agents,
//! in the same member order (registration order), ranked by the same
//! policy on the same channel and skills. Each real-time count stays the
//! group's own: online is the pool's, with room is the pool's less the
//! members cooling down in the group (`State::with_room`, kept by
//! `matching::refresh_room` through `Group::cool_room`). One statistic
//! counts differently: an index entry left stale by a rise in load is
//! found, and counted as a refusal (`EngineStats::refusals`), once per
//! pool instead of once per queue group. Cost: a freed member reads the
//! head of each follower's line holding work, of each of its pools; a
//! load change re-ranks an agent once per pool, not once per queue.

use super::cx::Cx;
use super::matching;
use super::queue_aging::ChoiceKey;
use super::state::agent::Agent;
use super::state::group::{Group, RoutingKey};
use super::state::index::GroupIdx;
use super::state::index::{AgentIdx, ConvIdx};
use super::state::State;
use crate::model::{Capacity, TimeSpan, Timestamp};
use crate::plan::profile::CProfile;

/// Whether new groups of gate `gate` share a pool: the gate is a queue of
/// the plan in force that lists no explicit members and has no cap on its
/// live work, under a plan without routing profiles (a profile agent
/// serves only the queues it lists, so such a queue's members differ from
/// the shared group's).
pub(crate) fn shares(st: &State, gate: u64) -> bool {
    let Some(plan) = st.plan.as_deref() else {
        return false;
    };
    if gate == 0 || !plan.profiles.is_empty() {
        return false;
    }
    super::plan_hours::queue_of_gate(st, gate)
        .and_then(|q| plan.queues.get(q))
        // A queue with a cap on live work keeps a pool of its own: it is
        // held back as a whole at the cap (`queue_cap.rs`).
        .is_some_and(|q| q.members.is_none() && q.max_live.is_none())
}

/// Creates the follower group of `key` (a gate that [`shares`]), creating
/// its pool, the shared group of the same channel and skills, if needed.
pub(crate) fn add_follower(cx: &mut Cx<'_>, key: RoutingKey) -> GroupIdx {
    debug_assert!(key.gate != 0, "a follower has a gate");
    let pool = super::plan_steps::group_for(cx, key.channel, key.skills.clone(), 0);
    let weight = cx.cfg.weight(key.channel);
    let st = &mut *cx.st;
    let idx = st.next_group_slot().expect("a group slot is left");
    let mut group = Group::new(key, weight);
    group.pool = Some(pool);
    st.install_group(idx, group);
    let shared = &mut st.groups[pool.get()];
    // Its followers list holds the pool's index: never reclaimed.
    shared.pinned = true;
    let first = shared.followers.is_empty();
    shared.followers.push(idx);
    if first {
        // Until now an agent cooling down in the pool was out of its
        // index; now they may take the followers' work. Once per pool,
        // bounded by its members (as creating a group is).
        for i in 0..st.groups[pool.get()].members.len() {
            let a = cx.st.groups[pool.get()].members[i];
            if cx.st.agent(a).cooling(pool) {
                matching::relist_in(cx, a, pool);
            }
        }
    }
    idx
}

/// Whether `agent` may take work of `weight` (beside the channels in
/// `over`) in a pool with followers, as far as its index can say: as
/// `Agent::takes` without the cool-downs, which are checked per group at
/// the choice.
#[inline]
pub(crate) fn takes(agent: &Agent, weight: Capacity, over: u8) -> bool {
    agent.status.accepts_work() && agent.personal.is_empty() && agent.fits_over(weight, over)
}

/// Whether `agent` serves group `g` through its pool (`g` a follower):
/// the second try of `agent.serves(g) || serves_pool(..)`, out of line.
#[inline(never)]
pub(crate) fn serves_pool(st: &State, agent: &Agent, g: GroupIdx) -> bool {
    st.group(g).pool.is_some_and(|p| agent.serves(p))
}

/// Takes `agent` (at `position`) out of `pool`'s index for a search of
/// the work of a group they cool down in, and marks them for re-ranking
/// at the pool's next search (where they are listed for its other
/// groups' work again).
#[inline(never)]
pub(crate) fn pass_over(st: &mut State, pool: GroupIdx, agent: AgentIdx, position: u32) {
    st.groups[pool.get()].free.set(position, None);
    if let Some(slot) = st.agents[agent.get()].slot_mut(pool) {
        if !slot.pending {
            slot.pending = true;
            st.groups[pool.get()].pending.push(agent);
        }
    }
}

/// The best of `own` (the choice of a freed member's own line of `pool`,
/// with its group) and the heads of the lines holding work of `pool`'s
/// followers that are open, not at their queue's cap, and that `agent`
/// does not cool down in (bounded by the followers: the plan's queues per
/// plan load). Fit and channel were checked on the pool: equal for all.
#[inline(never)]
pub(crate) fn best_line(
    st: &State,
    agent: &Agent,
    pool: &Group,
    own: Option<((ChoiceKey, ConvIdx), GroupIdx)>,
    now: Timestamp,
    head_start: TimeSpan,
    profile: Option<&CProfile>,
) -> Option<((ChoiceKey, ConvIdx), GroupIdx)> {
    let followers = pool.busy.iter().filter_map(|&f| {
        let g = st.group(f);
        if g.closed || agent.cooling(f) || super::workload::queue_cap::group_full(st, f) {
            return None;
        }
        super::queue_aging::head_choice(st, now, head_start, profile, g).map(|choice| (choice, f))
    });
    own.into_iter().chain(followers).min()
}

/// Links the followers of a snapshot being restored (each restored naming
/// itself as its pool) to their pools: the shared group of the same
/// channel and skills, which the snapshot must hold. Bounded by the groups.
pub(crate) fn restore(st: &mut State) -> Result<(), super::RestoreError> {
    for i in 0..st.groups.len() {
        let Some(g) = GroupIdx::new(i).filter(|&g| st.groups[i].pool == Some(g)) else {
            continue;
        };
        let key = &st.groups[i].key;
        let pool = st
            .group_of(&(key.channel, &key.skills[..]))
            .filter(|&p| {
                let p = st.group(p);
                p.pool.is_none() && !p.vacant && p.pinned
            })
            .ok_or(super::RestoreError::Corrupt(
                "a group sharing a pool has no pool",
            ))?;
        st.groups[i].pool = Some(pool);
        st.groups[pool.get()].followers.push(g);
    }
    Ok(())
}

/// The audit's check of shared pools: each follower linked both ways to
/// the shared group of its channel and skills and holding no member of its
/// own; each member of a pool with followers who could take work listed in
/// its index (or due a re-ranking, or held back a level above), cool-downs
/// aside; each group's count of members cooling down in it with room
/// (`cool_room`) right; and no follower's open line waiting while a member
/// who takes its work is free. O(groups in pools x members).
pub(crate) fn audit(
    st: &State,
    cfg: &super::EngineConfig,
) -> Result<(), super::audit::AuditViolation> {
    use super::audit::AuditViolation;
    let broken = || AuditViolation::StatisticMismatch {
        what: "groups sharing a pool",
        kept: 0,
        recounted: 1,
    };
    for (i, group) in st.groups.iter().enumerate() {
        let g = GroupIdx::new(i).expect("group slot");
        if group
            .followers
            .iter()
            .any(|f| st.groups.get(f.get()).is_none_or(|x| x.pool != Some(g)))
        {
            return Err(broken());
        }
        if group.pool.is_none() && group.followers.is_empty() {
            continue;
        }
        let pool = st.pool(g);
        let p = st.group(pool);
        if let Some(own) = group.pool {
            let kept_own = !group.members.is_empty()
                || group.free.best().is_some()
                || !group.pending.is_empty()
                || group.online != 0
                || group.with_room != 0;
            let linked = p.pool.is_none()
                && p.key.gate == 0
                && p.key.channel == group.key.channel
                && p.key.skills == group.key.skills
                && p.followers.contains(&g);
            if kept_own || !linked || group.vacant || own != pool {
                return Err(broken());
            }
        }
        // A closed queue's line waits for its hours, one at its cap for
        // room (`queue_cap.rs`).
        let head = group.waiting.head(cfg.class_head_start).filter(|_| {
            group.pool.is_some() && !group.closed && !super::workload::queue_cap::group_full(st, g)
        });
        let over = cfg.workload.over(group.key.channel);
        let mut cooling = 0;
        for (position, &m) in p.members.iter().enumerate() {
            let a = st.agent(m);
            let slot = a.slot(pool).copied();
            let weight = a.weight_of(group.key.channel, group.weight);
            let able = slot.is_some_and(|s| !s.dormant)
                && takes(a, weight, over)
                && !a.held_beside(group.key.channel);
            cooling += u32::from(able && a.cooling(g));
            let pending = slot.is_some_and(|s| s.pending);
            let listed = p.free.rank_of(position as u32).is_some();
            if able && !pending && a.gated == 0 && !listed {
                return Err(AuditViolation::StaleIndex { agent: a.id });
            }
            let above_open = super::workload::gate::above(st, m, g).is_none();
            if let (true, false, true, Some((_, _, c))) = (able, a.cooling(g), above_open, head) {
                return Err(AuditViolation::NotWorkConserving {
                    conversation: st.conv(c).id,
                    agent: a.id,
                });
            }
        }
        let busy = group.pool.is_some() && group.waiting.len() > 0;
        if busy != p.busy.contains(&g) || p.busy.len() > p.followers.len() {
            return Err(broken());
        }
        if cooling != group.cool_room {
            return Err(AuditViolation::StatisticMismatch {
                what: "agents cooling down with room",
                kept: u64::from(group.cool_room),
                recounted: u64::from(cooling),
            });
        }
    }
    Ok(())
}

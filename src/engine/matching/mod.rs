//! Matching: where a conversation that needs a place goes, and how waiting
//! conversations and free agents meet.
//!
//! * `route`: a conversation entering human routing goes to the customer's
//!   known agent (sticky affinity: at once, or waiting for them up to the
//!   sticky wait), else to its skill group's line.
//! * `dispatch`: a group's line meets the group's best-ranked free agent
//!   (the root of its free index), best first on both sides.
//! * `settle`: an agent whose capacity, status or queues changed takes the
//!   threads waiting for them personally, then (online, nobody waiting for
//!   them) the best waiting work of their groups while it fits, and is
//!   re-ranked in every group.
//!
//! The policy's rank is in `rank.rs`, the re-rank bookkeeping (marks,
//! `flush`, `refresh_room`) in `relist.rs`.
//!
//! Each loop is bounded by what it consumes (a waiting conversation or a
//! slice of capacity per round), and `take_agent` by the group's size even
//! against a policy whose ranks change between calls.

use super::cx::Cx;
use super::decision::{AssignVia, Decision, StickyMissReason};
use super::lifecycle;
use super::state::conversation::When;
use super::state::index::{AgentIdx, ConvIdx, GroupIdx};
use super::state::timers::TimerKind;
use super::workload::fit::{self, Past};
use super::workload::{gate, queue_cap, weight, CapLevel};
use crate::model::{AgentStatus, Capacity};

mod rank;
mod relist;

use rank::rank;
pub(crate) use rank::rank_now;
pub(crate) use relist::{derive_closed_marks, refresh_room, relist, relist_in};
use relist::{flush, relist_slot};

/// Starts the first-response clock (unless a human already answered) and
/// places `c`, which holds no capacity and sits nowhere: with the
/// customer's known agent when within the affinity window, else in its
/// group.
pub(crate) fn route(cx: &mut Cx<'_>, c: ConvIdx) {
    let at = cx.at;
    if cx.st.conv(c).first_response_at().is_none() {
        start_response_clock(cx, c);
    }
    let conv = cx.st.conv(c);
    let (who, group, channel) = (conv.who, conv.group, conv.channel);
    let windows = &cx.cfg.workload.affinity_windows;
    let channel_window = if windows.is_empty() {
        None
    } else {
        windows.get(&channel).copied()
    };
    let window = channel_window.unwrap_or(cx.cfg.affinity_window);
    let last = cx.st.customers[who.get()].last_agent();
    let known = last.filter(|(_, when)| at.since(*when) <= window);
    // The rest of the affinity list (owner, preferred agents), tried
    // after the last agent and before the queue.
    super::preferred::start(cx, c, known.map(|k| k.0));
    let Some((agent, _)) = known else {
        if let (Some((agent, _)), Some(_)) = (last, channel_window) {
            // The channel's window is configuration: its expiry is a
            // reason the host sees.
            cx.st.conv_mut(c).set_sticky_agent(Some(agent));
            sticky_miss(cx, c, StickyMissReason::AffinityExpired);
        }
        return super::preferred::next(cx, c);
    };
    cx.st.conv_mut(c).set_sticky_agent(Some(agent));
    let a = cx.st.agent(agent);
    let weight = weight::of(cx.cfg, a, channel);
    let serves = a.serves(group) || super::plan_pool::serves_pool(cx.st, a, group);
    if weight > a.cap || !(serves || super::preferred::bypasses_soft(cx, c, agent)) {
        sticky_miss(cx, c, StickyMissReason::NotEligible);
        return super::preferred::next(cx, c);
    }
    let room = a.has_room(channel, weight, cx.cfg.workload.over(channel));
    let above = if room && a.status == AgentStatus::Online {
        gate::above(cx.st, agent, group)
    } else {
        None
    };
    if above == Some(CapLevel::Queue) {
        // The queue, not the agent, is full: the customer waits in its
        // line (`queue_cap.rs`).
        queue_cap::count(cx.st, group);
        sticky_miss(cx, c, StickyMissReason::QueueFull);
        return super::preferred::next(cx, c);
    }
    if let Some(level) = above {
        // The known agent has room but a level above them is full: the
        // customer waits for them as for a full agent.
        gate::count(cx.st, agent, level);
        gate::hold_back(cx.st, agent, level);
    }
    let a = cx.st.agent(agent);
    match a.status {
        AgentStatus::Online if room && above.is_none() => {
            queue_cap::credit(cx.st, c, group);
            lifecycle::hand_over(cx, c, agent, AssignVia::Sticky)
        }
        AgentStatus::Online | AgentStatus::Away => {
            let until = at + cx.cfg.sticky_wait;
            lifecycle::enqueue_personal(cx, c, agent, false, Some(until));
        }
        _ => {
            sticky_miss(cx, c, StickyMissReason::AgentOffline);
            super::preferred::next(cx, c);
        }
    }
}

/// Starts the first-response clock of `c` (entering human routing, or a
/// thread reopened before any human answered).
pub(crate) fn start_response_clock(cx: &mut Cx<'_>, c: ConvIdx) {
    let at = cx.at;
    if cx.st.conv_plans.contains(c) {
        // The route's queue may name its own first-response target.
        super::plan_steps::fix_sla_target(cx, c);
    }
    let conv = cx.st.conv_mut(c);
    conv.set_at(When::SlaStart, Some(at));
    conv.sla_gen = conv.sla_gen.wrapping_add(1);
    let generation = conv.sla_gen;
    let warn_after = cx.st.warn_after(c, cx.cfg);
    lifecycle::arm(cx, at + warn_after, TimerKind::SlaWarning, c, generation);
    // The breach timer is armed by the warning when it fires: one
    // pending SLA timer per conversation instead of two.
}

/// Puts `c` in its group's line and lets the group's free agents take what
/// they can; says `Queued` if it still waits.
pub(crate) fn place_in_group(cx: &mut Cx<'_>, c: ConvIdx) {
    // A routing plan's steps due by now, and the groups they name (a
    // terminal action may end its wait here).
    if cx.st.conv_plans.contains(c) && !super::plan_steps::before_queue(cx, c) {
        return;
    }
    lifecycle::enqueue_group(cx, c);
    // Its queue may be closed (business hours): its closing rule applies.
    super::plan_hours::on_arrival(cx, c);
    let group = cx.st.conv(c).group;
    dispatch(cx, group);
    if !cx.st.extra_groups(c).is_empty() {
        super::plan_steps::dispatch_extra(cx, c);
    }
    if cx.st.conv(c).place == super::state::conversation::Place::Queued {
        if cx.st.conv_plans.contains(c) {
            // Its next step, now that it waits.
            super::plan_steps::arm_if_waiting(cx, c);
        }
        let conversation = cx.st.conv(c).id;
        cx.emit(Decision::Queued { conversation });
    }
}

/// Records that a returning customer missed their known agent.
pub(crate) fn sticky_miss(cx: &mut Cx<'_>, c: ConvIdx, reason: StickyMissReason) {
    let conv = cx.st.conv_mut(c);
    if let Some(agent) = conv.take_sticky_agent() {
        let (conversation, who) = (conv.id, conv.who);
        let customer = cx.st.customers[who.get()].id;
        cx.st.stats.sticky_misses += 1;
        let agent = cx.st.id(agent);
        cx.emit(Decision::StickyMiss {
            conversation,
            customer,
            agent,
            reason,
        });
    }
}

/// Matches `group`'s waiting conversations with its free agents (those
/// of its pool, `plan_pool.rs`), best first on both sides, while both
/// exist.
pub(crate) fn dispatch(cx: &mut Cx<'_>, group: GroupIdx) {
    if cx.st.group(group).closed {
        // Business hours: its line waits for the queue to open.
        return;
    }
    let pool = cx.st.pool(group);
    let bound = cx.st.group(group).waiting.len() as usize + 1;
    for round in 0.. {
        assert!(round <= bound, "dispatch exceeded its bound");
        let Some((_, _, c)) = cx.st.group(group).waiting.head(cx.cfg.class_head_start) else {
            return;
        };
        let Some((agent, position)) = take_agent(cx, group, pool) else {
            return;
        };
        queue_cap::credit(cx.st, c, group);
        lifecycle::hand_over(cx, c, agent, AssignVia::Policy);
        // Taken from the index, so not dormant (a dormant member is never
        // listed): its position spares a search of its slots.
        debug_assert_eq!(
            cx.st
                .agent(agent)
                .slot(pool)
                .map(|s| (s.position, s.dormant)),
            Some((position, false))
        );
        relist_slot(cx, agent, pool, position, false);
    }
}

/// The best-ranked agent of `group` who can take its work now, with
/// their position in `pool`.
///
/// Stored ranks may lag on the worse side only: higher load, later
/// assignment or activity never improve a rank (the
/// [`RoutingPolicy`] contract), so the engine re-ranks eagerly only when a
/// rank may improve and lets rises stand. So the root's stored rank is a
/// lower bound of everyone's current rank: if the root's current rank
/// equals it, the root is the best. Otherwise the root is re-ranked (or
/// unlisted, if it cannot take the work) and the search goes on. Each
/// member is unlisted at most once and, for a policy keeping its contract,
/// re-ranked at most once; a policy whose ranks change between calls gets
/// `members + 1` re-ranks, after which the root is taken as it stands
/// (counted in `EngineStats::policy_faults`).
///
/// The agents are those of `pool` (`group` itself, or the pool it shares,
/// `plan_pool.rs`); in a pool with followers, a member cooling down in
/// `group` is passed over for this search only.
fn take_agent(cx: &mut Cx<'_>, group: GroupIdx, pool: GroupIdx) -> Option<(AgentIdx, u32)> {
    flush(cx, pool);
    let (members, weight, shared) = {
        let g = cx.st.group(pool);
        (g.members.len(), g.weight, !g.followers.is_empty())
    };
    let rerank_bound = members + 1;
    let mut reranks = 0;
    let bound = members + rerank_bound + 1;
    for round in 0.. {
        assert!(round <= bound, "take_agent exceeded its bound");
        let (position, stored) = cx.st.group(pool).free.best()?;
        let agent = cx.st.group(pool).members[position as usize];
        let a = cx.st.agent(agent);
        if shared && a.cooling(group) {
            // Listed for the pool's other groups: out of the index until
            // its next search re-ranks them (`plan_pool.rs`).
            super::plan_pool::pass_over(cx.st, pool, agent, position);
            continue;
        }
        if fit::plain(cx, a) {
            // No workload rule can apply: the fit alone, nothing above
            // the agent to ask.
            let takes =
                a.takes(pool, weight, 0) || (shared && super::plan_pool::takes(a, weight, 0));
            if !takes {
                if a.status.accepts_work() && a.personal.is_empty() && !a.fits(weight) {
                    gate::count(cx.st, agent, CapLevel::AgentTotal);
                }
                cx.st.group_mut(pool).free.unlist(position);
                continue;
            }
            if cx.st.workload.tenant_full() {
                // The one level above a plain agent: nobody here may take
                // work (as `fit::past_rules`' tenant refusal).
                gate::count(cx.st, agent, CapLevel::Tenant);
                gate::block_group(cx.st, group);
                return None;
            }
        } else {
            match fit::past_rules(cx, agent, group, pool, position, weight) {
                Past::Yes => {}
                Past::Passed => continue,
                Past::Stop => return None,
            }
        }
        if reranks >= rerank_bound {
            cx.st.stats.policy_faults += 1;
            return Some((agent, position));
        }
        let current = rank(cx, agent, pool);
        if current != stored {
            reranks += 1;
            cx.st.group_mut(pool).free.list(position, current);
            continue;
        }
        return Some((agent, position));
    }
    None
}

/// Brings `agent` up to date (see the module doc).
pub(crate) fn settle(cx: &mut Cx<'_>, agent: AgentIdx) {
    let status = cx.st.agent(agent).status;
    if status != AgentStatus::Offline {
        let bound = cx.st.agent(agent).personal.len();
        for round in 0.. {
            assert!(round <= bound, "settle's own queue exceeded its bound");
            let a = cx.st.agent(agent);
            let Some(((known, _), c)) = a.personal.first(&cx.st.personal_pool) else {
                break;
            };
            if known && !status.accepts_work() {
                break;
            }
            let channel = cx.st.conv(c).channel;
            let over = cx.cfg.workload.over(channel);
            if !a.fits_over(weight::of(cx.cfg, a, channel), over) || a.channel_full(channel) {
                break;
            }
            if known {
                // A known-agent wait is new work: the rate limit and the
                // levels above the agent apply (the refusal was counted
                // when it started).
                if a.rate_limited() {
                    break;
                }
                let group = cx.st.conv(c).group;
                match gate::above(cx.st, agent, group) {
                    None => queue_cap::credit(cx.st, c, group),
                    Some(CapLevel::Queue) => {
                        // Its queue is full: it waits in the queue's line.
                        queue_cap::count(cx.st, group);
                        queue_full_wait_ends(cx, c, agent);
                        continue;
                    }
                    Some(level) => {
                        gate::hold_back(cx.st, agent, level);
                        break;
                    }
                }
            }
            let via = if known && super::preferred::is_preferred_wait(cx, c) {
                AssignVia::Preferred
            } else if known {
                AssignVia::KnownAgent
            } else {
                AssignVia::Resumed
            };
            lifecycle::hand_over(cx, c, agent, via);
        }
    }
    let a = cx.st.agent(agent);
    if status.accepts_work() && a.personal.is_empty() && !a.rate_limited() {
        // Each round adds at least one milli-unit of load under the cap.
        let bound = a.cap.0 as usize + 1;
        for round in 0.. {
            assert!(round <= bound, "settle's pull exceeded its bound");
            if let Some(level) = fit::refused_whatever(cx.st, agent) {
                // A level above refuses whatever they would pull (their
                // team is full): whether anything waits for them is all
                // the refusal needs, not the best of every group's head.
                let waiting = fit::any_waiting(cx, agent);
                debug_assert_eq!(
                    waiting,
                    super::best_waiting::best_waiting(cx, agent).is_some()
                );
                if waiting {
                    gate::count(cx.st, agent, level);
                    gate::hold_back(cx.st, agent, level);
                }
                break;
            }
            let Some((group, c)) = super::best_waiting::best_waiting(cx, agent) else {
                break;
            };
            if let Some(level) = gate::above(cx.st, agent, group) {
                gate::count(cx.st, agent, level);
                gate::hold_back(cx.st, agent, level);
                break;
            }
            queue_cap::credit(cx.st, c, group);
            lifecycle::hand_over(cx, c, agent, AssignVia::Pull);
        }
    }
    relist(cx, agent);
}

/// A known-agent wait of `c` for `agent` ends because its queue is full:
/// it goes on down its affinity list, then to its queue's line.
fn queue_full_wait_ends(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
    lifecycle::detach(cx, c);
    sticky_miss(cx, c, StickyMissReason::QueueFull);
    super::preferred::wait_ended(cx, c, agent, super::PreferredSkip::QueueFull);
    super::preferred::next(cx, c);
}

/// Capacity needed for `c` on `agent` beyond what it holds (resume).
pub(crate) fn extra_for(cx: &Cx<'_>, c: ConvIdx, agent: AgentIdx) -> Capacity {
    let conv = cx.st.conv(c);
    let full = weight::of(cx.cfg, cx.st.agent(agent), conv.channel);
    Capacity(full.0 - conv.held.0)
}

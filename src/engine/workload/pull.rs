//! Pull mode: an agent asks for their next conversation
//! ([`Command::PullNext`](crate::Command::PullNext)) and gets the best
//! waiting conversation of their groups under exactly the rules a push
//! follows (online, nobody waiting for them, not cooling down, their
//! channel caps and rate limit, their team, the tenant), except that it
//! may fill them up to their pull maximum
//! ([`Command::SetPullCap`](crate::Command::SetPullCap)), above the cap
//! pushes stop at (Gladly's standard and maximum capacity). A pull that
//! finds nothing is a [`Decision::NothingToPull`] with its reason.
//!
//! A pull that passes over waiting work of a routing-plan queue at its
//! cap (`queue_cap.rs`) is refused there, as a push would be: one refusal
//! at the level `Queue` per full queue passed over (in total and per
//! queue), whether or not the pull then finds other work; a pull that
//! finds nothing else says [`PullMiss::Refused`] with that level. The
//! levels keep their order: when the agent's team is full too, the team
//! refuses first (one refusal at `Team`, none at the queues).

use super::{gate, CapLevel};
use crate::engine::cx::Cx;
use crate::engine::decision::{AssignVia, Decision, PullMiss};
use crate::engine::lifecycle;
use crate::engine::state::index::{AgentIdx, ConvIdx, GroupIdx};
use crate::model::Capacity;

/// Gives `agent` the best waiting conversation they may pull now, or
/// says why not.
pub(crate) fn pull_next(cx: &mut Cx<'_>, agent: AgentIdx) {
    let a = cx.st.agent(agent);
    let miss = if !a.status.accepts_work() {
        Some(PullMiss::NotAvailable)
    } else if !a.personal.is_empty() {
        Some(PullMiss::OwnQueueFirst)
    } else if a.rate_limited() {
        Some(PullMiss::RateLimited)
    } else {
        None
    };
    // The groups of full queues whose work the pull passed over.
    let mut full = Vec::new();
    let found = match miss {
        Some(miss) => Err(miss),
        None => best_within(cx, agent, a.ceiling(), &mut full).ok_or(PullMiss::NothingEligible),
    };
    // Work passed over at a full queue is refused at the first full level
    // in order: the agent's team before the queue (`gate::above`).
    let team_full = !full.is_empty() && gate::team_full(cx.st, agent);
    let found = match (found, full.is_empty(), team_full) {
        (Err(PullMiss::NothingEligible), false, true) => {
            gate::count(cx.st, agent, CapLevel::Team);
            Err(PullMiss::Refused(CapLevel::Team))
        }
        (Err(PullMiss::NothingEligible), false, false) => Err(PullMiss::Refused(CapLevel::Queue)),
        (found, ..) => found,
    };
    if !team_full {
        count_full_queues(cx, &full);
    }
    let found = found.and_then(|(g, c)| match gate::above(cx.st, agent, g) {
        Some(level) => {
            gate::count(cx.st, agent, level);
            Err(PullMiss::Refused(level))
        }
        None => Ok((g, c)),
    });
    match found {
        Ok((g, c)) => {
            cx.st.stats.pulls += 1;
            cx.st.agent_mut(agent).counters.pulls += 1;
            super::queue_cap::credit(cx.st, c, g);
            lifecycle::hand_over(cx, c, agent, AssignVia::PullNext);
        }
        Err(reason) => {
            let id = cx.st.id(agent);
            cx.emit(Decision::NothingToPull { agent: id, reason });
        }
    }
}

/// Counts one refusal at the level `Queue` for each queue whose groups in
/// `full` (at most the agent's slots) the pull passed over.
fn count_full_queues(cx: &mut Cx<'_>, full: &[GroupIdx]) {
    for (i, &g) in full.iter().enumerate() {
        // A queue's several groups (channels, skill levels) count once.
        let queue = super::queue_cap::queue_of(cx.st, g);
        if full[..i]
            .iter()
            .all(|&h| super::queue_cap::queue_of(cx.st, h) != queue)
        {
            super::queue_cap::count(cx.st, g);
        }
    }
}

/// The best waiting conversation among `agent`'s groups whose weight fits
/// under `ceiling` (as `matching::best_waiting` does under the cap). The
/// groups whose queue is at its cap and whose work the pull could
/// otherwise take are pushed on `full`.
fn best_within(
    cx: &Cx<'_>,
    agent: AgentIdx,
    ceiling: Capacity,
    full: &mut Vec<GroupIdx>,
) -> Option<(GroupIdx, ConvIdx)> {
    let a = cx.st.agent(agent);
    let head_start = cx.cfg.class_head_start;
    // A routing profile's primary queues first (`engine/profiles.rs`).
    let profile = crate::engine::profiles::profile_of(cx.st, agent);
    let now = cx.st.clock.max(cx.at);
    a.slots
        .iter()
        .filter_map(|slot| {
            let g = cx.st.group(slot.group);
            // Beside the load of the channels this one interrupts, if any.
            let over = cx.cfg.workload.over(g.key.channel);
            let weight = a.weight_of(g.key.channel, g.weight);
            let fits = a.fits_over(weight, over)
                || u64::from(a.load.0) + u64::from(weight.0) <= u64::from(ceiling.0);
            if slot.dormant || !fits || a.held_beside(g.key.channel) {
                return None;
            }
            // Then the most points of queue aging (`queue_aging.rs`).
            let own = if g.closed || a.cooling(slot.group) {
                None
            } else {
                crate::engine::queue_aging::head_choice(cx.st, now, head_start, profile, g)
                    .map(|choice| (choice, slot.group))
            };
            // Work of a full queue is passed over, and counted so.
            let own = match own {
                Some(_) if super::queue_cap::group_full(cx.st, slot.group) => {
                    full.push(slot.group);
                    None
                }
                own => own,
            };
            if g.followers.is_empty() {
                own
            } else {
                // The plan queues' groups sharing it (`plan_pool.rs`).
                crate::engine::plan_pool::best_line(cx.st, a, g, own, now, head_start, profile)
            }
        })
        .min()
        .map(|((_, c), g)| (g, c))
}

/// Sets `agent`'s pull maximum (`None`: pulls stop at the cap, as pushes
/// do). Lowering it below the load moves nothing.
pub(crate) fn set_pull_cap(cx: &mut Cx<'_>, agent: AgentIdx, pull_cap: Option<Capacity>) {
    let a = cx.st.agent_mut(agent);
    a.pull_cap = pull_cap;
    if a.load > a.ceiling() {
        a.over_cap_allowance = a.over_cap_allowance.max(a.load);
    }
    let (id, load, cap) = (a.id, a.load, a.cap);
    cx.emit(Decision::PullCapChanged {
        agent: id,
        pull_cap,
        load,
        cap,
    });
    cx.touch(agent);
}

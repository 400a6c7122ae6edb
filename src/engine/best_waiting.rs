//! A freed agent's pull (`matching::settle`): the best waiting conversation
//! among the agent's groups that fits them.
//!
//! With a routing plan the key across lines is `queue_aging::ChoiceKey`:
//! the routing profile's priority of the group's queue (`profiles.rs`),
//! then the points of its queue's priority aging, most first
//! (`queue_aging.rs`), then the aged key. Without a plan every head has
//! priority 0 and 0 points, so that key orders the heads exactly as their
//! aged key alone does: that path (every engine without a plan) compares
//! the aged key only and asks neither a profile nor an aging per slot.

use super::cx::Cx;
use super::state::agent::Agent;
use super::state::group::Group;
use super::state::index::{AgentIdx, ConvIdx, GroupIdx};
use super::workload::{fit, queue_cap};
use std::cmp::Reverse;

/// A line's head under key `K`, with the group it was read from.
type Choice<K> = ((K, ConvIdx), GroupIdx);

/// The best waiting conversation among `agent`'s groups that fits them,
/// with its group (see the module doc for the order).
#[inline]
pub(crate) fn best_waiting(cx: &Cx<'_>, agent: AgentIdx) -> Option<(GroupIdx, ConvIdx)> {
    let now = cx.st.clock.max(cx.at);
    let head = cx.cfg.class_head_start;
    if cx.st.plan.is_none() {
        // No profile and no aging: the aged key alone (module doc).
        return pick(
            cx,
            agent,
            |g| g.waiting.head_aged(head),
            |a, g, own| {
                // A pool left by an earlier plan: its followers' keys are
                // (0, 0, aged) too.
                let own = own.map(|((aged, c), group)| (((0, Reverse(0), aged), c), group));
                super::plan_pool::best_line(cx.st, a, g, own, now, head, None)
                    .map(|(((_, _, aged), c), group)| ((aged, c), group))
            },
        );
    }
    let profile = super::profiles::profile_of(cx.st, agent);
    pick(
        cx,
        agent,
        |g| super::queue_aging::head_choice(cx.st, now, head, profile, g),
        |a, g, own| super::plan_pool::best_line(cx.st, a, g, own, now, head, profile),
    )
}

/// The lowest of `own_head` over the groups of `agent` that fit them and
/// are open, not cooling and not at their queue's cap; a pool's followers
/// through `pooled` (whose closed, cooling or full lines it passes over
/// itself).
#[inline(always)]
fn pick<K: Ord>(
    cx: &Cx<'_>,
    agent: AgentIdx,
    own_head: impl Fn(&Group) -> Option<(K, ConvIdx)>,
    pooled: impl Fn(&Agent, &Group, Option<Choice<K>>) -> Option<Choice<K>>,
) -> Option<(GroupIdx, ConvIdx)> {
    let a = cx.st.agent(agent);
    // Without rules of the agent's own, an interruption matrix or a cap
    // above the agents (an engine without workload rules), a slot's
    // checks are its group's flags and the plain fit: the rules' reads
    // are asked once here, not per slot.
    let plain = fit::plain_pull(cx, a);
    // Whether any plan queue is capped (asked per slot only then).
    let queue_caps = queue_cap::any(cx.st);
    a.slots
        .iter()
        .filter_map(|slot| {
            // A closed, cooling or full group's own line is passed over
            // below, but its pool may still serve the queues sharing it.
            if slot.dormant {
                return None;
            }
            let g = cx.st.group(slot.group);
            if !fit::slot_fits(cx, a, plain, g) {
                return None;
            }
            let own = if g.closed
                || a.cooling(slot.group)
                || (queue_caps && queue_cap::group_full(cx.st, slot.group))
            {
                None
            } else {
                own_head(g).map(|choice| (choice, slot.group))
            };
            if g.followers.is_empty() {
                own
            } else {
                // The lines of the queues' groups sharing it too.
                pooled(a, g, own)
            }
        })
        .min()
        .map(|((_, c), group)| (group, c))
}

//! The end of every command: settle the agents it freed or changed (hand
//! them work or re-rank them), release what caps above the agents held
//! back, and recount the touched agents' room. Apart from the dispatch:
//! every command and timer ends here, whatever it carried out.

use super::super::cx::Cx;
use super::super::matching;
use super::super::workload::gate;

/// Settles the agents the command freed or changed, then recounts the
/// room of every touched agent. Each settle hands work over or re-ranks
/// one agent; an agent is queued again only when its own queue changed,
/// which consumes a waiting conversation, so the loop is bounded by the
/// agents and conversations there are.
// The test of nothing to do is inlined: in many commands (a message, a
// stale timer's neighbour) no agent was queued or touched and no level
// above the agents holds anything, and the call alone cost more than the
// test (issue 22). With caps above the agents (`gates_on`) too: with
// nothing held (`holds_any`), `gate::resume`, `gate::release_next` and
// `queue_cap::release` find nothing, so the loop below would end at once.
#[inline(always)]
pub(crate) fn finish(cx: &mut Cx<'_>) {
    if cx.settle.is_empty() && cx.dirty.is_empty() && !gate::holds_any(&cx.st.workload) {
        return;
    }
    settle_all(cx);
}

/// `finish` past its test of nothing to do.
#[inline(never)]
fn settle_all(cx: &mut Cx<'_>) {
    // Plus one release per plan queue (`queue_cap::release`). At least
    // 16, so it is only computed past 16 rounds: most commands settle
    // one or two agents.
    let bound = |cx: &Cx<'_>| {
        2 * (cx.st.agents.len() + cx.st.conv_ids.len())
            + cx.st.workload.teams.len()
            + crate::plan::limits::MAX_QUEUES
            + 16
    };
    if !cx.st.workload.gates_on && !gate::holds_any(&cx.st.workload) {
        // No cap above the agents and nothing held back by one (every
        // engine without those rules): the settle loop as it was before
        // them, with no gate asked on every round. Settling cannot set a
        // cap, so nothing can be held back meanwhile.
        for round in 0.. {
            assert!(
                round <= 16 || round <= bound(cx),
                "settling exceeded its bound"
            );
            let Some(agent) = cx.settle.pop_front() else {
                break;
            };
            matching::settle(cx, agent);
        }
        return refresh_rooms(cx);
    }
    for round in 0.. {
        assert!(
            round <= 16 || round <= bound(cx),
            "settling exceeded its bound"
        );
        // Work the tenant's cap held back goes first once it has room
        // again, oldest first, before the agents who freed the room pull
        // their own groups' work. Each resume empties the lists or finds
        // the tenant full, so it is bounded like the settles.
        if gate::resume(cx) {
            continue;
        }
        if let Some(agent) = cx.settle.pop_front() {
            matching::settle(cx, agent);
            continue;
        }
        // Every agent is settled: a team that freed room and still has
        // it gives it to the members it held back, one at a time.
        // Then a plan queue that freed room dispatches its groups.
        if !gate::release_next(cx) && !super::super::workload::queue_cap::release(cx) {
            break;
        }
    }
    refresh_rooms(cx);
}

/// Recounts the room of every agent the command touched.
// Always inlined, and nothing to do for most commands: out of line (as a
// layout change elsewhere left it, a plain `#[inline]` notwithstanding)
// the call and the buffer swap cost about 20-33 instructions per command
// on the `profile` stream (BENCHMARKS.md, issue 22).
#[inline(always)]
fn refresh_rooms(cx: &mut Cx<'_>) {
    if cx.dirty.is_empty() {
        return;
    }
    // Taken out while `refresh_room` borrows `cx`, then put back emptied
    // so its capacity serves the next command.
    let mut dirty = std::mem::take(&mut *cx.dirty);
    for &agent in &dirty {
        matching::refresh_room(cx, agent);
    }
    debug_assert!(cx.dirty.is_empty(), "recounting a room touches no agent");
    dirty.clear();
    dirty.append(cx.dirty);
    *cx.dirty = dirty;
}

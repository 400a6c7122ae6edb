//! An agent's status and capacity changed: who counts online in each
//! group, and what leaves an agent going offline (evicted by place).
//! Apart from the conversation commands: these act on an agent and move
//! every thread the agent holds at once.

use super::super::cx::Cx;
use super::super::decision::{Decision, RequeueReason, StickyMissReason};
use super::super::lifecycle;
use super::super::matching;
use super::super::state::conversation::Place;
use super::super::state::index::{AgentIdx, ConvIdx};
use super::super::workload::{wrapup, WrapUpEndReason};
use crate::model::{AgentStatus, Capacity};

/// Changes an agent's status by the stated rule: going offline requeues
/// live threads (age and priority kept), releases parked ones and sends
/// threads waiting for the agent to their group; away and draining keep
/// threads and take no new work; online pulls work up to the cap.
pub(crate) fn set_status(cx: &mut Cx<'_>, agent: AgentIdx, status: AgentStatus) {
    let at = cx.at;
    let a = cx.st.agent_mut(agent);
    let old = a.status;
    if old == status {
        return;
    }
    a.status = status;
    // Their marks (`matching::relist`) were made under the old status.
    a.closed_marked = false;
    if status.accepts_work() {
        a.last_activity = a.last_activity.max(at);
    }
    if old.accepts_work() != status.accepts_work() {
        let delta = status.accepts_work();
        // A dormant slot (a windowed skill outside its window) is not
        // counted online: its window's edge counts it. By index, not a
        // collected list: an allocation per status change otherwise.
        for i in 0..cx.st.agent(agent).slots.len() {
            let slot = cx.st.agent(agent).slots[i];
            if slot.dormant {
                continue;
            }
            let group = cx.st.group_mut(slot.group);
            if delta {
                group.online += 1;
            } else {
                group.online -= 1;
            }
        }
    }
    let id = cx.st.id(agent);
    cx.emit(Decision::AgentStatusChanged { agent: id, status });
    if status == AgentStatus::Offline {
        // In a buffer kept between commands (`Scratch::leaving`).
        let mut leaving = std::mem::take(&mut *cx.leaving);
        let a = cx.st.agent(agent);
        leaving.extend(
            (a.inbox.iter())
                .chain(a.parked.iter(&cx.st.parked_pool).map(|(_, c)| c))
                .chain(a.personal.iter(&cx.st.personal_pool).map(|(_, c)| c))
                .chain(a.wrapups.iter(&cx.st.wrapup_pool).map(|(_, c)| c))
                .map(|c| (cx.st.conv(c).id, c)),
        );
        leaving.sort_unstable();
        matching::relist(cx, agent);
        for &(_, c) in &leaving {
            evict(cx, c, agent);
        }
        leaving.clear();
        *cx.leaving = leaving;
    }
    cx.settle_later(agent);
}

/// Moves a conversation off an agent who went offline, saying why.
fn evict(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
    let place = cx.st.conv(c).place;
    let from = cx.st.id(agent);
    let conversation = cx.st.conv(c).id;
    match place {
        Place::Offered { .. } | Place::Assigned { .. } | Place::WaitingFor { own: true, .. } => {
            let (load, cap) = match lifecycle::detach(cx, c) {
                Some((_, load, cap)) => (load, cap),
                None => {
                    let a = cx.st.agent(agent);
                    (a.load, a.cap)
                }
            };
            cx.st.stats.requeues += 1;
            cx.emit(Decision::Requeued {
                conversation,
                from,
                reason: RequeueReason::AgentOffline,
                load,
                cap,
            });
            matching::place_in_group(cx, c);
        }
        Place::Parked { .. } => lifecycle::release_parked(cx, c),
        Place::WaitingFor { own: false, .. } => {
            lifecycle::detach(cx, c);
            matching::sticky_miss(cx, c, StickyMissReason::AgentOffline);
            super::super::preferred::wait_ended(
                cx,
                c,
                agent,
                super::super::PreferredSkip::WentOffline,
            );
            super::super::preferred::next(cx, c);
        }
        Place::Resolved { .. } => {
            wrapup::end(cx, c, WrapUpEndReason::AgentOffline);
        }
        _ => {}
    }
}

/// Any cap in range is accepted. Below the load, the agent keeps their
/// threads (live threads never move unasked) and takes no new work until
/// the load is under the cap.
pub(super) fn set_capacity(cx: &mut Cx<'_>, agent: AgentIdx, cap: Capacity) {
    let lightest = cx.cfg.lightest_weight();
    let a = cx.st.agent_mut(agent);
    a.cap = cap;
    a.inbox.reserve_for(cap, lightest);
    a.over_cap_allowance = if a.load > cap { a.load } else { Capacity::ZERO };
    let (id, load) = (a.id, a.load);
    cx.emit(Decision::CapacityChanged {
        agent: id,
        load,
        cap,
    });
    cx.settle_later(agent);
}

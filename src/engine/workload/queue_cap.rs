//! A routing-plan queue's cap on its live conversations (`max_live` of a
//! plan queue): the queue level of the caps above the agent, checked after
//! the agent's team and before the tenant.
//!
//! What counts: a live (offered or assigned) conversation counts on the
//! queue whose pool it was taken from, its own work or the overflow work
//! waiting in it. A queue with a cap keeps its work apart (its groups
//! carry the queue's gate, `plan_hours::gate_of`), so a group belongs to
//! one queue and its line is held back as a whole at the cap. Each new
//! assignment records the queue on the conversation
//! (`ConvPlan::live_queue`); the thread's own comings back (a parked
//! thread resumed, a wrap-up reopened) count there again without being
//! checked, as for the agent's other caps.
//!
//! At the cap: the pool's best free agent is refused with the level
//! `Queue` (counted, in total and per queue) and the line waits; agents
//! pulling work pass over the queue's groups, each pull refused there
//! counted the same way (`pull.rs`); a returning customer whose
//! agent has room waits in the queue's line instead of for the agent (a
//! [`StickyMiss`](crate::Decision::StickyMiss) with reason
//! [`QueueFull`](crate::StickyMissReason::QueueFull)): it is the queue,
//! not the agent, that is full.
//!
//! When a live conversation of a full queue ends, the queue is listed
//! (once); at the end of the command, after every agent is settled, the
//! queue's groups are dispatched while it has room: O(the queue's groups),
//! no scan of agents or conversations.
//!
//! A plan swap installs the new caps at once; the live conversations keep
//! counting on the queue of the same name (none if the new plan lacks
//! it): no live conversation moves, new work waits until under the cap.

use crate::engine::cx::Cx;
use crate::engine::matching;
use crate::engine::snapshot::RestoreError;
use crate::engine::state::conversation::Place;
use crate::engine::state::index::{ConvIdx, GroupIdx};
use crate::engine::state::workload::{QueueCap, Workload};
use crate::engine::state::State;
use crate::engine::{AuditViolation, Engine};
use crate::plan::compiled::CompiledPlan;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One routing-plan queue's cap and live count (see
/// [`Engine::queue_caps`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCapStats {
    /// The queue's name.
    pub queue: String,
    /// Its cap on live conversations (`None`: none).
    pub max_live: Option<u32>,
    /// Live conversations taken from its pool, now.
    pub live: u32,
    /// Assignments refused at its level since the plan that named it was
    /// loaded (carried over plan swaps that keep its name).
    pub refusals: u64,
}

/// The plan queue (index in the plan in force) whose pool `g` is, if its
/// work is kept apart.
#[inline]
pub(crate) fn queue_of(st: &State, g: GroupIdx) -> Option<usize> {
    crate::engine::plan_hours::queue_of_gate(st, st.group(g).key.gate)
}

/// Whether a plan queue may be capped now (caps above the agents on and
/// a plan's queues listed): callers looping over slots ask it once.
#[inline]
pub(crate) fn any(st: &State) -> bool {
    st.workload.gates_on && !st.workload.queues.is_empty()
}

/// Whether `g`'s queue is at its cap (one branch without caps above the
/// agents).
#[inline]
pub(crate) fn group_full(st: &State, g: GroupIdx) -> bool {
    let w = &st.workload;
    if !w.gates_on || w.queues.is_empty() {
        return false;
    }
    queue_of(st, g)
        .and_then(|q| w.queues.get(q))
        .is_some_and(QueueCap::full)
}

/// Records that `c` is about to be handed over as new work from `g`'s
/// pool: while live it counts on `g`'s queue.
#[inline]
pub(crate) fn credit(st: &mut State, c: ConvIdx, g: GroupIdx) {
    if st.plan.is_none() {
        return;
    }
    let q = queue_of(st, g).and_then(|q| u16::try_from(q).ok());
    if let Some(p) = st.conv_plan_mut(c) {
        p.live_queue = q;
    }
}

/// Counts a refusal at `g`'s queue.
pub(crate) fn count(st: &mut State, g: GroupIdx) {
    st.stats.refusals.count(super::CapLevel::Queue);
    if let Some(q) = queue_of(st, g) {
        if let Some(cap) = st.workload.queues.get_mut(q) {
            cap.refusals += 1;
        }
    }
}

/// The queue a live `c` counts on, if any.
#[inline]
pub(crate) fn live_queue(st: &State, c: ConvIdx) -> Option<u16> {
    st.conv_plan(c).and_then(|p| p.live_queue)
}

/// Live conversation `c` (of a routing plan) started or ended: the queue
/// it counts on follows; a queue going from full to free is listed for
/// the end of the command.
#[inline(never)]
pub(crate) fn conv_live_changed(st: &mut State, c: ConvIdx, started: bool) {
    let Some(q) = live_queue(st, c) else {
        return;
    };
    let w = &mut st.workload;
    let Some(cap) = w.queues.get_mut(usize::from(q)) else {
        return;
    };
    if started {
        cap.live += 1;
        return;
    }
    let was_full = cap.full();
    cap.live -= 1;
    if was_full && !cap.full() && !cap.freed {
        cap.freed = true;
        w.queues_freed.push(q);
    }
}

/// At the end of a command, once every agent is settled: dispatches the
/// groups of a queue that went from full to free, while it has room.
/// Returns whether it took a listed queue (the caller settles again and
/// asks again). Each call consumes a listed queue, so it is bounded by
/// the plan's queues.
#[inline]
pub(crate) fn release(cx: &mut Cx<'_>) -> bool {
    // Asked once per command with caps above the agents: inlined, one
    // length test when no queue freed room.
    if cx.st.workload.queues_freed.is_empty() {
        return false;
    }
    release_freed(cx)
}

#[inline(never)]
fn release_freed(cx: &mut Cx<'_>) -> bool {
    let Some(q) = cx.st.workload.queues_freed.pop() else {
        return false;
    };
    let q = usize::from(q);
    let Some(cap) = cx.st.workload.queues.get_mut(q) else {
        return true;
    };
    cap.freed = false;
    let groups = cx.st.hours.groups.get(q).cloned().unwrap_or_default();
    for g in groups {
        if cx.st.workload.queues[q].full() {
            break;
        }
        matching::dispatch(cx, g);
    }
    true
}

/// A plan was just installed (`cx.st.plan`, replacing `old`): the caps
/// of the new plan's queues, live counts and refusals carried over by
/// name, each conversation's counted queue re-indexed (an admin command:
/// one visit per conversation, as the plan swap's own re-evaluation).
/// Every capped queue with room is listed so its pool is dispatched at
/// the end of the command.
pub(crate) fn install(cx: &mut Cx<'_>, old: Option<&CompiledPlan>) {
    let st = &mut *cx.st;
    let new = st.plan.clone();
    let by_name: HashMap<&str, u16> = new.as_deref().map_or_else(HashMap::new, |p| {
        (p.queues.iter().enumerate())
            .filter_map(|(i, q)| Some((q.name.as_str(), u16::try_from(i).ok()?)))
            .collect()
    });
    let map: Vec<Option<u16>> = old.map_or_else(Vec::new, |o| {
        o.queues
            .iter()
            .map(|q| by_name.get(q.name.as_str()).copied())
            .collect()
    });
    let mut caps = caps_of(new.as_deref());
    for (i, cap) in st.workload.queues.iter().enumerate() {
        if let Some(&Some(j)) = map.get(i) {
            caps[usize::from(j)].refusals = cap.refusals;
        }
    }
    let with_plans: Vec<usize> = st.conv_plans.slots().collect();
    for c in with_plans.into_iter().filter_map(ConvIdx::new) {
        let live = matches!(
            st.conv(c).place,
            Place::Offered { .. } | Place::Assigned { .. }
        );
        let Some(p) = st.conv_plan_mut(c) else {
            continue;
        };
        let Some(q) = p.live_queue else {
            continue;
        };
        p.live_queue = map.get(usize::from(q)).copied().flatten();
        if let (Some(q), true) = (p.live_queue, live) {
            caps[usize::from(q)].live += 1;
        }
    }
    let w = &mut st.workload;
    w.queues_freed.clear();
    for (q, cap) in caps.iter_mut().enumerate() {
        if cap.max_live.is_some() && !cap.full() {
            cap.freed = true;
            w.queues_freed.push(q as u16);
        }
    }
    w.queues = caps;
    w.refresh_gates();
}

/// Each queue of `plan` with its cap, nothing live or refused yet.
fn caps_of(plan: Option<&CompiledPlan>) -> Vec<QueueCap> {
    plan.map_or_else(Vec::new, |p| {
        (p.queues.iter())
            .map(|q| QueueCap {
                max_live: q.max_live,
                ..QueueCap::default()
            })
            .collect()
    })
}

/// Rebuilds the queues' caps from the restored plan, the counted queue of
/// each restored conversation and the snapshot's refusals (one per
/// queue, or none).
pub(crate) fn restore(st: &mut State, refusals: Vec<u64>) -> Result<(), RestoreError> {
    let mut caps = caps_of(st.plan.as_deref());
    if !refusals.is_empty() && refusals.len() != caps.len() {
        return Err(RestoreError::Corrupt("the queues' refusals"));
    }
    for (cap, r) in caps.iter_mut().zip(refusals) {
        cap.refusals = r;
    }
    for (i, conv) in st.convs.iter().enumerate() {
        let Some(conv) = conv else { continue };
        let Some(q) = ConvIdx::new(i).and_then(|c| live_queue(st, c)) else {
            continue;
        };
        let cap = caps
            .get_mut(usize::from(q))
            .ok_or(RestoreError::Corrupt("a conversation counts on no queue"))?;
        if matches!(conv.place, Place::Offered { .. } | Place::Assigned { .. }) {
            cap.live += 1;
        }
    }
    st.workload.queues = caps;
    st.workload.refresh_gates();
    Ok(())
}

/// The queues' refusals for a snapshot (empty when none was refused).
pub(crate) fn take(w: &Workload) -> Vec<u64> {
    if w.queues.iter().all(|q| q.refusals == 0) {
        return Vec::new();
    }
    w.queues.iter().map(|q| q.refusals).collect()
}

/// Recounts each queue's live conversations and checks the caps against
/// the plan in force. O(conversations + queues).
pub(crate) fn check(st: &State) -> Result<(), AuditViolation> {
    let mismatch = |what| AuditViolation::WorkloadMismatch { what };
    let w = &st.workload;
    let queues = st.plan.as_deref().map_or(0, |p| p.queues.len());
    if w.queues.len() != queues {
        return Err(mismatch("the queues' caps do not follow the plan"));
    }
    if let Some(p) = st.plan.as_deref() {
        if p.queues
            .iter()
            .zip(&w.queues)
            .any(|(q, c)| q.max_live != c.max_live)
        {
            return Err(mismatch("a queue's cap is not the plan's"));
        }
    }
    let mut live = vec![0u64; queues];
    for (i, conv) in st.convs.iter().enumerate() {
        let Some(conv) = conv else { continue };
        let Some(q) = ConvIdx::new(i).and_then(|c| live_queue(st, c)) else {
            continue;
        };
        let slot = live
            .get_mut(usize::from(q))
            .ok_or(mismatch("a conversation counts on no queue"))?;
        if matches!(conv.place, Place::Offered { .. } | Place::Assigned { .. }) {
            *slot += 1;
        }
    }
    for (cap, recounted) in w.queues.iter().zip(live) {
        if u64::from(cap.live) != recounted {
            return Err(AuditViolation::StatisticMismatch {
                what: "a queue's live conversations",
                kept: u64::from(cap.live),
                recounted,
            });
        }
    }
    if !w.queues_freed.is_empty() || w.queues.iter().any(|q| q.freed) {
        return Err(mismatch("queues freed during a command are left listed"));
    }
    Ok(())
}

impl Engine {
    /// Each queue of the routing plan in force with its cap on live
    /// conversations, its live count and its refusals, in plan order;
    /// empty without a plan.
    pub fn queue_caps(&self) -> Vec<QueueCapStats> {
        let st = &self.state;
        let Some(plan) = st.plan.as_deref() else {
            return Vec::new();
        };
        (plan.queues.iter().zip(&st.workload.queues))
            .map(|(q, cap)| QueueCapStats {
                queue: q.name.clone(),
                max_live: cap.max_live,
                live: cap.live,
                refusals: cap.refusals,
            })
            .collect()
    }

    /// The queue cap a live conversation counts on now (`None` when it is
    /// not live or counts on no plan queue), for an explanation.
    pub(crate) fn queue_cap_of(&self, c: ConvIdx) -> Option<QueueCapStats> {
        let q = usize::from(live_queue(&self.state, c)?);
        self.queue_caps().into_iter().nth(q)
    }
}

//! Business hours of a routing plan's queues: opening and closing are
//! timers (one `Hours` timer per calendar, armed for its next change),
//! never a scan; an emergency switch ([`HoursSwitch`]) forces a queue or a
//! calendar at once.
//!
//! A queue with a calendar keeps its work apart: its groups carry its
//! *gate* in their routing key (`gate_of`), so closing it is a flag on
//! those groups (`Group::closed`), which `matching::dispatch`,
//! `matching::best_waiting` and pulls read. Agents keep everything they
//! hold: nothing is taken from anyone, and an offer made before the close
//! stands. When a queue closes, the work whose own queue it is does what
//! the queue's `on_close` says (keep waiting, move to another queue, go to
//! the bot tier, resolve); work overflowing into it from other queues only
//! stops being matched there. Work arriving while it is closed gets a
//! [`Decision::ClosedQueue`] and the same rule. Cost: a change visits the
//! queue's waiting lines once (the work it acts on), a calendar's timer
//! reads the calendar once; a decision reads one flag.

use super::cx::Cx;
use super::decision::Decision;
use super::error::EngineError;
use super::hours_switch::{HoursCause, HoursSwitch, HoursTarget};
use super::lifecycle;
use super::matching;
use super::state::conversation::Place;
use super::state::index::{ConvIdx, GroupIdx};
use super::state::timers::{Timer, TimerKind};
use super::state::State;
use crate::model::{ResolveReason, Timestamp};
use crate::plan::compiled::{COnClose, CompiledPlan};
use crate::plan::limits::MAX_QUEUES;

/// The gate of queue `q`'s groups: 0 (shared groups) for a queue with
/// neither a calendar nor explicit members, else unique to this queue of
/// this plan load (its work kept apart: opened and closed by its hours,
/// served by its members only).
pub(crate) fn gate_of(st: &State, plan: &CompiledPlan, q: u16) -> u64 {
    match plan.queues.get(usize::from(q)) {
        // With routing profiles every queue keeps its work apart: a
        // profile agent serves only the queues it lists. A queue with
        // priority aging too: its line's points are its own
        // (`queue_aging.rs`). A queue with a cap on live work too: its
        // pool is held back as a whole at the cap (`queue_cap.rs`).
        Some(x)
            if x.calendar.is_some()
                || x.members.is_some()
                || x.aging != Default::default()
                || x.max_live.is_some()
                || !plan.profiles.is_empty() =>
        {
            u64::from(st.hours.epoch) * MAX_QUEUES as u64 + u64::from(q) + 1
        }
        _ => 0,
    }
}

/// The explicit members of the queue of `gate` under `plan` at hours
/// epoch `epoch` (`None`: anyone with the skills; also for a gate of an
/// older plan, whose groups keep the members they had).
pub(crate) fn members_of(
    plan: Option<&CompiledPlan>,
    epoch: u32,
    gate: u64,
) -> Option<&[crate::model::AgentId]> {
    let plan = plan?;
    // A routing profile's tier of the queue has the queue's members.
    let gate = super::profiles::queue_gate(gate);
    let q = gate.checked_sub(u64::from(epoch) * MAX_QUEUES as u64 + 1)?;
    plan.queues
        .get(usize::try_from(q).ok()?)?
        .members
        .as_deref()
}

/// The queue of the plan in force that `gate` belongs to, if any.
pub(crate) fn queue_of_gate(st: &State, gate: u64) -> Option<usize> {
    let base = u64::from(st.hours.epoch) * MAX_QUEUES as u64;
    // A routing profile's tier of the queue is the queue's too.
    let q = super::profiles::queue_gate(gate).checked_sub(base + 1)?;
    (q < st.hours.queues.len() as u64).then_some(q as usize)
}

/// Records new group `g` of gate `gate` as its queue's, closed if the
/// queue is. The queue's list is kept in key order (`RoutingKey`), not in
/// order of creation nor of slot: it is the order the queue's groups are
/// dispatched in when the queue opens or gets room under its cap, and it
/// is derived state a snapshot does not hold (rebuilt by `restore`), so
/// it must follow from the groups alone: neither the history of their
/// creation nor the slots reclamation hands out (which must change no
/// decision, `state/reclaim.rs`). O(the queue's groups), once per group.
pub(crate) fn adopt(st: &mut State, g: GroupIdx, gate: u64) {
    let Some(q) = queue_of_gate(st, gate) else {
        return;
    };
    let groups = &st.groups;
    let list = &mut st.hours.groups[q];
    debug_assert!(!list.contains(&g), "a group is adopted once");
    let key = &groups[g.get()].key;
    let at = list.partition_point(|x| groups[x.get()].key < *key);
    list.insert(at, g);
    let group = &mut st.groups[g.get()];
    group.closed = !st.hours.queues[q];
    // Its queue's list holds its index (to open and close it), so the
    // slot must not be reclaimed and reused under another key.
    group.pinned = true;
}

/// Whether queue `q` is open: its switch, else its calendar's switch, else
/// its calendar's schedule; always open without a calendar.
pub(crate) fn queue_open(st: &State, plan: &CompiledPlan, q: usize) -> bool {
    let queue = &plan.queues[q];
    if let Some(&forced) = st.hours.forced_queues.get(&queue.name) {
        return forced;
    }
    match queue.calendar {
        None => true,
        Some(c) => {
            let c = usize::from(c);
            st.hours
                .forced_calendars
                .get(&plan.calendars[c].name)
                .copied()
                .unwrap_or(st.hours.calendars[c])
        }
    }
}

/// Arms calendar `c`'s timer for its next change after now.
fn arm(cx: &mut Cx<'_>, plan: &CompiledPlan, c: usize) {
    let next = plan.calendars[c].next_change(cx.at.as_millis());
    cx.st.timers.arm(Timer {
        at: Timestamp::from_millis(next),
        kind: TimerKind::Hours,
        subject: c as u64,
        generation: cx.st.hours.epoch,
        incarnation: 0,
    });
}

/// A plan was just installed (`cx.st.plan`): a new epoch (older timers
/// and gates void), the groups of the older plan's queues opened, switches
/// on names the plan lacks dropped, each calendar read and its timer
/// armed, each queue with a calendar announced. Runs before the open
/// conversations are re-evaluated, which moves them to the new gates.
pub(crate) fn install(cx: &mut Cx<'_>) {
    let old = std::mem::take(&mut cx.st.hours.groups);
    for g in old.into_iter().flatten() {
        if std::mem::replace(&mut cx.st.group_mut(g).closed, false) {
            matching::dispatch(cx, g);
        }
    }
    let hours = &mut cx.st.hours;
    hours.epoch = hours.epoch.wrapping_add(1);
    hours.calendars.clear();
    hours.queues.clear();
    let Some(plan) = cx.st.plan.clone() else {
        cx.st.hours.forced_queues.clear();
        cx.st.hours.forced_calendars.clear();
        return;
    };
    let hours = &mut cx.st.hours;
    hours.forced_queues.retain(|name, _| {
        plan.queues
            .iter()
            .any(|q| q.calendar.is_some() && &q.name == name)
    });
    hours
        .forced_calendars
        .retain(|name, _| plan.calendars.iter().any(|c| &c.name == name));
    let at = cx.at.as_millis();
    hours.calendars = plan.calendars.iter().map(|c| c.is_open(at)).collect();
    hours.groups = vec![Vec::new(); plan.queues.len()];
    for c in 0..plan.calendars.len() {
        arm(cx, &plan, c);
    }
    let open: Vec<bool> = (0..plan.queues.len())
        .map(|q| queue_open(cx.st, &plan, q))
        .collect();
    cx.st.hours.queues = open;
    for (q, queue) in plan.queues.iter().enumerate() {
        if queue.calendar.is_some() {
            let open = cx.st.hours.queues[q];
            cx.emit(Decision::QueueHours {
                queue: queue.name.clone(),
                open,
                cause: HoursCause::PlanLoaded,
            });
        }
    }
}

/// Calendar `calendar`'s timer of epoch `generation` fired: read it now,
/// apply what changed, arm its next change.
pub(crate) fn on_timer(cx: &mut Cx<'_>, calendar: u64, generation: u32) {
    let Some(plan) = cx.st.plan.clone() else {
        return;
    };
    let c = calendar as usize;
    if generation != cx.st.hours.epoch || c >= plan.calendars.len() {
        return;
    }
    cx.st.hours.calendars[c] = plan.calendars[c].is_open(cx.at.as_millis());
    arm(cx, &plan, c);
    settle_queues(cx, &plan, HoursCause::Schedule);
}

/// Pulls an emergency switch (validated: the target exists, a queue has a
/// calendar).
pub(crate) fn switch(cx: &mut Cx<'_>, switch: HoursSwitch) {
    let Some(plan) = cx.st.plan.clone() else {
        return;
    };
    let forced = switch.set.forced();
    let map = match &switch.target {
        HoursTarget::Queue(name) => (&mut cx.st.hours.forced_queues, name),
        HoursTarget::Calendar(name) => (&mut cx.st.hours.forced_calendars, name),
    };
    match forced {
        Some(open) => map.0.insert(map.1.clone(), open),
        None => map.0.remove(map.1),
    };
    settle_queues(cx, &plan, HoursCause::Emergency);
}

/// Recomputes every queue's state and carries out each change, in queue
/// order (bounded by the plan's queues).
fn settle_queues(cx: &mut Cx<'_>, plan: &CompiledPlan, cause: HoursCause) {
    for q in 0..plan.queues.len() {
        let open = queue_open(cx.st, plan, q);
        if open == cx.st.hours.queues[q] {
            continue;
        }
        cx.st.hours.queues[q] = open;
        let groups = cx.st.hours.groups[q].clone();
        for &g in &groups {
            cx.st.group_mut(g).closed = !open;
        }
        cx.emit(Decision::QueueHours {
            queue: plan.queues[q].name.clone(),
            open,
            cause,
        });
        if open {
            for &g in &groups {
                matching::dispatch(cx, g);
            }
        } else if plan.queues[q].on_close != COnClose::Keep {
            close_queue(cx, plan, q, &groups);
        }
    }
}

/// Carries out queue `q`'s closing rule on the work whose own queue it is
/// (its own group is one of `groups`), oldest line entry first per group.
fn close_queue(cx: &mut Cx<'_>, plan: &CompiledPlan, q: usize, groups: &[GroupIdx]) {
    let mut own: Vec<ConvIdx> = Vec::new();
    for &g in groups {
        let line = &cx.st.group(g).waiting;
        own.extend(
            line.iter(&cx.st.line_pool)
                .map(|(_, _, c)| c)
                .filter(|&c| cx.st.conv(c).group == g),
        );
    }
    for c in own {
        // Moving one may not touch another, but stay exact: act only on
        // work still waiting here.
        if cx.st.conv(c).place == Place::Queued {
            act(cx, plan, q, c, false);
        }
    }
}

/// The closing rule of `c`'s own queue `q`, applied to `c`, which waits in
/// its lines (`arrived`: it just joined them, or is about to).
fn act(cx: &mut Cx<'_>, plan: &CompiledPlan, q: usize, c: ConvIdx, arrived: bool) {
    let queue = &plan.queues[q];
    let action = plan.doc.queues[q].on_close.clone();
    let conversation = cx.st.conv(c).id;
    cx.emit(Decision::ClosedQueue {
        conversation,
        queue: queue.name.clone(),
        action,
        arrived,
    });
    match queue.on_close {
        COnClose::Keep => {}
        COnClose::Move(to) => super::plan_steps::move_to_queue(cx, c, to),
        COnClose::Bot => lifecycle::to_bot(cx, c),
        COnClose::Resolve => lifecycle::resolve(cx, c, ResolveReason::Expired),
    }
}

/// `c` just joined its lines (opened, requeued, escalated, or moved by a
/// step): if its own group is closed, it gets a decision saying so and its
/// queue's closing rule. Moved work that finds its new queue closed too
/// waits there (no chain of moves).
///
/// Inlined: every queued arrival asks, and only a closed group's goes on
/// (out of line).
#[inline]
pub(crate) fn on_arrival(cx: &mut Cx<'_>, c: ConvIdx) {
    let conv = cx.st.conv(c);
    if conv.place == Place::Queued && cx.st.group(conv.group).closed {
        arrived_closed(cx, c);
    }
}

/// [`on_arrival`] for queued work whose group is closed.
#[inline(never)]
fn arrived_closed(cx: &mut Cx<'_>, c: ConvIdx) {
    let conv = cx.st.conv(c);
    let Some(plan) = cx.st.plan.clone() else {
        return;
    };
    let Some(q) = queue_of_gate(cx.st, cx.st.group(conv.group).key.gate) else {
        return;
    };
    act(cx, &plan, q, c, true);
}

/// Checks an emergency switch against the plan in force (touches nothing).
pub(crate) fn check_switch(st: &State, switch: &HoursSwitch) -> Result<(), EngineError> {
    let refuse = |reason| {
        Err(EngineError::HoursTarget {
            target: switch.target.clone(),
            reason,
        })
    };
    let Some(plan) = st.plan.as_deref() else {
        return refuse("no routing plan is loaded");
    };
    match &switch.target {
        HoursTarget::Queue(name) => match plan.queues.iter().find(|q| &q.name == name) {
            None => refuse("the plan has no queue of that name"),
            Some(q) if q.calendar.is_none() => {
                refuse("the queue has no calendar: give it one (its work is then kept apart)")
            }
            Some(_) => Ok(()),
        },
        HoursTarget::Calendar(name) => {
            if plan.calendars.iter().any(|c| &c.name == name) {
                Ok(())
            } else {
                refuse("the plan has no calendar of that name")
            }
        }
    }
}

impl super::Engine {
    /// Each queue of the plan in force with its business hours now, in
    /// plan order (empty without a plan).
    pub fn queue_hours(&self) -> Vec<super::QueueHours> {
        let st = &self.state;
        let Some(plan) = st.plan.as_deref() else {
            return Vec::new();
        };
        plan.queues
            .iter()
            .enumerate()
            .map(|(q, queue)| {
                let calendar = queue
                    .calendar
                    .map(|c| plan.calendars[usize::from(c)].name.clone());
                let forced = st.hours.forced_queues.contains_key(&queue.name)
                    || calendar
                        .as_ref()
                        .is_some_and(|c| st.hours.forced_calendars.contains_key(c));
                super::QueueHours {
                    queue: queue.name.clone(),
                    calendar,
                    open: st.hours.queues.get(q).copied().unwrap_or(true),
                    forced,
                }
            })
            .collect()
    }
}

/// Puts back the business hours of a snapshot, once its groups and plan
/// are: the states are checked against the plan, each gated group given
/// back to its queue with its flag.
pub(crate) fn restore(
    st: &mut State,
    hours: super::state::hours::Hours,
) -> Result<(), super::RestoreError> {
    let corrupt = super::RestoreError::Corrupt;
    let (calendars, queues) = st
        .plan
        .as_deref()
        .map_or((0, 0), |p| (p.calendars.len(), p.queues.len()));
    if hours.calendars.len() != calendars || hours.queues.len() != queues {
        return Err(corrupt("business hours do not match the routing plan"));
    }
    if hours.forced_queues.len() > queues || hours.forced_calendars.len() > calendars {
        return Err(corrupt("more emergency switches than the plan has names"));
    }
    st.hours = hours;
    st.hours.groups = vec![Vec::new(); queues];
    for g in 0..st.groups.len() {
        let gate = st.groups[g].key.gate;
        if let (Some(q), Some(idx)) = (queue_of_gate(st, gate), GroupIdx::new(g)) {
            st.hours.groups[q].push(idx);
            st.groups[g].closed = !st.hours.queues[q];
        }
    }
    // In key order, as `adopt` keeps them (not slot order).
    let groups = &st.groups;
    for list in &mut st.hours.groups {
        list.sort_unstable_by(|a, b| groups[a.get()].key.cmp(&groups[b.get()].key));
    }
    Ok(())
}

//! A conversation on its route's ladder: steps entered as it waits (each a
//! decision naming the conversation, the route and the step), the pool it
//! waits in (its own queue's group and the overflow queues' groups), and
//! the terminal action at its time to live. Commands and timers both come
//! through here: `matching::place_in_group` calls [`before_queue`] before
//! a conversation joins its lines, and a `PlanStep` timer calls
//! [`on_timer`] while it waits. Each call does O(steps) work plus O(log n)
//! line moves; nothing scans conversations or agents.
//!
//! Age is `now - waiting_since`, never reset by a step; a step that falls
//! due while the conversation is offered, with its known agent, or with
//! the bot is entered when it is next queued (`before_queue` catches up).
//!
//! This file holds the entry points (a conversation about to queue, a step
//! timer, a move to one queue), the route's selection, its timers and its
//! own queue; entering the steps due and the terminal action live in
//! `steps`, and the groups a route waits in, and its moves between them,
//! in `groups`.

mod groups;
mod steps;

pub(crate) use groups::{dispatch_extra, group_for, queue_group, requirements};

use super::cx::Cx;
use super::decision::Decision;
use super::lifecycle;
use super::plan_env::ConvEnv;
use super::state::conversation::Place;
use super::state::index::ConvIdx;
use super::state::plan::RouteState;
use super::state::timers::TimerKind;
use crate::plan::compiled::{CAction, CompiledPlan};
use groups::settle_groups;
use steps::enter_due;

/// The route a conversation's attributes select: the first whose
/// condition holds, else the default.
pub(crate) fn select_route(cx: &Cx<'_>, plan: &CompiledPlan, c: ConvIdx) -> u16 {
    let conv = cx.st.conv(c);
    let empty = crate::plan::Attributes::default();
    let attrs = cx.st.conv_plan(c).map_or(&empty, |p| &p.attrs);
    let env = ConvEnv {
        attrs,
        tier: cx.st.customers[conv.who.get()].tier,
        channel: conv.channel,
        priority: conv.base_priority,
    };
    // The first route whose condition holds (`plan/route_index.rs`).
    let found = plan.route_index.select(&plan.routes, &env);
    // A compiled plan always has a default route: the fallback is never
    // taken, but keeps this total.
    found.unwrap_or(plan.routes.len().saturating_sub(1) as u16)
}

/// Takes `c`'s route state out (put it back with [`put`]).
fn take(cx: &mut Cx<'_>, c: ConvIdx) -> Option<RouteState> {
    cx.st.conv_plan_mut(c)?.route.take()
}

fn put(cx: &mut Cx<'_>, c: ConvIdx, rs: RouteState) {
    if let Some(p) = cx.st.conv_plan_mut(c) {
        p.route = Some(rs);
    }
}

/// Enters the steps of `c`'s route due by now and takes its terminal
/// action if due, then gives it the groups its route says. `c` is not in
/// any line. Returns whether it still goes to its lines (a terminal action
/// may have resolved it or handed it to the bot). Its next step's timer is
/// armed once it is placed, if it still waits ([`arm_if_waiting`]).
pub(crate) fn before_queue(cx: &mut Cx<'_>, c: ConvIdx) -> bool {
    let Some(plan) = cx.st.plan.clone() else {
        return true;
    };
    let Some(mut rs) = take(cx, c) else {
        return true;
    };
    let prior = rs.queues.clone();
    let (stay, raise) = enter_due(cx, &plan, c, &mut rs, false);
    if !stay {
        // The terminal action wrote the state back and placed it.
        return false;
    }
    settle_groups(cx, &plan, c, rs, &prior, false);
    if let Some(to) = raise {
        // In no line yet (its place may still name the one it left).
        raise_priority(cx, c, to, false);
    }
    true
}

/// Arms the timer of `c`'s next step (or time to live) if it waits in its
/// lines on a route once placed. Work handed to an agent at once gets no
/// timer: a step timer only acts on queued work, and steps due meanwhile
/// are entered when it is next queued (`before_queue`), so the timer
/// would only fire void.
pub(crate) fn arm_if_waiting(cx: &mut Cx<'_>, c: ConvIdx) {
    let conv = cx.st.conv(c);
    let on_route = cx.st.conv_route(c).is_some();
    if conv.place != Place::Queued || !on_route {
        return;
    }
    if let Some(plan) = cx.st.plan.clone() {
        arm_next(cx, &plan, c);
    }
}

/// A `PlanStep` timer of generation `generation` fired for `c`.
pub(crate) fn on_timer(cx: &mut Cx<'_>, c: ConvIdx, generation: u32) {
    let current = cx.st.conv_route(c).map(|r| r.timer_gen);
    // Only a queued conversation moves on its ladder; elsewhere the steps
    // wait for its next time in a queue.
    if current != Some(generation) || cx.st.conv(c).place != Place::Queued {
        return;
    }
    let Some(plan) = cx.st.plan.clone() else {
        return;
    };
    let Some(mut rs) = take(cx, c) else {
        return;
    };
    let prior = rs.queues.clone();
    let (stay, raise) = enter_due(cx, &plan, c, &mut rs, true);
    if !stay {
        // The terminal action wrote the state back before it took the
        // conversation out of its lines (through `lifecycle`, which read
        // the old groups).
        return;
    }
    settle_groups(cx, &plan, c, rs, &prior, true);
    if let Some(to) = raise {
        raise_priority(cx, c, to, true);
    }
    arm_next(cx, &plan, c);
    // A step may have moved it into a closed queue.
    super::plan_hours::on_arrival(cx, c);
}

/// Moves `c` to queue `q` alone (a closed queue's `move_to`, a no-answer
/// queue): its place (age, arrival) kept, its relaxations and its ladder
/// position kept. If it waits in its lines it changes lines now; else it
/// only takes the queue's group, which it joins when it next waits.
pub(crate) fn move_to_queue(cx: &mut Cx<'_>, c: ConvIdx, q: u16) {
    let Some(plan) = cx.st.plan.clone() else {
        return;
    };
    let Some(mut rs) = take(cx, c) else {
        return;
    };
    let prior = std::mem::replace(&mut rs.queues, vec![q]);
    let queued = cx.st.conv(c).place == Place::Queued;
    settle_groups(cx, &plan, c, rs, &prior, queued);
    if !plan.profiles.is_empty() && cx.st.conv(c).place == Place::Queued {
        // The new queue's routing-profile delays are its next moves too.
        arm_next(cx, &plan, c);
    }
}

/// Raises `c`'s priority class to `to` (never lowers it), keeping the
/// lines it waits in sorted when `in_line` (else it sits in none).
fn raise_priority(cx: &mut Cx<'_>, c: ConvIdx, to: crate::model::Priority, in_line: bool) {
    let conv = cx.st.conv(c);
    if to <= conv.base_priority || matches!(conv.place, Place::Resolved { .. }) {
        return;
    }
    let effective = super::execute::effective_priority(cx, c, to);
    if in_line {
        lifecycle::set_priority(cx, c, to, effective);
    } else {
        lifecycle::set_priority_detached(cx, c, to, effective);
    }
    let conversation = cx.st.conv(c).id;
    cx.emit(Decision::PriorityChanged {
        conversation,
        priority: effective,
    });
}

/// Arms `c`'s timer for its next step or its time to live, if any.
fn arm_next(cx: &mut Cx<'_>, plan: &CompiledPlan, c: ConvIdx) {
    let conv = cx.st.conv(c);
    let since = conv.waiting_since;
    let Some(rs) = cx.st.conv_route(c) else {
        return;
    };
    let Some(due) = next_due(plan, rs) else {
        return;
    };
    let generation = rs.timer_gen.wrapping_add(1);
    if let Some(r) = cx.st.conv_plan_mut(c).and_then(|p| p.route.as_mut()) {
        r.timer_gen = generation;
    }
    lifecycle::arm(
        cx,
        crate::model::Timestamp::from_millis(since.as_millis().saturating_add(due)),
        TimerKind::PlanStep,
        c,
        generation,
    );
}

/// The age at which `rs` next moves: its next step or its time to live.
pub(crate) fn next_due(plan: &CompiledPlan, rs: &RouteState) -> Option<u64> {
    let route = plan.routes.get(usize::from(rs.route))?;
    let step = route
        .steps
        .get(usize::from(rs.next_step))
        .map(|s| s.after_ms);
    let ttl = route.ttl.filter(|_| !rs.ttl_done).map(|t| t.0);
    // A routing profile's next delay on one of its queues.
    let tier = super::profiles::next_delay(plan, rs);
    [step, ttl, tier].into_iter().flatten().min()
}

/// The queue a conversation on `rs` counts as its own: the first it waits
/// in, else (not queued yet) the one its route's first step enters.
pub(crate) fn own_queue(plan: &CompiledPlan, rs: &RouteState) -> Option<u16> {
    rs.queues.first().copied().or_else(|| {
        let route = plan.routes.get(usize::from(rs.route))?;
        route
            .steps
            .first()?
            .actions
            .iter()
            .rev()
            .find_map(|a| match *a {
                CAction::Enter(q) => Some(q),
                _ => None,
            })
    })
}

/// Fixes `c`'s first-response target as its clock (re)starts: the
/// response target of its route's queue (its own queue if it waits in one,
/// else the first its route enters), else none (the engine's).
pub(crate) fn fix_sla_target(cx: &mut Cx<'_>, c: ConvIdx) {
    if cx.st.conv(c).first_response_at().is_some() {
        return;
    }
    let target = cx.st.plan.as_deref().and_then(|plan| {
        let rs = cx.st.conv_plan(c)?.route.as_ref()?;
        let queue = own_queue(plan, rs)?;
        plan.queues.get(usize::from(queue))?.response_target_ms
    });
    if let Some(p) = cx.st.conv_plan_mut(c) {
        p.sla_target_ms = target;
    }
}

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

use super::cx::Cx;
use super::decision::Decision;
use super::lifecycle;
use super::matching;
use super::plan_env::{ConvEnv, PoolEnv};
use super::state::conversation::Place;
use super::state::group::RoutingKey;
use super::state::index::{ConvIdx, GroupIdx};
use super::state::plan::RouteState;
use super::state::timers::TimerKind;
use super::structure;
use super::validate::GroupRef;
use crate::model::{Channel, ResolveReason, SkillRequirement};
use crate::plan::compiled::{CAction, CQueue, CompiledPlan};
use crate::plan::TerminalAction;
use std::sync::Arc;

/// The requirements of waiting in `queue` for a conversation relaxed as
/// `rs` says, with its command's `explicit` skills: sorted, each skill
/// once (the highest level asked).
pub(crate) fn requirements(
    queue: &CQueue,
    rs: &RouteState,
    explicit: &[SkillRequirement],
) -> Vec<SkillRequirement> {
    let mut out: Vec<SkillRequirement> =
        Vec::with_capacity(queue.hard.len() + queue.soft.len() + explicit.len());
    out.extend_from_slice(&queue.hard);
    for s in &queue.soft {
        match rs.relaxed(s.skill) {
            Some(None) => {}
            Some(Some(level)) => out.push(SkillRequirement {
                skill: s.skill,
                min_level: s.min_level.min(level),
            }),
            None => out.push(*s),
        }
    }
    out.extend_from_slice(explicit);
    // Highest level first within a skill, so dedup keeps it.
    out.sort_unstable_by(|a, b| a.skill.cmp(&b.skill).then(b.min_level.cmp(&a.min_level)));
    out.dedup_by_key(|r| r.skill);
    out
}

/// The group of `channel`, `skills` and `gate`, created on first use (a
/// gated group is its queue's, `plan_hours::adopt`).
pub(crate) fn group_for(
    cx: &mut Cx<'_>,
    channel: Channel,
    skills: Vec<SkillRequirement>,
    gate: u64,
) -> GroupIdx {
    match cx.st.group_of(&(channel, &skills[..], gate)) {
        Some(g) => g,
        None => {
            let key = RoutingKey {
                channel,
                skills,
                gate,
            };
            // A queue's group shares the agents of the shared group of its
            // skills where it can (`plan_pool.rs`).
            let g = if super::plan_pool::shares(cx.st, gate) {
                super::plan_pool::add_follower(cx, key)
            } else {
                structure::ensure_group(cx, GroupRef::New(Box::new(key)))
            };
            if gate != 0 {
                super::plan_hours::adopt(cx.st, g, gate);
            }
            g
        }
    }
}

/// The group queue `q` gives a conversation on `rs` (without creating
/// it).
pub(crate) fn queue_group(
    st: &super::state::State,
    plan: &CompiledPlan,
    q: u16,
    rs: &RouteState,
    channel: Channel,
    explicit: &[SkillRequirement],
) -> Option<GroupIdx> {
    let skills = requirements(&plan.queues[usize::from(q)], rs, explicit);
    let gate = super::plan_hours::gate_of(st, plan, q);
    st.group_of(&(channel, &skills[..], gate))
}

/// The groups a conversation on `rs` waits in: its own queue's, then the
/// overflow queues' (each once); after each queue's, the groups of its
/// routing-profile tiers reached by `rs.profile_age` (`profiles.rs`).
fn groups_of(
    cx: &mut Cx<'_>,
    plan: &CompiledPlan,
    rs: &RouteState,
    channel: Channel,
    explicit: &[SkillRequirement],
) -> Option<(GroupIdx, Vec<GroupIdx>)> {
    let (&own, rest) = rs.queues.split_first()?;
    let gate = super::plan_hours::gate_of(cx.st, plan, own);
    let own = group_for(
        cx,
        channel,
        requirements(&plan.queues[usize::from(own)], rs, explicit),
        gate,
    );
    let mut extra = Vec::with_capacity(rest.len());
    for (i, &q) in rs.queues.iter().enumerate() {
        let mut tiers = super::profiles::reached(plan, q, rs.profile_age).peekable();
        if i == 0 && tiers.peek().is_none() {
            // Its own queue's group is `own`; no tier of it reached.
            continue;
        }
        let skills = requirements(&plan.queues[usize::from(q)], rs, explicit);
        let gate = super::plan_hours::gate_of(cx.st, plan, q);
        // Bounded by MAX_QUEUE_DELAYS + 1 per queue.
        let tiers = tiers.map(|t| super::profiles::tier_gate(gate, t));
        for gate in (i > 0).then_some(gate).into_iter().chain(tiers) {
            // The skills are copied only for a group created here.
            let g = match cx.st.group_of(&(channel, &skills[..], gate)) {
                Some(g) => g,
                None => group_for(cx, channel, skills.clone(), gate),
            };
            if g != own && !extra.contains(&g) {
                // Overflow lists are not reference-counted: never reclaimed.
                cx.st.group_mut(g).pinned = true;
                extra.push(g);
            }
        }
    }
    Some((own, extra))
}

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

/// Enters every step due by `c`'s age and takes the terminal action if
/// due. Returns whether `c` stays in human routing, and the priority to
/// raise it to. The terminal action writes `rs` back before it acts. `c`
/// waits in its lines (`in_line`), or was detached from wherever it was
/// (its place may still name it) and is about to be queued.
fn enter_due(
    cx: &mut Cx<'_>,
    plan: &Arc<CompiledPlan>,
    c: ConvIdx,
    rs: &mut RouteState,
    in_line: bool,
) -> (bool, Option<crate::model::Priority>) {
    let route = &plan.routes[usize::from(rs.route)];
    let age = cx.at.since(cx.st.conv(c).waiting_since).as_millis();
    let conversation = cx.st.conv(c).id;
    let mut raise = None;
    // Bounded by the route's steps (each entered once).
    while let Some(step) = route.steps.get(usize::from(rs.next_step)) {
        if step.after_ms > age {
            break;
        }
        let index = rs.next_step;
        rs.next_step += 1;
        let skipped = step
            .skip_if
            .as_ref()
            .is_some_and(|e| e.eval(&pool_env(cx, plan, c, rs, &step.actions)));
        if skipped {
            cx.emit(Decision::StepSkipped {
                conversation,
                route: route.name.clone(),
                step: index,
            });
            continue;
        }
        for action in &step.actions {
            match *action {
                CAction::Enter(q) => rs.queues = vec![q],
                CAction::Add(q) => {
                    if !rs.queues.contains(&q)
                        && rs.queues.len() < crate::plan::limits::MAX_ACTIVE_QUEUES
                    {
                        rs.queues.push(q);
                    }
                }
                CAction::Drop(skill) => rs.relax(skill, None),
                CAction::Lower(skill, level) => {
                    // Never raises a level already lowered further.
                    let to = match rs.relaxed(skill) {
                        Some(None) => None,
                        Some(Some(l)) => Some(l.min(level)),
                        None => Some(level),
                    };
                    rs.relax(skill, to);
                }
                CAction::Raise(to) => {
                    raise = Some(raise.map_or(to, |r: crate::model::Priority| r.max(to)))
                }
            }
        }
        cx.emit(Decision::StepEntered {
            conversation,
            route: route.name.clone(),
            step: index,
        });
    }
    let Some((ttl, action)) = route.ttl else {
        return (true, raise);
    };
    if rs.ttl_done || ttl > age {
        return (true, raise);
    }
    rs.ttl_done = true;
    cx.emit(Decision::TtlReached {
        conversation,
        route: route.name.clone(),
        action,
    });
    if !in_line && action != TerminalAction::KeepAndWarn {
        // Detached already: it sits nowhere, whatever its place says, so
        // the terminal action must not take it out of anything again.
        lifecycle::mark_detached(cx, c);
    }
    match action {
        TerminalAction::KeepAndWarn => (true, raise),
        TerminalAction::Expire => {
            put(cx, c, rs.clone());
            lifecycle::resolve(cx, c, ResolveReason::Expired);
            (false, None)
        }
        TerminalAction::ToBot => {
            put(cx, c, rs.clone());
            lifecycle::to_bot(cx, c);
            (false, None)
        }
    }
}

/// The live counts of the pool a step targets: the first queue it enters
/// or adds, else the conversation's own group.
fn pool_env(
    cx: &Cx<'_>,
    plan: &CompiledPlan,
    c: ConvIdx,
    rs: &RouteState,
    actions: &[CAction],
) -> PoolEnv {
    let conv = cx.st.conv(c);
    let target = actions.iter().find_map(|a| match *a {
        CAction::Enter(q) | CAction::Add(q) => Some(q),
        _ => None,
    });
    let group = match target {
        Some(q) => {
            let explicit = cx.st.conv_plan(c).map_or(&[][..], |p| &p.explicit[..]);
            queue_group(cx.st, plan, q, rs, conv.channel, explicit)
        }
        None => Some(conv.group),
    };
    group.map_or(
        PoolEnv {
            online: 0,
            with_room: 0,
            waiting: 0,
        },
        |g| {
            let pool = cx.st.group(cx.st.pool(g));
            PoolEnv {
                online: pool.online,
                with_room: cx.st.with_room(g),
                waiting: cx.st.group(g).waiting.len(),
            }
        },
    )
}

/// Puts `rs` back and moves `c` to the groups it names. A queued `c`
/// (`queued`) leaves its old lines and joins the new ones with its age and
/// arrival order (its place), then each of its groups is dispatched.
fn settle_groups(
    cx: &mut Cx<'_>,
    plan: &CompiledPlan,
    c: ConvIdx,
    mut rs: RouteState,
    prior: &[u16],
    queued: bool,
) {
    let conv = cx.st.conv(c);
    let (channel, old_group) = (conv.channel, conv.group);
    if !plan.profiles.is_empty() {
        // Its routing-profile tiers as of now (its age never resets).
        rs.profile_age = cx.at.since(conv.waiting_since).as_millis();
    }
    let explicit = cx
        .st
        .conv_plan(c)
        .map(|p| p.explicit.clone())
        .unwrap_or_default();
    let unchanged_queues = rs.queues == prior;
    let Some((own, extra)) = groups_of(cx, plan, &rs, channel, &explicit) else {
        put(cx, c, rs);
        return;
    };
    if unchanged_queues && own == old_group && extra == rs.extra {
        put(cx, c, rs);
        return;
    }
    if queued {
        // Leave the old lines under the old state, join the new ones.
        put(cx, c, rs);
        lifecycle::detach(cx, c);
        if let Some(r) = cx.st.conv_plan_mut(c).and_then(|p| p.route.as_mut()) {
            r.extra = extra;
        }
        cx.st.set_group(c, own);
        lifecycle::enqueue_group(cx, c);
        matching::dispatch(cx, own);
        dispatch_extra(cx, c);
    } else {
        rs.extra = extra;
        put(cx, c, rs);
        cx.st.set_group(c, own);
    }
}

/// Dispatches the overflow groups `c` waits in, while it still waits.
pub(crate) fn dispatch_extra(cx: &mut Cx<'_>, c: ConvIdx) {
    let extra = cx.st.extra_groups(c).to_vec();
    for g in extra {
        if cx.st.conv(c).place != Place::Queued {
            return;
        }
        matching::dispatch(cx, g);
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

//! A route's ladder climbed: every step due by the conversation's age
//! entered (or skipped by its condition on the pool it targets), and the
//! terminal action taken at its time to live. Apart from the groups: this
//! decides what the route says now; `groups` then places the conversation.

use super::super::cx::Cx;
use super::super::decision::Decision;
use super::super::lifecycle;
use super::super::plan_env::PoolEnv;
use super::super::state::index::ConvIdx;
use super::super::state::plan::RouteState;
use super::groups::queue_group;
use super::put;
use crate::model::ResolveReason;
use crate::plan::compiled::{CAction, CompiledPlan};
use crate::plan::TerminalAction;
use std::sync::Arc;

/// Enters every step due by `c`'s age and takes the terminal action if
/// due. Returns whether `c` stays in human routing, and the priority to
/// raise it to. The terminal action writes `rs` back before it acts. `c`
/// waits in its lines (`in_line`), or was detached from wherever it was
/// (its place may still name it) and is about to be queued.
pub(super) fn enter_due(
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

//! Reassignment when the agent does not answer: after an assignment, if
//! the agent has not sent a first reply within the rule's time, the
//! conversation goes back to its group's line with its age and priority
//! kept (the agent cools down there, and is set away if the rule says
//! so), at most `max_hops` times; after the last hop the rule's terminal
//! action applies (keep it with the agent and warn, or resolve it). Each
//! step is a [`Decision::NoAnswer`] with its action. Never once a human
//! answered: the timer checks the first response when it fires, and a
//! reply, a park, a requeue or a resolve (any change of place) voids it.
//!
//! Under a routing plan, the conversation's own queue may name where its
//! unanswered work goes instead (`no_answer_queue`, checked against the
//! plan when it loads): the requeue then moves it to that queue alone,
//! with its age, priority and place on its route's ladder kept, and the
//! decision names the queue. The queue is read from the plan in force
//! when the timer fires: after a plan swap that removed it, the work goes
//! back to its own line. A named queue that is closed gets it as any work
//! arriving while closed (its closing rule applies).

use super::config::{NoAnswerFinal, NoAnswerRule};
use crate::engine::cx::Cx;
use crate::engine::decision::{Decision, NoAnswerAction, RequeueReason};
use crate::engine::execute;
use crate::engine::lifecycle;
use crate::engine::state::conversation::Place;
use crate::engine::state::index::ConvIdx;
use crate::engine::state::timers::TimerKind;
use crate::model::AgentStatus;
use crate::plan::compiled::CAction;

/// Arms the no-answer timer of `c`, just assigned (or accepted, or back
/// with its agent), if a rule is set and no human answered yet, and the
/// hops are not spent.
pub(crate) fn arm(cx: &mut Cx<'_>, c: ConvIdx) {
    let Some(rule) = cx.cfg.workload.no_answer else {
        return;
    };
    let conv = cx.st.conv(c);
    let waiting =
        conv.first_response_at().is_none() && matches!(conv.place, Place::Assigned { .. });
    if waiting && conv.no_answer_hops <= rule.max_hops {
        let (at, stay) = (cx.at + rule.after, conv.stay);
        lifecycle::arm(cx, at, TimerKind::NoAnswer, c, stay);
    }
}

/// Whether `c` must have a no-answer timer pending (for the audit).
pub(crate) fn expects_timer(
    rule: Option<&NoAnswerRule>,
    conv: &crate::engine::state::conversation::Conv,
) -> bool {
    rule.is_some_and(|rule| {
        conv.first_response_at().is_none()
            && matches!(conv.place, Place::Assigned { .. })
            && conv.no_answer_hops <= rule.max_hops
    })
}

/// The timer of `c` fired for the stay `generation`. Returns false when
/// it was stale and changed nothing (`tick` then skips `finish`).
pub(crate) fn fire(cx: &mut Cx<'_>, c: ConvIdx, generation: u32) -> bool {
    let Some(rule) = cx.cfg.workload.no_answer else {
        return false;
    };
    let conv = cx.st.conv(c);
    let Place::Assigned { agent } = conv.place else {
        return false;
    };
    if generation != conv.stay || conv.first_response_at().is_some() {
        return false;
    }
    let hop = conv.no_answer_hops + 1;
    cx.st.conv_mut(c).no_answer_hops = hop;
    let conversation = cx.st.conv(c).id;
    let agent_id = cx.st.id(agent);
    let action = if hop <= rule.max_hops {
        NoAnswerAction::Requeued
    } else {
        match rule.last {
            NoAnswerFinal::KeepAndWarn => NoAnswerAction::KeptAndWarned,
            NoAnswerFinal::Resolve { .. } => NoAnswerAction::Resolved,
        }
    };
    let target = match action {
        NoAnswerAction::Requeued => named_queue(cx, c),
        _ => None,
    };
    let queue = target.and_then(|q| {
        let plan = cx.st.plan.as_deref()?;
        Some(plan.queues.get(usize::from(q))?.name.clone())
    });
    cx.emit(Decision::NoAnswer {
        conversation,
        agent: agent_id,
        hop,
        action,
        queue,
    });
    cx.st.agent_mut(agent).counters.no_answers += 1;
    match (action, rule.last) {
        (NoAnswerAction::Requeued, _) => {
            cx.st.stats.no_answer_requeues += 1;
            // Away first, so that the requeue cannot hand it straight back.
            if rule.set_away && cx.st.agent(agent).status == AgentStatus::Online {
                execute::set_status(cx, agent, AgentStatus::Away);
            }
            if let Some(q) = target {
                // Its route now waits in the named queue alone: the
                // requeue places it there (steps due by its age entered).
                crate::engine::plan_steps::move_to_queue(cx, c, q);
            }
            execute::requeue_offer(cx, c, agent, RequeueReason::NoAnswer);
        }
        (NoAnswerAction::Resolved, NoAnswerFinal::Resolve { reason }) => {
            cx.st.stats.no_answer_resolved += 1;
            lifecycle::resolve(cx, c, reason);
        }
        _ => cx.st.stats.no_answer_kept += 1,
    }
    true
}

/// The queue `c`'s own queue sends unanswered work to under the plan in
/// force, if it names one other than itself. Its own queue is the first
/// it waits in, or, on a route chosen since it last waited (a plan swap
/// re-evaluates live work without moving it), the queue its route's first
/// step enters.
fn named_queue(cx: &Cx<'_>, c: ConvIdx) -> Option<u16> {
    let plan = cx.st.plan.as_deref()?;
    let rs = cx.st.conv_plan(c)?.route.as_ref()?;
    let first_step = || {
        let steps = &plan.routes.get(usize::from(rs.route))?.steps;
        steps.first()?.actions.iter().rev().find_map(|a| match *a {
            CAction::Enter(q) => Some(q),
            _ => None,
        })
    };
    let own = rs.queues.first().copied().or_else(first_step)?;
    let to = plan.queues.get(usize::from(own))?.no_answer_to?;
    (to != own).then_some(to)
}

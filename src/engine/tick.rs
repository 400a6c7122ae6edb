//! Time passing: timers due by now fire in order (a warning before the
//! breach it announces), each checked against its subject's current
//! generation so that stale timers do nothing. Each timer's consequences
//! are settled before the next fires, so the order of decisions does not
//! depend on how timers batch.

use super::cx::Cx;
use super::decision::{Decision, RequeueReason, StickyMissReason};
use super::execute;
use super::lifecycle;
use super::matching;
use super::state::conversation::Place;
use super::state::index::{AgentIdx, GroupIdx};
use super::state::timers::{Timer, TimerKind};
use super::workload::{no_answer, rate, wrapup, WrapUpEndReason};
use crate::model::AgentStatus;

pub(crate) fn run(cx: &mut Cx<'_>) {
    // Firing never arms a timer due at or before now except with zero
    // settings, and each firing consumes one timer, so this bounds it.
    let bound = 2 * cx.st.timers.len() + 16;
    for round in 0.. {
        assert!(round <= bound, "tick exceeded its bound");
        let Some(timer) = cx.st.timers.pop_due(cx.at) else {
            return;
        };
        if fire(cx, timer) {
            execute::finish(cx);
        }
    }
}

/// Fires `timer`. Returns false when it was stale and changed nothing:
/// then no agent was queued to settle or touched, and the levels above
/// the agents hold what the last `finish` left (it ran to quiescence), so
/// `finish` would do nothing (89k times a run with every rule on).
fn fire(cx: &mut Cx<'_>, timer: Timer) -> bool {
    if timer.kind == TimerKind::RateWindow {
        let agent = AgentIdx::new(timer.subject as usize).filter(|a| a.get() < cx.st.agents.len());
        if let Some(agent) = agent {
            rate::window_slid(cx, agent, timer.at);
        }
        return true;
    }
    if timer.kind == TimerKind::SkillWindow {
        super::skill_windows::on_timer(cx, timer.subject, timer.generation);
        return true;
    }
    if timer.kind == TimerKind::Hours {
        super::plan_hours::on_timer(cx, timer.subject, timer.generation);
        return true;
    }
    if timer.kind == TimerKind::CooldownEnd {
        let agent = AgentIdx::new(timer.subject as usize).filter(|a| a.get() < cx.st.agents.len());
        let group = GroupIdx::new(timer.cooldown_group() as usize);
        if let (Some(agent), Some(_)) = (agent, group) {
            execute::end_cooldowns(cx, agent);
        }
        return true;
    }
    let Some(c) = cx.st.timer_conv(&timer) else {
        return false;
    };
    let conv = cx.st.conv(c);
    match timer.kind {
        TimerKind::SlaWarning | TimerKind::SlaBreach => {
            if timer.generation != conv.sla_gen || conv.first_response_at().is_some() {
                return false;
            }
            if let (TimerKind::SlaWarning, Some(start)) = (timer.kind, conv.sla_start()) {
                // Armed even while parked: a thread that resumes without a
                // first response still breaches on time.
                let breach_at = start + cx.st.response_target(c, cx.cfg);
                lifecycle::arm(cx, breach_at, TimerKind::SlaBreach, c, timer.generation);
            }
            let Some(deadline) = cx.st.response_deadline(c, cx.cfg) else {
                return true;
            };
            let conv = cx.st.conv(c);
            let agent = conv.place.live_agent().map(|a| cx.st.id(a));
            let conversation = conv.id;
            if timer.kind == TimerKind::SlaWarning {
                cx.st.stats.sla_warnings += 1;
                cx.emit(Decision::SlaWarning {
                    conversation,
                    agent,
                    deadline,
                });
            } else {
                cx.st.stats.sla_breaches += 1;
                cx.emit(Decision::SlaBreach {
                    conversation,
                    agent,
                    deadline,
                });
            }
        }
        TimerKind::OfferExpiry => {
            let Place::Offered { agent, .. } = conv.place else {
                return false;
            };
            if timer.generation != conv.stay {
                return false;
            }
            cx.st.stats.offer_timeouts += 1;
            execute::requeue_offer(cx, c, agent, RequeueReason::OfferTimedOut);
            if cx.cfg.away_on_missed_offer && cx.st.agent(agent).status == AgentStatus::Online {
                execute::set_status(cx, agent, AgentStatus::Away);
            }
        }
        TimerKind::StickyWait => {
            let Place::WaitingFor { own: false, agent } = conv.place else {
                return false;
            };
            if timer.generation != conv.stay {
                return false;
            }
            lifecycle::detach(cx, c);
            matching::sticky_miss(cx, c, StickyMissReason::WaitTimedOut);
            super::preferred::wait_ended(cx, c, agent, super::PreferredSkip::WaitTimedOut);
            super::preferred::next(cx, c);
        }
        TimerKind::AutoPark => {
            let (place, awaiting, due) = (conv.place, conv.awaiting_reply, conv.park_due());
            cx.st.conv_mut(c).park_armed = false;
            let (Place::Assigned { .. }, false, Some(due)) = (place, awaiting, due) else {
                // Only the pending flag changed: nothing to settle.
                return false;
            };
            if due <= cx.at {
                lifecycle::park(cx, c, true);
            } else {
                // The agent wrote again since: wait for the latest due time.
                cx.st.conv_mut(c).park_armed = true;
                lifecycle::arm(cx, due, TimerKind::AutoPark, c, 0);
            }
        }
        TimerKind::CooldownEnd
        | TimerKind::RateWindow
        | TimerKind::Hours
        | TimerKind::SkillWindow => {}
        TimerKind::NoAnswer => return no_answer::fire(cx, c, timer.generation),
        TimerKind::WrapUpEnd => {
            if timer.generation != conv.stay || !conv.wrapping {
                return false;
            }
            wrapup::end(cx, c, WrapUpEndReason::TimedOut);
        }
        TimerKind::PlanStep => super::plan_steps::on_timer(cx, c, timer.generation),
    }
    true
}

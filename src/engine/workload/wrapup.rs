//! Wrap-up after a resolve: the agent keeps part of the thread's weight
//! for the channel's time box (see `WrapUpRule`). The hold sits on the
//! resolved conversation (`Conv::held`, `Conv::wrap_up`) and in the
//! agent's `wrapups`, so `lifecycle::detach` gives it back like any other
//! hold, and the audit recounts it with the agent's load.

use super::config::WrapUpMode;
use super::WrapUpEndReason;
use crate::engine::cx::Cx;
use crate::engine::decision::{AssignVia, Decision};
use crate::engine::error::EngineError;
use crate::engine::lifecycle;
use crate::engine::matching;
use crate::engine::state::conversation::{Place, When};
use crate::engine::state::index::{AgentIdx, ConvIdx};
use crate::engine::state::timers::TimerKind;
use crate::engine::state::workload::WrapHold;
use crate::engine::state::State;
use crate::engine::EngineConfig;
use crate::model::{Capacity, Timestamp};

/// The part of `c`'s weight its agent keeps on a resolve now, if the
/// thread is assigned on a channel with a wrap-up rule.
pub(crate) fn hold_on_resolve(cx: &Cx<'_>, c: ConvIdx) -> Option<(AgentIdx, Capacity)> {
    let conv = cx.st.conv(c);
    let Place::Assigned { agent } = conv.place else {
        return None;
    };
    let rule = cx.cfg.workload.wrap_up(conv.channel)?;
    Some((agent, hold_of(conv.held, rule.hold_permille)))
}

/// `permille` of `weight` (exact in milli-units, rounded down).
pub(crate) fn hold_of(weight: Capacity, permille: u32) -> Capacity {
    Capacity((u64::from(weight.0) * u64::from(permille) / 1000) as u32)
}

/// The hold a wrap-up of `c` keeps on its agent (for the audit): the
/// rule's share of what the thread costs that agent.
pub(crate) fn expected_hold(cfg: &EngineConfig, st: &State, c: ConvIdx) -> Option<Capacity> {
    let conv = st.conv(c);
    let hold = st.wrap_of(c)?;
    let rule = cfg.workload.wrap_up(conv.channel)?;
    let full = (st.agents.get(hold.agent.get())).map_or(cfg.weight(conv.channel), |a| {
        super::weight::of(cfg, a, conv.channel)
    });
    Some(hold_of(full, rule.hold_permille))
}

/// Starts the wrap-up of the just-resolved `c`, whose `held` is the part
/// `agent` kept (`lifecycle::resolve` released the rest).
pub(crate) fn start(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
    let at = cx.at;
    let conv = cx.st.conv(c);
    let rule = *cx
        .cfg
        .workload
        .wrap_up(conv.channel)
        .expect("a hold is kept only under a rule");
    let until = at + rule.time;
    let min_end = match rule.mode {
        WrapUpMode::Optional => Some(at),
        WrapUpMode::TimeBoxed { min } => Some(at + min),
        WrapUpMode::NoEarlyEnd => None,
    };
    let hold = WrapHold {
        agent,
        started: at,
        until,
        min_end,
    };
    cx.st.set_wrap(c, hold);
    let conv = cx.st.conv(c);
    let (id, stay) = (conv.id, conv.stay);
    cx.st.wrapup_insert(agent, id, c);
    lifecycle::arm(cx, until, TimerKind::WrapUpEnd, c, stay);
    cx.st.stats.wrap_ups += 1;
    let a = cx.st.agent(agent);
    let decision = Decision::WrapUpStarted {
        conversation: id,
        agent: a.id,
        until,
        load: a.load,
        cap: a.cap,
    };
    cx.emit(decision);
}

/// Takes `c`'s wrap-up off its agent's list (for `lifecycle::detach`,
/// which gives the hold back). Returns the agent, if it was in wrap-up.
pub(crate) fn unlist(cx: &mut Cx<'_>, c: ConvIdx) -> Option<AgentIdx> {
    let hold = cx.st.take_wrap(c)?;
    let id = cx.st.conv(c).id;
    let removed = cx.st.wrapup_remove(hold.agent, id, c);
    debug_assert!(removed, "a wrap-up is in its agent's list");
    Some(hold.agent)
}

/// Ends `c`'s wrap-up for `reason`, giving the hold back; returns the
/// agent. Does nothing (returns `None`) if `c` is not in wrap-up.
pub(crate) fn end(cx: &mut Cx<'_>, c: ConvIdx, reason: WrapUpEndReason) -> Option<AgentIdx> {
    let hold = cx.st.wrap_of(c)?;
    let at = cx.at;
    let (agent, load, cap) = lifecycle::detach(cx, c)?;
    let spent = at.since(hold.started).as_millis();
    let a = cx.st.agent_mut(agent);
    a.wrap_up_ms = a.wrap_up_ms.saturating_add(spent);
    let stats = &mut cx.st.stats;
    stats.wrap_up_ms = stats.wrap_up_ms.saturating_add(spent);
    match reason {
        WrapUpEndReason::EndedByAgent => stats.wrap_ups_ended_early += 1,
        WrapUpEndReason::Reopened => stats.wrap_ups_reopened += 1,
        WrapUpEndReason::TimedOut | WrapUpEndReason::AgentOffline => {}
    }
    let conversation = cx.st.conv(c).id;
    let agent_id = cx.st.id(agent);
    cx.emit(Decision::WrapUpEnded {
        conversation,
        agent: agent_id,
        reason,
        load,
        cap,
    });
    Some(agent)
}

/// Checks an `EndWrapUp` by `agent` at `at`: `c` must be in wrap-up with
/// them, and its mode must allow ending it now.
pub(crate) fn check_end(
    st: &State,
    c: ConvIdx,
    agent: AgentIdx,
    at: Timestamp,
) -> Result<(), EngineError> {
    let conv = st.conv(c);
    let Some(hold) = st.wrap_of(c) else {
        return Err(EngineError::NotInWrapUp {
            conversation: conv.id,
        });
    };
    if hold.agent != agent {
        return Err(EngineError::NotOwner {
            conversation: conv.id,
            agent: st.id(agent),
        });
    }
    match hold.min_end {
        Some(min) if at >= min => Ok(()),
        min_end => Err(EngineError::WrapUpMandatory {
            conversation: conv.id,
            until: min_end,
        }),
    }
}

/// The customer wrote during the wrap-up: the thread reopens to the same
/// agent, assigned at once and without an offer when its weight fits,
/// else first in the agent's own queue (as a parked thread comes back).
/// The first-response clock restarts if no human answered yet.
pub(crate) fn reopen(cx: &mut Cx<'_>, c: ConvIdx) {
    let Some(agent) = end(cx, c, WrapUpEndReason::Reopened) else {
        return;
    };
    let at = cx.at;
    let conv = cx.st.conv_mut(c);
    conv.last_customer_message = at;
    conv.awaiting_reply = true;
    conv.seen = false;
    conv.set_at(When::ParkDue, None);
    let (answered, channel) = (conv.first_response_at().is_some(), conv.channel);
    let weight = super::weight::of(cx.cfg, cx.st.agent(agent), channel);
    // Opening order is arrival order (as a restore rebuilds it).
    let seq = cx.st.conv(c).seq;
    let who = cx.st.conv(c).who;
    let open = &cx.st.customers[who.get()].open;
    let at_index = open.partition_point(&cx.st.open_pool, |o| cx.st.conv(o).seq < seq);
    cx.st.open_insert(who, at_index, c);
    if !answered {
        matching::start_response_clock(cx, c);
    }
    if cx.st.agent(agent).fits(weight) {
        lifecycle::hand_over(cx, c, agent, AssignVia::Reopened);
    } else {
        lifecycle::enqueue_personal(cx, c, agent, true, None);
    }
}

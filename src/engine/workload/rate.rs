//! Assignment rate limits: an agent takes at most `max` new assignments in
//! any rolling `window` (Chatwoot's "100 per hour"). The agent's own limit
//! ([`Command::SetRateLimit`](crate::Command::SetRateLimit)) or else their
//! team's. The times of the agent's recent assignments are kept (at most
//! `max` of them, so bounded); the assignment that reaches the limit arms
//! one `RateWindow` timer for when its oldest leaves the window. Until
//! then the agent is out of their free indexes like an agent at their cap;
//! the timer settles them, which ranks them again: no scan, one timer per
//! limited agent. Threads coming back to the agent (a parked thread, a
//! reopened wrap-up) are not new assignments: neither counted nor refused.
//! A limit changed counts what both windows still hold: an assignment the
//! old window had forgotten by the change is not brought back by a longer
//! one, and one a lowered `max` leaves past the limit still counts.

use super::config::RateLimit;
use super::CapLevel;
use crate::engine::cx::Cx;
use crate::engine::decision::Decision;
use crate::engine::state::index::AgentIdx;
use crate::engine::state::timers::{Timer, TimerKind};
use crate::model::Timestamp;

/// Records a new assignment of `agent` now; if it reaches the limit, arms
/// the timer that ends it and says so.
pub(crate) fn record(cx: &mut Cx<'_>, agent: AgentIdx) {
    let at = cx.at;
    let Some(limit) = cx.st.agent(agent).own().limit else {
        return;
    };
    let a = cx.st.own_rules_mut(agent);
    prune(&mut a.recent, limit, at);
    if a.recent.len() >= super::MAX_RATE as usize {
        // The hard bound on memory (an assignment counted past every
        // limit, which routing never makes): the oldest goes.
        a.recent.pop_front();
    }
    a.recent.push_back(at);
    if a.recent.len() >= limit.max as usize {
        let id = cx.st.id(agent);
        let until = arm_for(cx, agent, limit);
        cx.st.stats.refusals.count(CapLevel::RateLimit);
        cx.st.agent_mut(agent).counters.rate_limit += 1;
        cx.emit(Decision::RateLimitReached { agent: id, until });
    }
}

/// Makes the timer that counts for `agent` (at the limit) the one due
/// when their oldest assignment leaves the window; an earlier pending one
/// becomes stale. Returns when it is due.
fn arm_for(cx: &mut Cx<'_>, agent: AgentIdx, limit: RateLimit) -> Timestamp {
    let at = cx.at;
    let a = cx.st.own_rules_mut(agent);
    let until = window_end(a.recent.front().copied(), limit, at);
    if a.rate_timer != Some(until) {
        a.rate_timer = Some(until);
        arm(cx, agent, until);
    }
    until
}

/// When the oldest recorded assignment leaves the window (`now` + the
/// window when none is kept, which the callers never reach).
fn window_end(oldest: Option<Timestamp>, limit: RateLimit, now: Timestamp) -> Timestamp {
    oldest.unwrap_or(now) + limit.window
}

/// Drops the assignments that left the window by `now`. Bounded by the
/// entries kept.
fn prune(recent: &mut std::collections::VecDeque<Timestamp>, limit: RateLimit, now: Timestamp) {
    while recent.front().is_some_and(|&t| t + limit.window <= now) {
        recent.pop_front();
    }
}

fn arm(cx: &mut Cx<'_>, agent: AgentIdx, at: Timestamp) {
    cx.st.timers.arm(Timer {
        at,
        kind: TimerKind::RateWindow,
        subject: agent.get() as u64,
        generation: 0,
        incarnation: 0,
    });
}

/// The window slid (a `RateWindow` timer of `agent` fired): below the
/// limit again, the agent is settled (ranked again, pulls waiting work);
/// still at it (a limit lowered meanwhile), the timer is armed again for
/// the next oldest.
pub(crate) fn window_slid(cx: &mut Cx<'_>, agent: AgentIdx, due: Timestamp) {
    let at = cx.at;
    if cx.st.agent(agent).own().rate_timer != Some(due) {
        // Stale: the limit changed since it was armed.
        return;
    }
    let a = cx.st.own_rules_mut(agent);
    a.rate_timer = None;
    let Some(limit) = a.limit else {
        cx.settle_later(agent);
        return;
    };
    prune(&mut a.recent, limit, at);
    if a.recent.len() >= limit.max as usize {
        arm_for(cx, agent, limit);
    } else {
        cx.settle_later(agent);
    }
}

/// Recomputes `agent`'s effective limit (their own, else their team's)
/// after either changed: a limit reached now arms its timer, one no
/// longer reached lets the agent take work at once.
pub(crate) fn refresh(cx: &mut Cx<'_>, agent: AgentIdx) {
    let team = cx
        .st
        .agent(agent)
        .team
        .and_then(|t| cx.st.workload.teams[t.get()].rate);
    let at = cx.at;
    let own = cx.st.agent(agent).own();
    if own.limit.is_none() && own.own_limit.or(team).is_none() {
        // No limit before or after: nothing to count, and no box to make.
        cx.st.agent_mut(agent).refresh_rules();
        cx.settle_later(agent);
        return;
    }
    let a = cx.st.own_rules_mut(agent);
    if let Some(old) = a.limit {
        // What the old window forgot by now stays forgotten, whether or
        // not a prune happened to run since: a longer window does not
        // bring it back, so the count never depends on when commands came.
        prune(&mut a.recent, old, at);
    }
    a.limit = a.own_limit.or(team);
    let limit = a.limit;
    cx.st.agent_mut(agent).refresh_rules();
    let a = cx.st.own_rules_mut(agent);
    match limit {
        None => a.recent.clear(),
        Some(limit) => {
            prune(&mut a.recent, limit, at);
            // Every assignment still in the window is kept, also past a
            // lowered limit: raised again, the limit counts them all (a
            // rolling window forgets by time, not by limit). The memory
            // stays bounded: entries are added only below a limit, so
            // never more than `MAX_RATE`.
            debug_assert!(a.recent.len() <= super::MAX_RATE as usize);
            if a.recent.len() >= limit.max as usize {
                arm_for(cx, agent, limit);
            }
        }
    }
    cx.settle_later(agent);
}

/// Sets `agent`'s own limit (`None`: their team's).
pub(crate) fn set_limit(cx: &mut Cx<'_>, agent: AgentIdx, limit: Option<RateLimit>) {
    if limit.is_some() || cx.st.agent(agent).own().own_limit.is_some() {
        cx.st.own_rules_mut(agent).own_limit = limit;
    }
    refresh(cx, agent);
    let a = cx.st.agent(agent);
    let decision = Decision::RateLimitSet {
        agent: a.id,
        limit: a.own().limit,
        recent: a.own().recent.len() as u32,
    };
    cx.emit(decision);
}

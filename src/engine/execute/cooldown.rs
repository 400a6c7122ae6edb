//! An offer let go (declined, timed out, unanswered): the thread goes back
//! to its group and the agent cools down in that group, so that they are
//! not offered it again at once. Apart, as both commands (`Decline`) and
//! timers (`tick`, `no_answer`) let an offer go through here.

use super::super::cx::Cx;
use super::super::decision::{Decision, RequeueReason};
use super::super::lifecycle;
use super::super::matching;
use super::super::state::index::{AgentIdx, ConvIdx, GroupIdx};
use super::super::state::timers::{Timer, TimerKind};
use crate::model::Capacity;

/// Sends an offered thread back to its group; the agent who let it go
/// cools down in that group first, so they are not offered it again.
pub(crate) fn requeue_offer(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx, reason: RequeueReason) {
    let (_, load, cap) =
        lifecycle::detach(cx, c).unwrap_or((agent, Capacity::ZERO, Capacity::ZERO));
    cx.st.stats.requeues += 1;
    let conversation = cx.st.conv(c).id;
    let from = cx.st.id(agent);
    cx.emit(Decision::Requeued {
        conversation,
        from,
        reason,
        load,
        cap,
    });
    start_cooldown(cx, agent, cx.st.conv(c).group);
    matching::place_in_group(cx, c);
}

fn start_cooldown(cx: &mut Cx<'_>, agent: AgentIdx, group: GroupIdx) {
    let cooldown = cx.cfg.decline_cooldown;
    if cooldown.0 == 0 {
        return;
    }
    let until = cx.at + cooldown;
    let a = cx.st.agent_mut(agent);
    match a.cooldowns.iter_mut().find(|(g, _)| *g == group) {
        Some(entry) => entry.1 = entry.1.max(until),
        None => a.cooldowns.push((group, until)),
    }
    cx.st.timers.arm(Timer {
        at: until,
        kind: TimerKind::CooldownEnd,
        subject: agent.get() as u64,
        generation: 0,
        incarnation: group.get() as u64,
    });
    cx.settle_later(agent);
}

/// Ends the cool-downs of `agent` due by now.
pub(crate) fn end_cooldowns(cx: &mut Cx<'_>, agent: AgentIdx) {
    let at = cx.at;
    cx.st
        .agent_mut(agent)
        .cooldowns
        .retain(|&(_, until)| until > at);
    cx.settle_later(agent);
}

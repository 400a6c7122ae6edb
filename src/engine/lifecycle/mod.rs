//! The conversation lifecycle: the transition table (which command may act
//! on a conversation in which place) and the only code that writes a
//! conversation's place, the capacity it holds, and the agent queues it
//! sits in. Every function here keeps three things in step: the place, the
//! structure that lists the conversation (a group's line, an agent's own
//! queue, inbox or parked set), and the agent's load.
//!
//! ```text
//!             open / escalate / customer writes to a released thread
//!                                  │
//!   Bot ──escalate──▶ (routing) ──┼──▶ Queued ─────────┐
//!                                  ├──▶ WaitingFor(agent)┤ hand_over
//!                                  └──────────────────── ▶ Offered ─accept─▶ Assigned
//!   Assigned ──park──▶ Parked(agent) ──customer writes──▶ Assigned | WaitingFor(own)
//!   agent offline: live → Queued (Requeued), parked → Parked(None) (Released),
//!                  waiting → Queued (Requeued / StickyMiss)
//!   any but Resolved ──resolve──▶ Resolved
//! ```
//!
//! This file holds the transition table, `detach` (out of any place) and
//! the moves into a waiting place (a group's line, an agent's own queue,
//! the bot); the rest lives by concern: an agent's load (`load`), a
//! thread on an agent (`live`: handed over, accepted, parked, resumed,
//! released), its end (`resolve`) and a priority change (`priority`).

mod live;
mod load;
mod priority;
mod resolve;

pub(crate) use live::{accept, hand_over, park, release_parked, remember_agent, resume_in_place};
pub(crate) use priority::{set_priority, set_priority_detached};
pub(crate) use resolve::resolve;

use super::command::CommandKind;
use super::cx::Cx;
use super::decision::Decision;
use super::state::conversation::{Place, When};
use super::state::inbox;
use super::state::index::{AgentIdx, ConvIdx};
use super::state::timers::{Timer, TimerKind};
use super::workload::{gate, wrapup};
use crate::model::{Capacity, Timestamp};
use load::release;

/// Whether a command of `kind` may act on a conversation in `place`.
/// Commands that name no conversation are not restricted here.
// Always: validation calls it with each command's own kind, a constant,
// so inlined it is the one test of the place that kind needs.
#[inline(always)]
pub(crate) fn permits(kind: CommandKind, place: Place) -> bool {
    use CommandKind as K;
    let resolved = matches!(place, Place::Resolved { .. });
    match kind {
        K::Escalate => matches!(place, Place::Bot),
        K::CustomerMessage | K::Resolve | K::SetPriority | K::SetAttributes => !resolved,
        K::AgentMessage | K::Park => matches!(place, Place::Assigned { .. }),
        K::MarkSeen => place.live_agent().is_some(),
        K::Transfer => !resolved && place != Place::Bot,
        K::AcceptOffer | K::DeclineOffer => matches!(place, Place::Offered { .. }),
        _ => true,
    }
}

/// Arms a timer on conversation `c`.
pub(crate) fn arm(cx: &mut Cx<'_>, at: Timestamp, kind: TimerKind, c: ConvIdx, generation: u32) {
    let conv = cx.st.conv(c);
    let (id, incarnation) = (conv.id, conv.seq);
    cx.st.timers.arm(Timer {
        at,
        kind,
        subject: id.0,
        generation,
        incarnation,
    });
}

/// Takes `c` out of wherever it is listed, gives back the capacity it held
/// and voids timers of its stay. Returns the agent it left with their load
/// and cap after. The caller gives it its next place at once.
pub(crate) fn detach(cx: &mut Cx<'_>, c: ConvIdx) -> Option<(AgentIdx, Capacity, Capacity)> {
    let conv = cx.st.conv(c);
    let (place, id, class, line_key) = (conv.place, conv.id, conv.class(), conv.line_key());
    let left = match place {
        Place::Bot | Place::Parked { agent: None } => None,
        // A resolved thread holds capacity only in wrap-up.
        Place::Resolved { .. } => wrapup::unlist(cx, c),
        Place::Queued => {
            let group = cx.st.conv(c).group;
            let removed = cx
                .st
                .line_remove(group, class, line_key, c, cx.cfg.class_head_start);
            debug_assert!(removed, "a queued conversation is in its line");
            // The overflow lines of a routing plan's conversation.
            for i in 0..cx.st.extra_groups(c).len() {
                let g = cx.st.extra_groups(c)[i];
                let removed = cx
                    .st
                    .line_remove(g, class, line_key, c, cx.cfg.class_head_start);
                debug_assert!(removed, "a queued conversation is in its overflow lines");
            }
            None
        }
        Place::WaitingFor { agent, own } => {
            let key = cx.st.conv(c).personal_key(own, cx.cfg);
            let removed = cx.st.personal_remove(agent, key, c);
            debug_assert!(removed, "a waiting conversation is in its agent's queue");
            // Work waiting for an agent keeps them out of their groups;
            // once it is gone they may take group work again.
            cx.settle_later(agent);
            None
        }
        Place::Offered { agent, .. } | Place::Assigned { agent } => {
            let removed = inbox::remove(cx.st, agent, c);
            debug_assert!(removed, "a live conversation is in its agent's inbox");
            gate::live_changed(cx, agent, c, false);
            Some(agent)
        }
        Place::Parked { agent: Some(agent) } => {
            let removed = cx.st.parked_remove(agent, id, c);
            debug_assert!(
                removed,
                "a parked conversation is in its agent's parked set"
            );
            Some(agent)
        }
    };
    let conv = cx.st.conv_mut(c);
    conv.stay = conv.stay.wrapping_add(1);
    let held = std::mem::take(&mut conv.held);
    left.map(|agent| {
        let channel = cx.st.conv(c).channel;
        let (load, cap) = release(cx, agent, channel, held);
        cx.settle_later(agent);
        (agent, load, cap)
    })
}

/// Puts a detached `c` in its group's waiting line.
pub(crate) fn enqueue_group(cx: &mut Cx<'_>, c: ConvIdx) {
    let conv = cx.st.conv_mut(c);
    debug_assert_eq!(conv.held, Capacity::ZERO, "waiting work holds no capacity");
    conv.place = Place::Queued;
    let (group, class, key) = (conv.group, conv.class(), conv.line_key());
    cx.st
        .line_insert(group, class, key, c, cx.cfg.class_head_start);
    // A routing plan's overflow: the same place (age, arrival) in the
    // lines of the other queues it waits in.
    for i in 0..cx.st.extra_groups(c).len() {
        let g = cx.st.extra_groups(c)[i];
        cx.st.line_insert(g, class, key, c, cx.cfg.class_head_start);
    }
}

/// Hands `c` back to the bot tier (a routing plan's terminal action): it
/// leaves wherever it is, its alerts stop, it stays open.
pub(crate) fn to_bot(cx: &mut Cx<'_>, c: ConvIdx) {
    detach(cx, c);
    let conv = cx.st.conv_mut(c);
    conv.place = Place::Bot;
    conv.set_sticky_agent(None);
    conv.sla_gen = conv.sla_gen.wrapping_add(1);
    conv.set_at(When::ParkDue, None);
}

/// Puts a detached `c` in `agent`'s own queue: `own` for a thread that is
/// already theirs, else a returning customer waiting for their known agent
/// until `until`.
pub(crate) fn enqueue_personal(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    agent: AgentIdx,
    own: bool,
    until: Option<Timestamp>,
) {
    let key = cx.st.conv(c).personal_key(own, cx.cfg);
    let conv = cx.st.conv_mut(c);
    debug_assert_eq!(conv.held, Capacity::ZERO, "waiting work holds no capacity");
    conv.place = Place::WaitingFor { agent, own };
    let (id, stay) = (conv.id, conv.stay);
    cx.st.personal_insert(agent, key, c);
    if let Some(until) = until {
        arm(cx, until, TimerKind::StickyWait, c, stay);
    }
    let a = cx.st.agent(agent);
    let decision = Decision::WaitingForAgent {
        conversation: id,
        agent: a.id,
        until,
        load: a.load,
        cap: a.cap,
    };
    cx.emit(decision);
    cx.settle_later(agent);
}

/// Records that a detached `c` sits nowhere (its place named where it
/// was), so that the next transition does not take it out again.
pub(crate) fn mark_detached(cx: &mut Cx<'_>, c: ConvIdx) {
    let conv = cx.st.conv_mut(c);
    debug_assert_eq!(
        conv.held,
        Capacity::ZERO,
        "a detached conversation holds nothing"
    );
    conv.place = Place::Bot;
}

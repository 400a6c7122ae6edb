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

use super::command::CommandKind;
use super::cx::Cx;
use super::decision::{AssignVia, Decision};
use super::state::conversation::{Place, When};
use super::state::inbox;
use super::state::index::{AgentIdx, ConvIdx};
use super::state::timers::{Timer, TimerKind};
use super::workload::{gate, no_answer, rate, weight, wrapup};
use crate::model::{Capacity, Channel, ResolveReason, Timestamp};

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

/// Adds `amount` of a thread of `channel` to `agent`'s load. The caller
/// checked that it fits. Returns the load and cap after.
// Always: once per assignment, and a hint left it out of line.
#[inline(always)]
pub(crate) fn reserve(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    channel: Channel,
    amount: Capacity,
) -> (Capacity, Capacity) {
    let over = cx.cfg.workload.over(channel);
    let a = cx.st.agent_mut(agent);
    // A pull may go past the cap, up to the agent's pull maximum; an
    // interrupting channel beside the load of the channels it interrupts.
    debug_assert!(
        u64::from(a.load.0) + u64::from(amount.0) <= u64::from(a.ceiling().0)
            || (over != 0 && a.fits_over(amount, over)),
        "reserved past the cap"
    );
    a.load.0 += amount.0;
    a.channel_load[channel.index()] += amount.0;
    if over != 0 && a.load > a.ceiling() {
        // Over the cap by interrupting: tolerated like a lowered cap, no
        // other work until the load is back under it.
        a.over_cap_allowance = a.over_cap_allowance.max(a.load);
        cx.st.stats.interruptions += 1;
    }
    let a = cx.st.agent_mut(agent);
    a.high_water = a.high_water.max(a.load);
    let after = (a.load, a.cap);
    cx.touch(agent);
    after
}

/// Gives back `amount` of a thread of `channel` from `agent`'s load.
/// Returns the load and cap after.
#[inline]
pub(crate) fn release(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    channel: Channel,
    amount: Capacity,
) -> (Capacity, Capacity) {
    let a = cx.st.agent_mut(agent);
    debug_assert!(a.load >= amount, "released more than held");
    a.load.0 = a.load.0.saturating_sub(amount.0);
    let held = &mut a.channel_load[channel.index()];
    *held = held.saturating_sub(amount.0);
    // A cap lowered below the load takes effect as threads end.
    a.over_cap_allowance = if a.load <= a.cap {
        Capacity::ZERO
    } else {
        a.over_cap_allowance.min(a.load)
    };
    let after = (a.load, a.cap);
    cx.touch(agent);
    after
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

/// Hands a waiting (or just routed) `c` to `agent`, who has room for it:
/// offered when offers are on (except a thread that is already theirs),
/// else assigned.
pub(crate) fn hand_over(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx, via: AssignVia) {
    if cx.st.conv(c).place == Place::Queued {
        // Its line's throughput, for expected waits.
        super::wait_estimate::served(cx, c);
    }
    if matches!(
        cx.st.conv(c).place,
        Place::Queued | Place::WaitingFor { .. }
    ) {
        detach(cx, c);
    }
    let channel = cx.st.conv(c).channel;
    let weight = weight::of(cx.cfg, cx.st.agent(agent), channel);
    let (load, cap) = reserve(cx, agent, channel, weight);
    // A thread coming back to its agent is not new work.
    let returning = matches!(via, AssignVia::Resumed | AssignVia::Reopened);
    if !returning {
        let seq = cx.st.next_seq();
        cx.st.agent_mut(agent).last_assigned = seq;
        let limited =
            (cx.st.agent(agent).own_rules_box.as_deref()).is_some_and(|r| r.limit.is_some());
        if limited {
            rate::record(cx, agent);
        }
    }
    let offer = match via {
        // Work coming back, or asked for, is not offered.
        AssignVia::Resumed | AssignVia::Reopened | AssignVia::PullNext => None,
        _ => cx.cfg.offer_timeout.map(|t| cx.at + t),
    };
    let conv = cx.st.conv_mut(c);
    conv.held = weight;
    conv.stay = conv.stay.wrapping_add(1);
    conv.place = match offer {
        Some(expires_at) => Place::Offered { agent, expires_at },
        None => Place::Assigned { agent },
    };
    conv.set_sticky_agent(None);
    let (id, who, stay) = (conv.id, conv.who, conv.stay);
    let at = cx.at;
    inbox::add(cx.st, agent, c);
    let a = cx.st.agent_mut(agent);
    a.last_activity = a.last_activity.max(at);
    let agent_id = a.id;
    gate::live_changed(cx, agent, c, true);
    if matches!(via, AssignVia::Sticky | AssignVia::KnownAgent) {
        cx.st.stats.sticky_hits += 1;
        let customer = cx.st.customers[who.get()].id;
        cx.emit(Decision::StickyHit {
            conversation: id,
            customer,
            agent: agent_id,
        });
    }
    remember_agent(cx, c, agent);
    cx.st.stats.assignments += 1;
    match offer {
        Some(expires_at) => {
            arm(cx, expires_at, TimerKind::OfferExpiry, c, stay);
            cx.emit(Decision::Offered {
                conversation: id,
                agent: agent_id,
                via,
                expires_at,
                load,
                cap,
            });
        }
        None => {
            cx.emit(Decision::Assigned {
                conversation: id,
                agent: agent_id,
                via,
                load,
                cap,
            });
            no_answer::arm(cx, c);
        }
    }
}

/// Remembers that `agent` served the customer of `c` now (sticky affinity).
pub(crate) fn remember_agent(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
    let at = cx.at;
    let who = cx.st.conv(c).who;
    cx.st.customer_served(who, agent, at);
}

/// A parked thread back to its agent in place: the difference between the
/// full and the parked weight, which the caller checked fits.
pub(crate) fn resume_in_place(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
    let conv = cx.st.conv(c);
    let (id, channel) = (conv.id, conv.channel);
    let weight = weight::of(cx.cfg, cx.st.agent(agent), channel);
    let extra = Capacity(weight.0 - conv.held.0);
    let (load, cap) = reserve(cx, agent, channel, extra);
    let conv = cx.st.conv_mut(c);
    conv.held = weight;
    conv.stay = conv.stay.wrapping_add(1);
    conv.place = Place::Assigned { agent };
    cx.st.parked_remove(agent, id, c);
    let agent_id = cx.st.id(agent);
    inbox::add(cx.st, agent, c);
    gate::live_changed(cx, agent, c, true);
    cx.st.stats.assignments += 1;
    remember_agent(cx, c, agent);
    cx.emit(Decision::Assigned {
        conversation: id,
        agent: agent_id,
        via: AssignVia::Resumed,
        load,
        cap,
    });
    no_answer::arm(cx, c);
    // A higher load only worsens the agent's rank: the free indexes catch
    // up lazily (see `matching::take_agent`).
}

/// Sets an assigned thread aside at the parked weight.
pub(crate) fn park(cx: &mut Cx<'_>, c: ConvIdx, auto: bool) {
    let conv = cx.st.conv(c);
    let Place::Assigned { agent } = conv.place else {
        debug_assert!(false, "only an assigned thread parks");
        return;
    };
    let id = conv.id;
    let parked = weight::parked_of(cx.cfg, cx.st.agent(agent), conv.channel);
    let (load, cap) = release(cx, agent, conv.channel, Capacity(conv.held.0 - parked.0));
    let conv = cx.st.conv_mut(c);
    conv.held = parked;
    conv.stay = conv.stay.wrapping_add(1);
    conv.place = Place::Parked { agent: Some(agent) };
    conv.set_at(When::ParkDue, None);
    inbox::remove(cx.st, agent, c);
    cx.st.parked_insert(agent, id, c);
    let agent_id = cx.st.id(agent);
    gate::live_changed(cx, agent, c, false);
    cx.emit(Decision::Parked {
        conversation: id,
        agent: agent_id,
        auto,
        load,
        cap,
    });
    cx.settle_later(agent);
}

/// A parked thread whose agent left: released, it will be routed afresh
/// (sticky to that agent) when the customer writes.
pub(crate) fn release_parked(cx: &mut Cx<'_>, c: ConvIdx) {
    let left = detach(cx, c);
    let conv = cx.st.conv_mut(c);
    conv.place = Place::Parked { agent: None };
    let id = conv.id;
    if let Some((agent, load, cap)) = left {
        let agent = cx.st.id(agent);
        cx.emit(Decision::Released {
            conversation: id,
            agent,
            load,
            cap,
        });
    }
}

/// Closes `c` from any place but resolved. An assigned thread on a
/// channel with wrap-up leaves part of its weight on the agent: only the
/// rest is given back, and the wrap-up starts.
pub(crate) fn resolve(cx: &mut Cx<'_>, c: ConvIdx, reason: ResolveReason) {
    let kept = wrapup::hold_on_resolve(cx, c);
    if let Some((_, hold)) = kept {
        cx.st.conv_mut(c).held.0 -= hold.0;
    }
    let left = detach(cx, c);
    let at = cx.at;
    let conv = cx.st.conv_mut(c);
    conv.place = Place::Resolved { reason, at };
    conv.set_sticky_agent(None);
    conv.sla_gen = conv.sla_gen.wrapping_add(1);
    conv.set_at(When::ParkDue, None);
    let id = conv.id;
    // Off its route for good (a later plan does not re-evaluate it).
    if let Some(p) = cx.st.conv_plan_mut(c) {
        p.route = None;
    }
    cx.st.note_resolved(c);
    cx.st.open_remove(c);
    let agent = left.map(|(a, _, _)| cx.st.id(a));
    if let Some((_, hold)) = kept {
        // The hold stayed on the agent through `detach` (which released
        // only the rest), so the load reported includes it.
        cx.st.conv_mut(c).held = hold;
    }
    cx.emit(Decision::Resolved {
        conversation: id,
        agent,
        reason,
        load: left.map(|l| l.1),
        cap: left.map(|l| l.2),
    });
    if let Some((keeper, _)) = kept {
        wrapup::start(cx, c, keeper);
    }
}

/// The holder of an offer accepts it.
pub(crate) fn accept(cx: &mut Cx<'_>, c: ConvIdx) {
    let conv = cx.st.conv_mut(c);
    let Place::Offered { agent, .. } = conv.place else {
        debug_assert!(false, "only an offer is accepted");
        return;
    };
    conv.stay = conv.stay.wrapping_add(1);
    conv.place = Place::Assigned { agent };
    let id = conv.id;
    let agent = cx.st.id(agent);
    cx.emit(Decision::OfferAccepted {
        conversation: id,
        agent,
    });
    no_answer::arm(cx, c);
}

/// Changes `c`'s priority, keeping the line or own queue it waits in sorted.
pub(crate) fn set_priority(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    base: crate::model::Priority,
    effective: crate::model::Priority,
) {
    let place = cx.st.conv(c).place;
    let waiting = matches!(place, Place::Queued | Place::WaitingFor { .. });
    if waiting {
        detach_waiting_entry(cx, c, false);
    }
    let conv = cx.st.conv_mut(c);
    conv.base_priority = base;
    conv.priority = effective;
    if waiting {
        detach_waiting_entry(cx, c, true);
    }
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

/// Changes the priority of a detached `c`, which sits in no line or own
/// queue whatever its place still says (its caller gives it its next
/// place at once).
pub(crate) fn set_priority_detached(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    base: crate::model::Priority,
    effective: crate::model::Priority,
) {
    let conv = cx.st.conv_mut(c);
    conv.base_priority = base;
    conv.priority = effective;
}

/// Removes (`insert == false`) or re-inserts the entry of a waiting `c` in
/// its line or own queue, with the key its fields give now.
fn detach_waiting_entry(cx: &mut Cx<'_>, c: ConvIdx, insert: bool) {
    let conv = cx.st.conv(c);
    match conv.place {
        Place::Queued => {
            let (group, class, key) = (conv.group, conv.class(), conv.line_key());
            let extra = cx.st.extra_groups(c).len();
            for i in 0..=extra {
                let g = match i {
                    0 => group,
                    _ => cx.st.extra_groups(c)[i - 1],
                };
                let (st, head_start) = (&mut *cx.st, cx.cfg.class_head_start);
                let line = &mut st.groups[g.get()].waiting;
                if insert {
                    line.insert(&mut st.line_pool, class, key, c, head_start);
                } else {
                    line.remove(&mut st.line_pool, class, key, c, head_start);
                }
            }
        }
        Place::WaitingFor { agent, own } => {
            let key = conv.personal_key(own, cx.cfg);
            if insert {
                cx.st.personal_insert(agent, key, c);
            } else {
                cx.st.personal_remove(agent, key, c);
            }
        }
        _ => {}
    }
}

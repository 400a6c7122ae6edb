//! A thread on an agent: handed over (offered or assigned), accepted,
//! parked and resumed in place, released when its agent leaves; and the
//! customer's affinity to the agent who served them. Apart from `detach`
//! and the waiting places (`mod.rs`): these are the transitions that put
//! load on an agent or change the thread's place while it stays there.

use super::super::cx::Cx;
use super::super::decision::{AssignVia, Decision};
use super::super::state::conversation::{Place, When};
use super::super::state::inbox;
use super::super::state::index::{AgentIdx, ConvIdx};
use super::super::state::timers::TimerKind;
use super::super::workload::{gate, no_answer, rate, weight};
use super::load::{release, reserve};
use super::{arm, detach};
use crate::model::Capacity;

/// Hands a waiting (or just routed) `c` to `agent`, who has room for it:
/// offered when offers are on (except a thread that is already theirs),
/// else assigned.
pub(crate) fn hand_over(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx, via: AssignVia) {
    if cx.st.conv(c).place == Place::Queued {
        // Its line's throughput, for expected waits.
        super::super::wait_estimate::served(cx, c);
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

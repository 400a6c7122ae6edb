//! A conversation's own commands carried out: its open, an escalation,
//! a customer's and an agent's message, and the detaching of a thread for a
//! transfer. Apart from the agent's side (`agent`): these change one thread
//! and leave placing it to `lifecycle` and `matching`.

use super::super::cx::Cx;
use super::super::decision::Decision;
use super::super::lifecycle;
use super::super::matching;
use super::super::plan_swap;
use super::super::state::conversation::{Conv, Place, When};
use super::super::state::index::{AgentIdx, ConvIdx, GroupIdx};
use super::super::state::timers::TimerKind;
use super::super::structure;
use super::super::validate::GroupRef;
use crate::model::{Capacity, Channel, ConversationId, CustomerId, Priority, Tier};

pub(crate) fn effective_priority(cx: &Cx<'_>, c: ConvIdx, priority: Priority) -> Priority {
    let tier = cx.st.customers[cx.st.conv(c).who.get()].tier;
    if cx.cfg.vip_boost && tier == Tier::Vip {
        priority.boosted()
    } else {
        priority
    }
}

/// Records a new conversation with the bot (it sits nowhere yet).
pub(super) fn open(
    cx: &mut Cx<'_>,
    id: ConversationId,
    customer: CustomerId,
    tier: Tier,
    channel: Channel,
    group: GroupIdx,
    priority: Priority,
) -> ConvIdx {
    let at = cx.at;
    let who = cx.st.ensure_customer(customer);
    cx.st.customer_holds(who);
    cx.st.customers[who.get()].tier = tier;
    let boosted = cx.cfg.vip_boost && tier == Tier::Vip;
    let seq = cx.st.next_seq();
    let conv = Conv {
        id,
        who,
        channel,
        group,
        base_priority: priority,
        priority: if boosted {
            priority.boosted()
        } else {
            priority
        },
        place: Place::Bot,
        opened_at: at,
        waiting_since: at,
        last_customer_message: at,
        times: Default::default(),
        times_set: 0,
        park_armed: false,
        seen: false,
        awaiting_reply: true,
        stay: 0,
        sla_gen: 0,
        seq,
        held: Capacity::ZERO,
        sticky: AgentIdx::VACANT,
        wrapping: false,
        no_answer_hops: 0,
        inbox_at: 0,
    };
    let c = match cx.st.free_slots.pop() {
        Some(c) => {
            cx.st.convs[c.get()] = Some(conv);
            c
        }
        None => {
            let c = ConvIdx::new(cx.st.convs.len()).expect("validated: a slot is left");
            cx.st.convs.push(Some(conv));
            c
        }
    };
    cx.st.conv_ids.insert(id, c);
    cx.st.open_push(who, c);
    cx.st.hold_group(group);
    c
}

pub(super) fn escalate(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    group: Option<GroupRef>,
    priority: Option<Priority>,
    attributes: Option<crate::plan::Attributes>,
) {
    let new_skills = group.is_some();
    if let Some(group) = group {
        let group = structure::ensure_group(cx, group);
        cx.st.set_group(c, group);
    }
    if let Some(priority) = priority {
        let effective = effective_priority(cx, c, priority);
        lifecycle::set_priority(cx, c, priority, effective);
    }
    plan_swap::on_escalate(cx, c, new_skills, attributes);
    let conversation = cx.st.conv(c).id;
    cx.emit(Decision::Escalated { conversation });
    matching::route(cx, c);
}

pub(super) fn customer_message(cx: &mut Cx<'_>, c: ConvIdx) {
    let at = cx.at;
    let bot = cx.st.conv(c).place == Place::Bot;
    // The inbox keeps no order on the write path: its working order
    // follows these fields when asked (`state::inbox`).
    let conv = cx.st.conv_mut(c);
    conv.last_customer_message = at;
    conv.set_at(When::ParkDue, None);
    if !bot {
        conv.awaiting_reply = true;
        conv.seen = false;
    }
    let conv = cx.st.conv(c);
    let conversation = conv.id;
    match conv.place {
        Place::Offered { agent, .. } | Place::Assigned { agent } => {
            let agent = cx.st.id(agent);
            cx.emit(Decision::Reprioritised {
                conversation,
                agent,
            });
        }
        // A parked thread goes back to its agent: at once if the rest of
        // its weight fits, else at the head of the agent's own queue.
        Place::Parked { agent: Some(agent) } => {
            let extra = matching::extra_for(cx, c, agent);
            if cx.st.agent(agent).fits(extra) {
                lifecycle::resume_in_place(cx, c, agent);
            } else {
                lifecycle::detach(cx, c);
                lifecycle::enqueue_personal(cx, c, agent, true, None);
            }
        }
        Place::Parked { agent: None } => {
            lifecycle::detach(cx, c);
            matching::route(cx, c);
        }
        _ => {}
    }
}

pub(super) fn agent_message(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
    let at = cx.at;
    let conv = cx.st.conv(c);
    if conv.first_response_at().is_none() {
        let waited = at.since(conv.sla_start().unwrap_or(conv.waiting_since));
        let conversation = conv.id;
        cx.st.conv_mut(c).set_at(When::FirstResponse, Some(at));
        let agent = cx.st.id(agent);
        cx.emit(Decision::FirstResponse {
            conversation,
            agent,
            waited,
        });
    }
    let conv = cx.st.conv_mut(c);
    conv.set_at(When::LastAgentMessage, Some(at));
    conv.awaiting_reply = false;
    conv.seen = true;
    let a = cx.st.agent_mut(agent);
    a.last_activity = a.last_activity.max(at);
    lifecycle::remember_agent(cx, c, agent);
    if let Some(after) = cx.cfg.auto_park_after {
        let due = at + after;
        let conv = cx.st.conv_mut(c);
        conv.set_at(When::ParkDue, Some(due));
        // One pending auto-park timer per conversation: it re-arms itself
        // at `park_due` when it fires early (see `tick`).
        if !conv.park_armed {
            conv.park_armed = true;
            lifecycle::arm(cx, due, TimerKind::AutoPark, c, 0);
        }
    }
    // Activity only worsens the agent's rank: no re-ranking needed.
}

/// Takes a thread out of its place for a transfer and says so. Returns
/// whether it left an agent.
pub(super) fn detach_for_transfer(cx: &mut Cx<'_>, c: ConvIdx) -> bool {
    let left = lifecycle::detach(cx, c);
    let conv = cx.st.conv_mut(c);
    conv.set_sticky_agent(None);
    let conversation = conv.id;
    let from = left.map(|(a, _, _)| cx.st.id(a));
    cx.emit(Decision::Transferred {
        conversation,
        from,
        load: left.map(|l| l.1),
        cap: left.map(|l| l.2),
    });
    left.is_some()
}

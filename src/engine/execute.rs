//! The second step of every command: carry out a validated [`Step`]. Nothing
//! here can fail: validation refused everything that could. Conversation
//! places change only through `lifecycle`; conversations that need a place
//! or agents that may take work go through `matching`.

use super::cx::Cx;
use super::decision::{Decision, RequeueReason, StickyMissReason};
use super::lifecycle;
use super::matching;
use super::plan_swap;
use super::state::conversation::{Conv, Place, When};
use super::state::index::{AgentIdx, ConvIdx, GroupIdx};
use super::state::timers::{Timer, TimerKind};
use super::structure;
use super::validate::{GroupRef, OpenExtras, Step};
use super::workload::{channel, gate, pull, rate, team, weight, wrapup, WrapUpEndReason};
use crate::model::{
    AgentStatus, Capacity, Channel, ConversationId, CustomerId, Priority, Tier, TimeSpan, Timestamp,
};

/// The end of a step whose variant owns nothing on the heap (ids, flags,
/// numbers): it is forgotten rather than dropped. A step that is not moved
/// out of is dropped through `Step`'s drop glue, an out-of-line call that
/// finds there is nothing to free (262k calls, 4.7M instructions on the
/// `profile` stream); the commonest steps end here instead.
#[inline(always)]
fn owns_nothing(step: Step) {
    debug_assert!(
        matches!(
            step,
            Step::SetStatus { .. }
                | Step::CustomerMessage(_)
                | Step::AgentMessage { .. }
                | Step::MarkSeen(_)
                | Step::Park(_)
                | Step::Resolve { .. }
                | Step::Accept(_)
        ),
        "a step that owns heap data is dropped, not forgotten"
    );
    std::mem::forget(step);
}

/// Carries out `step`, then brings every touched agent up to date.
pub(crate) fn run(cx: &mut Cx<'_>, step: Step) {
    match step {
        Step::AddAgent(spec) => structure::add_agent(cx, *spec),
        Step::SetStatus { agent, status } => {
            set_status(cx, agent, status);
            owns_nothing(step);
        }
        Step::SetCapacity { agent, cap } => set_capacity(cx, agent, cap),
        Step::Open {
            conversation,
            customer,
            tier,
            channel,
            group,
            priority,
            start_in_bot,
            extras,
        } => {
            let group = structure::ensure_group(cx, group);
            let c = open(cx, conversation, customer, tier, channel, group, priority);
            if let Some(extras) = extras {
                let OpenExtras {
                    attributes,
                    preferred,
                } = *extras;
                plan_swap::on_open(cx, c, attributes);
                super::preferred::on_open(cx, c, preferred);
            } else {
                plan_swap::on_open(cx, c, None);
            }
            if !start_in_bot {
                matching::route(cx, c);
            }
        }
        Step::Escalate {
            conv,
            group,
            priority,
            attributes,
        } => escalate(cx, conv, group, priority, attributes.map(|a| *a)),
        Step::CustomerMessage(c) => {
            customer_message(cx, c);
            owns_nothing(step);
        }
        Step::AgentMessage { conv, agent } => {
            agent_message(cx, conv, agent);
            owns_nothing(step);
        }
        Step::MarkSeen(c) => {
            cx.st.conv_mut(c).seen = true;
            owns_nothing(step);
        }
        Step::Park(c) => {
            lifecycle::park(cx, c, false);
            owns_nothing(step);
        }
        Step::Resolve { conv, reason } => {
            lifecycle::resolve(cx, conv, reason);
            owns_nothing(step);
        }
        Step::TransferToAgent { conv, agent } => {
            detach_for_transfer(cx, conv);
            plan_swap::leave_route(cx, conv);
            lifecycle::enqueue_personal(cx, conv, agent, true, None);
        }
        Step::TransferToGroup { conv, group } => {
            let group = structure::ensure_group(cx, group);
            if detach_for_transfer(cx, conv) {
                cx.st.stats.requeues += 1;
            }
            plan_swap::leave_route(cx, conv);
            cx.st.set_group(conv, group);
            matching::place_in_group(cx, conv);
        }
        Step::SetPriority { conv, priority } => {
            let effective = effective_priority(cx, conv, priority);
            lifecycle::set_priority(cx, conv, priority, effective);
            let conversation = cx.st.conv(conv).id;
            cx.emit(Decision::PriorityChanged {
                conversation,
                priority: effective,
            });
        }
        Step::Accept(c) => {
            lifecycle::accept(cx, c);
            owns_nothing(step);
        }
        Step::Decline(c) => {
            if let Place::Offered { agent, .. } = cx.st.conv(c).place {
                cx.st.stats.declines += 1;
                requeue_offer(cx, c, agent, RequeueReason::Declined);
            }
        }
        // Time passing is `tick.rs`'s (called by the engine directly).
        Step::Tick => {}
        Step::Purge(before) => purge(cx, before),
        // Applied by `Engine::apply_into` itself (it replaces the
        // configuration `cx` borrows); nothing to carry out here.
        Step::Reconfigure(_) => {}
        Step::SetTeam(step) => team::set_team(cx, *step),
        Step::SetTenantCap(max_live) => team::set_tenant_cap(cx, max_live),
        Step::EndWrapUp(c) => {
            wrapup::end(cx, c, WrapUpEndReason::EndedByAgent);
        }
        Step::Reopen(c) => wrapup::reopen(cx, c),
        Step::SetChannelCap {
            agent,
            channel: ch,
            max_live,
        } => channel::set_cap(cx, agent, ch, max_live),
        Step::SetRateLimit { agent, limit } => rate::set_limit(cx, agent, limit),
        Step::PullNext(agent) => pull::pull_next(cx, agent),
        Step::SetPullCap { agent, pull_cap } => pull::set_pull_cap(cx, agent, pull_cap),
        Step::SetPlan(plan) => plan_swap::set_plan(cx, plan),
        Step::SetAttributes { conv, attributes } => {
            plan_swap::set_attributes(cx, conv, *attributes)
        }
        Step::Hours(switch) => super::plan_hours::switch(cx, *switch),
        Step::SetOwner {
            customer,
            owner,
            wait,
        } => {
            cx.st.set_customer_owner(customer, owner.map(|a| (a, wait)));
        }
        Step::SetChannelWeight {
            agent,
            channel: ch,
            weight,
        } => weight::set_weight(cx, agent, ch, weight),
    }
    finish(cx);
}

/// Settles the agents the command freed or changed, then recounts the
/// room of every touched agent. Each settle hands work over or re-ranks
/// one agent; an agent is queued again only when its own queue changed,
/// which consumes a waiting conversation, so the loop is bounded by the
/// agents and conversations there are.
// The test of nothing to do is inlined: in many commands (a message, a
// stale timer's neighbour) no agent was queued or touched and no level
// above the agents holds anything, and the call alone cost more than the
// test (issue 22). With caps above the agents (`gates_on`) too: with
// nothing held (`holds_any`), `gate::resume`, `gate::release_next` and
// `queue_cap::release` find nothing, so the loop below would end at once.
#[inline(always)]
pub(crate) fn finish(cx: &mut Cx<'_>) {
    if cx.settle.is_empty() && cx.dirty.is_empty() && !gate::holds_any(&cx.st.workload) {
        return;
    }
    settle_all(cx);
}

/// `finish` past its test of nothing to do.
#[inline(never)]
fn settle_all(cx: &mut Cx<'_>) {
    // Plus one release per plan queue (`queue_cap::release`). At least
    // 16, so it is only computed past 16 rounds: most commands settle
    // one or two agents.
    let bound = |cx: &Cx<'_>| {
        2 * (cx.st.agents.len() + cx.st.conv_ids.len())
            + cx.st.workload.teams.len()
            + crate::plan::limits::MAX_QUEUES
            + 16
    };
    if !cx.st.workload.gates_on && !gate::holds_any(&cx.st.workload) {
        // No cap above the agents and nothing held back by one (every
        // engine without those rules): the settle loop as it was before
        // them, with no gate asked on every round. Settling cannot set a
        // cap, so nothing can be held back meanwhile.
        for round in 0.. {
            assert!(
                round <= 16 || round <= bound(cx),
                "settling exceeded its bound"
            );
            let Some(agent) = cx.settle.pop_front() else {
                break;
            };
            matching::settle(cx, agent);
        }
        return refresh_rooms(cx);
    }
    for round in 0.. {
        assert!(
            round <= 16 || round <= bound(cx),
            "settling exceeded its bound"
        );
        // Work the tenant's cap held back goes first once it has room
        // again, oldest first, before the agents who freed the room pull
        // their own groups' work. Each resume empties the lists or finds
        // the tenant full, so it is bounded like the settles.
        if gate::resume(cx) {
            continue;
        }
        if let Some(agent) = cx.settle.pop_front() {
            matching::settle(cx, agent);
            continue;
        }
        // Every agent is settled: a team that freed room and still has
        // it gives it to the members it held back, one at a time.
        // Then a plan queue that freed room dispatches its groups.
        if !gate::release_next(cx) && !super::workload::queue_cap::release(cx) {
            break;
        }
    }
    refresh_rooms(cx);
}

/// Recounts the room of every agent the command touched.
// Always inlined, and nothing to do for most commands: out of line (as a
// layout change elsewhere left it, a plain `#[inline]` notwithstanding)
// the call and the buffer swap cost about 20-33 instructions per command
// on the `profile` stream (BENCHMARKS.md, issue 22).
#[inline(always)]
fn refresh_rooms(cx: &mut Cx<'_>) {
    if cx.dirty.is_empty() {
        return;
    }
    // Taken out while `refresh_room` borrows `cx`, then put back emptied
    // so its capacity serves the next command.
    let mut dirty = std::mem::take(&mut *cx.dirty);
    for &agent in &dirty {
        matching::refresh_room(cx, agent);
    }
    debug_assert!(cx.dirty.is_empty(), "recounting a room touches no agent");
    dirty.clear();
    dirty.append(cx.dirty);
    *cx.dirty = dirty;
}

pub(crate) fn effective_priority(cx: &Cx<'_>, c: ConvIdx, priority: Priority) -> Priority {
    let tier = cx.st.customers[cx.st.conv(c).who.get()].tier;
    if cx.cfg.vip_boost && tier == Tier::Vip {
        priority.boosted()
    } else {
        priority
    }
}

/// Records a new conversation with the bot (it sits nowhere yet).
fn open(
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

fn escalate(
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

fn customer_message(cx: &mut Cx<'_>, c: ConvIdx) {
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

fn agent_message(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
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
fn detach_for_transfer(cx: &mut Cx<'_>, c: ConvIdx) -> bool {
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

/// Changes an agent's status by the stated rule: going offline requeues
/// live threads (age and priority kept), releases parked ones and sends
/// threads waiting for the agent to their group; away and draining keep
/// threads and take no new work; online pulls work up to the cap.
pub(crate) fn set_status(cx: &mut Cx<'_>, agent: AgentIdx, status: AgentStatus) {
    let at = cx.at;
    let a = cx.st.agent_mut(agent);
    let old = a.status;
    if old == status {
        return;
    }
    a.status = status;
    // Their marks (`matching::relist`) were made under the old status.
    a.closed_marked = false;
    if status.accepts_work() {
        a.last_activity = a.last_activity.max(at);
    }
    if old.accepts_work() != status.accepts_work() {
        let delta = status.accepts_work();
        // A dormant slot (a windowed skill outside its window) is not
        // counted online: its window's edge counts it. By index, not a
        // collected list: an allocation per status change otherwise.
        for i in 0..cx.st.agent(agent).slots.len() {
            let slot = cx.st.agent(agent).slots[i];
            if slot.dormant {
                continue;
            }
            let group = cx.st.group_mut(slot.group);
            if delta {
                group.online += 1;
            } else {
                group.online -= 1;
            }
        }
    }
    let id = cx.st.id(agent);
    cx.emit(Decision::AgentStatusChanged { agent: id, status });
    if status == AgentStatus::Offline {
        // In a buffer kept between commands (`Scratch::leaving`).
        let mut leaving = std::mem::take(&mut *cx.leaving);
        let a = cx.st.agent(agent);
        leaving.extend(
            (a.inbox.iter())
                .chain(a.parked.iter(&cx.st.parked_pool).map(|(_, c)| c))
                .chain(a.personal.iter(&cx.st.personal_pool).map(|(_, c)| c))
                .chain(a.wrapups.iter(&cx.st.wrapup_pool).map(|(_, c)| c))
                .map(|c| (cx.st.conv(c).id, c)),
        );
        leaving.sort_unstable();
        matching::relist(cx, agent);
        for &(_, c) in &leaving {
            evict(cx, c, agent);
        }
        leaving.clear();
        *cx.leaving = leaving;
    }
    cx.settle_later(agent);
}

/// Moves a conversation off an agent who went offline, saying why.
fn evict(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx) {
    let place = cx.st.conv(c).place;
    let from = cx.st.id(agent);
    let conversation = cx.st.conv(c).id;
    match place {
        Place::Offered { .. } | Place::Assigned { .. } | Place::WaitingFor { own: true, .. } => {
            let (load, cap) = match lifecycle::detach(cx, c) {
                Some((_, load, cap)) => (load, cap),
                None => {
                    let a = cx.st.agent(agent);
                    (a.load, a.cap)
                }
            };
            cx.st.stats.requeues += 1;
            cx.emit(Decision::Requeued {
                conversation,
                from,
                reason: RequeueReason::AgentOffline,
                load,
                cap,
            });
            matching::place_in_group(cx, c);
        }
        Place::Parked { .. } => lifecycle::release_parked(cx, c),
        Place::WaitingFor { own: false, .. } => {
            lifecycle::detach(cx, c);
            matching::sticky_miss(cx, c, StickyMissReason::AgentOffline);
            super::preferred::wait_ended(cx, c, agent, super::PreferredSkip::WentOffline);
            super::preferred::next(cx, c);
        }
        Place::Resolved { .. } => {
            wrapup::end(cx, c, WrapUpEndReason::AgentOffline);
        }
        _ => {}
    }
}

/// Any cap in range is accepted. Below the load, the agent keeps their
/// threads (live threads never move unasked) and takes no new work until
/// the load is under the cap.
fn set_capacity(cx: &mut Cx<'_>, agent: AgentIdx, cap: Capacity) {
    let lightest = cx.cfg.lightest_weight();
    let a = cx.st.agent_mut(agent);
    a.cap = cap;
    a.inbox.reserve_for(cap, lightest);
    a.over_cap_allowance = if a.load > cap { a.load } else { Capacity::ZERO };
    let (id, load) = (a.id, a.load);
    cx.emit(Decision::CapacityChanged {
        agent: id,
        load,
        cap,
    });
    cx.settle_later(agent);
}

/// Forgets conversations resolved before `before` (see `Command::Purge`).
/// A resolved conversation sits in no line, inbox or timer that matters
/// (its timers are void), so removing it breaks no invariant.
fn purge(cx: &mut Cx<'_>, before: Timestamp) {
    let mut purged = 0u64;
    let mut released = Vec::new();
    // Only the conversations resolved before the cut, in slot order, as a
    // visit of every slot would find them (`state::conv_expiry`).
    for c in cx.st.purgeable(before) {
        if let Some(conv) = cx.st.convs[c.get()].take() {
            cx.st.conv_ids.remove(&conv.id);
            cx.st.forget_sides(c);
            cx.st.customer_releases(conv.who);
            released.push(conv.group);
            cx.st.free_slots.push(c);
            purged += 1;
        }
    }
    // Member-less groups the purged were the last to point at go, in
    // group order: the slots' order differs after a restore, and the free
    // list's order must not.
    if !released.is_sorted() {
        released.sort_unstable();
    }
    for g in released {
        cx.st.release_group(g);
    }
    // Customers left with no conversation and no live stickiness go too,
    // so a tenant's memory is bounded by its retention, not its history.
    let now = cx.st.clock.max(cx.at);
    // The longest affinity window any channel has keeps a customer.
    let window = (cx.cfg.workload.affinity_windows.values().copied())
        .fold(cx.cfg.affinity_window, TimeSpan::max);
    cx.st.forget_customers(now, window);
    cx.emit(Decision::Purged {
        conversations: purged,
    });
}

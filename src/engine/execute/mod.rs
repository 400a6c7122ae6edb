//! The second step of every command: carry out a validated [`Step`]. Nothing
//! here can fail: validation refused everything that could. Conversation
//! places change only through `lifecycle`; conversations that need a place
//! or agents that may take work go through `matching`.
//!
//! This file holds the dispatch, `run`, one arm per step; what an arm
//! carries out lives by concern: a conversation's lifecycle
//! (`conversation`), an agent's status and capacity (`agent`), an offer let
//! go and its cool-down (`cooldown`), the purge of old threads (`purge`),
//! and the settling every command ends with (`settle`).

mod agent;
mod conversation;
mod cooldown;
mod purge;
mod settle;

pub(crate) use agent::set_status;
pub(crate) use conversation::effective_priority;
pub(crate) use cooldown::{end_cooldowns, requeue_offer};
pub(crate) use settle::finish;

use super::cx::Cx;
use super::decision::{Decision, RequeueReason};
use super::lifecycle;
use super::matching;
use super::plan_swap;
use super::state::conversation::Place;
use super::structure;
use super::validate::{OpenExtras, Step};
use super::workload::{channel, pull, rate, team, weight, wrapup, WrapUpEndReason};
use agent::set_capacity;
use conversation::{agent_message, customer_message, detach_for_transfer, escalate, open};
use purge::purge;

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

//! The first step of every command: check it against the state, touching
//! nothing, and translate the host's ids into slots. What comes out is a
//! [`Step`] that cannot fail: everything after validation only writes.
//!
//! This file holds the entry point, `check`, one arm per command; the
//! checks the arms share live by family: a conversation's (`conversations`),
//! an agent's (`agents`), a plan's (`plan`), and the [`Step`] they build
//! (`step`).

mod agents;
mod conversations;
mod plan;
mod step;

pub(crate) use step::{GroupRef, OpenExtras, Step};

use super::command::{Command, CommandKind, TransferTarget};
use super::config::EngineConfig;
use super::error::EngineError;
use super::limits::room;
use super::open::OpenConversation;
use super::state::conversation::Place;
use super::state::index::ConvIdx;
use super::state::State;
use super::workload::team::check_set_team;
use super::workload::{wrapup, MAX_LIVE_CAP};
use crate::model::{AgentId, ConversationId, Timestamp};
use agents::{check_agent, check_cap, check_rate};
use conversations::{
    check_open_rule, check_transfer_to, group_ref, known_conv, owned_by, permitted,
};
use plan::check_plan;

/// Checks `command` at time `at` against `state`. Touches nothing.
/// `#[inline]`: its one caller, `Engine::apply_into`, inlines it only
/// when the two share a codegen unit otherwise, and a new module moved
/// them apart (+12M instructions on `profile`, BENCHMARKS.md, wheel7).
#[inline]
pub(crate) fn check(
    state: &State,
    config: &EngineConfig,
    at: Timestamp,
    command: &Command,
) -> Result<Step, EngineError> {
    // Errors are built only on the refusal path (a `match`, not `ok_or`):
    // `EngineError` owns heap data in some variants, so one built eagerly
    // is dropped (a call) on every accepted command.
    let agent = |id: AgentId| match state.agent_idx(id) {
        Some(a) => Ok(a),
        None => Err(EngineError::UnknownAgent(id)),
    };
    // A conversation a command of `kind` may act on in its current place.
    // Each arm names its own kind, a constant, so that `permits` folds to
    // the one test of the place that kind needs (issue 22: `permits`
    // called out of line with `command.kind()` was 3.8M instructions on
    // `profile`).
    //
    // Always inlined (a function, as a closure takes no attribute): the
    // closure stayed a call, so the kind was no constant in it.
    #[inline(always)]
    fn conv(state: &State, id: ConversationId, kind: CommandKind) -> Result<ConvIdx, EngineError> {
        let c = known_conv(state, id)?;
        permitted(state, kind, id, c)
    }
    Ok(match command {
        Command::AddAgent(spec) => {
            Step::AddAgent(Box::new(check_agent(state, &config.limits, at, spec)?))
        }
        Command::SetAgentStatus { agent: id, status } => Step::SetStatus {
            agent: agent(*id)?,
            status: *status,
        },
        Command::SetCapacity { agent: id, cap } => {
            let a = agent(*id)?;
            check_cap(*id, *cap)?;
            Step::SetCapacity {
                agent: a,
                cap: *cap,
            }
        }
        Command::OpenConversation(OpenConversation {
            conversation,
            customer,
            tier,
            channel,
            skills,
            priority,
            start_in_bot,
            attributes,
            preferred,
        }) => {
            // Most opens carry neither: two calls spared (issue 22).
            if !attributes.is_empty() {
                attributes.check()?;
            }
            if !preferred.is_empty() {
                super::preferred::check(preferred)?;
            }
            if state.conv_idx(*conversation).is_some() {
                return Err(EngineError::DuplicateConversation(*conversation));
            }
            let known = check_open_rule(state, config, *customer, *channel)?;
            let limits = &config.limits;
            if !room(state.conv_ids.len(), limits.conversations) {
                return Err(limit("conversations", limits.conversations));
            }
            if !known && !room(state.known_customers(), limits.customers) {
                return Err(limit("customers", limits.customers));
            }
            if state.conv_ids.len() >= u32::MAX as usize - 1
                || (state.customers.len() >= u32::MAX as usize - 1
                    && !state.customer_expiry.has_free_slot())
            {
                return Err(EngineError::Full("conversation"));
            }
            Step::Open {
                conversation: *conversation,
                customer: *customer,
                tier: *tier,
                channel: *channel,
                group: group_ref(state, &config.limits, *channel, skills)?,
                priority: *priority,
                start_in_bot: *start_in_bot,
                extras: (!attributes.is_empty() || !preferred.is_empty()).then(|| {
                    Box::new(OpenExtras {
                        attributes: (!attributes.is_empty()).then(|| attributes.clone()),
                        preferred: preferred.clone(),
                    })
                }),
            }
        }
        Command::Escalate {
            conversation,
            skills,
            priority,
            attributes,
        } => {
            let c = conv(state, *conversation, CommandKind::Escalate)?;
            if let Some(attributes) = attributes {
                attributes.check()?;
            }
            let group = match skills {
                Some(skills) => Some(group_ref(
                    state,
                    &config.limits,
                    state.conv(c).channel,
                    skills,
                )?),
                None => None,
            };
            Step::Escalate {
                conv: c,
                group,
                priority: *priority,
                attributes: attributes.clone().map(Box::new),
            }
        }
        Command::CustomerMessage { conversation } => {
            // A resolved thread in wrap-up reopens to its agent, if the
            // customer's open rule lets it be open again.
            // One lookup of the id for both questions.
            let c = known_conv(state, *conversation)?;
            let v = state.conv(c);
            if v.wrapping {
                let customer = state.customers[v.who.get()].id;
                check_open_rule(state, config, customer, v.channel)?;
                return Ok(Step::Reopen(c));
            }
            Step::CustomerMessage(permitted(
                state,
                CommandKind::CustomerMessage,
                *conversation,
                c,
            )?)
        }
        Command::AgentMessage {
            conversation,
            agent: id,
        } => {
            let a = agent(*id)?;
            let c = owned_by(state, *conversation, a, CommandKind::AgentMessage)?;
            Step::AgentMessage { conv: c, agent: a }
        }
        Command::MarkSeen {
            conversation,
            agent: id,
        } => {
            let a = agent(*id)?;
            Step::MarkSeen(owned_by(state, *conversation, a, CommandKind::MarkSeen)?)
        }
        Command::Park { conversation } => {
            Step::Park(conv(state, *conversation, CommandKind::Park)?)
        }
        Command::Resolve {
            conversation,
            reason,
        } => Step::Resolve {
            conv: conv(state, *conversation, CommandKind::Resolve)?,
            reason: *reason,
        },
        Command::Transfer { conversation, to } => match to {
            TransferTarget::Agent(id) => {
                let a = agent(*id)?;
                let c = conv(state, *conversation, CommandKind::Transfer)?;
                check_transfer_to(state, config, c, a)?;
                Step::TransferToAgent { conv: c, agent: a }
            }
            TransferTarget::Skills(skills) => {
                let c = conv(state, *conversation, CommandKind::Transfer)?;
                Step::TransferToGroup {
                    conv: c,
                    group: group_ref(state, &config.limits, state.conv(c).channel, skills)?,
                }
            }
        },
        Command::SetPriority {
            conversation,
            priority,
        } => Step::SetPriority {
            conv: conv(state, *conversation, CommandKind::SetPriority)?,
            priority: *priority,
        },
        Command::AcceptOffer {
            conversation,
            agent: id,
        } => {
            let a = agent(*id)?;
            let c = owned_by(state, *conversation, a, CommandKind::AcceptOffer)?;
            if let Place::Offered { expires_at, .. } = state.conv(c).place {
                if at > expires_at {
                    return Err(EngineError::OfferExpired {
                        conversation: *conversation,
                        expired_at: expires_at,
                    });
                }
            }
            Step::Accept(c)
        }
        Command::DeclineOffer {
            conversation,
            agent: id,
        } => {
            let a = agent(*id)?;
            Step::Decline(owned_by(
                state,
                *conversation,
                a,
                CommandKind::DeclineOffer,
            )?)
        }
        Command::Tick => Step::Tick,
        Command::Purge { resolved_before } => Step::Purge(*resolved_before),
        Command::Reconfigure(super::Reconfigure::Plan(plan)) => {
            Step::SetPlan(check_plan(state, plan.as_deref())?)
        }
        Command::SetOwner {
            customer,
            owner,
            wait,
        } => {
            let Some(&k) = state.customer_ids.get(customer) else {
                return Err(EngineError::UnknownCustomer(*customer));
            };
            let owner = match owner {
                Some(id) => Some(agent(*id)?),
                None => None,
            };
            if *wait > super::preferred::MAX_PREFERRED_WAIT {
                return Err(EngineError::Preferred {
                    reason: "a wait longer than an hour",
                });
            }
            Step::SetOwner {
                customer: k,
                owner,
                wait: *wait,
            }
        }
        Command::SetChannelWeight {
            agent: id,
            channel,
            weight,
        } => super::workload::weight::check(*id, agent(*id)?, *channel, *weight)?,
        Command::Reconfigure(super::Reconfigure::Hours(switch)) => {
            super::plan_hours::check_switch(state, switch)?;
            Step::Hours(Box::new(switch.clone()))
        }
        Command::Reconfigure(change) => Step::Reconfigure(Box::new(super::reconfigure::check(
            config,
            !state.conv_ids.is_empty(),
            change,
        )?)),
        Command::SetTeam {
            team,
            name,
            members,
            max_live,
            rate_limit,
        } => {
            check_rate(*rate_limit)?;
            let mut step = check_set_team(state, *team, name, members, *max_live)?;
            step.rate = *rate_limit;
            Step::SetTeam(Box::new(step))
        }
        Command::PullNext { agent: id } => Step::PullNext(agent(*id)?),
        Command::SetPullCap {
            agent: id,
            pull_cap,
        } => {
            let a = agent(*id)?;
            if let Some(cap) = pull_cap {
                check_cap(*id, *cap)?;
            }
            Step::SetPullCap {
                agent: a,
                pull_cap: *pull_cap,
            }
        }
        Command::SetRateLimit { agent: id, limit } => {
            let a = agent(*id)?;
            check_rate(*limit)?;
            Step::SetRateLimit {
                agent: a,
                limit: *limit,
            }
        }
        Command::SetTenantCap { max_live } => {
            if let Some(value) = max_live.filter(|&v| v > MAX_LIVE_CAP) {
                return Err(EngineError::LiveCapOutOfRange {
                    value,
                    max: MAX_LIVE_CAP,
                });
            }
            Step::SetTenantCap(*max_live)
        }
        Command::SetChannelCap {
            agent: id,
            channel,
            max_live,
        } => {
            let a = agent(*id)?;
            if let Some(value) = max_live.filter(|&v| v > MAX_LIVE_CAP) {
                return Err(EngineError::LiveCapOutOfRange {
                    value,
                    max: MAX_LIVE_CAP,
                });
            }
            Step::SetChannelCap {
                agent: a,
                channel: *channel,
                max_live: *max_live,
            }
        }
        Command::EndWrapUp {
            conversation,
            agent: id,
        } => {
            let a = agent(*id)?;
            let c = known_conv(state, *conversation)?;
            wrapup::check_end(state, c, a, at)?;
            Step::EndWrapUp(c)
        }
        Command::SetAttributes {
            conversation,
            attributes,
        } => {
            let c = conv(state, *conversation, CommandKind::SetAttributes)?;
            attributes.check()?;
            Step::SetAttributes {
                conv: c,
                attributes: Box::new(attributes.clone()),
            }
        }
    })
}

/// The refusal for `name`, whose value is `max`.
fn limit(name: &'static str, max: u32) -> EngineError {
    EngineError::LimitReached { limit: name, max }
}

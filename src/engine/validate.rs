//! The first step of every command: check it against the state, touching
//! nothing, and translate the host's ids into slots. What comes out is a
//! [`Step`] that cannot fail: everything after validation only writes.

use super::command::{Command, CommandKind, TransferTarget};
use super::config::{EngineConfig, OpenConversations};
use super::error::EngineError;
use super::lifecycle;
use super::limits::{room, Limits};
use super::open::OpenConversation;
use super::state::conversation::Place;
use super::state::group::RoutingKey;
use super::state::index::{AgentIdx, ConvIdx, GroupIdx};
use super::state::State;
use super::workload::team::{check_set_team, TeamStep};
use super::workload::{wrapup, RateLimit, MAX_LIVE_CAP, MAX_RATE};
use crate::model::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, ConversationId, CustomerId, Priority,
    ResolveReason, SkillRequirement, Tier, Timestamp,
};
use std::borrow::Cow;

/// A skill group named by a command: one that exists, or one to create.
#[derive(Clone, Debug)]
// A new group is rare (a key's first command) and its key is 40 bytes:
// boxed, so that every `Step` naming a group stays small (issue 22: the
// `Step` is built and moved on every command).
pub(crate) enum GroupRef {
    Existing(GroupIdx),
    New(Box<RoutingKey>),
}

/// What an open may carry besides its ids (most carry neither).
#[derive(Clone, Debug)]
pub(crate) struct OpenExtras {
    pub attributes: Option<crate::plan::Attributes>,
    pub preferred: Vec<super::PreferredAgent>,
}

/// A validated command, ids resolved to slots.
// Built and moved on every command: the rare variants' large payloads
// (an agent's spec, a team, an hours switch, free attributes) are boxed,
// so that the enum stays at the size of the common ones (issue 22: at 120
// bytes, building and moving it was 28M of `profile`'s instructions).
#[derive(Clone, Debug)]
pub(crate) enum Step {
    /// The configuration to run with from now on (checked).
    Reconfigure(Box<EngineConfig>),
    AddAgent(Box<AgentSpec>),
    SetStatus {
        agent: AgentIdx,
        status: AgentStatus,
    },
    SetCapacity {
        agent: AgentIdx,
        cap: Capacity,
    },
    Open {
        conversation: ConversationId,
        customer: CustomerId,
        tier: Tier,
        channel: Channel,
        group: GroupRef,
        priority: Priority,
        start_in_bot: bool,
        /// Free attributes and preferred agents, when the open names any.
        extras: Option<Box<OpenExtras>>,
    },
    Escalate {
        conv: ConvIdx,
        group: Option<GroupRef>,
        priority: Option<Priority>,
        attributes: Option<Box<crate::plan::Attributes>>,
    },
    CustomerMessage(ConvIdx),
    AgentMessage {
        conv: ConvIdx,
        agent: AgentIdx,
    },
    MarkSeen(ConvIdx),
    Park(ConvIdx),
    Resolve {
        conv: ConvIdx,
        reason: ResolveReason,
    },
    TransferToAgent {
        conv: ConvIdx,
        agent: AgentIdx,
    },
    TransferToGroup {
        conv: ConvIdx,
        group: GroupRef,
    },
    SetPriority {
        conv: ConvIdx,
        priority: Priority,
    },
    Accept(ConvIdx),
    Decline(ConvIdx),
    Tick,
    Purge(Timestamp),
    SetTeam(Box<TeamStep>),
    SetTenantCap(Option<u32>),
    EndWrapUp(ConvIdx),
    /// A customer message to a thread in wrap-up.
    Reopen(ConvIdx),
    SetChannelCap {
        agent: AgentIdx,
        channel: Channel,
        max_live: Option<u32>,
    },
    SetRateLimit {
        agent: AgentIdx,
        limit: Option<RateLimit>,
    },
    PullNext(AgentIdx),
    SetPullCap {
        agent: AgentIdx,
        pull_cap: Option<Capacity>,
    },
    SetPlan(Option<std::sync::Arc<crate::plan::compiled::CompiledPlan>>),
    SetAttributes {
        conv: ConvIdx,
        attributes: Box<crate::plan::Attributes>,
    },
    /// An emergency switch of business hours (checked).
    Hours(Box<super::HoursSwitch>),
    SetOwner {
        customer: super::state::index::CustomerIdx,
        owner: Option<AgentIdx>,
        wait: crate::model::TimeSpan,
    },
    SetChannelWeight {
        agent: AgentIdx,
        channel: Channel,
        weight: Option<Capacity>,
    },
}

// The boxes above keep it so (the common variants: an open's ids, group
// and flags).
const _: () = assert!(std::mem::size_of::<Step>() <= 48);

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

/// The slot of conversation `id`, or `UnknownConversation` (built only
/// then: see `check`).
#[inline]
fn known_conv(state: &State, id: ConversationId) -> Result<ConvIdx, EngineError> {
    match state.conv_idx(id) {
        Some(c) => Ok(c),
        None => Err(EngineError::UnknownConversation(id)),
    }
}

/// `c` (conversation `id`), if a command of `kind` may act on it in its
/// current place.
#[inline(always)]
fn permitted(
    state: &State,
    kind: CommandKind,
    id: ConversationId,
    c: ConvIdx,
) -> Result<ConvIdx, EngineError> {
    let place = state.conv(c).place;
    if !lifecycle::permits(kind, place) {
        return Err(EngineError::InvalidTransition {
            conversation: id,
            state: place.kind(),
            command: kind,
        });
    }
    Ok(c)
}

/// A rate limit in range.
fn check_rate(limit: Option<RateLimit>) -> Result<(), EngineError> {
    match limit {
        Some(l) if !l.valid() => Err(EngineError::RateLimitOutOfRange {
            max: l.max,
            window: l.window,
            max_rate: MAX_RATE,
        }),
        _ => Ok(()),
    }
}

/// The conversation, if the command may act on it and `agent` holds it.
// Always, as `permitted`: on every agent's message, seen mark and answer
// to an offer (107k calls on `profile`), and out of line the call and the
// result's move cost about a fifth of it.
#[inline(always)]
fn owned_by(
    state: &State,
    id: ConversationId,
    agent: AgentIdx,
    kind: CommandKind,
) -> Result<ConvIdx, EngineError> {
    let c = known_conv(state, id)?;
    let place = state.conv(c).place;
    let holder = place.live_agent();
    if lifecycle::permits(kind, place) {
        return if holder == Some(agent) {
            Ok(c)
        } else {
            Err(EngineError::NotOwner {
                conversation: id,
                agent: state.id(agent),
            })
        };
    }
    // Another agent's live thread: the actor is not its owner, whatever
    // the command; otherwise the place itself refuses the command.
    if holder.is_some_and(|h| h != agent) {
        return Err(EngineError::NotOwner {
            conversation: id,
            agent: state.id(agent),
        });
    }
    Err(EngineError::InvalidTransition {
        conversation: id,
        state: place.kind(),
        command: kind,
    })
}

fn check_cap(agent: AgentId, cap: Capacity) -> Result<(), EngineError> {
    if cap == Capacity::ZERO || cap > Capacity::MAX_CAP {
        return Err(EngineError::InvalidCapacity {
            agent,
            cap,
            max: Capacity::MAX_CAP,
        });
    }
    Ok(())
}

/// The refusal for `name`, whose value is `max`.
fn limit(name: &'static str, max: u32) -> EngineError {
    EngineError::LimitReached { limit: name, max }
}

/// A registration with skills sorted and channels sorted and deduplicated.
fn check_agent(
    state: &State,
    limits: &Limits,
    at: Timestamp,
    spec: &AgentSpec,
) -> Result<AgentSpec, EngineError> {
    check_cap(spec.id, spec.cap)?;
    if state.agent_idx(spec.id).is_some() {
        return Err(EngineError::DuplicateAgent(spec.id));
    }
    if !room(state.agents.len(), limits.agents) {
        return Err(limit("agents", limits.agents));
    }
    // Checked before the list is copied and sorted: its length is the
    // host's to choose.
    if spec.skills.len() > limits.skills as usize {
        return Err(limit("skills", limits.skills));
    }
    if AgentIdx::new(state.agents.len()).is_none() {
        return Err(EngineError::Full("agent"));
    }
    let mut spec = spec.clone();
    spec.skills.sort_unstable_by_key(|s| s.skill);
    if let Some(pair) = spec.skills.windows(2).find(|p| p[0].skill == p[1].skill) {
        return Err(EngineError::DuplicateSkill(pair[0].skill));
    }
    super::skill_windows::check(&mut spec, limits, at)?;
    if let Some(channels) = &mut spec.channels {
        channels.sort_unstable();
        channels.dedup();
    }
    Ok(spec)
}

/// The open rule: a customer's existing open conversation may refuse a new one.
/// Whether the customer is known, so that the caller need not look it up
/// again (issue 22: one lookup per open spared).
fn check_open_rule(
    state: &State,
    config: &EngineConfig,
    customer: CustomerId,
    channel: Channel,
) -> Result<bool, EngineError> {
    let Some(known) = state.customer(customer) else {
        return Ok(false);
    };
    let clash = known
        .open
        .iter(&state.open_pool)
        .map(|c| state.conv(c))
        .find(|c| match config.open_conversations {
            OpenConversations::OnePerChannel => c.channel == channel,
            OpenConversations::OneAcrossChannels => true,
            OpenConversations::Unlimited => false,
        });
    match clash {
        Some(open) => Err(EngineError::CustomerHasOpenConversation {
            customer,
            open: open.id,
            channel: open.channel,
        }),
        None => Ok(true),
    }
}

/// The group of `channel` and `skills` (sorted, each skill once).
fn group_ref(
    state: &State,
    limits: &Limits,
    channel: Channel,
    skills: &[SkillRequirement],
) -> Result<GroupRef, EngineError> {
    // Before the list is copied and sorted: its length is the host's.
    if skills.len() > limits.skills as usize {
        return Err(limit("skills", limits.skills));
    }
    let sorted: Cow<'_, [SkillRequirement]> = if skills.windows(2).all(|p| p[0].skill < p[1].skill)
    {
        Cow::Borrowed(skills)
    } else {
        let mut owned = skills.to_vec();
        owned.sort_unstable_by_key(|r| r.skill);
        if let Some(pair) = owned.windows(2).find(|p| p[0].skill == p[1].skill) {
            return Err(EngineError::DuplicateSkill(pair[0].skill));
        }
        Cow::Owned(owned)
    };
    match state.group_of(&(channel, &*sorted)) {
        Some(g)
            if !room(
                state.group(g).waiting.len() as usize,
                limits.waiting_per_group,
            ) =>
        {
            Err(limit("waiting_per_group", limits.waiting_per_group))
        }
        Some(g) => Ok(GroupRef::Existing(g)),
        None if !room(state.live_groups(), limits.skill_groups) => {
            Err(limit("skill_groups", limits.skill_groups))
        }
        None if state.next_group_slot().is_none() => Err(EngineError::Full("group")),
        None => Ok(GroupRef::New(Box::new(RoutingKey {
            gate: 0,
            channel,
            skills: sorted.into_owned(),
        }))),
    }
}

/// A transfer to a named agent: online, eligible, a cap the thread can ever
/// fit, and not the agent it is already with.
fn check_transfer_to(
    state: &State,
    config: &EngineConfig,
    c: ConvIdx,
    a: AgentIdx,
) -> Result<(), EngineError> {
    let conv = state.conv(c);
    let agent = state.agent(a);
    if conv.place.agent() == Some(a) {
        return Err(EngineError::AlreadyWithAgent {
            conversation: conv.id,
            agent: agent.id,
        });
    }
    if !agent.status.accepts_work() {
        return Err(EngineError::AgentUnavailable {
            agent: agent.id,
            status: agent.status,
        });
    }
    // A windowed skill outside its window does not count (skill_windows.rs).
    if !(agent.serves(conv.group) || super::plan_pool::serves_pool(state, agent, conv.group)) {
        return Err(EngineError::NotEligible {
            conversation: conv.id,
            agent: agent.id,
        });
    }
    let weight = super::workload::weight::of(config, agent, conv.channel);
    if weight > agent.cap {
        return Err(EngineError::NeverFits {
            conversation: conv.id,
            agent: agent.id,
            weight,
            cap: agent.cap,
        });
    }
    Ok(())
}

/// A plan compiled, or every error it has. Leaves room for the groups its
/// queues may create (each conversation's pool is at most
/// `MAX_POOL_GROUPS` groups, created as it waits).
fn check_plan(
    state: &State,
    plan: Option<&crate::plan::Plan>,
) -> Result<Option<std::sync::Arc<crate::plan::compiled::CompiledPlan>>, EngineError> {
    let Some(plan) = plan else {
        return Ok(None);
    };
    let (compiled, _warnings) = crate::plan::compile(plan).map_err(|problems| {
        crate::plan::PlanError::Invalid(
            problems
                .into_iter()
                .filter(|p| p.severity() == crate::plan::Severity::Error)
                .collect(),
        )
    })?;
    if GroupIdx::new(state.groups.len() + crate::plan::limits::MAX_POOL_GROUPS * 2).is_none() {
        return Err(EngineError::Full("group"));
    }
    Ok(Some(std::sync::Arc::new(compiled)))
}

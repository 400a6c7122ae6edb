//! The checks of the commands that act on a conversation: that the thread
//! exists, that its place permits the command and that the actor holds
//! it; and, for an open, an escalation or a transfer, the customer's open
//! rule, the skill group named and the agent transferred to. Apart from
//! `check`'s dispatch, which only strings these together per command.

use super::super::command::CommandKind;
use super::super::config::{EngineConfig, OpenConversations};
use super::super::error::EngineError;
use super::super::lifecycle;
use super::super::limits::{room, Limits};
use super::super::state::group::RoutingKey;
use super::super::state::index::{AgentIdx, ConvIdx};
use super::super::state::State;
use super::limit;
use super::step::GroupRef;
use crate::model::{Channel, ConversationId, CustomerId, SkillRequirement};
use std::borrow::Cow;

/// The slot of conversation `id`, or `UnknownConversation` (built only
/// then: see `check`).
#[inline]
pub(super) fn known_conv(state: &State, id: ConversationId) -> Result<ConvIdx, EngineError> {
    match state.conv_idx(id) {
        Some(c) => Ok(c),
        None => Err(EngineError::UnknownConversation(id)),
    }
}

/// `c` (conversation `id`), if a command of `kind` may act on it in its
/// current place.
#[inline(always)]
pub(super) fn permitted(
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

/// The conversation, if the command may act on it and `agent` holds it.
// Always, as `permitted`: on every agent's message, seen mark and answer
// to an offer (107k calls on `profile`), and out of line the call and the
// result's move cost about a fifth of it.
#[inline(always)]
pub(super) fn owned_by(
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

/// The open rule: a customer's existing open conversation may refuse a new one.
/// Whether the customer is known, so that the caller need not look it up
/// again (issue 22: one lookup per open spared).
pub(super) fn check_open_rule(
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
pub(super) fn group_ref(
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
pub(super) fn check_transfer_to(
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
    if !(agent.serves(conv.group) || super::super::plan_pool::serves_pool(state, agent, conv.group))
    {
        return Err(EngineError::NotEligible {
            conversation: conv.id,
            agent: agent.id,
        });
    }
    let weight = super::super::workload::weight::of(config, agent, conv.channel);
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

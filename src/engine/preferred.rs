//! Preferred agents: a ranked affinity list per conversation, tried in
//! order when it enters human routing, before its queue.
//!
//! 1. The customer's last agent within the affinity window: today's
//!    stickiness, unchanged (`matching::route`; its misses are
//!    [`Decision::StickyMiss`]).
//! 2. The customer's owner (an account manager, [`Command::SetOwner`]).
//! 3. Scored preferred agents given with the conversation
//!    ([`OpenConversation::preferred`](crate::OpenConversation::preferred)):
//!    at most [`MAX_PREFERRED`], score 0-100, highest first (ties by
//!    agent id).
//!
//! Each entry is taken at once if the agent is online with room, waited
//! for up to its own bounded wait if they are online or away but full,
//! and otherwise skipped with a reason ([`Decision::PreferredSkipped`]):
//! not registered, not eligible, offline, full with no wait. A wait that
//! ends (timed out, the agent went offline) moves on to the next entry;
//! after the last, the conversation joins its queue. An agent is eligible
//! when they serve the conversation's group; under a plan whose
//! `preferred_bypass_soft` is set (for the last agent too), also when
//! they meet the hard
//! requirements of its queue (its explicit members, if any, and the
//! skills its command named), never
//! fewer. Cost: O(entries) per routing, nothing for a conversation
//! without a list or an owner (one check).
//!
//! [`Command::SetOwner`]: crate::Command::SetOwner

use super::cx::Cx;
use super::decision::{AssignVia, Decision};
use super::lifecycle;
use super::matching;
use super::state::conversation::Place;
use super::state::index::{AgentIdx, ConvIdx};
use super::workload::gate;
use crate::model::{AgentId, AgentStatus, TimeSpan};
use serde::{Deserialize, Serialize};

/// Most scored preferred agents one conversation may carry.
pub const MAX_PREFERRED: usize = 20;
/// The longest an entry of the list may be waited for: one hour.
pub const MAX_PREFERRED_WAIT: TimeSpan = TimeSpan(3_600_000);

/// A scored preferred agent given with a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PreferredAgent {
    /// The agent.
    pub agent: AgentId,
    /// 0-100; higher is tried first.
    pub score: u8,
    /// How long the conversation may wait for this agent while they are
    /// full or away (zero: only if they have room now), at most
    /// [`MAX_PREFERRED_WAIT`].
    #[serde(default)]
    pub wait: TimeSpan,
}

/// Why an entry of the affinity list was passed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PreferredSkip {
    /// No agent of that id is registered.
    NotRegistered,
    /// The agent cannot serve the conversation (hard skills, channel, a
    /// cap too small for it).
    NotEligible,
    /// The agent is offline.
    Offline,
    /// The agent has no room and the entry may not wait.
    Full,
    /// The entry's wait ran out.
    WaitTimedOut,
    /// The agent went offline while waited for.
    WentOffline,
    /// The conversation's queue is at its cap on live conversations: it
    /// waits in the queue's line.
    QueueFull,
}

/// Why a list was refused at the command.
pub(crate) fn check(list: &[PreferredAgent]) -> Result<(), super::EngineError> {
    let refuse = |reason| Err(super::EngineError::Preferred { reason });
    if list.len() > MAX_PREFERRED {
        return refuse("more than 20 preferred agents");
    }
    if list.iter().any(|p| p.score > 100) {
        return refuse("a score above 100");
    }
    if list.iter().any(|p| p.wait > MAX_PREFERRED_WAIT) {
        return refuse("a wait longer than an hour");
    }
    let mut ids: Vec<AgentId> = list.iter().map(|p| p.agent).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return refuse("an agent listed twice");
    }
    Ok(())
}

/// A conversation's affinity list after its last agent, and how far it
/// got. Boxed in `Conv::preferred`; absent for most conversations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Affinity {
    /// The scored agents given with it, highest score first, ties by id.
    pub given: Vec<PreferredAgent>,
    /// The entries of this routing, in order: the owner (score `None`)
    /// then `given`; fixed when routing starts. At most
    /// `MAX_PREFERRED + 1`.
    pub list: Vec<(AgentId, Option<u8>, TimeSpan)>,
    /// The next entry to try.
    pub next: u8,
}

/// Stores `given` on a new conversation (sorted for trying).
pub(crate) fn on_open(cx: &mut Cx<'_>, c: ConvIdx, mut given: Vec<PreferredAgent>) {
    if given.is_empty() {
        return;
    }
    given.sort_unstable_by(|a, b| b.score.cmp(&a.score).then(a.agent.cmp(&b.agent)));
    let affinity = Affinity {
        given,
        ..Affinity::default()
    };
    cx.st.affinities.set(c, Some(Box::new(affinity)));
}

/// Fixes the entries of a routing that starts now (the owner as the
/// customer has it now), leaving out `last`, the last agent tried just
/// before. Nothing for a conversation with neither a list nor an owner.
pub(crate) fn start(cx: &mut Cx<'_>, c: ConvIdx, last: Option<AgentIdx>) {
    let conv = cx.st.conv(c);
    let owner = cx.st.customer_owner(conv.who);
    if !cx.st.affinities.contains(c) && owner.is_none() {
        return;
    }
    let last = last.map(|a| cx.st.id(a));
    let owner = owner.map(|(a, wait)| (cx.st.id(a), None, wait));
    let p = cx.st.affinities.get_or_insert_with(c, Affinity::default);
    p.list.clear();
    p.list.extend(owner);
    let given = p.given.iter().map(|g| (g.agent, Some(g.score), g.wait));
    p.list.extend(given);
    p.list.retain(|e| Some(e.0) != last);
    debug_assert!(p.list.len() <= MAX_PREFERRED + 1);
    p.next = 0;
}

/// The wait of `c` for preferred agent `agent` ended (`reason`): says so
/// (the caller tries the next entry). A last-agent wait is not this
/// module's: nothing is said for it.
pub(crate) fn wait_ended(cx: &mut Cx<'_>, c: ConvIdx, agent: AgentIdx, reason: PreferredSkip) {
    let conv = cx.st.conv(c);
    let current = (cx.st.affinities.get(c))
        .and_then(|p| p.list.get(usize::from(p.next).checked_sub(1)?).copied());
    if let Some((id, score, _)) = current.filter(|e| e.0 == cx.st.id(agent)) {
        let conversation = conv.id;
        cx.emit(Decision::PreferredSkipped {
            conversation,
            agent: id,
            score,
            reason,
        });
    }
}

/// Tries `c`'s next entries in order (it holds nothing and sits nowhere):
/// handed to the first agent with room, or waiting for the first who may
/// be waited for; after the last, placed in its queue. Bounded by the
/// list.
pub(crate) fn next(cx: &mut Cx<'_>, c: ConvIdx) {
    // It sits nowhere, whatever its place still says (a wait that just
    // ended): hand-overs must not take it out of anything again.
    lifecycle::mark_detached(cx, c);
    let bound = cx.st.affinities.get(c).map_or(0, |p| p.list.len());
    for _ in 0..bound {
        let Some(p) = cx.st.affinities.get_mut(c) else {
            break;
        };
        let Some(&(id, score, wait)) = p.list.get(usize::from(p.next)) else {
            break;
        };
        p.next += 1;
        let skip = match cx.st.agent_idx(id) {
            None => PreferredSkip::NotRegistered,
            Some(agent) => match try_agent(cx, c, agent, wait) {
                None => return,
                Some(skip) => skip,
            },
        };
        let conversation = cx.st.conv(c).id;
        cx.emit(Decision::PreferredSkipped {
            conversation,
            agent: id,
            score,
            reason: skip,
        });
    }
    matching::place_in_group(cx, c);
}

/// Hands `c` to `agent` or starts waiting for them (`None`), or says why
/// not.
fn try_agent(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    agent: AgentIdx,
    wait: TimeSpan,
) -> Option<PreferredSkip> {
    let conv = cx.st.conv(c);
    let (group, channel) = (conv.group, conv.channel);
    let a = cx.st.agent(agent);
    let weight = super::workload::weight::of(cx.cfg, a, channel);
    if a.status == AgentStatus::Offline {
        return Some(PreferredSkip::Offline);
    }
    let serves = a.serves(group) || super::plan_pool::serves_pool(cx.st, a, group);
    if weight > a.cap || !(serves || bypasses_soft(cx, c, agent)) {
        return Some(PreferredSkip::NotEligible);
    }
    // The same room test as routing and the last agent's (`has_room`,
    // interruption included), and nobody already waiting for them.
    let room = a.has_room(channel, weight, cx.cfg.workload.over(channel)) && a.personal.is_empty();
    let above = if room && a.status == AgentStatus::Online {
        gate::above(cx.st, agent, group)
    } else {
        None
    };
    if above == Some(super::workload::CapLevel::Queue) {
        // The queue, not the agent, is full: no use waiting for them.
        super::workload::queue_cap::count(cx.st, group);
        return Some(PreferredSkip::QueueFull);
    }
    if let Some(level) = above {
        gate::count(cx.st, agent, level);
        gate::hold_back(cx.st, agent, level);
    }
    let a = cx.st.agent(agent);
    if room && above.is_none() && a.status == AgentStatus::Online {
        super::workload::queue_cap::credit(cx.st, c, group);
        lifecycle::hand_over(cx, c, agent, AssignVia::Preferred);
        return None;
    }
    if wait == TimeSpan::ZERO {
        return Some(PreferredSkip::Full);
    }
    let until = cx.at + wait;
    lifecycle::enqueue_personal(cx, c, agent, false, Some(until));
    None
}

/// Whether the plan lets preferred agents (the customer's last agent
/// among them) bypass soft skills and `agent` meets every hard
/// requirement of `c`'s queue, the skills its command named, and its
/// channel.
pub(crate) fn bypasses_soft(cx: &Cx<'_>, c: ConvIdx, agent: AgentIdx) -> bool {
    let Some(plan) = cx.st.plan.as_deref() else {
        return false;
    };
    if !plan.doc.preferred_bypass_soft {
        return false;
    }
    let conv = cx.st.conv(c);
    let Some(p) = cx.st.conv_plan(c) else {
        return false;
    };
    let Some(q) = p
        .route
        .as_ref()
        .and_then(|r| super::plan_steps::own_queue(plan, r))
    else {
        return false;
    };
    let a = cx.st.agent(agent);
    let channel_ok = a.channels.is_none_or(|ch| ch.contains(conv.channel));
    let queue = &plan.queues[usize::from(q)];
    // A queue's explicit members are as hard as its hard skills.
    let member = queue
        .members
        .as_ref()
        .is_none_or(|m| m.binary_search(&a.id).is_ok());
    channel_ok
        && member
        && queue
            .hard
            .iter()
            .chain(&p.explicit)
            .all(|r| a.level_now(r.skill) >= r.min_level.get())
}

/// Whether `c` waits for `agent` as a preferred agent (not as its last
/// agent): how `matching::settle` names the assignment.
pub(crate) fn is_preferred_wait(cx: &Cx<'_>, c: ConvIdx) -> bool {
    let conv = cx.st.conv(c);
    matches!(conv.place, Place::WaitingFor { own: false, .. }) && conv.sticky_agent().is_none()
}

/// Checks `v`'s affinity list (`p`) against its bounds and order (called
/// by `Engine::audit` for each conversation).
pub(crate) fn audit_of(
    v: &super::state::conversation::Conv,
    p: Option<&Affinity>,
) -> Result<(), super::AuditViolation> {
    let Some(p) = p else {
        return Ok(());
    };
    let sorted = p.given.windows(2).all(|w| {
        (std::cmp::Reverse(w[0].score), w[0].agent) < (std::cmp::Reverse(w[1].score), w[1].agent)
    });
    if p.given.len() > MAX_PREFERRED
        || p.list.len() > MAX_PREFERRED + 1
        || usize::from(p.next) > p.list.len()
        || !sorted
    {
        return Err(super::AuditViolation::PlanState {
            conversation: v.id,
            detail: "its preferred agents are out of bounds or out of order",
        });
    }
    Ok(())
}

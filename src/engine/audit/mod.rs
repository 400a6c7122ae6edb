//! The audit: recounts every invariant of DOMAIN.md from scratch, for tests
//! and operators, in O(agents + groups + conversations). It trusts none of
//! the engine's running counts: each is recomputed and compared.
//!
//! It runs in phases, in this order, each in its file: every agent's lists
//! (`agent_lists.rs`), every group's line and members (`groups.rs`), the
//! timers, every conversation (`conversations.rs`), the pools and totals
//! (`pools.rs`), then every agent's load. `rank_contract.rs` checks a
//! routing policy against its contract.

use super::state::conversation::Conv;
use super::state::index::ConvIdx;
use super::state::timers::TimerKind;
use super::state::State;
use super::Engine;
use crate::model::{AgentId, Capacity, ConversationId, StateKind};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use thiserror::Error;

mod agent_lists;
mod conversations;
mod groups;
mod pools;
mod rank_contract;

/// The first broken invariant the audit found.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AuditViolation {
    /// An agent holds more than their cap allows (a cap lowered below the
    /// load allows the load it found, shrinking as threads end).
    #[error("{agent} holds {load} units over a cap of {cap}")]
    CapExceeded {
        /// The agent.
        agent: AgentId,
        /// Their load.
        load: Capacity,
        /// Their cap.
        cap: Capacity,
    },
    /// An agent's recorded load differs from the sum of their threads.
    #[error("{agent} records a load of {recorded} but their threads add up to {recounted}")]
    LoadMismatch {
        /// The agent.
        agent: AgentId,
        /// The load in the capacity counter.
        recorded: Capacity,
        /// The load recounted from the conversations.
        recounted: Capacity,
    },
    /// A conversation is not exactly where its state says (lost, or in two
    /// places).
    #[error(
        "{conversation} is {state:?} but found in {found} places where 1 was expected ({detail})"
    )]
    Misplaced {
        /// The conversation.
        conversation: ConversationId,
        /// Its state.
        state: StateKind,
        /// How many structures hold it.
        found: usize,
        /// Which structure was expected.
        detail: &'static str,
    },
    /// A queue, inbox or parked set points at a conversation in another
    /// state, or under a key its fields no longer give.
    #[error("{place} lists {conversation}, which is {state:?}")]
    StrayEntry {
        /// The conversation.
        conversation: ConversationId,
        /// Its state.
        state: Option<StateKind>,
        /// Which structure.
        place: &'static str,
    },
    /// A conversation holds the wrong amount of capacity for its state.
    #[error("{conversation} holds {held} units; its state requires {expected}")]
    HeldMismatch {
        /// The conversation.
        conversation: ConversationId,
        /// What it holds.
        held: Capacity,
        /// What it should hold.
        expected: Capacity,
    },
    /// An offline agent still holds or waits for work.
    #[error("{agent} is offline but still has {conversation}")]
    OfflineAgentHoldsWork {
        /// The agent.
        agent: AgentId,
        /// The conversation.
        conversation: ConversationId,
    },
    /// A conversation waits while an eligible online agent has room for it.
    #[error("{conversation} waits although {agent} is online with room for it")]
    NotWorkConserving {
        /// The waiting conversation.
        conversation: ConversationId,
        /// The free agent.
        agent: AgentId,
    },
    /// The free-agent index misses an agent who can take the group's work,
    /// or (from [`Engine::check_rank_contract`]) holds a rank better than
    /// the policy's current one: the policy broke its contract.
    #[error("the free-agent index of a skill group is stale for {agent}")]
    StaleIndex {
        /// The agent.
        agent: AgentId,
    },
    /// A real-time statistic disagrees with a recount.
    #[error("real-time statistic {what} is {kept}, a recount gives {recounted}")]
    StatisticMismatch {
        /// Which statistic.
        what: &'static str,
        /// The value the engine kept.
        kept: u64,
        /// The recount.
        recounted: u64,
    },
    /// A customer's list of open conversations is wrong.
    #[error("the open conversations of {conversation}'s customer are miscounted")]
    OpenListMismatch {
        /// A conversation listed wrongly or missing.
        conversation: ConversationId,
    },
    /// A conversation has no pending timer to end its wait: an SLA alert
    /// while it has no first response, a known-agent wait, an offer.
    #[error("{conversation} has no pending {kind} timer")]
    MissingAlert {
        /// The conversation.
        conversation: ConversationId,
        /// "warning", "breach", "known-agent wait" or "offer expiry".
        kind: &'static str,
    },
    /// A workload rule's state (a team's or the tenant's live count,
    /// the lists of what a full level held back) differs from a recount.
    #[error("workload state does not match a recount: {what}")]
    WorkloadMismatch {
        /// What differs.
        what: &'static str,
    },
    /// A conversation's routing-plan state disagrees with the plan or with
    /// where it waits.
    #[error("{conversation}'s routing-plan state is wrong: {detail}")]
    PlanState {
        /// The conversation.
        conversation: ConversationId,
        /// What disagrees.
        detail: &'static str,
    },
    /// Business-hours state disagrees with the plan, the groups' flags or
    /// the calendars' timers (`plan_hours.rs`).
    #[error("business hours are wrong: {detail}")]
    HoursState {
        /// What disagrees.
        detail: &'static str,
    },
    /// An agent's skill windows, the skills dormant outside them, their
    /// slots' flags or their edge timers disagree (`skill_windows.rs`).
    #[error("{agent}'s skill windows are wrong: {detail}")]
    SkillWindowState {
        /// The agent.
        agent: AgentId,
        /// What disagrees.
        detail: &'static str,
    },
}

/// What the audit counted when everything held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Registered agents.
    pub agents: usize,
    /// Skill groups.
    pub queues: usize,
    /// Conversations with the bot.
    pub bot: usize,
    /// Queued conversations (in a group or waiting for an agent).
    pub queued: usize,
    /// Offered conversations.
    pub offered: usize,
    /// Assigned conversations.
    pub assigned: usize,
    /// Parked conversations.
    pub parked: usize,
    /// Resolved conversations.
    pub resolved: usize,
}

impl Engine {
    /// Recounts every invariant: each conversation in exactly one state and
    /// exactly one place, listed under the key its fields give; each
    /// agent's load equal to the sum of their threads and within the cap;
    /// offline agents holding nothing; no conversation waiting while an
    /// eligible agent has room; every agent with room listed in the free
    /// index; the real-time statistics equal to a recount; an alert
    /// pending for every conversation still without a first response.
    /// Returns the first violation found.
    pub fn audit(&self) -> Result<AuditReport, AuditViolation> {
        let st = &self.state;
        let cfg = &self.config;
        let mut tally = Tally {
            found: vec![0; st.convs.len()],
            recount: vec![Capacity::ZERO; st.agents.len()],
        };
        agent_lists::check_lists(st, cfg, &mut tally.found)?;
        groups::check(st, cfg, &mut tally.found)?;
        // The timer wheel's levels, overflow and chunk free list.
        if let Err((what, kept, recounted)) = st.timers.check() {
            return Err(AuditViolation::StatisticMismatch {
                what,
                kept,
                recounted,
            });
        }
        // Keyed with the incarnation too: a timer of another incarnation of
        // the id (or a corrupt one) is void when it fires.
        let timers: HashSet<(u64, TimerKind, u32, u64, u64)> = st
            .timers
            .sorted()
            .into_iter()
            .map(|t| (t.subject, t.kind, t.generation, t.at.0, t.incarnation))
            .collect();
        let stays: HashSet<(u64, TimerKind, u32, u64)> =
            timers.iter().map(|&(s, k, g, _, i)| (s, k, g, i)).collect();
        self.audit_hours(&timers)?;
        let counted = self.audit_conversations(&mut tally, &timers, &stays)?;
        pools::check(st, &counted)?;
        agent_lists::check_loads(st, &tally.recount)?;
        super::workload::audit::check(st)?;
        st.check_customers().map_err(|(what, kept, recounted)| {
            AuditViolation::StatisticMismatch {
                what,
                kept,
                recounted,
            }
        })?;
        super::skill_windows::audit(st)?;
        super::plan_pool::audit(st, cfg)?;
        st.audit_groups()?;
        Ok(counted.report)
    }
}

/// What the phases recount from scratch.
struct Tally {
    /// How many places (inboxes, sets, lines) list each conversation slot.
    found: Vec<usize>,
    /// Each agent's load, summed from the threads that hold it.
    recount: Vec<Capacity>,
}

/// The conversation in slot `c`, if any.
fn conv_at(st: &State, c: ConvIdx) -> Option<&Conv> {
    st.convs.get(c.get()).and_then(|s| s.as_ref())
}

/// A list entry for slot `c` found in `place`, where it does not belong.
fn stray(st: &State, c: ConvIdx, place: &'static str) -> AuditViolation {
    AuditViolation::StrayEntry {
        conversation: conv_at(st, c).map_or(ConversationId(u64::MAX), |v| v.id),
        state: conv_at(st, c).map(|v| v.place.kind()),
        place,
    }
}

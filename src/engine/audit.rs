//! The audit: recounts every invariant of DOMAIN.md from scratch, for tests
//! and operators. It takes the registry's write lock, so it sees a quiescent
//! engine (no command half-way), and costs O(agents + conversations).

use super::record::State;
use super::timers::TimerKind;
use super::Engine;
use crate::model::{AgentId, Capacity, ConversationId, StateKind};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use thiserror::Error;

/// The first broken invariant the audit found.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AuditViolation {
    /// An agent holds more than their cap.
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
    /// A queue, inbox or parked set points at a conversation in another state.
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
    /// The free-agent index disagrees with the agents' state or the policy.
    #[error("the free-agent index of a skill group is stale for {agent}")]
    StaleIndex {
        /// The agent.
        agent: AgentId,
    },
    /// A conversation without a first response has no pending alert.
    #[error("{conversation} waits for a first response with no pending {kind} alert")]
    MissingAlert {
        /// The conversation.
        conversation: ConversationId,
        /// "warning" or "breach".
        kind: &'static str,
    },
}

/// What the audit counted when everything held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Registered agents.
    pub agents: usize,
    /// Skill-group queues.
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
    /// exactly one place; each agent's load equal to the sum of their
    /// threads and within the cap; offline agents holding nothing; no
    /// conversation waiting while an eligible agent has room; the free-agent
    /// indexes exact; an alert pending for every conversation still without
    /// a first response. Returns the first violation found.
    pub fn audit(&self) -> Result<AuditReport, AuditViolation> {
        let reg = self.registry.write();
        let now = crate::model::Timestamp(self.clock.load(Ordering::Relaxed));
        let mut found: HashMap<ConversationId, usize> = HashMap::new();
        let mut recount = vec![Capacity::ZERO; reg.agents.len()];
        let mut listed = vec![0u32; reg.agents.len()];
        let state_of = |c: &ConversationId| self.conversations.get(c).map(|r| r.state);
        let stray = |conversation, place| AuditViolation::StrayEntry {
            conversation,
            state: state_of(&conversation).map(|s| s.kind()),
            place,
        };
        for (a, cell) in reg.agents.iter().enumerate() {
            let a = a as u32;
            let inner = cell.inner.lock();
            let offline = cell.status() == crate::model::AgentStatus::Offline;
            let all = inner
                .inbox
                .iter()
                .map(|(c, _)| (*c, "an inbox"))
                .chain(inner.parked.iter().map(|c| (*c, "a parked set")))
                .chain(
                    inner
                        .personal
                        .iter()
                        .map(|(c, _)| (*c, "an agent's own queue")),
                );
            for (c, place) in all {
                if offline {
                    return Err(AuditViolation::OfflineAgentHoldsWork {
                        agent: cell.id,
                        conversation: c,
                    });
                }
                let ok = match (place, state_of(&c)) {
                    (
                        "an inbox",
                        Some(State::Assigned { agent } | State::Offered { agent, .. }),
                    ) => agent == a,
                    ("a parked set", Some(State::Parked { agent })) => agent == Some(a),
                    ("an agent's own queue", Some(State::Queued { for_agent })) => {
                        for_agent == Some(a)
                    }
                    _ => false,
                };
                if !ok {
                    return Err(stray(c, place));
                }
                *found.entry(c).or_default() += 1;
            }
            // An entry of an agent's own queue must be the conversation's
            // current stay (its ticket) at its full weight, or handing it
            // over would be refused and the conversation left nowhere.
            for (c, key) in inner.personal.iter() {
                let current = self.conversations.get(c).is_some_and(|r| {
                    r.ticket == key.0.ticket && key.0.weight == self.config.weight(r.channel)
                });
                if !current {
                    return Err(stray(*c, "an agent's own queue (stale ticket or weight)"));
                }
            }
        }
        for (q, queue) in reg.queues.iter().enumerate() {
            let group = queue.inner.lock();
            for (c, entry) in group.waiting.iter() {
                let ok = self.conversations.get(c).is_some_and(|r| {
                    r.state == State::Queued { for_agent: None }
                        && r.queue as usize == q
                        && r.ticket == entry.0.ticket
                });
                if !ok {
                    return Err(stray(*c, "a skill-group queue"));
                }
                *found.entry(*c).or_default() += 1;
            }
            for &a in &queue.members {
                let cell = reg.agent(a);
                let takes = cell.status().accepts_work()
                    && cell.inner.lock().personal.is_empty()
                    && cell.free() >= queue.weight;
                let expected = takes.then(|| self.policy.rank(&cell.view(), &queue.view()));
                // An entry may lag on the worse side only (see take_agent):
                // a listed agent who is full now, or whose rank has risen.
                let stored = group.rank_of.get(&a).copied();
                let exact_or_lagging = match (stored, expected) {
                    (None, None) => true,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (Some(stored), Some(expected)) => stored <= expected,
                };
                if !exact_or_lagging {
                    return Err(AuditViolation::StaleIndex { agent: cell.id });
                }
                if takes {
                    if let Some((c, _)) = group.waiting.peek() {
                        return Err(AuditViolation::NotWorkConserving {
                            conversation: *c,
                            agent: cell.id,
                        });
                    }
                }
            }
            for &a in group.rank_of.keys() {
                listed[a as usize] += 1;
            }
            if group.available.len() != group.rank_of.len() {
                return Err(AuditViolation::StaleIndex {
                    agent: AgentId(u64::MAX),
                });
            }
        }
        // With their due time: a timer armed for the right generation but
        // the wrong time (a corrupt snapshot) would fire an alert early or
        // late.
        let timers: HashSet<(ConversationId, TimerKind, u32, u64)> = self
            .timers
            .all()
            .into_iter()
            .map(|t| (t.conversation, t.kind, t.generation, t.at.0))
            .collect();
        let mut report = AuditReport {
            agents: reg.agents.len(),
            queues: reg.queues.len(),
            ..AuditReport::default()
        };
        for record in self.conversations.iter() {
            let (expected_places, detail, held) = match record.state {
                State::Bot => (0, "none", Capacity::ZERO),
                State::Resolved { .. } => (0, "none", Capacity::ZERO),
                State::Queued { for_agent: None } => (1, "its skill-group queue", Capacity::ZERO),
                State::Queued { .. } => (1, "its agent's own queue", Capacity::ZERO),
                State::Offered { .. } | State::Assigned { .. } => {
                    (1, "its agent's inbox", self.config.weight(record.channel))
                }
                State::Parked { agent: Some(_) } => (
                    1,
                    "its agent's parked set",
                    self.config.parked_weight(record.channel),
                ),
                State::Parked { agent: None } => (0, "none", Capacity::ZERO),
            };
            match record.state {
                State::Bot => report.bot += 1,
                State::Queued { .. } => report.queued += 1,
                State::Offered { .. } => report.offered += 1,
                State::Assigned { .. } => report.assigned += 1,
                State::Parked { .. } => report.parked += 1,
                State::Resolved { .. } => report.resolved += 1,
            }
            let places = found.get(&record.id).copied().unwrap_or(0);
            let channel_ok = reg
                .queues
                .get(record.queue as usize)
                .is_some_and(|q| q.key.channel == record.channel);
            if places != expected_places || !channel_ok {
                return Err(AuditViolation::Misplaced {
                    conversation: record.id,
                    state: record.state.kind(),
                    found: places,
                    detail,
                });
            }
            if record.held != held {
                return Err(AuditViolation::HeldMismatch {
                    conversation: record.id,
                    held: record.held,
                    expected: held,
                });
            }
            if let Some(agent) = record.state.agent() {
                if !matches!(record.state, State::Queued { .. }) {
                    recount[agent as usize].0 += held.0;
                }
            }
            // A parked thread still without a first response keeps its
            // alerts: it resumes with the same SLA generation, so they must
            // still be pending (a snapshot missing them is corrupt).
            let parked_waiting =
                record.first_response_at.is_none() && matches!(record.state, State::Parked { .. });
            let deadline = record.response_deadline(&self.config).or_else(|| {
                parked_waiting
                    .then_some(record.sla_start)
                    .flatten()
                    .map(|start| start + self.config.response_target)
            });
            if let (Some(deadline), Some(start)) = (deadline, record.sla_start) {
                let warn_at = start + self.config.warn_after();
                let armed = |kind, at: crate::model::Timestamp| {
                    timers.contains(&(record.id, kind, record.sla_gen, at.0))
                };
                if now < warn_at && !armed(TimerKind::SlaWarning, warn_at) {
                    return Err(AuditViolation::MissingAlert {
                        conversation: record.id,
                        kind: "warning",
                    });
                }
                if now < deadline && !armed(TimerKind::SlaBreach, deadline) {
                    return Err(AuditViolation::MissingAlert {
                        conversation: record.id,
                        kind: "breach",
                    });
                }
            }
        }
        for (a, cell) in reg.agents.iter().enumerate() {
            let (load, cap) = cell.capacity.get();
            if load > cap {
                return Err(AuditViolation::CapExceeded {
                    agent: cell.id,
                    load,
                    cap,
                });
            }
            if cell.ranked() != listed[a] {
                return Err(AuditViolation::StaleIndex { agent: cell.id });
            }
            if load != recount[a] {
                return Err(AuditViolation::LoadMismatch {
                    agent: cell.id,
                    recorded: load,
                    recounted: recount[a],
                });
            }
        }
        Ok(report)
    }
}

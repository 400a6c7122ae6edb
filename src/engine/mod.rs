//! The engine: applies commands, keeps every invariant, returns decisions.
//!
//! State is split so that work on different agents and skill groups runs in
//! parallel: conversations live in a sharded map (one entry lock each),
//! agents and skill groups in a registry reached by dense index, each with
//! its own lock, and each agent's load and cap in one atomic word reserved
//! by compare-and-swap. The registry's read lock is shared by every command;
//! its write lock is taken only to register an agent, to create the queue of
//! a skill combination seen for the first time, and to audit or snapshot a
//! quiescent engine. `src/engine/routing.rs` explains how a conversation
//! meets an agent, and the lock order that makes it safe.

mod audit;
mod capacity;
mod command;
mod config;
mod decision;
mod error;
mod hash;
mod ops_agent;
mod ops_arrival;
mod ops_conversation;
mod ops_handoff;
mod placement;
mod query;
mod queue;
mod record;
mod registry;
mod routing;
mod snapshot;
mod stats;
mod tick;
mod timers;

pub use audit::{AuditReport, AuditViolation};
pub use command::{Command, TransferTarget};
pub use config::{ConfigError, EngineConfig};
pub use decision::{AssignVia, Decision, RequeueReason, StickyMissReason};
pub use error::EngineError;
pub use query::InboxEntry;
pub use snapshot::{RestoreError, Snapshot};
pub use stats::EngineStats;

use crate::model::{
    AgentId, Channel, ConversationId, CustomerId, SkillRequirement, Tier, Timestamp,
};
use crate::policy::RoutingPolicy;
use hash::IdDashMap;
use parking_lot::RwLock;
use record::Record;
use registry::{AgentIdx, QueueIdx, Registry, RoutingKey};
use routing::Ctx;
use serde::{Deserialize, Serialize};
use stats::StatsCounters;
use std::sync::atomic::{AtomicU64, Ordering};
use timers::Timers;

/// What the engine remembers of a customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CustomerRecord {
    pub tier: Tier,
    pub last_agent: Option<(AgentIdx, Timestamp)>,
}

/// The routing engine. `Send + Sync`: share it (for example in an `Arc`) and
/// call [`Engine::apply`] from as many threads as you like.
pub struct Engine {
    config: EngineConfig,
    policy: Box<dyn RoutingPolicy>,
    registry: RwLock<Registry>,
    conversations: IdDashMap<ConversationId, Record>,
    customers: IdDashMap<CustomerId, CustomerRecord>,
    timers: Timers,
    /// Source of arrival and assignment order numbers.
    seq: AtomicU64,
    /// The latest timestamp any command carried.
    clock: AtomicU64,
    stats: StatsCounters,
}

// The engine is shared across threads by design.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Engine>();
};

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("policy", &self.policy.name())
            .field("conversations", &self.conversations.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An empty engine with `config` and a routing `policy`.
    pub fn new(config: EngineConfig, policy: Box<dyn RoutingPolicy>) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            policy,
            registry: RwLock::new(Registry::default()),
            conversations: IdDashMap::default(),
            customers: IdDashMap::default(),
            timers: Timers::default(),
            seq: AtomicU64::new(1),
            clock: AtomicU64::new(0),
            stats: StatsCounters::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The routing policy's name.
    pub fn policy_name(&self) -> &str {
        self.policy.name()
    }

    /// Applies `command` at host time `at` and returns the decisions it
    /// caused, in order. On error nothing changed.
    pub fn apply(&self, at: Timestamp, command: Command) -> Result<Vec<Decision>, EngineError> {
        // The clock moves only for an accepted command: a refused one
        // changes nothing, not even the time the engine has seen.
        // ORDERING: the clock only feeds audits of timer coverage; Relaxed.
        if let Command::AddAgent(spec) = command {
            let decisions = self.add_agent(at, spec)?;
            self.advance_clock(at);
            return Ok(decisions);
        }
        let queue = self.queue_for(&command)?;
        let registry = self.registry.read();
        let mut ctx = Ctx::new(self, &registry, at);
        ctx.run(command, queue)?;
        ctx.drain();
        // Still under the registry's read lock, so an audit never sees the
        // effects of this command (timers fired) with an older clock.
        self.advance_clock(at);
        Ok(ctx.out)
    }

    /// For commands that route to a skill group, validates the skills and
    /// finds (or creates) the group's queue before any lock is taken.
    fn queue_for(&self, command: &Command) -> Result<Option<QueueIdx>, EngineError> {
        let (channel, skills) = match command {
            Command::OpenConversation {
                conversation,
                channel,
                skills,
                ..
            } => {
                if self.conversations.contains_key(conversation) {
                    return Err(EngineError::DuplicateConversation(*conversation));
                }
                (*channel, skills)
            }
            Command::Escalate {
                conversation,
                skills: Some(skills),
                ..
            }
            | Command::Transfer {
                conversation,
                to: TransferTarget::Skills(skills),
            } => {
                // Refuse before creating a queue, so a refused command leaves
                // no trace (the handler checks again under the lock).
                let record = self
                    .conversations
                    .get(conversation)
                    .ok_or(EngineError::UnknownConversation(*conversation))?;
                let fits = match command {
                    Command::Escalate { .. } => record.state == record::State::Bot,
                    _ => !matches!(
                        record.state,
                        record::State::Bot | record::State::Resolved { .. }
                    ),
                };
                if !fits {
                    return Err(EngineError::InvalidTransition {
                        conversation: *conversation,
                        state: record.state.kind(),
                        command: command.name(),
                    });
                }
                (record.channel, skills)
            }
            _ => return Ok(None),
        };
        let key = RoutingKey {
            channel,
            skills: normalize_requirements(skills)?,
        };
        Ok(Some(self.ensure_queue(key)))
    }

    fn ensure_queue(&self, key: RoutingKey) -> QueueIdx {
        if let Some(&idx) = self.registry.read().queue_by_key.get(&key) {
            return idx;
        }
        let mut registry = self.registry.write();
        if let Some(&idx) = registry.queue_by_key.get(&key) {
            return idx;
        }
        let weight = self.config.weight(key.channel);
        let idx = registry.add_queue(key, weight);
        // The new group starts with its free members ranked, as settle would.
        let queue = &registry.queues[idx as usize];
        let mut group = queue.inner.lock();
        for &a in &queue.members {
            let cell = &registry.agents[a as usize];
            let takes = cell.status().accepts_work()
                && cell.inner.lock().personal.is_empty()
                && cell.free() >= weight;
            if takes {
                cell.rank_in(
                    a,
                    &mut group,
                    Some(self.policy.rank(&cell.view(), &queue.view())),
                );
            }
        }
        drop(group);
        idx
    }

    /// Moves the engine's clock forward to `at`. The read first keeps the
    /// cache line shared between threads when time has not advanced.
    fn advance_clock(&self, at: Timestamp) {
        // ORDERING: the clock only feeds audits of timer coverage; Relaxed.
        if at.0 > self.clock.load(Ordering::Relaxed) {
            self.clock.fetch_max(at.0, Ordering::Relaxed);
        }
    }

    pub(crate) fn next_seq(&self) -> u64 {
        // ORDERING: uniqueness is all that matters; Relaxed RMW is enough.
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Remembers that `agent` served `customer` at `at` (sticky affinity).
    pub(crate) fn remember_agent(&self, customer: CustomerId, agent: AgentIdx, at: Timestamp) {
        if let Some(mut c) = self.customers.get_mut(&customer) {
            c.last_agent = Some((agent, at));
        }
    }
}

/// Sorts requirements by skill and checks levels and duplicates.
pub(crate) fn normalize_requirements(
    skills: &[SkillRequirement],
) -> Result<Vec<SkillRequirement>, EngineError> {
    let mut sorted = skills.to_vec();
    sorted.sort_unstable_by_key(|r| r.skill);
    for pair in sorted.windows(2) {
        if pair[0].skill == pair[1].skill {
            return Err(EngineError::DuplicateSkill(pair[0].skill));
        }
    }
    for r in &sorted {
        if !r.min_level.is_valid() {
            return Err(EngineError::SkillLevelOutOfRange {
                skill: r.skill,
                level: r.min_level.get(),
            });
        }
    }
    Ok(sorted)
}

impl Ctx<'_> {
    /// Dispatches a command (other than `AddAgent`) to its handler.
    fn run(&mut self, command: Command, queue: Option<QueueIdx>) -> Result<(), EngineError> {
        match command {
            // Registered by Engine::apply itself, under the write lock.
            Command::AddAgent(_) => Ok(()),
            Command::SetAgentStatus { agent, status } => self.set_status(agent, status),
            Command::SetCapacity { agent, cap } => self.set_capacity(agent, cap),
            Command::OpenConversation {
                conversation,
                customer,
                tier,
                channel,
                priority,
                start_in_bot,
                ..
            } => self.open(Open {
                conversation,
                customer,
                tier,
                channel,
                priority,
                start_in_bot,
                queue: queue.unwrap_or_default(),
            }),
            Command::Escalate {
                conversation,
                priority,
                ..
            } => self.escalate(conversation, queue, priority),
            Command::CustomerMessage { conversation } => self.customer_message(conversation),
            Command::AgentMessage {
                conversation,
                agent,
            } => self.agent_message(conversation, agent),
            Command::MarkSeen {
                conversation,
                agent,
            } => self.mark_seen(conversation, agent),
            Command::Park { conversation } => self.park(conversation, false),
            Command::Resolve {
                conversation,
                reason,
            } => self.resolve(conversation, reason),
            Command::Transfer { conversation, to } => match to {
                TransferTarget::Agent(agent) => self.transfer_to_agent(conversation, agent),
                TransferTarget::Skills(_) => {
                    self.transfer_to_group(conversation, queue.unwrap_or_default())
                }
            },
            Command::SetPriority {
                conversation,
                priority,
            } => self.set_priority(conversation, priority),
            Command::AcceptOffer {
                conversation,
                agent,
            } => self.accept(conversation, agent),
            Command::DeclineOffer {
                conversation,
                agent,
            } => self.decline(conversation, agent),
            Command::Tick => {
                self.tick();
                Ok(())
            }
            Command::Purge { resolved_before } => {
                self.purge(resolved_before);
                Ok(())
            }
        }
    }

    /// Forgets conversations resolved before `before` (see
    /// [`Command::Purge`]). A resolved conversation sits in no queue, inbox
    /// or timer that matters (its timers are void), so removing it breaks
    /// no invariant.
    fn purge(&mut self, before: Timestamp) {
        let mut purged = 0u64;
        self.e.conversations.retain(|_, r| {
            let old = matches!(r.state, record::State::Resolved { .. })
                && r.resolved_at.is_some_and(|at| at < before);
            purged += u64::from(old);
            !old
        });
        self.emit(Decision::Purged {
            conversations: purged,
        });
    }

    pub(crate) fn agent_idx(&self, agent: AgentId) -> Result<AgentIdx, EngineError> {
        self.reg
            .agent_idx(agent)
            .ok_or(EngineError::UnknownAgent(agent))
    }
}

/// The arguments of an open, gathered.
pub(crate) struct Open {
    pub conversation: ConversationId,
    pub customer: CustomerId,
    pub tier: Tier,
    pub channel: Channel,
    pub priority: crate::model::Priority,
    pub start_in_bot: bool,
    pub queue: QueueIdx,
}

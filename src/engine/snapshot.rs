//! Snapshots: the whole state as plain serde data, and the restore that
//! rebuilds an engine making the same decisions. Restore treats its input
//! as untrusted: every index is checked, and the rebuilt engine must pass
//! the audit, so a corrupt snapshot is an error, never a panic.

use super::audit::AuditViolation;
use super::queue::QueueEntry;
use super::record::{Record, State};
use super::registry::{AgentCell, InboxKey, PersonalKey, Registry, RoutingKey};
use super::stats::{EngineStats, StatsCounters};
use super::timers::{Timer, Timers};
use super::{
    normalize_requirements, ConfigError, CustomerRecord, Engine, EngineConfig, EngineError,
};
use crate::model::{
    AgentId, AgentStatus, Capacity, Channel, ConversationId, CustomerId, SkillLevel,
    SkillRequirement,
};
use crate::policy::{Rank, RoutingPolicy};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// The snapshot format this build writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// The engine's whole state as plain data (serialise it with any serde
/// format). Opaque on purpose: restore it with [`Engine::restore`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    format: u32,
    config: EngineConfig,
    policy: String,
    clock: u64,
    seq: u64,
    agents: Vec<AgentSnapshot>,
    queues: Vec<QueueSnapshot>,
    conversations: Vec<Record>,
    customers: Vec<(CustomerId, CustomerRecord)>,
    timers: Vec<Timer>,
    stats: EngineStats,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct AgentSnapshot {
    id: AgentId,
    skills: Vec<SkillLevel>,
    channels: Option<Vec<Channel>>,
    status: AgentStatus,
    load: Capacity,
    cap: Capacity,
    last_activity: u64,
    last_assigned: u64,
    high_water: u32,
    inbox: Vec<(ConversationId, InboxKey)>,
    parked: Vec<ConversationId>,
    personal: Vec<(ConversationId, PersonalKey)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct QueueSnapshot {
    channel: Channel,
    skills: Vec<SkillRequirement>,
    waiting: Vec<(ConversationId, QueueEntry)>,
    declined: Vec<(ConversationId, u32)>,
    /// The free-agent index as it stands (entries may lag on the worse
    /// side; restoring them as they are keeps every later decision equal).
    #[serde(default)]
    available: Vec<(u32, Rank)>,
}

/// Why a snapshot could not be restored.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// Written by another format version.
    #[error("snapshot format {found} is not supported (this build reads {SNAPSHOT_FORMAT})")]
    Format {
        /// The format found.
        found: u32,
    },
    /// Taken under another policy; restore it with that policy.
    #[error("snapshot was taken with policy {expected:?}, not {given:?}")]
    PolicyMismatch {
        /// The snapshot's policy.
        expected: String,
        /// The policy given to restore.
        given: String,
    },
    /// The configuration inside is invalid.
    #[error("invalid configuration in snapshot: {0}")]
    Config(#[from] ConfigError),
    /// An agent or requirement inside is invalid.
    #[error("invalid entry in snapshot: {0}")]
    Invalid(#[from] EngineError),
    /// An index or id inside points nowhere, or appears twice.
    #[error("corrupt snapshot: {0}")]
    Corrupt(&'static str),
    /// The rebuilt state breaks an invariant.
    #[error("snapshot breaks an invariant: {0}")]
    Inconsistent(#[from] AuditViolation),
}

impl Engine {
    /// A consistent copy of the whole state. Waits for commands in flight
    /// to finish (it takes the registry's write lock).
    pub fn snapshot(&self) -> Snapshot {
        let reg = self.registry.write();
        let agents = reg
            .agents
            .iter()
            .map(|cell| {
                let (load, cap) = cell.capacity.get();
                let inner = cell.inner.lock();
                let mut inbox: Vec<_> = inner.inbox.iter().map(|(c, k)| (*c, k.0)).collect();
                inbox.sort_unstable();
                let mut personal: Vec<_> = inner.personal.iter().map(|(c, k)| (*c, k.0)).collect();
                personal.sort_unstable();
                AgentSnapshot {
                    id: cell.id,
                    skills: cell.skills.clone(),
                    channels: cell.channels.clone(),
                    status: cell.status(),
                    load,
                    cap,
                    last_activity: cell.last_activity().0,
                    last_assigned: cell.last_assigned(),
                    high_water: cell.high_water().0,
                    inbox,
                    parked: inner.parked.iter().copied().collect(),
                    personal,
                }
            })
            .collect();
        let queues = reg
            .queues
            .iter()
            .map(|q| {
                let group = q.inner.lock();
                let mut waiting: Vec<_> = group.waiting.iter().map(|(c, e)| (*c, e.0)).collect();
                waiting.sort_unstable();
                let mut declined: Vec<_> = group.declined.iter().map(|(c, a)| (*c, *a)).collect();
                declined.sort_unstable();
                let available = group.available.iter().map(|(r, a)| (*a, *r)).collect();
                QueueSnapshot {
                    channel: q.key.channel,
                    skills: q.key.skills.clone(),
                    waiting,
                    declined,
                    available,
                }
            })
            .collect();
        let mut conversations: Vec<Record> = self.conversations.iter().map(|r| r.clone()).collect();
        conversations.sort_unstable_by_key(|r| r.id);
        let mut customers: Vec<_> = self
            .customers
            .iter()
            .map(|c| (*c.key(), *c.value()))
            .collect();
        customers.sort_unstable_by_key(|c| c.0);
        Snapshot {
            format: SNAPSHOT_FORMAT,
            config: self.config.clone(),
            policy: self.policy.name().to_owned(),
            clock: self.clock.load(Ordering::Relaxed),
            seq: self.seq.load(Ordering::Relaxed),
            agents,
            queues,
            conversations,
            customers,
            timers: self.timers.all(),
            stats: self.stats.read(),
        }
    }

    /// Rebuilds an engine from a snapshot, with the policy it was taken
    /// under. The result passes [`Engine::audit`] or this fails.
    pub fn restore(
        snapshot: Snapshot,
        policy: Box<dyn RoutingPolicy>,
    ) -> Result<Engine, RestoreError> {
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(RestoreError::Format {
                found: snapshot.format,
            });
        }
        if snapshot.policy != policy.name() {
            return Err(RestoreError::PolicyMismatch {
                expected: snapshot.policy,
                given: policy.name().to_owned(),
            });
        }
        snapshot.config.validate()?;
        let config = snapshot.config;
        let mut reg = Registry::default();
        for q in &snapshot.queues {
            let key = RoutingKey {
                channel: q.channel,
                skills: normalize_requirements(&q.skills)?,
            };
            if reg.queue_by_key.contains_key(&key) {
                return Err(RestoreError::Corrupt("a skill group appears twice"));
            }
            let weight = config.weight(key.channel);
            reg.add_queue(key, weight);
        }
        let n_agents = snapshot.agents.len();
        for a in &snapshot.agents {
            if reg.agent_by_id.contains_key(&a.id) {
                return Err(RestoreError::Corrupt("an agent appears twice"));
            }
            if a.cap == Capacity::ZERO || a.cap > Capacity::MAX_CAP || a.load > a.cap {
                return Err(RestoreError::Corrupt(
                    "an agent's load or cap is out of range",
                ));
            }
            let mut skills = a.skills.clone();
            skills.sort_unstable_by_key(|s| s.skill);
            if skills.windows(2).any(|p| p[0].skill == p[1].skill)
                || skills.iter().any(|s| !s.level.is_valid())
            {
                return Err(RestoreError::Corrupt("an agent's skills are invalid"));
            }
            let cell = AgentCell::new(
                a.id,
                skills,
                a.channels.clone(),
                a.cap,
                a.status,
                Default::default(),
            );
            if cell.capacity.try_reserve(a.load).is_none() {
                return Err(RestoreError::Corrupt("an agent's load exceeds the cap"));
            }
            cell.restore_counters(a.last_activity, a.last_assigned, a.high_water);
            {
                let mut inner = cell.inner.lock();
                for (c, k) in &a.inbox {
                    inner.inbox.push(*c, Reverse(*k));
                }
                inner.parked.extend(a.parked.iter().copied());
                for (c, k) in &a.personal {
                    inner.personal.push(*c, Reverse(*k));
                }
            }
            reg.add_agent(cell);
        }
        for (q, snap) in reg.queues.iter().zip(&snapshot.queues) {
            let mut group = q.inner.lock();
            for (c, entry) in &snap.waiting {
                group.waiting.push(*c, Reverse(*entry));
            }
            for (c, a) in &snap.declined {
                if *a as usize >= n_agents {
                    return Err(RestoreError::Corrupt("a decline names no agent"));
                }
                group.declined.insert(*c, *a);
            }
        }
        let conversations = super::hash::IdDashMap::default();
        let n_queues = reg.queues.len();
        for r in snapshot.conversations {
            let agent_ok = |a: Option<u32>| a.is_none_or(|a| (a as usize) < n_agents);
            let in_range = (r.queue as usize) < n_queues
                && agent_ok(r.state.agent())
                && agent_ok(r.sticky_agent)
                && r.held <= Capacity::MAX_CAP;
            if !in_range {
                return Err(RestoreError::Corrupt(
                    "a conversation points at no queue or agent",
                ));
            }
            if let State::Offered { .. } | State::Assigned { .. } = r.state {
                if r.held != config.weight(r.channel) {
                    return Err(RestoreError::Corrupt(
                        "a live conversation holds the wrong weight",
                    ));
                }
            }
            if conversations.insert(r.id, r).is_some() {
                return Err(RestoreError::Corrupt("a conversation appears twice"));
            }
        }
        let customers = super::hash::IdDashMap::default();
        for (id, c) in snapshot.customers {
            if c.last_agent.is_some_and(|(a, _)| a as usize >= n_agents) {
                return Err(RestoreError::Corrupt(
                    "a customer's last agent does not exist",
                ));
            }
            customers.insert(id, c);
        }
        let timers = Timers::default();
        for t in snapshot.timers {
            timers.arm(t);
        }
        for (q, snap) in reg.queues.iter().zip(&snapshot.queues) {
            let mut group = q.inner.lock();
            for &(a, rank) in &snap.available {
                if q.members.binary_search(&a).is_err() {
                    return Err(RestoreError::Corrupt(
                        "a free-agent index lists a non-member",
                    ));
                }
                if group.rank_of.contains_key(&a) {
                    return Err(RestoreError::Corrupt(
                        "a free-agent index lists an agent twice",
                    ));
                }
                reg.agent(a).rank_in(a, &mut group, Some(rank));
            }
        }
        let engine = Engine {
            config,
            policy,
            registry: RwLock::new(reg),
            conversations,
            customers,
            timers,
            seq: AtomicU64::new(snapshot.seq),
            clock: AtomicU64::new(snapshot.clock),
            stats: StatsCounters::restore(snapshot.stats),
        };
        engine.audit()?;
        Ok(engine)
    }
}

impl Snapshot {
    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A snapshot from JSON.
    pub fn from_json(json: &str) -> Result<Snapshot, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The policy name the snapshot was taken under.
    pub fn policy(&self) -> &str {
        &self.policy
    }
}

//! The structural part of the engine: agents, skill-group queues and the
//! indexes between them. It changes only under the registry's write lock
//! (registering an agent, creating a queue for a new skill combination), so
//! every command sees a stable structure and reaches agents and queues by
//! dense index instead of hashing.

use super::capacity::CapacityCell;
use super::hash::{IdMap, IdQueue};
use super::queue::GroupQueue;
use crate::model::{
    AgentId, AgentStatus, Capacity, Channel, ConversationId, SkillId, SkillLevel, SkillRequirement,
    Timestamp,
};
use crate::policy::{AgentView, QueueView, Rank};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};

/// Dense index of an agent in [`Registry::agents`] (registration order).
pub(crate) type AgentIdx = u32;
/// Dense index of a queue in [`Registry::queues`] (creation order).
pub(crate) type QueueIdx = u32;

/// What a skill group is: a channel and a set of required skills (sorted).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RoutingKey {
    pub channel: Channel,
    pub skills: Vec<SkillRequirement>,
}

/// Position in a waiting line: aged priority first, then arrival order.
/// `effective` is the waiting-since time minus the priority class's head
/// start, so aging needs no re-sorting: time itself does it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct WaitKey {
    pub effective: i64,
    pub seq: u64,
}

/// Order of an agent's inbox: threads where the customer spoke last first,
/// then the longest-waiting customer.
pub(crate) type InboxKey = (u8, u64, u64);

/// An entry of an agent's own queue (threads that wait for this agent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct PersonalKey {
    /// [`PERSONAL_OWN`] before [`PERSONAL_KNOWN`].
    pub class: u8,
    pub key: WaitKey,
    pub ticket: u32,
    pub weight: Capacity,
}

/// A thread that is already this agent's (parked and back, or transferred).
pub(crate) const PERSONAL_OWN: u8 = 0;
/// A returning customer waiting for their known agent, with a timeout.
pub(crate) const PERSONAL_KNOWN: u8 = 1;

/// Per-agent state that only changes with the agent's lock held.
#[derive(Debug, Default)]
pub(crate) struct AgentInner {
    /// Live threads (assigned or offered), in working order.
    pub inbox: IdQueue<ConversationId, Reverse<InboxKey>>,
    /// Parked threads.
    pub parked: BTreeSet<ConversationId>,
    /// Threads waiting for this agent in particular.
    pub personal: IdQueue<ConversationId, Reverse<PersonalKey>>,
}

/// One agent. Counters read by routing are atomics so that ranking an agent
/// in a queue never takes the agent's lock.
#[derive(Debug)]
pub(crate) struct AgentCell {
    pub id: AgentId,
    /// Sorted by skill id; immutable.
    pub skills: Vec<SkillLevel>,
    pub channels: Option<Vec<Channel>>,
    /// Queues this agent is eligible for, ascending; changes only under the
    /// registry write lock.
    pub queues: Vec<QueueIdx>,
    pub capacity: CapacityCell,
    status: AtomicU8,
    last_activity: AtomicU64,
    last_assigned: AtomicU64,
    high_water: AtomicU32,
    /// How many skill groups list this agent as free. With the smallest
    /// weight among its groups, it lets `settle` skip a full agent that no
    /// group lists without taking any queue lock.
    ranked: AtomicU32,
    /// The smallest conversation weight among the agent's groups; changes
    /// only under the registry write lock.
    pub min_weight: Capacity,
    pub inner: Mutex<AgentInner>,
}

// ORDERING for the counters below: they feed ranking and reports only; no
// decision's safety depends on them (caps are enforced by CapacityCell,
// status is re-checked under the agent lock before a thread is handed over),
// so Relaxed suffices.
impl AgentCell {
    pub(crate) fn new(
        id: AgentId,
        skills: Vec<SkillLevel>,
        channels: Option<Vec<Channel>>,
        cap: Capacity,
        status: AgentStatus,
        now: Timestamp,
    ) -> Self {
        Self {
            id,
            skills,
            channels,
            queues: Vec::new(),
            capacity: CapacityCell::new(Capacity::ZERO, cap),
            status: AtomicU8::new(status.to_u8()),
            last_activity: AtomicU64::new(now.0),
            last_assigned: AtomicU64::new(0),
            high_water: AtomicU32::new(0),
            ranked: AtomicU32::new(0),
            min_weight: Capacity(u32::MAX),
            inner: Mutex::new(AgentInner::default()),
        }
    }

    pub(crate) fn status(&self) -> AgentStatus {
        AgentStatus::from_u8(self.status.load(Ordering::Relaxed))
    }

    /// Only with the agent's lock held, so that a status change and the
    /// hand-over of a thread are ordered.
    pub(crate) fn set_status(&self, status: AgentStatus) {
        self.status.store(status.to_u8(), Ordering::Relaxed);
    }

    pub(crate) fn last_activity(&self) -> Timestamp {
        Timestamp(self.last_activity.load(Ordering::Relaxed))
    }

    pub(crate) fn touch(&self, at: Timestamp) {
        self.last_activity.fetch_max(at.0, Ordering::Relaxed);
    }

    pub(crate) fn last_assigned(&self) -> u64 {
        self.last_assigned.load(Ordering::Relaxed)
    }

    pub(crate) fn set_last_assigned(&self, seq: u64) {
        self.last_assigned.fetch_max(seq, Ordering::Relaxed);
    }

    pub(crate) fn high_water(&self) -> Capacity {
        Capacity(self.high_water.load(Ordering::Relaxed))
    }

    pub(crate) fn record_load(&self, load: Capacity) {
        self.high_water.fetch_max(load.0, Ordering::Relaxed);
    }

    /// Ranks this agent (`idx`) in `group`, or takes it out, keeping the
    /// count of groups that list it.
    pub(crate) fn rank_in(&self, idx: AgentIdx, group: &mut GroupQueue, rank: Option<Rank>) {
        let delta = group.set_rank(idx, rank);
        // ORDERING: changed under the group's lock and read by `settle`
        // only to skip work; every change is followed by a settle of this
        // agent in the same command, which reads the final value.
        match delta {
            1 => {
                self.ranked.fetch_add(1, Ordering::SeqCst);
            }
            -1 => {
                self.ranked.fetch_sub(1, Ordering::SeqCst);
            }
            _ => {}
        }
    }

    /// How many groups list this agent as free.
    pub(crate) fn ranked(&self) -> u32 {
        self.ranked.load(Ordering::SeqCst)
    }

    /// Restores counters from a snapshot.
    pub(crate) fn restore_counters(&self, last_activity: u64, last_assigned: u64, high: u32) {
        self.last_activity.store(last_activity, Ordering::Relaxed);
        self.last_assigned.store(last_assigned, Ordering::Relaxed);
        self.high_water.store(high, Ordering::Relaxed);
    }

    /// The agent's level in `skill`, 0 when absent.
    pub(crate) fn level(&self, skill: SkillId) -> u8 {
        self.skills
            .binary_search_by_key(&skill, |s| s.skill)
            .map_or(0, |i| self.skills[i].level.get())
    }

    /// Whether the agent may ever serve conversations of `key`.
    pub(crate) fn eligible(&self, key: &RoutingKey) -> bool {
        self.channels
            .as_ref()
            .is_none_or(|channels| channels.contains(&key.channel))
            && key
                .skills
                .iter()
                .all(|r| self.level(r.skill) >= r.min_level.get())
    }

    pub(crate) fn view(&self) -> AgentView<'_> {
        let (load, cap) = self.capacity.get();
        AgentView {
            id: self.id,
            status: self.status(),
            load,
            cap,
            last_activity: self.last_activity(),
            last_assigned_seq: self.last_assigned(),
            skills: &self.skills,
        }
    }

    /// Free capacity now.
    pub(crate) fn free(&self) -> Capacity {
        let (load, cap) = self.capacity.get();
        Capacity(cap.0.saturating_sub(load.0))
    }
}

/// One skill group: its key, its eligible agents, its locked queue state.
#[derive(Debug)]
pub(crate) struct QueueCell {
    pub key: RoutingKey,
    /// Capacity one of its conversations uses.
    pub weight: Capacity,
    /// Agents eligible for it, ascending; changes only under the write lock.
    pub members: Vec<AgentIdx>,
    pub inner: Mutex<GroupQueue>,
}

impl QueueCell {
    pub(crate) fn view(&self) -> QueueView<'_> {
        QueueView {
            channel: self.key.channel,
            skills: &self.key.skills,
        }
    }
}

/// Agents and queues, with their indexes.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub agents: Vec<AgentCell>,
    pub agent_by_id: IdMap<AgentId, AgentIdx>,
    pub queues: Vec<QueueCell>,
    pub queue_by_key: IdMap<RoutingKey, QueueIdx>,
    /// Agents holding each skill, ascending.
    pub agents_by_skill: HashMap<SkillId, Vec<AgentIdx>>,
    /// Queues by their first required skill (an agent eligible for a queue
    /// holds that skill, so this finds each eligible queue exactly once).
    pub queues_by_skill: HashMap<SkillId, Vec<QueueIdx>>,
    /// Queues that require no skill.
    pub open_queues: Vec<QueueIdx>,
}

impl Registry {
    pub(crate) fn agent(&self, idx: AgentIdx) -> &AgentCell {
        &self.agents[idx as usize]
    }

    pub(crate) fn queue(&self, idx: QueueIdx) -> &QueueCell {
        &self.queues[idx as usize]
    }

    pub(crate) fn agent_idx(&self, id: AgentId) -> Option<AgentIdx> {
        self.agent_by_id.get(&id).copied()
    }

    /// Registers an agent and links it to every queue it is eligible for.
    /// Cost: the queues indexed under the agent's skills, not all queues.
    pub(crate) fn add_agent(&mut self, cell: AgentCell) -> AgentIdx {
        let idx = self.agents.len() as AgentIdx;
        self.agent_by_id.insert(cell.id, idx);
        for s in &cell.skills {
            self.agents_by_skill.entry(s.skill).or_default().push(idx);
        }
        let mut eligible: Vec<QueueIdx> = cell
            .skills
            .iter()
            .filter_map(|s| self.queues_by_skill.get(&s.skill))
            .flatten()
            .chain(self.open_queues.iter())
            .copied()
            .filter(|&q| cell.eligible(&self.queues[q as usize].key))
            .collect();
        eligible.sort_unstable();
        for &q in &eligible {
            self.queues[q as usize].members.push(idx);
        }
        let min_weight = eligible
            .iter()
            .map(|&q| self.queues[q as usize].weight)
            .min()
            .unwrap_or(Capacity(u32::MAX));
        self.agents.push(cell);
        let cell = &mut self.agents[idx as usize];
        cell.queues = eligible;
        cell.min_weight = min_weight;
        idx
    }

    /// Creates the queue for `key`. Its members are found through the skill
    /// index (the agents holding its first skill); a queue that requires no
    /// skill is open to every agent, which is read once here.
    pub(crate) fn add_queue(&mut self, key: RoutingKey, weight: Capacity) -> QueueIdx {
        let idx = self.queues.len() as QueueIdx;
        let candidates: Vec<AgentIdx> = match key.skills.first() {
            Some(first) => self
                .agents_by_skill
                .get(&first.skill)
                .cloned()
                .unwrap_or_default(),
            None => (0..self.agents.len() as AgentIdx).collect(),
        };
        let members: Vec<AgentIdx> = candidates
            .into_iter()
            .filter(|&a| self.agents[a as usize].eligible(&key))
            .collect();
        for &a in &members {
            let cell = &mut self.agents[a as usize];
            cell.queues.push(idx);
            cell.min_weight = cell.min_weight.min(weight);
        }
        match key.skills.first() {
            Some(first) => self
                .queues_by_skill
                .entry(first.skill)
                .or_default()
                .push(idx),
            None => self.open_queues.push(idx),
        }
        self.queue_by_key.insert(key.clone(), idx);
        self.queues.push(QueueCell {
            key,
            weight,
            members,
            inner: Mutex::new(GroupQueue::default()),
        });
        idx
    }
}

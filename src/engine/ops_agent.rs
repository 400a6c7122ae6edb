//! Agent commands: registration, status, capacity.

use super::record::State;
use super::registry::{AgentCell, AgentIdx};
use super::routing::Ctx;
use super::{Decision, Engine, EngineError, RequeueReason, StickyMissReason};
use crate::model::{AgentId, AgentSpec, AgentStatus, Capacity, ConversationId, Timestamp};

impl Engine {
    pub(super) fn add_agent(
        &self,
        at: Timestamp,
        spec: AgentSpec,
    ) -> Result<Vec<Decision>, EngineError> {
        check_cap(spec.id, spec.cap)?;
        let mut skills = spec.skills.clone();
        skills.sort_unstable_by_key(|s| s.skill);
        for pair in skills.windows(2) {
            if pair[0].skill == pair[1].skill {
                return Err(EngineError::DuplicateSkill(pair[0].skill));
            }
        }
        if let Some(bad) = skills.iter().find(|s| !s.level.is_valid()) {
            return Err(EngineError::SkillLevelOutOfRange {
                skill: bad.skill,
                level: bad.level.get(),
            });
        }
        let mut channels = spec.channels.clone();
        if let Some(channels) = &mut channels {
            channels.sort_unstable();
            channels.dedup();
        }
        let idx = {
            let mut registry = self.registry.write();
            if registry.agent_by_id.contains_key(&spec.id) {
                return Err(EngineError::DuplicateAgent(spec.id));
            }
            let cell = AgentCell::new(spec.id, skills, channels, spec.cap, spec.status, at);
            registry.add_agent(cell)
        };
        let registry = self.registry.read();
        let mut ctx = Ctx::new(self, &registry, at);
        ctx.emit(Decision::AgentAdded {
            agent: spec.id,
            cap: spec.cap,
        });
        ctx.settle_later(idx);
        ctx.drain();
        Ok(ctx.out)
    }
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

impl Ctx<'_> {
    pub(super) fn set_capacity(
        &mut self,
        agent: AgentId,
        cap: Capacity,
    ) -> Result<(), EngineError> {
        let idx = self.agent_idx(agent)?;
        check_cap(agent, cap)?;
        let load = self
            .reg
            .agent(idx)
            .capacity
            .set_cap(cap)
            .map_err(|load| EngineError::CapBelowLoad { agent, cap, load })?;
        self.emit(Decision::CapacityChanged { agent, load, cap });
        self.settle_later(idx);
        Ok(())
    }

    pub(super) fn set_status(
        &mut self,
        agent: AgentId,
        status: AgentStatus,
    ) -> Result<(), EngineError> {
        let idx = self.agent_idx(agent)?;
        let cell = self.reg.agent(idx);
        let inner = cell.inner.lock();
        if cell.status() == status {
            return Ok(());
        }
        cell.set_status(status);
        if status.accepts_work() {
            cell.touch(self.at);
        }
        let leaving: Vec<ConversationId> = if status == AgentStatus::Offline {
            let mut all: Vec<ConversationId> = inner
                .inbox
                .iter()
                .map(|(c, _)| *c)
                .chain(inner.parked.iter().copied())
                .chain(inner.personal.iter().map(|(c, _)| *c))
                .collect();
            all.sort_unstable();
            all
        } else {
            Vec::new()
        };
        drop(inner);
        self.emit(Decision::AgentStatusChanged { agent, status });
        self.settle(idx);
        for conversation in leaving {
            self.evict(conversation, idx);
        }
        self.settle_later(idx);
        Ok(())
    }

    /// Moves a conversation off an agent who went offline, by the stated
    /// rule: live threads are requeued with their age and priority, parked
    /// threads are released (they come back sticky when the customer
    /// writes), threads waiting for the agent go to their group.
    fn evict(&mut self, conversation: ConversationId, agent: AgentIdx) {
        let e = self.e;
        let Some(mut record) = e.conversations.get_mut(&conversation) else {
            return;
        };
        if record.state.agent() != Some(agent) {
            return;
        }
        let from = self.reg.id(agent);
        match record.state {
            State::Offered { .. } | State::Assigned { .. } => {
                let (_, load, cap) = self.detach(&mut record).unzip3();
                e.stats.requeued();
                self.emit(Decision::Requeued {
                    conversation,
                    from,
                    reason: RequeueReason::AgentOffline,
                    load,
                    cap,
                });
                self.enqueue_group(&mut record, None);
            }
            State::Parked { .. } => {
                let (_, load, cap) = self.detach(&mut record).unzip3();
                record.state = State::Parked { agent: None };
                self.emit(Decision::Released {
                    conversation,
                    agent: from,
                    load,
                    cap,
                });
            }
            State::Queued { .. } => {
                self.detach(&mut record);
                self.sticky_miss(&mut record, StickyMissReason::AgentOffline);
                self.enqueue_group(&mut record, None);
            }
            State::Bot | State::Resolved { .. } => {}
        }
    }
}

/// Load and cap of the agent a thread left, zero when it had none.
pub(crate) trait Unzip3 {
    fn unzip3(self) -> (Option<AgentIdx>, Capacity, Capacity);
}

impl Unzip3 for Option<(AgentIdx, Capacity, Capacity)> {
    fn unzip3(self) -> (Option<AgentIdx>, Capacity, Capacity) {
        match self {
            Some((agent, load, cap)) => (Some(agent), load, cap),
            None => (None, Capacity::ZERO, Capacity::ZERO),
        }
    }
}

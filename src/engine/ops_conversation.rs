//! Commands on a conversation in progress: messages, seen, park, resolve,
//! priority.

use super::ops_agent::Unzip3;
use super::record::{Record, State};
use super::registry::PERSONAL_OWN;
use super::routing::Ctx;
use super::timers::TimerKind;
use super::{AssignVia, Decision, EngineError};
use crate::model::{AgentId, Capacity, ConversationId, Priority, ResolveReason};
use dashmap::mapref::one::RefMut;
use std::cmp::Reverse;

type RecordRef<'a> = RefMut<'a, ConversationId, Record>;

impl<'a> Ctx<'a> {
    /// The conversation's record, locked.
    pub(super) fn record(&self, id: ConversationId) -> Result<RecordRef<'a>, EngineError> {
        self.e
            .conversations
            .get_mut(&id)
            .ok_or(EngineError::UnknownConversation(id))
    }

    pub(super) fn invalid(&self, record: &Record, command: &'static str) -> EngineError {
        EngineError::InvalidTransition {
            conversation: record.id,
            state: record.state.kind(),
            command,
        }
    }

    pub(super) fn customer_message(
        &mut self,
        conversation: ConversationId,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        if let State::Resolved { .. } = record.state {
            return Err(self.invalid(&record, "customer_message"));
        }
        record.last_customer_message = self.at;
        record.park_gen = record.park_gen.wrapping_add(1);
        if record.state == State::Bot {
            return Ok(());
        }
        record.awaiting_reply = true;
        record.seen = false;
        match record.state {
            State::Offered { agent, .. } | State::Assigned { agent } => {
                let key = Reverse(record.inbox_key());
                self.reg
                    .agent(agent)
                    .inner
                    .lock()
                    .inbox
                    .change_priority(&record.id, key);
                self.emit(Decision::Reprioritised {
                    conversation,
                    agent: self.reg.id(agent),
                });
            }
            State::Parked { agent: Some(agent) } => self.resume(&mut record, agent),
            State::Parked { agent: None } => {
                record.state = State::Queued { for_agent: None };
                self.route_new(&mut record);
            }
            State::Bot | State::Queued { .. } | State::Resolved { .. } => {}
        }
        Ok(())
    }

    /// A parked thread whose customer wrote again goes back to its agent:
    /// at once if the difference between full and parked weight fits, else
    /// at the head of the agent's own queue.
    fn resume(&mut self, record: &mut Record, agent: super::registry::AgentIdx) {
        let cell = self.reg.agent(agent);
        let weight = self.e.config.weight(record.channel);
        let extra = Capacity(weight.0 - record.held.0);
        if let Some(reserved) = cell.capacity.try_reserve(extra) {
            let (load, cap) = (reserved.load, reserved.cap);
            cell.record_load(load);
            let mut inner = cell.inner.lock();
            inner.parked.remove(&record.id);
            record.held = weight;
            record.state = State::Assigned { agent };
            inner.inbox.push(record.id, Reverse(record.inbox_key()));
            drop(inner);
            self.e.stats.assigned();
            self.e.remember_agent(record.customer, agent, self.at);
            self.emit(Decision::Assigned {
                conversation: record.id,
                agent: cell.id,
                via: AssignVia::Resumed,
                load,
                cap,
            });
            // A higher load only worsens the agent's rank: the indexes
            // catch up lazily (see `take_agent`).
        } else {
            self.detach(record);
            self.enqueue_personal(record, agent, PERSONAL_OWN, None);
        }
    }

    /// The owner of a live thread, checked against `agent`.
    fn owned(
        &self,
        record: &Record,
        agent: AgentId,
        command: &'static str,
    ) -> Result<super::registry::AgentIdx, EngineError> {
        let idx = self.agent_idx(agent)?;
        match record.state {
            State::Assigned { agent: owner } if owner == idx => Ok(idx),
            State::Offered { agent: owner, .. } if owner == idx && command == "mark_seen" => {
                Ok(idx)
            }
            State::Assigned { .. } | State::Offered { .. } => Err(EngineError::NotOwner {
                conversation: record.id,
                agent,
            }),
            _ => Err(self.invalid(record, command)),
        }
    }

    pub(super) fn agent_message(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        let idx = self.owned(&record, agent, "agent_message")?;
        if record.first_response_at.is_none() {
            record.first_response_at = Some(self.at);
            let waited = self
                .at
                .since(record.sla_start.unwrap_or(record.waiting_since));
            self.emit(Decision::FirstResponse {
                conversation,
                agent,
                waited,
            });
        }
        record.last_agent_message = Some(self.at);
        record.awaiting_reply = false;
        record.seen = true;
        let cell = self.reg.agent(idx);
        let key = Reverse(record.inbox_key());
        cell.inner.lock().inbox.change_priority(&record.id, key);
        cell.touch(self.at);
        self.e.remember_agent(record.customer, idx, self.at);
        if let Some(after) = self.e.config.auto_park_after {
            record.park_gen = record.park_gen.wrapping_add(1);
            self.arm(
                self.at + after,
                TimerKind::AutoPark,
                &record,
                record.park_gen,
            );
        }
        // Activity only worsens the agent's rank: no re-ranking needed.
        Ok(())
    }

    pub(super) fn mark_seen(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        self.owned(&record, agent, "mark_seen")?;
        record.seen = true;
        Ok(())
    }

    pub(super) fn park(
        &mut self,
        conversation: ConversationId,
        auto: bool,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        let State::Assigned { agent } = record.state else {
            return Err(self.invalid(&record, "park"));
        };
        self.park_record(&mut record, agent, auto);
        Ok(())
    }

    pub(super) fn park_record(
        &mut self,
        record: &mut Record,
        agent: super::registry::AgentIdx,
        auto: bool,
    ) {
        let cell = self.reg.agent(agent);
        let parked = self.e.config.parked_weight(record.channel);
        let (load, cap) = self.release(agent, Capacity(record.held.0 - parked.0));
        record.held = parked;
        record.state = State::Parked { agent: Some(agent) };
        let mut inner = cell.inner.lock();
        inner.inbox.remove(&record.id);
        inner.parked.insert(record.id);
        drop(inner);
        self.emit(Decision::Parked {
            conversation: record.id,
            agent: cell.id,
            auto,
            load,
            cap,
        });
        self.settle_later(agent);
    }

    pub(super) fn resolve(
        &mut self,
        conversation: ConversationId,
        reason: ResolveReason,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        if let State::Resolved { .. } = record.state {
            return Err(self.invalid(&record, "resolve"));
        }
        let (agent, load, cap) = self.detach(&mut record).unzip3();
        record.state = State::Resolved { reason };
        record.resolved_at = Some(self.at);
        record.sticky_agent = None;
        record.sla_gen = record.sla_gen.wrapping_add(1);
        record.park_gen = record.park_gen.wrapping_add(1);
        self.emit(Decision::Resolved {
            conversation,
            agent: agent.map(|a| self.reg.id(a)),
            reason,
            load,
            cap,
        });
        Ok(())
    }

    pub(super) fn set_priority(
        &mut self,
        conversation: ConversationId,
        priority: Priority,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        if let State::Resolved { .. } = record.state {
            return Err(self.invalid(&record, "set_priority"));
        }
        let tier = self.tier_of(&record);
        record.base_priority = priority;
        record.priority = self.effective_priority(tier, priority);
        let key = record.wait_key(&self.e.config);
        match record.state {
            State::Queued { for_agent: None } => {
                let mut group = self.reg.queue(record.queue).inner.lock();
                if let Some((_, entry)) = group.waiting.get(&record.id) {
                    let mut entry = entry.0;
                    entry.key = key;
                    group.waiting.change_priority(&record.id, Reverse(entry));
                }
            }
            State::Queued {
                for_agent: Some(agent),
            } => {
                let mut inner = self.reg.agent(agent).inner.lock();
                if let Some((_, entry)) = inner.personal.get(&record.id) {
                    let mut entry = entry.0;
                    entry.key = key;
                    inner.personal.change_priority(&record.id, Reverse(entry));
                }
            }
            _ => {}
        }
        self.emit(Decision::PriorityChanged {
            conversation,
            priority: record.priority,
        });
        Ok(())
    }
}

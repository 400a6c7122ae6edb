//! Hand-offs between agents: transfers and offers.

use super::ops_agent::Unzip3;
use super::record::{Record, State};
use super::registry::{QueueIdx, PERSONAL_OWN};
use super::routing::Ctx;
use super::{Decision, EngineError, RequeueReason};
use crate::model::{AgentId, ConversationId};

impl Ctx<'_> {
    /// Requeues a thread in another skill group, age and priority kept.
    pub(super) fn transfer_to_group(
        &mut self,
        conversation: ConversationId,
        queue: QueueIdx,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        if matches!(record.state, State::Bot | State::Resolved { .. }) {
            return Err(self.invalid(&record, "transfer"));
        }
        if self.detach_for_transfer(&mut record) {
            self.e.stats.requeued();
        }
        record.queue = queue;
        self.enqueue_group(&mut record, None);
        Ok(())
    }

    /// Hands a thread to a named agent: at once if they have room, else at
    /// the head of their own queue. The agent must be online, eligible, and
    /// have a cap the thread can ever fit in.
    pub(super) fn transfer_to_agent(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> Result<(), EngineError> {
        let idx = self.agent_idx(agent)?;
        let mut record = self.record(conversation)?;
        if matches!(record.state, State::Bot | State::Resolved { .. }) {
            return Err(self.invalid(&record, "transfer"));
        }
        if record.state.agent() == Some(idx) {
            return Err(self.invalid(&record, "transfer to its own agent"));
        }
        let cell = self.reg.agent(idx);
        let status = cell.status();
        if !status.accepts_work() {
            return Err(EngineError::AgentUnavailable { agent, status });
        }
        if !cell.eligible(&self.reg.queue(record.queue).key) {
            return Err(EngineError::NotEligible {
                conversation,
                agent,
            });
        }
        let weight = self.e.config.weight(record.channel);
        let cap = cell.capacity.get().1;
        if weight > cap {
            return Err(EngineError::NeverFits {
                conversation,
                agent,
                weight,
                cap,
            });
        }
        self.detach_for_transfer(&mut record);
        self.enqueue_personal(&mut record, idx, PERSONAL_OWN, None);
        Ok(())
    }

    /// Takes a thread out of its place for a transfer (giving back the
    /// capacity it held) and says so. Returns whether it left an agent.
    fn detach_for_transfer(&mut self, record: &mut Record) -> bool {
        let (from, load, cap) = self.detach(record).unzip3();
        record.sticky_agent = None;
        self.emit(Decision::Transferred {
            conversation: record.id,
            from: from.map(|a| self.reg.id(a)),
            load,
            cap,
        });
        from.is_some()
    }

    pub(super) fn accept(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> Result<(), EngineError> {
        let idx = self.agent_idx(agent)?;
        let mut record = self.record(conversation)?;
        let State::Offered {
            agent: holder,
            expires_at,
        } = record.state
        else {
            return Err(self.invalid(&record, "accept_offer"));
        };
        if holder != idx {
            return Err(EngineError::NotOwner {
                conversation,
                agent,
            });
        }
        if self.at > expires_at {
            return Err(EngineError::OfferExpired {
                conversation,
                expired_at: expires_at,
            });
        }
        record.ticket = record.ticket.wrapping_add(1);
        record.state = State::Assigned { agent: idx };
        self.emit(Decision::OfferAccepted {
            conversation,
            agent,
        });
        Ok(())
    }

    pub(super) fn decline(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> Result<(), EngineError> {
        let idx = self.agent_idx(agent)?;
        let mut record = self.record(conversation)?;
        let State::Offered { agent: holder, .. } = record.state else {
            return Err(self.invalid(&record, "decline_offer"));
        };
        if holder != idx {
            return Err(EngineError::NotOwner {
                conversation,
                agent,
            });
        }
        self.requeue_offer(&mut record, idx, RequeueReason::Declined);
        Ok(())
    }

    /// Sends an offered thread back to its group, remembering who let it go.
    pub(super) fn requeue_offer(
        &mut self,
        record: &mut super::record::Record,
        agent: super::registry::AgentIdx,
        reason: RequeueReason,
    ) {
        let (_, load, cap) = self.detach(record).unzip3();
        self.e.stats.requeued();
        self.emit(Decision::Requeued {
            conversation: record.id,
            from: self.reg.id(agent),
            reason,
            load,
            cap,
        });
        self.enqueue_group(record, Some(agent));
    }
}

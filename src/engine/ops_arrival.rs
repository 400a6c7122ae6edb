//! Arrival: a conversation opens, or leaves the bot tier, and is routed:
//! to the customer's known agent first (sticky affinity), else to its skill
//! group. The first-response clock starts here.

use super::record::{Record, State};
use super::registry::QueueIdx;
use super::registry::PERSONAL_KNOWN;
use super::routing::{Claim, Ctx};
use super::timers::TimerKind;
use super::{AssignVia, CustomerRecord, Decision, EngineError, Open, StickyMissReason};
use crate::model::{AgentStatus, Capacity, ConversationId, Priority, Tier};
use dashmap::mapref::entry::Entry;

impl Ctx<'_> {
    pub(super) fn effective_priority(&self, tier: Tier, priority: Priority) -> Priority {
        if self.e.config.vip_boost && tier == Tier::Vip {
            priority.boosted()
        } else {
            priority
        }
    }

    pub(super) fn open(&mut self, open: Open) -> Result<(), EngineError> {
        let e = self.e;
        let tier = open.tier;
        let record = Record {
            id: open.conversation,
            customer: open.customer,
            channel: open.channel,
            queue: open.queue,
            base_priority: open.priority,
            priority: self.effective_priority(tier, open.priority),
            state: State::Bot,
            opened_at: self.at,
            waiting_since: self.at,
            last_customer_message: self.at,
            last_agent_message: None,
            first_response_at: None,
            sla_start: None,
            seen: false,
            awaiting_reply: true,
            ticket: 0,
            sla_gen: 0,
            park_gen: 0,
            seq: e.next_seq(),
            held: Capacity::ZERO,
            sticky_agent: None,
            resolved_at: None,
        };
        let mut record = match e.conversations.entry(open.conversation) {
            Entry::Occupied(_) => {
                return Err(EngineError::DuplicateConversation(open.conversation))
            }
            Entry::Vacant(slot) => slot.insert(record),
        };
        e.customers
            .entry(open.customer)
            .and_modify(|c| c.tier = tier)
            .or_insert(CustomerRecord {
                tier,
                last_agent: None,
            });
        if !open.start_in_bot {
            self.route_new(&mut record);
        }
        Ok(())
    }

    /// Starts the first-response clock and routes a conversation that has
    /// no agent: to the customer's last agent when within the affinity
    /// window (straight away, or waiting for them when full or away), else
    /// to its skill group.
    pub(super) fn route_new(&mut self, record: &mut Record) {
        let e = self.e;
        if record.first_response_at.is_none() {
            record.sla_start = Some(self.at);
            record.sla_gen = record.sla_gen.wrapping_add(1);
            self.arm(
                self.at + e.config.warn_after(),
                TimerKind::SlaWarning,
                record,
                record.sla_gen,
            );
            self.arm(
                self.at + e.config.response_target,
                TimerKind::SlaBreach,
                record,
                record.sla_gen,
            );
        }
        let last = e.customers.get(&record.customer).and_then(|c| c.last_agent);
        let Some((agent, when)) =
            last.filter(|(_, when)| self.at.since(*when) <= e.config.affinity_window)
        else {
            return self.enqueue_group(record, None);
        };
        let _ = when;
        record.sticky_agent = Some(agent);
        let cell = self.reg.agent(agent);
        let weight = e.config.weight(record.channel);
        if !cell.eligible(&self.reg.queue(record.queue).key) || weight > cell.capacity.get().1 {
            self.sticky_miss(record, StickyMissReason::NotEligible);
            return self.enqueue_group(record, None);
        }
        match cell.status() {
            AgentStatus::Offline | AgentStatus::Draining => {
                self.sticky_miss(record, StickyMissReason::AgentOffline);
                self.enqueue_group(record, None);
            }
            AgentStatus::Online if cell.capacity.free_for(weight) => {
                let Some(reserved) = cell.capacity.try_reserve(weight) else {
                    let until = self.at + e.config.sticky_wait;
                    return self.enqueue_personal(record, agent, PERSONAL_KNOWN, Some(until));
                };
                cell.record_load(reserved.load);
                cell.set_last_assigned(e.next_seq());
                record.ticket = record.ticket.wrapping_add(1);
                record.state = State::Queued { for_agent: None };
                self.push_claim(Claim {
                    conversation: record.id,
                    agent,
                    ticket: record.ticket,
                    via: AssignVia::Sticky,
                    weight,
                    reserved,
                });
            }
            AgentStatus::Online | AgentStatus::Away => {
                let until = self.at + e.config.sticky_wait;
                self.enqueue_personal(record, agent, PERSONAL_KNOWN, Some(until));
            }
        }
    }

    pub(super) fn escalate(
        &mut self,
        conversation: ConversationId,
        queue: Option<QueueIdx>,
        priority: Option<Priority>,
    ) -> Result<(), EngineError> {
        let mut record = self.record(conversation)?;
        if record.state != State::Bot {
            return Err(self.invalid(&record, "escalate"));
        }
        if let Some(queue) = queue {
            record.queue = queue;
        }
        if let Some(priority) = priority {
            let tier = self.tier_of(&record);
            record.base_priority = priority;
            record.priority = self.effective_priority(tier, priority);
        }
        self.emit(Decision::Escalated { conversation });
        self.route_new(&mut record);
        Ok(())
    }

    pub(super) fn tier_of(&self, record: &Record) -> Tier {
        self.e
            .customers
            .get(&record.customer)
            .map_or(Tier::Standard, |c| c.tier)
    }
}

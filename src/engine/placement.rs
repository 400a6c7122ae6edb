//! Where a conversation sits: putting it in a skill group's queue or an
//! agent's own queue, taking it out of wherever it is (giving back the
//! capacity it held), and recording sticky misses. Every move bumps the
//! conversation's ticket, which voids claims and timers of its old place.

use super::queue::QueueEntry;
use super::record::{Record, State};
use super::registry::{AgentIdx, PersonalKey};
use super::routing::Ctx;
use super::timers::{Timer, TimerKind};
use super::Decision;
use crate::model::{AgentStatus, Capacity, Timestamp};
use std::cmp::Reverse;

impl Ctx<'_> {
    pub(crate) fn arm(&self, at: Timestamp, kind: TimerKind, record: &Record, generation: u32) {
        self.e.timers.arm(Timer {
            at,
            kind,
            conversation: record.id,
            generation,
        });
    }

    /// Gives back capacity and reports the agent's load after.
    pub(crate) fn release(&self, agent: AgentIdx, amount: Capacity) -> (Capacity, Capacity) {
        let cell = self.reg.agent(agent);
        if amount > Capacity::ZERO {
            cell.capacity.release(amount);
        }
        cell.capacity.get()
    }

    /// Puts `record` in its skill group's queue (a new stay: new ticket) and
    /// lets the group's free agents take what they can.
    pub(crate) fn enqueue_group(&mut self, record: &mut Record, declined: Option<AgentIdx>) {
        debug_assert_eq!(record.held, Capacity::ZERO, "queued work holds no capacity");
        record.ticket = record.ticket.wrapping_add(1);
        record.state = State::Queued { for_agent: None };
        let entry = QueueEntry {
            key: record.wait_key(&self.e.config),
            ticket: record.ticket,
        };
        let mut group = self.reg.queue(record.queue).inner.lock();
        group.waiting.push(record.id, Reverse(entry));
        if let Some(agent) = declined {
            group.declined.insert(record.id, agent);
        }
        self.dispatch(record.queue, &mut group);
        let waiting = group.waiting.get(&record.id).is_some();
        drop(group);
        if waiting {
            self.emit(Decision::Queued {
                conversation: record.id,
            });
        }
    }

    /// Puts `record` in `agent`'s own queue (a new stay: new ticket).
    pub(crate) fn enqueue_personal(
        &mut self,
        record: &mut Record,
        agent: AgentIdx,
        class: u8,
        until: Option<Timestamp>,
    ) {
        debug_assert_eq!(record.held, Capacity::ZERO, "queued work holds no capacity");
        let cell = self.reg.agent(agent);
        let mut inner = cell.inner.lock();
        // The caller checked the status without this lock; check it again
        // under it. Going offline sets the status and lists the threads to
        // evict under this lock, so either this push comes first and is
        // evicted, or it sees Offline here and the thread goes to its group
        // instead of waiting for an agent who left.
        if cell.status() == AgentStatus::Offline {
            drop(inner);
            self.sticky_miss(record, crate::StickyMissReason::AgentOffline);
            self.enqueue_group(record, None);
            return;
        }
        record.ticket = record.ticket.wrapping_add(1);
        record.state = State::Queued {
            for_agent: Some(agent),
        };
        let key = PersonalKey {
            class,
            key: record.wait_key(&self.e.config),
            ticket: record.ticket,
            weight: self.e.config.weight(record.channel),
        };
        inner.personal.push(record.id, Reverse(key));
        drop(inner);
        if let Some(until) = until {
            self.arm(until, TimerKind::StickyWait, record, record.ticket);
        }
        let (load, cap) = cell.capacity.get();
        self.emit(Decision::WaitingForAgent {
            conversation: record.id,
            agent: cell.id,
            until,
            load,
            cap,
        });
        self.settle_later(agent);
    }

    /// Records that a returning customer missed their known agent.
    pub(crate) fn sticky_miss(&mut self, record: &mut Record, reason: crate::StickyMissReason) {
        if let Some(agent) = record.sticky_agent.take() {
            self.e.stats.sticky_miss();
            self.emit(Decision::StickyMiss {
                conversation: record.id,
                customer: record.customer,
                agent: self.reg.agent(agent).id,
                reason,
            });
        }
    }

    /// Takes `record` out of wherever it sits (queue, agent's own queue,
    /// inbox, parked set), gives back the capacity it held, and voids its
    /// pending claims. Returns the agent it left and their load and cap
    /// after. The caller sets the new state.
    pub(crate) fn detach(&mut self, record: &mut Record) -> Option<(AgentIdx, Capacity, Capacity)> {
        record.ticket = record.ticket.wrapping_add(1);
        let left = match record.state {
            State::Bot | State::Resolved { .. } => None,
            State::Queued { for_agent: None } => {
                self.reg.queue(record.queue).inner.lock().remove(record.id);
                None
            }
            State::Queued {
                for_agent: Some(agent),
            } => {
                self.reg
                    .agent(agent)
                    .inner
                    .lock()
                    .personal
                    .remove(&record.id);
                // Work waiting for an agent personally keeps them out of
                // their groups; once it is gone they may take group work.
                self.settle_later(agent);
                None
            }
            State::Offered { agent, .. } | State::Assigned { agent } => {
                self.reg.agent(agent).inner.lock().inbox.remove(&record.id);
                Some(agent)
            }
            State::Parked { agent } => {
                if let Some(agent) = agent {
                    self.reg.agent(agent).inner.lock().parked.remove(&record.id);
                }
                agent
            }
        };
        let held = std::mem::take(&mut record.held);
        left.map(|agent| {
            let (load, cap) = self.release(agent, held);
            self.settle_later(agent);
            (agent, load, cap)
        })
    }
}

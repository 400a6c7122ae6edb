//! What people do in the classical model: a customer opens a conversation
//! and waits (up to their patience); the agent the engine assigns answers
//! at once (the first response: the wait is the queueing delay), holds the
//! conversation for the service time, and resolves it, which frees the
//! capacity the engine gives to the next customer in its queue.
//!
//! Patience and service time are drawn at arrival from the conversation's
//! own stream, so every staffing level and every policy sees the same
//! customers (common random numbers).

use super::classical::Classical;
use super::error::SimError;
use super::events::Event;
use super::runner::{ConvSim, Run};
use super::workload::{ms, CustomerScript, Workload};
use crate::engine::Command;
use crate::model::{AgentId, ConversationId, ResolveReason, Timestamp};

/// How often a classical run purges resolved conversations, simulated ms.
const PURGE_EVERY_MS: u64 = 3_600_000;

impl Run<'_> {
    pub(super) fn arrive_classical(
        &mut self,
        w: &Workload,
        i: usize,
        c: &Classical,
        mut script: CustomerScript,
    ) -> Result<(), SimError> {
        let a = &w.arrivals[i];
        let patience = c.patience.as_ref().map(|p| script.draw_ms(p));
        let service_ms = script.draw_ms(&c.service);
        self.convs.push(ConvSim {
            customer: a.customer,
            topic: a.topic,
            script,
            turns_left: 0,
            turn: 0,
            owner: None,
            parked: false,
            resolved: false,
            responded: false,
            contained: false,
            service_ms,
            assignments: 0,
            ignored: None,
        });
        let conv = i as u32;
        if self.now >= self.next_purge {
            // A classical run has no returning customers: conversations
            // resolved an hour ago are never needed again, and forgetting
            // them keeps the engine's memory (and its page faults) at an
            // hour's worth instead of the whole run's.
            self.next_purge = self.now + PURGE_EVERY_MS;
            self.apply(Command::Purge {
                resolved_before: Timestamp(self.now.saturating_sub(PURGE_EVERY_MS)),
            })?;
        }
        if let Some(p) = patience {
            self.queue.push(self.now + p, Event::GiveUp(conv));
        }
        self.open(w, i)
    }

    /// Starts the service of every new assignment; accepts offers at once.
    pub(super) fn drain_starts(&mut self) -> Result<(), SimError> {
        self.wake.clear();
        // Each round removes one entry; an entry adds at most one more (a
        // resolution is not applied here), so the loop ends.
        for _ in 0..1_000_000u32 {
            if let Some((agent, c)) = self.accept.pop() {
                self.accept_offer(agent, c)?;
                continue;
            }
            let Some((agent, c)) = self.start.pop() else {
                self.wake.clear();
                return Ok(());
            };
            let conv = &self.convs[c as usize];
            if conv.owner != Some(agent) || conv.resolved || conv.responded {
                continue;
            }
            let service = conv.service_ms;
            self.apply(Command::AgentMessage {
                conversation: ConversationId(u64::from(c)),
                agent: AgentId(u64::from(agent)),
            })?;
            self.queue.push(
                self.now + service,
                Event::ServiceDone {
                    agent,
                    conversation: c,
                },
            );
        }
        debug_assert!(false, "start loop does not settle");
        Ok(())
    }

    pub(super) fn service_done(&mut self, agent: u32, c: u32) -> Result<(), SimError> {
        let conv = &self.convs[c as usize];
        // The thread may have moved (a roster change, a fault): the agent
        // then has nothing to resolve.
        if conv.owner != Some(agent) || conv.resolved {
            return Ok(());
        }
        self.apply(Command::Resolve {
            conversation: ConversationId(u64::from(c)),
            reason: ResolveReason::Solved,
        })
    }
}

impl CustomerScript {
    /// A draw of `d` from the conversation's stream, in ms.
    pub fn draw_ms(&mut self, d: &super::distribution::Distribution) -> u64 {
        ms(d.sample(self.rng_mut()) * 1_000.0)
    }
}

//! What people do: customers open conversations, write, go quiet, give up
//! or never come back; agents write one reply at a time, always to the head
//! of their inbox in the engine's order, and accept offers at once.

use super::error::SimError;
use super::events::Event;
use super::runner::{ConvSim, Run};
use super::workload::{reply_ms, CustomerScript, NextMove, Workload};
use crate::engine::{Command, OpenConversation};
use crate::model::{AgentId, AgentStatus, ConversationId, ResolveReason, Timestamp};

impl Run<'_> {
    pub(super) fn arrive(&mut self, w: &Workload, i: usize) -> Result<(), SimError> {
        let a = &w.arrivals[i];
        let mut script = CustomerScript::new(self.seed, i as u64);
        if let Some(c) = self.classical {
            return self.arrive_classical(w, i, c, script);
        }
        let mut turns = script.turns(self.s);
        let (bot_ms, contained) = script.bot(self.s);
        let mut patience = script.patience(self.s);
        if let Some(rec) = w.recorded.get(i) {
            turns = rec.turns.max(1);
            patience = rec.patience_ms.unwrap_or(patience);
        }
        self.convs.push(ConvSim {
            customer: a.customer,
            topic: a.topic,
            script,
            turns_left: turns.saturating_sub(1),
            turn: 0,
            owner: None,
            parked: false,
            resolved: false,
            responded: false,
            contained,
            service_ms: 0,
            assignments: 0,
            ignored: None,
        });
        let c = i as u32;
        if a.bot {
            self.queue.push(self.now + bot_ms, Event::BotDone(c));
        } else {
            self.queue.push(self.now + patience, Event::GiveUp(c));
        }
        self.open(w, i)
    }

    /// Counts arrival `i` and opens its conversation in the engine.
    pub(super) fn open(&mut self, w: &Workload, i: usize) -> Result<(), SimError> {
        let a = &w.arrivals[i];
        self.collector
            .opened(Timestamp(self.now), i as u64, a.returning, a.bot);
        self.apply(Command::OpenConversation(OpenConversation {
            conversation: ConversationId(i as u64),
            customer: a.customer,
            tier: a.tier,
            channel: a.channel,
            skills: a.skills.clone(),
            priority: a.priority,
            start_in_bot: a.bot,
            // Only a plan reads attributes: without one the command stays
            // as it always was.
            attributes: if self.s.plan.is_some() {
                super::sim_attributes::attributes(self.s, a)
            } else {
                Default::default()
            },
            preferred: Vec::new(),
        }))
    }

    pub(super) fn handle(&mut self, w: &Workload, event: Event) -> Result<(), SimError> {
        match event {
            Event::BotDone(c) => {
                if self.convs[c as usize].resolved {
                    return Ok(());
                }
                let id = ConversationId(u64::from(c));
                if self.convs[c as usize].contained {
                    self.apply(Command::Resolve {
                        conversation: id,
                        reason: ResolveReason::BotContained,
                    })?;
                } else {
                    self.collector.escalated(Timestamp(self.now), u64::from(c));
                    let patience = self.convs[c as usize].script.patience(self.s);
                    self.queue.push(self.now + patience, Event::GiveUp(c));
                    self.apply(Command::Escalate {
                        conversation: id,
                        skills: None,
                        priority: None,
                        attributes: None,
                    })?;
                }
            }
            Event::CustomerWrites(c) => {
                let conv = &mut self.convs[c as usize];
                if conv.resolved {
                    return Ok(());
                }
                conv.turns_left = conv.turns_left.saturating_sub(1);
                self.apply(Command::CustomerMessage {
                    conversation: ConversationId(u64::from(c)),
                })?;
            }
            Event::GiveUp(c) => {
                let conv = &self.convs[c as usize];
                if !conv.resolved && !conv.responded {
                    self.apply(Command::Resolve {
                        conversation: ConversationId(u64::from(c)),
                        reason: ResolveReason::Abandoned,
                    })?;
                }
            }
            Event::Expire(c) => {
                if !self.convs[c as usize].resolved {
                    self.apply(Command::Resolve {
                        conversation: ConversationId(u64::from(c)),
                        reason: ResolveReason::Expired,
                    })?;
                }
            }
            Event::ReplyDone {
                agent,
                conversation,
            } => self.reply_done(w, agent, conversation)?,
            Event::ServiceDone {
                agent,
                conversation,
            } => self.service_done(agent, conversation)?,
            Event::Roster { agent, status } => {
                self.apply(Command::SetAgentStatus {
                    agent: AgentId(u64::from(agent)),
                    status,
                })?;
                self.wake.push(agent);
            }
            Event::Back(agent) => self.back(agent)?,
        }
        Ok(())
    }

    fn reply_done(&mut self, w: &Workload, agent: u32, c: u32) -> Result<(), SimError> {
        self.agents[agent as usize].busy = false;
        self.wake.push(agent);
        let conv = &self.convs[c as usize];
        // The thread may have moved while the agent typed (log-off requeue,
        // abandonment): the reply is then never sent.
        if conv.owner != Some(agent) || conv.parked || conv.resolved {
            return Ok(());
        }
        let id = ConversationId(u64::from(c));
        self.apply(Command::AgentMessage {
            conversation: id,
            agent: AgentId(u64::from(agent)),
        })?;
        let conv = &mut self.convs[c as usize];
        conv.turn += 1;
        if conv.turns_left == 0 {
            self.apply(Command::Resolve {
                conversation: id,
                reason: ResolveReason::Solved,
            })?;
            return Ok(());
        }
        // An imported day's recorded delays, read where the workload keeps
        // them rather than copied into every conversation.
        let recorded = (w.recorded.get(c as usize))
            .and_then(|r| r.think_ms.get(conv.turn as usize - 1))
            .copied();
        let next = match recorded {
            Some(ms) => NextMove::WritesAfter(ms),
            None => conv.script.next_move(self.s),
        };
        match next {
            NextMove::Vanishes => {
                let after = (self.s.conversations.expire_after_minutes * 60_000.0) as u64;
                self.queue.push(self.now + after.max(1), Event::Expire(c));
            }
            NextMove::WritesAfter(ms) => self.queue.push(self.now + ms, Event::CustomerWrites(c)),
        }
        Ok(())
    }

    /// Lets every woken agent pick up work; accepts offers at once.
    pub(super) fn drain_wakes(&mut self) -> Result<(), SimError> {
        if self.classical.is_some() {
            return self.drain_starts();
        }
        let mut guard = 0u64;
        loop {
            guard += 1;
            debug_assert!(guard < 1_000_000, "wake loop does not settle");
            if let Some((agent, c)) = self.accept.pop() {
                self.accept_offer(agent, c)?;
                continue;
            }
            let Some(agent) = self.wake.pop() else {
                return Ok(());
            };
            self.try_start(agent)?;
        }
    }

    /// The agent accepts the offer of `c` at once, if it still stands.
    pub(super) fn accept_offer(&mut self, agent: u32, c: u32) -> Result<(), SimError> {
        let conv = &self.convs[c as usize];
        if conv.owner == Some(agent) && !conv.resolved {
            self.apply(Command::AcceptOffer {
                conversation: ConversationId(u64::from(c)),
                agent: AgentId(u64::from(agent)),
            })?;
        }
        Ok(())
    }

    fn try_start(&mut self, agent: u32) -> Result<(), SimError> {
        let a = &self.agents[agent as usize];
        if a.busy || !matches!(a.status, AgentStatus::Online | AgentStatus::Draining) {
            return Ok(());
        }
        let id = AgentId(u64::from(agent));
        let head = if self.s.unanswered.is_some() {
            self.head_not_ignored(agent)?
        } else {
            self.engine
                .inbox_head(id)
                .map_err(|e| self.refused("inbox_head", e))?
        };
        let Some(entry) = head else {
            return self.pull(agent);
        };
        if entry.offered {
            return Ok(());
        }
        if !entry.awaiting_reply {
            return self.pull(agent);
        }
        let conversation = entry.conversation;
        if !entry.seen {
            self.apply(Command::MarkSeen {
                conversation,
                agent: id,
            })?;
        }
        let c = conversation.0 as usize;
        let Some(conv) = self.convs.get(c) else {
            return Ok(());
        };
        let ms = reply_ms(
            self.s,
            self.seed,
            conversation.0,
            conv.turn,
            conv.topic,
            self.agents[agent as usize].speed,
        );
        self.agents[agent as usize].busy = true;
        self.queue.push(
            self.now + ms,
            Event::ReplyDone {
                agent,
                conversation: c as u32,
            },
        );
        Ok(())
    }
}

//! How the simulator talks to the engine: every command goes through
//! [`Run::apply`], which mirrors the decisions (who holds which thread,
//! each agent's load as last reported), feeds the KPI collector and writes
//! the trace. The mirror is read from decisions only; it never decides.

use super::error::SimError;
use super::runner::Run;
use super::trace::{decision_agent, decision_load, LineContext};
use crate::engine::{Command, Decision};
use crate::model::{AgentId, ConversationId, Timestamp};

impl Run<'_> {
    /// Applies one command now, mirrors its decisions, feeds the KPIs and
    /// the trace.
    pub(super) fn apply(&mut self, command: Command) -> Result<(), SimError> {
        let at = Timestamp(self.now);
        let name = command.name();
        let customer_message = matches!(command, Command::CustomerMessage { .. });
        let agent_message = matches!(command, Command::AgentMessage { .. });
        // The command is kept only for the trace; without one it moves.
        let (traced, sent) = if self.trace.is_some() {
            (Some(command.clone()), command)
        } else {
            (None, command)
        };
        let decisions = match self.engine.apply(at, sent) {
            Ok(d) => d,
            Err(e) => return Err(self.refused(name, e)),
        };
        self.collector.command(customer_message, agent_message);
        self.contexts.clear();
        for d in &decisions {
            self.mirror(d);
            self.collector.decision(at, d);
            if traced.is_some() {
                if let Decision::WaitingForAgent {
                    agent, load, cap, ..
                } = *d
                {
                    // A parked thread that starts waiting gives its parked
                    // weight back; the decision carries the load after.
                    if let Some(a) = self.agents.get_mut(agent.0 as usize) {
                        a.load = load;
                        a.cap = cap;
                    }
                }
                let cx = self.context(d.conversation(), decision_agent(d));
                self.contexts.push(cx);
            }
        }
        if let (Some(command), Some(mut t)) = (traced, self.trace.take()) {
            let (conversation, agent) = command_subject(&command);
            let agent = agent.or_else(|| {
                conversation
                    .and_then(|c| self.convs.get(c.0 as usize))
                    .and_then(|c| c.owner)
                    .map(|a| AgentId(u64::from(a)))
            });
            let result = t
                .input(at, &command, self.context(conversation, agent))
                .and_then(|_| {
                    decisions
                        .iter()
                        .zip(&self.contexts)
                        .try_for_each(|(d, cx)| t.decision(at, d, *cx))
                });
            self.trace = Some(t);
            result?;
        }
        Ok(())
    }

    fn context(&self, conversation: Option<ConversationId>, agent: Option<AgentId>) -> LineContext {
        LineContext {
            conversation,
            customer: conversation
                .and_then(|c| self.convs.get(c.0 as usize))
                .map(|c| c.customer),
            agent,
            load_cap: agent
                .and_then(|a| self.agents.get(a.0 as usize))
                .map(|a| (a.load, a.cap)),
        }
    }

    /// Keeps the simulator's picture of who holds what, from decisions only.
    pub(super) fn mirror(&mut self, d: &Decision) {
        if let Some((agent, load, cap)) = decision_load(d) {
            if let Some(a) = self.agents.get_mut(agent.0 as usize) {
                a.load = load;
                a.cap = cap;
            }
        }
        let conv = d.conversation().map(|c| c.0 as usize);
        let Some(conv) = conv.and_then(|c| self.convs.get_mut(c)) else {
            if let Decision::AgentStatusChanged { agent, status } = *d {
                if let Some(a) = self.agents.get_mut(agent.0 as usize) {
                    a.status = status;
                }
                self.wake.push(agent.0 as u32);
            }
            return;
        };
        match *d {
            Decision::Assigned { agent, .. } => {
                conv.owner = Some(agent.0 as u32);
                conv.parked = false;
                self.wake.push(agent.0 as u32);
            }
            Decision::Offered {
                agent,
                conversation,
                ..
            } => {
                conv.owner = Some(agent.0 as u32);
                conv.parked = false;
                self.accept.push((agent.0 as u32, conversation.0 as u32));
            }
            Decision::Reprioritised { agent, .. } => self.wake.push(agent.0 as u32),
            Decision::Parked { .. } => conv.parked = true,
            Decision::Released { .. }
            | Decision::Requeued { .. }
            | Decision::Transferred { .. }
            | Decision::Queued { .. }
            | Decision::WaitingForAgent { .. } => {
                conv.owner = None;
                conv.parked = false;
            }
            Decision::Resolved { .. } => {
                conv.owner = None;
                conv.resolved = true;
            }
            Decision::FirstResponse { .. } => conv.responded = true,
            _ => {}
        }
    }
}

/// The conversation and agent a command names.
fn command_subject(c: &Command) -> (Option<ConversationId>, Option<AgentId>) {
    match *c {
        Command::AddAgent(ref spec) => (None, Some(spec.id)),
        Command::SetAgentStatus { agent, .. } | Command::SetCapacity { agent, .. } => {
            (None, Some(agent))
        }
        Command::AgentMessage {
            conversation,
            agent,
        }
        | Command::MarkSeen {
            conversation,
            agent,
        }
        | Command::AcceptOffer {
            conversation,
            agent,
        }
        | Command::DeclineOffer {
            conversation,
            agent,
        } => (Some(conversation), Some(agent)),
        Command::OpenConversation { conversation, .. }
        | Command::Escalate { conversation, .. }
        | Command::CustomerMessage { conversation }
        | Command::Park { conversation }
        | Command::Resolve { conversation, .. }
        | Command::Transfer { conversation, .. }
        | Command::SetPriority { conversation, .. } => (Some(conversation), None),
        Command::Tick => (None, None),
    }
}

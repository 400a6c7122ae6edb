//! How the simulator talks to the engine: every command goes through
//! [`Run::apply`], which mirrors the decisions (who holds which thread,
//! each agent's load as last reported), feeds the KPI collector and writes
//! the trace. The mirror is read from decisions only; it never decides.

use super::error::SimError;
use super::faults::Faults;
use super::runner::Run;
use super::trace::{decision_agent, decision_load, LineContext};
use crate::engine::{Command, Decision, OpenConversation};
use crate::model::{AgentId, AgentStatus, ConversationId, Timestamp};

impl Run<'_> {
    /// Applies one command now, mirrors its decisions, feeds the KPIs and
    /// the trace. With faults on, the command goes through the fault layer.
    pub(super) fn apply(&mut self, command: Command) -> Result<(), SimError> {
        // Without faults, straight to the engine: taking the `Option` out
        // and back moved the whole fault layer twice per command.
        if self.faults.is_none() {
            return self.deliver(Timestamp(self.now), command);
        }
        let Some(mut faults) = self.faults.take() else {
            return self.deliver(Timestamp(self.now), command);
        };
        let result = self.apply_faulty(&mut faults, command);
        self.faults = Some(faults);
        result
    }

    /// The fault layer: may deliver the command late or twice, drop an
    /// agent or jump the clock after it. A refusal is counted, not fatal
    /// (a duplicate or a reply to a thread that moved is expected to be
    /// refused); the audit runs after every delivery.
    fn apply_faulty(&mut self, faults: &mut Faults, command: Command) -> Result<(), SimError> {
        let config = faults.config.clone();
        let mut at = self.now;
        // Ticks are the host's own clock, not world events: never late.
        let is_tick = matches!(command, Command::Tick);
        if faults.rng.chance(config.late) && config.late_max_ms > 0 && !is_tick {
            faults.injected("late");
            at = at.saturating_sub(1 + faults.rng.next_u64() % config.late_max_ms);
        }
        let twice = faults.rng.chance(config.duplicate);
        let agent = match command {
            Command::AgentMessage { agent, .. } => Some(agent),
            _ => None,
        };
        self.deliver_counted(faults, Timestamp(at), command.clone())?;
        if twice {
            faults.injected("duplicate");
            self.deliver_counted(faults, Timestamp(at), command)?;
        }
        if faults.rng.chance(config.agent_drop) {
            let online: Vec<AgentId> = (0..self.agents.len())
                .filter(|&i| self.agents[i].status == AgentStatus::Online)
                .map(|i| AgentId(i as u64))
                .collect();
            let pick = agent.or_else(|| {
                (!online.is_empty()).then(|| online[faults.rng.next_u64() as usize % online.len()])
            });
            if let Some(agent) = pick.filter(|a| online.contains(a)) {
                faults.injected("agent_drop");
                for status in [AgentStatus::Offline, AgentStatus::Online] {
                    let drop = Command::SetAgentStatus { agent, status };
                    self.deliver_counted(faults, Timestamp(self.now), drop)?;
                }
            }
        }
        if faults.rng.chance(config.clock_jump) && config.jump_max_ms > 0 {
            faults.injected("clock_jump");
            let ahead = self.now + 1 + faults.rng.next_u64() % config.jump_max_ms;
            self.deliver_counted(faults, Timestamp(ahead), Command::Tick)?;
        }
        Ok(())
    }

    fn deliver_counted(
        &mut self,
        faults: &mut Faults,
        at: Timestamp,
        command: Command,
    ) -> Result<(), SimError> {
        let name = command.name();
        match self.deliver(at, command) {
            Err(SimError::Engine { .. }) => faults.refused(name),
            other => other?,
        }
        faults.report.audits += 1;
        if let Err(v) = self.engine.audit() {
            faults.report.violations += 1;
            faults
                .report
                .first_violation
                .get_or_insert_with(|| format!("t={}ms after {name}: {v}", at.0));
        }
        Ok(())
    }

    /// Applies one command at `at`, mirrors its decisions, feeds the KPIs
    /// and the trace.
    fn deliver(&mut self, at: Timestamp, mut command: Command) -> Result<(), SimError> {
        let customer_message = matches!(command, Command::CustomerMessage { .. });
        let agent_message = matches!(command, Command::AgentMessage { .. });
        let traced = self.trace.is_some();
        // One decision buffer for the whole run: no allocation per command.
        let mut decisions = std::mem::take(&mut self.decisions);
        decisions.clear();
        if let Err(e) = self.engine.apply_into(at, &command, &mut decisions) {
            self.decisions = decisions;
            return Err(self.refused(command.name(), e));
        }
        self.collector.command(customer_message, agent_message);
        self.contexts.clear();
        for d in &decisions {
            self.mirror(d);
            self.collector.decision(at, d);
            if traced {
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
        if self.engine.plan().is_some() {
            self.ask_expected_waits(at, &decisions);
        }
        let result = self.write_trace(at, &mut command, &decisions);
        self.decisions = decisions;
        result
    }

    /// Under a plan, asks each conversation that started waiting its
    /// expected wait, for the report's accuracy figures (O(its line) each:
    /// only plan days pay it, so the default day runs as before).
    fn ask_expected_waits(&mut self, at: Timestamp, decisions: &[Decision]) {
        for d in decisions {
            if let Decision::Queued { conversation } = *d {
                if let Ok(Some(p)) = self.engine.queue_position(conversation) {
                    if let Some(w) = p.expected_wait {
                        self.collector.rules.waits.asked(conversation.0, at.0, &w);
                    }
                }
            }
        }
    }

    /// Writes the command and its decisions to the trace, if there is one.
    fn write_trace(
        &mut self,
        at: Timestamp,
        command: &mut Command,
        decisions: &[Decision],
    ) -> Result<(), SimError> {
        if let Some(mut t) = self.trace.take() {
            let (conversation, agent) = command_subject(command);
            let agent = agent.or_else(|| {
                conversation
                    .and_then(|c| self.convs.get(c.0 as usize))
                    .and_then(|c| c.owner)
                    .map(|a| AgentId(u64::from(a)))
            });
            let result = t
                .input(at, command, self.context(conversation, agent))
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
        // Each agent's load as last reported is for the trace's lines only:
        // an untraced run skips the lookup (a match and a store per
        // decision).
        if self.trace.is_some() {
            if let Some((agent, load, cap)) = decision_load(d) {
                if let Some(a) = self.agents.get_mut(agent.0 as usize) {
                    a.load = load;
                    a.cap = cap;
                }
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
            Decision::Assigned {
                agent,
                conversation,
                ..
            } => {
                conv.owner = Some(agent.0 as u32);
                conv.parked = false;
                if self.classical.is_some() {
                    self.start.push((agent.0 as u32, conversation.0 as u32));
                } else {
                    self.wake.push(agent.0 as u32);
                    self.maybe_unanswered(agent.0 as u32, conversation.0 as u32);
                }
            }
            Decision::OfferAccepted {
                agent,
                conversation,
            } if self.classical.is_some() => {
                self.start.push((agent.0 as u32, conversation.0 as u32));
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
            Decision::NoAnswer { agent, .. }
                if self.s.engine.workload.no_answer.is_some_and(|r| r.set_away) =>
            {
                self.sent_away(agent.0 as u32)
            }
            _ => {}
        }
    }
}

/// The conversation and agent a command names.
fn command_subject(c: &mut Command) -> (Option<ConversationId>, Option<AgentId>) {
    if let Some((conversation, agent)) = c.actor_mut() {
        return (Some(conversation), Some(*agent));
    }
    match *c {
        Command::AddAgent(ref spec) => (None, Some(spec.id)),
        Command::SetAgentStatus { agent, .. }
        | Command::SetCapacity { agent, .. }
        | Command::SetChannelCap { agent, .. }
        | Command::SetRateLimit { agent, .. }
        | Command::PullNext { agent }
        | Command::SetPullCap { agent, .. }
        | Command::SetChannelWeight { agent, .. } => (None, Some(agent)),
        Command::OpenConversation(OpenConversation { conversation, .. })
        | Command::Escalate { conversation, .. }
        | Command::CustomerMessage { conversation }
        | Command::Park { conversation }
        | Command::Resolve { conversation, .. }
        | Command::Transfer { conversation, .. }
        | Command::SetPriority { conversation, .. }
        | Command::SetAttributes { conversation, .. } => (Some(conversation), None),
        // `actor_mut` answered for the commands an agent sends about a thread.
        Command::AgentMessage { .. }
        | Command::MarkSeen { .. }
        | Command::AcceptOffer { .. }
        | Command::DeclineOffer { .. }
        | Command::EndWrapUp { .. }
        | Command::Tick
        | Command::Purge { .. }
        | Command::Reconfigure(_)
        | Command::SetTeam { .. }
        | Command::SetTenantCap { .. }
        | Command::SetOwner { .. } => (None, None),
    }
}

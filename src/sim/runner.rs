//! The discrete-event loop. It plays the customers and the agents of a
//! [`Workload`] against the real [`Engine`], through its public API only:
//! every routing, capacity, stickiness and alerting decision is the
//! engine's. The simulator only decides what people do (when a customer
//! writes, how long a reply takes, when an agent takes a break) and applies
//! [`Command::Tick`] at [`Engine::next_deadline`] so alerts fire on time.
//!
//! An agent writes one reply at a time and always works the head of their
//! inbox in the engine's order ([`Engine::inbox_head`]).

use super::error::SimError;
use super::events::{Event, EventQueue};
use super::metrics::Collector;
use super::report::Report;
use super::scenario::Scenario;
use super::trace::{
    decision_agent, decision_load, LineContext, TraceHeader, TraceWriter, TRACE_FORMAT,
};
use super::workload::{reply_ms, CustomerScript, NextMove, Workload};
use crate::engine::{Command, Decision, Engine, EngineError, EngineStats};
use crate::model::{
    AgentId, AgentStatus, Capacity, ConversationId, CustomerId, ResolveReason, Timestamp,
};
use crate::policy::RoutingPolicy;
use std::io::Write;

/// How far a run has got, for progress bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Simulated time reached, ms.
    pub at_ms: u64,
    /// Simulated time at which the run ends, ms.
    pub horizon_ms: u64,
    /// Events processed so far.
    pub events: u64,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct SimOutcome {
    /// The KPIs.
    pub report: Report,
    /// The engine's own counters at the end.
    pub engine_stats: EngineStats,
    /// Simulator events processed (arrivals, messages, roster changes...).
    pub events: u64,
}

/// One simulation: a scenario, a seed and options. See [`Simulation::run`].
pub struct Simulation {
    scenario: Scenario,
    seed: u64,
    trace: Option<TraceWriter>,
    progress: Option<Box<dyn FnMut(Progress)>>,
    audit_every: u64,
    tick_ms: u64,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("scenario", &self.scenario.name)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Simulation {
    /// A simulation of `scenario` with `seed`. Same scenario, same seed:
    /// the same day, the same report, the same trace, byte for byte.
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        Self {
            scenario,
            seed,
            trace: None,
            progress: None,
            audit_every: 0,
            tick_ms: 0,
        }
    }

    /// Applies ticks on a grid of `ms` milliseconds instead of at each
    /// deadline: a deadline at `d` is ticked at the first multiple of `ms`
    /// at or after `d`, so timers that come due within one grid step share
    /// one tick. Alerts are then up to `ms` late (keep it well under the gap
    /// between the SLA warning and the breach). 0, the default, ticks at
    /// every deadline exactly. A speed knob for very large days: most
    /// deadlines the engine reports belong to timers that a later message
    /// has already made void.
    pub fn with_tick_granularity(mut self, ms: u64) -> Self {
        self.tick_ms = ms;
        self
    }

    /// Writes a JSON Lines trace (see [`trace`](super::trace)) to `out`.
    /// Wrap files in a `BufWriter`.
    pub fn with_trace(mut self, out: Box<dyn Write + Send>) -> Self {
        self.trace = Some(TraceWriter::new(out));
        self
    }

    /// Calls `f` every few thousand events with the run's progress.
    pub fn with_progress(mut self, f: impl FnMut(Progress) + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Runs the engine's [`audit`](Engine::audit) after every `every`
    /// events and after every tick (0, the default: never). Slow; for tests.
    pub fn with_audit(mut self, every: u64) -> Self {
        self.audit_every = every;
        self
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs the day under `policy`. The scenario is validated first; the
    /// report's `policy` is the policy's name.
    pub fn run(self, policy: Box<dyn RoutingPolicy>) -> Result<SimOutcome, SimError> {
        self.scenario.validate()?;
        let workload = Workload::generate(&self.scenario, self.seed);
        let engine = Engine::new(self.scenario.engine.clone(), policy)
            .map_err(super::error::ScenarioError::from)?;
        let groups: Vec<u16> = workload.agents.iter().map(|a| a.group).collect();
        let collector = Collector::new(
            self.scenario.horizon_ms(),
            &groups,
            self.scenario.engine.response_target.0,
        );
        let mut run = Run {
            s: &self.scenario,
            seed: self.seed,
            engine,
            queue: EventQueue::default(),
            collector,
            trace: self.trace,
            progress: self.progress,
            audit_every: self.audit_every,
            tick_ms: self.tick_ms,
            convs: Vec::with_capacity(workload.arrivals.len()),
            agents: workload
                .agents
                .iter()
                .map(|a| AgentSim {
                    status: AgentStatus::Offline,
                    busy: false,
                    speed: a.speed,
                    load: Capacity::ZERO,
                    cap: a.spec.cap,
                })
                .collect(),
            wake: Vec::new(),
            accept: Vec::new(),
            events: 0,
            now: 0,
            contexts: Vec::new(),
        };
        run.start(&workload)?;
        run.main_loop(&workload)?;
        run.finish()
    }
}

struct ConvSim {
    customer: CustomerId,
    topic: u16,
    script: CustomerScript,
    turns_left: u32,
    turn: u32,
    owner: Option<u32>,
    parked: bool,
    resolved: bool,
    responded: bool,
    contained: bool,
}

struct AgentSim {
    status: AgentStatus,
    busy: bool,
    speed: f64,
    load: Capacity,
    cap: Capacity,
}

struct Run<'a> {
    s: &'a Scenario,
    seed: u64,
    engine: Engine,
    queue: EventQueue,
    collector: Collector,
    trace: Option<TraceWriter>,
    progress: Option<Box<dyn FnMut(Progress)>>,
    audit_every: u64,
    tick_ms: u64,
    convs: Vec<ConvSim>,
    agents: Vec<AgentSim>,
    wake: Vec<u32>,
    accept: Vec<(u32, u32)>,
    events: u64,
    now: u64,
    contexts: Vec<LineContext>,
}

const BUCKET_MS: u64 = 15 * 60_000;

impl Run<'_> {
    fn start(&mut self, w: &Workload) -> Result<(), SimError> {
        if let Some(t) = &mut self.trace {
            t.header(&TraceHeader {
                ty: "header",
                format: TRACE_FORMAT,
                scenario: &self.s.name,
                policy: self.engine.policy_name(),
                seed: self.seed,
                horizon_ms: self.s.horizon_ms(),
                engine: self.engine.config(),
            })?;
        }
        for (i, plan) in w.agents.iter().enumerate() {
            self.apply(Command::AddAgent(plan.spec.clone()))?;
            for &(at, status) in &plan.schedule {
                self.queue.push(
                    at.0,
                    Event::Roster {
                        agent: i as u32,
                        status,
                    },
                );
            }
        }
        Ok(())
    }

    fn main_loop(&mut self, w: &Workload) -> Result<(), SimError> {
        let horizon = self.s.horizon_ms();
        let mut next_arrival = 0usize;
        let mut next_sample = 0u64;
        loop {
            let arrival_at = w.arrivals.get(next_arrival).map(|a| a.at.0);
            let event_at = self.queue.peek_time();
            let next = match (arrival_at, event_at) {
                (Some(a), Some(e)) => Some(a.min(e)),
                (a, e) => a.or(e),
            }
            .filter(|&t| t < horizon);
            self.fire_deadlines(next.unwrap_or(horizon))?;
            while next_sample <= next.unwrap_or(horizon).min(horizon.saturating_sub(1)) {
                self.collector.sample_agents(Timestamp(next_sample));
                next_sample += BUCKET_MS;
            }
            let Some(t) = next else { break };
            self.now = self.now.max(t);
            // Arrivals go first at equal times: the customer wrote before
            // anything scheduled for that millisecond reacts.
            if arrival_at == Some(t) {
                self.arrive(w, next_arrival)?;
                next_arrival += 1;
            } else if let Some((_, event)) = self.queue.pop() {
                self.handle(event)?;
            }
            self.drain_wakes()?;
            self.events += 1;
            if self.audit_every > 0 && self.events % self.audit_every == 0 {
                self.audit()?;
            }
            if self.events % 65_536 == 0 {
                if let Some(p) = &mut self.progress {
                    p(Progress {
                        at_ms: self.now,
                        horizon_ms: horizon,
                        events: self.events,
                    });
                }
            }
        }
        self.now = self.now.max(horizon);
        Ok(())
    }

    /// Applies Tick at every engine deadline up to and including `until`.
    fn fire_deadlines(&mut self, until: u64) -> Result<(), SimError> {
        let mut last_tick: Option<u64> = None;
        while let Some(d) = self.engine.next_deadline() {
            // A tick at `at` fires every timer due at or before it; one still
            // due afterwards would loop forever.
            if let Some(at) = last_tick.filter(|&at| d.0 <= at) {
                return Err(SimError::StuckDeadline {
                    deadline: d,
                    at: Timestamp(at),
                    seed: self.seed,
                });
            }
            let due = if self.tick_ms > 0 {
                d.0.div_ceil(self.tick_ms).saturating_mul(self.tick_ms)
            } else {
                d.0
            };
            if due > until {
                break;
            }
            let at = due.max(self.now);
            self.now = at;
            self.apply(Command::Tick)?;
            self.drain_wakes()?;
            if self.audit_every > 0 {
                self.audit()?;
            }
            last_tick = Some(at);
        }
        Ok(())
    }

    fn audit(&self) -> Result<(), SimError> {
        self.engine
            .audit()
            .map(|_| ())
            .map_err(|v| SimError::Audit {
                at: Timestamp(self.now),
                seed: self.seed,
                violation: v.to_string(),
            })
    }

    fn arrive(&mut self, w: &Workload, i: usize) -> Result<(), SimError> {
        let a = &w.arrivals[i];
        let mut script = CustomerScript::new(self.seed, i as u64);
        let turns = script.turns(self.s);
        let (bot_ms, contained) = script.bot(self.s);
        let patience = script.patience(self.s);
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
        });
        let c = i as u32;
        if a.bot {
            self.queue.push(self.now + bot_ms, Event::BotDone(c));
        } else {
            self.queue.push(self.now + patience, Event::GiveUp(c));
        }
        self.collector
            .opened(Timestamp(self.now), i as u64, a.returning, a.bot);
        self.apply(Command::OpenConversation {
            conversation: ConversationId(i as u64),
            customer: a.customer,
            tier: a.tier,
            channel: a.channel,
            skills: a.skills.clone(),
            priority: a.priority,
            start_in_bot: a.bot,
        })?;
        Ok(())
    }

    fn handle(&mut self, event: Event) -> Result<(), SimError> {
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
            } => self.reply_done(agent, conversation)?,
            Event::Roster { agent, status } => {
                self.apply(Command::SetAgentStatus {
                    agent: AgentId(u64::from(agent)),
                    status,
                })?;
                self.wake.push(agent);
            }
        }
        Ok(())
    }

    fn reply_done(&mut self, agent: u32, c: u32) -> Result<(), SimError> {
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
        match conv.script.next_move(self.s) {
            NextMove::Vanishes => {
                let after = (self.s.conversations.expire_after_minutes * 60_000.0) as u64;
                self.queue.push(self.now + after.max(1), Event::Expire(c));
            }
            NextMove::WritesAfter(ms) => self.queue.push(self.now + ms, Event::CustomerWrites(c)),
        }
        Ok(())
    }

    /// Lets every woken agent pick up work; accepts offers at once.
    fn drain_wakes(&mut self) -> Result<(), SimError> {
        let mut guard = 0u64;
        loop {
            guard += 1;
            debug_assert!(guard < 1_000_000, "wake loop does not settle");
            if let Some((agent, c)) = self.accept.pop() {
                let conv = &self.convs[c as usize];
                if conv.owner == Some(agent) && !conv.resolved {
                    self.apply(Command::AcceptOffer {
                        conversation: ConversationId(u64::from(c)),
                        agent: AgentId(u64::from(agent)),
                    })?;
                }
                continue;
            }
            let Some(agent) = self.wake.pop() else {
                return Ok(());
            };
            self.try_start(agent)?;
        }
    }

    fn try_start(&mut self, agent: u32) -> Result<(), SimError> {
        let a = &self.agents[agent as usize];
        if a.busy || !matches!(a.status, AgentStatus::Online | AgentStatus::Draining) {
            return Ok(());
        }
        let id = AgentId(u64::from(agent));
        let head = self
            .engine
            .inbox_head(id)
            .map_err(|e| self.refused("inbox_head", e))?;
        let Some(entry) = head else { return Ok(()) };
        if entry.offered || !entry.awaiting_reply {
            return Ok(());
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

    fn refused(&self, command: &'static str, source: EngineError) -> SimError {
        SimError::Engine {
            command,
            at: Timestamp(self.now),
            seed: self.seed,
            source,
        }
    }

    /// Applies one command now, mirrors its decisions, feeds the KPIs and
    /// the trace.
    fn apply(&mut self, command: Command) -> Result<(), SimError> {
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
                if let Decision::WaitingForAgent { agent, .. } = *d {
                    // A parked thread that starts waiting gives its parked
                    // weight back, but the decision carries no load: ask the
                    // engine, so the trace's load stays exact.
                    self.refresh_load(agent);
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

    fn refresh_load(&mut self, agent: AgentId) {
        if let (Some(info), Some(a)) = (
            self.engine.agent(agent),
            self.agents.get_mut(agent.0 as usize),
        ) {
            a.load = info.load;
            a.cap = info.cap;
        }
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
    fn mirror(&mut self, d: &Decision) {
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

    fn finish(mut self) -> Result<SimOutcome, SimError> {
        if let Some(t) = &mut self.trace {
            t.flush()?;
        }
        let report = Report {
            scenario: self.s.name.clone(),
            policy: self.engine.policy_name().to_string(),
            seed: self.seed,
            ..Report::default()
        };
        let report = self.collector.finish(Timestamp(self.now), report);
        Ok(SimOutcome {
            report,
            engine_stats: self.engine.stats(),
            events: self.events,
        })
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

//! Runs a [`Scenario`] through a real [`Engine`] and records what happened:
//! each command with its timestamp, its decisions (or the typed error), and
//! what the public queries said about every agent and conversation just
//! before and just after it. The measures in [`fairness`](super::fairness)
//! read only this trace: nothing here re-implements an engine rule.

use super::scenario::{Scenario, Step, STEP_GAP_MS};
use crate::engine::{
    AuditViolation, Command, ConfigError, Decision, Engine, EngineConfig, EngineError,
};
use crate::model::{
    AgentId, AgentInfo, AgentSpec, ConversationId, ConversationInfo, ConversationState, CustomerId,
    ResolveReason, Tier, Timestamp,
};
use crate::policy::RoutingPolicy;
use std::fmt;
use thiserror::Error;

/// What the public queries said about the engine at one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observation {
    /// Every registered agent ([`Engine::agent`]), in registration order.
    pub agents: Vec<AgentInfo>,
    /// Every conversation opened so far ([`Engine::conversation`]), in
    /// opening order.
    pub conversations: Vec<ConversationInfo>,
}

impl Observation {
    fn take(engine: &Engine, agents: &[AgentSpec], conversations: &[ConversationId]) -> Self {
        Self {
            agents: agents
                .iter()
                .filter_map(|a| engine.agent(a.id).ok())
                .collect(),
            conversations: conversations
                .iter()
                .filter_map(|&c| engine.conversation(c).ok())
                .collect(),
        }
    }

    /// The agent with this id, if registered.
    pub fn agent(&self, id: AgentId) -> Option<&AgentInfo> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The conversation with this id, if opened.
    pub fn conversation(&self, id: ConversationId) -> Option<&ConversationInfo> {
        self.conversations.iter().find(|c| c.id == id)
    }
}

/// One command of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    /// When it was applied.
    pub at: Timestamp,
    /// The command.
    pub command: Command,
    /// Its decisions, or the error that changed nothing.
    pub outcome: Result<Vec<Decision>, EngineError>,
    /// The engine just before the command.
    pub before: Observation,
    /// The engine just after it.
    pub after: Observation,
}

impl TraceEntry {
    /// The decisions (empty for a refused command).
    pub fn decisions(&self) -> &[Decision] {
        self.outcome.as_deref().unwrap_or(&[])
    }
}

/// Everything a run did, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The policy's name.
    pub policy: String,
    /// The engine's configuration.
    pub config: EngineConfig,
    /// The agents as registered (channels included, which [`AgentInfo`]
    /// does not show).
    pub agents: Vec<AgentSpec>,
    /// The commands, registrations first.
    pub entries: Vec<TraceEntry>,
}

impl Trace {
    /// The registration of `agent`, if any.
    pub fn spec(&self, agent: AgentId) -> Option<&AgentSpec> {
        self.agents.iter().find(|a| a.id == agent)
    }

    /// The last observation (the engine at the end of the run).
    pub fn last(&self) -> Option<&Observation> {
        self.entries.last().map(|e| &e.after)
    }
}

impl fmt::Display for Trace {
    /// One line per command: time, command and decisions, as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            let command = serde_json::to_string(&e.command).map_err(|_| fmt::Error)?;
            writeln!(f, "  {:>9}  {command}", e.at.to_string())?;
            match &e.outcome {
                Ok(decisions) => {
                    for d in decisions {
                        let d = serde_json::to_string(d).map_err(|_| fmt::Error)?;
                        writeln!(f, "             -> {d}")?;
                    }
                }
                Err(error) => writeln!(f, "             !! {error}")?,
            }
        }
        Ok(())
    }
}

/// Why a run could not complete.
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum RunError {
    /// The engine refused the configuration.
    #[error("the engine refused the configuration: {0}")]
    Config(#[from] ConfigError),
    /// The engine's own audit failed after a command: an engine bug, not a
    /// policy's fault. The trace up to and including that command is kept.
    #[error("audit failed after command {step}: {violation}")]
    Audit {
        /// Index of the command in the trace.
        step: usize,
        /// What the audit found.
        violation: AuditViolation,
        /// The run so far.
        trace: Box<Trace>,
    },
}

/// Runs `scenario` on a fresh engine with `policy` and `config`, auditing
/// after every command. Deterministic: the same inputs give the same trace.
///
/// ```
/// use switchboard::policy::LeastLoaded;
/// use switchboard::testing::{run, AgentPlan, Scenario, Step};
/// use switchboard::{AgentStatus, EngineConfig, Priority};
///
/// let scenario = Scenario {
///     agents: vec![AgentPlan { levels: [5, 0], cap: 2, status: AgentStatus::Online }],
///     steps: vec![Step::Open {
///         customer: None,
///         skill: Some((0, 3)),
///         priority: Priority::Normal,
///         vip: false,
///         email: false,
///         bot: false,
///     }],
/// };
/// let trace = run(&scenario, Box::new(LeastLoaded), &EngineConfig::default())?;
/// assert_eq!(trace.entries.len(), 2); // one registration, one arrival
/// # Ok::<(), switchboard::testing::RunError>(())
/// ```
pub fn run(
    scenario: &Scenario,
    policy: Box<dyn RoutingPolicy>,
    config: &EngineConfig,
) -> Result<Trace, RunError> {
    let mut engine = Engine::new(config.clone(), policy)?;
    let specs: Vec<AgentSpec> = scenario
        .agents
        .iter()
        .enumerate()
        .map(|(i, a)| a.spec(i))
        .collect();
    let policy_name = engine.policy_name().to_owned();
    let mut runner = Runner {
        engine: &mut engine,
        trace: Trace {
            policy: policy_name,
            config: config.clone(),
            agents: specs.clone(),
            entries: Vec::new(),
        },
        conversations: Vec::new(),
    };
    for spec in &specs {
        runner.apply(Timestamp(0), Command::AddAgent(spec.clone()))?;
    }
    let mut now = 0;
    for step in &scenario.steps {
        now += STEP_GAP_MS;
        if let Step::Wait { secs } = step {
            now += u64::from(*secs) * 1_000;
        }
        if let Some(command) = runner.command(step, &specs) {
            runner.apply(Timestamp(now), command)?;
        }
    }
    Ok(runner.trace)
}

struct Runner<'a> {
    engine: &'a mut Engine,
    trace: Trace,
    conversations: Vec<ConversationId>,
}

impl Runner<'_> {
    fn apply(&mut self, at: Timestamp, command: Command) -> Result<(), RunError> {
        let agents = &self.trace.agents;
        let before = Observation::take(self.engine, agents, &self.conversations);
        let outcome = self.engine.apply(at, command.clone());
        let after = Observation::take(self.engine, agents, &self.conversations);
        self.trace.entries.push(TraceEntry {
            at,
            command,
            outcome,
            before,
            after,
        });
        // The engine's invariants, then the policy's rank contract (a
        // policy that breaks it leaves the free-agent index stale).
        let audit = self
            .engine
            .audit()
            .and_then(|_| self.engine.check_rank_contract());
        if let Err(violation) = audit {
            return Err(RunError::Audit {
                step: self.trace.entries.len() - 1,
                violation,
                trace: Box::new(self.trace.clone()),
            });
        }
        Ok(())
    }

    /// The command a step stands for in the engine's current state, or
    /// `None` when the step does not apply (it is skipped).
    fn command(&mut self, step: &Step, specs: &[AgentSpec]) -> Option<Command> {
        let pick = |index: u8, len: usize| (len > 0).then(|| usize::from(index) % len);
        let conversation = |index: u8| {
            let i = pick(index, self.conversations.len())?;
            let id = self.conversations[i];
            Some((id, self.engine.conversation(id).ok()?.state))
        };
        match *step {
            Step::Open {
                customer,
                skill,
                priority,
                vip,
                email,
                bot,
            } => {
                let id = ConversationId(self.conversations.len() as u64 + 1);
                self.conversations.push(id);
                let customer = match customer {
                    Some(c) => CustomerId(u64::from(c) + 1),
                    None => CustomerId(1_000 + id.0),
                };
                let open = Command::open(id, customer)
                    .tier(if vip { Tier::Vip } else { Tier::Standard })
                    .channel(Step::channel(email))
                    .skills(Step::requirements(skill))
                    .priority(priority);
                Some(open.start_in_bot(bot).into())
            }
            Step::Escalate { conversation: c } => match conversation(c)? {
                (id, ConversationState::Bot) => Some(Command::Escalate {
                    conversation: id,
                    skills: None,
                    priority: None,
                    attributes: None,
                }),
                _ => None,
            },
            Step::AgentReply { conversation: c } => match conversation(c)? {
                (id, ConversationState::Assigned { agent }) => Some(Command::AgentMessage {
                    conversation: id,
                    agent,
                }),
                _ => None,
            },
            Step::CustomerWrites { conversation: c } => match conversation(c)? {
                (_, ConversationState::Resolved { .. }) => None,
                (id, _) => Some(Command::CustomerMessage { conversation: id }),
            },
            Step::Park { conversation: c } => match conversation(c)? {
                (id, ConversationState::Assigned { .. }) => {
                    Some(Command::Park { conversation: id })
                }
                _ => None,
            },
            Step::Resolve { conversation: c } => match conversation(c)? {
                (_, ConversationState::Resolved { .. }) => None,
                (id, _) => Some(Command::Resolve {
                    conversation: id,
                    reason: ResolveReason::Solved,
                }),
            },
            Step::SetStatus { agent, status } => {
                let i = pick(agent, specs.len())?;
                Some(Command::SetAgentStatus {
                    agent: specs[i].id,
                    status,
                })
            }
            Step::Wait { .. } => Some(Command::Tick),
        }
    }
}

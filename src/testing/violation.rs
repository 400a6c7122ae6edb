//! A broken fairness rule, as observed in a trace.

use crate::engine::AuditViolation;
use crate::model::{AgentId, Capacity, ConversationId, Priority, TimeSpan, Timestamp};
use std::fmt;

/// One observation that breaks a fairness rule. Each variant names the
/// instant, the conversations and the agents involved.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Violation {
    /// Work conservation: after a command, a conversation waited in its
    /// group's queue while an online agent who could serve it had room and
    /// nobody waiting for them in particular.
    IdleWhileWaiting {
        /// After the command at this time.
        at: Timestamp,
        /// The waiting conversation.
        conversation: ConversationId,
        /// The idle eligible agent.
        agent: AgentId,
        /// That agent's free capacity.
        free: Capacity,
    },
    /// Order within a priority class: `assigned` went to `agent` although
    /// `earlier`, of the same class, had waited longer, still waited, and
    /// `agent` could take it (eligible, and it weighs no more).
    ClassOrder {
        /// When.
        at: Timestamp,
        /// The conversation served.
        assigned: ConversationId,
        /// The agent who took it.
        agent: AgentId,
        /// The class of both.
        class: Priority,
        /// The conversation passed over.
        earlier: ConversationId,
    },
    /// Starvation bound: `assigned`, of a higher class, overtook `waiting`
    /// although its head start (`class_head_start` per class) did not cover
    /// how much longer `waiting` had waited.
    Overtaken {
        /// When.
        at: Timestamp,
        /// The conversation served.
        assigned: ConversationId,
        /// The agent who took it.
        agent: AgentId,
        /// The conversation passed over.
        waiting: ConversationId,
        /// By how much `waiting` was ahead once aging is counted.
        by: TimeSpan,
    },
    /// Load balance: among equivalent online agents (same skills, cap and
    /// channels) holding at least one conversation each on average, Jain's
    /// fairness index of their loads fell below the threshold.
    Unbalanced {
        /// After the command at this time.
        at: Timestamp,
        /// Jain's index of the loads (1 = perfectly even, 1/n = one agent
        /// holds everything).
        jain: f64,
        /// The threshold it fell below.
        threshold: f64,
        /// The agents' loads.
        loads: Vec<(AgentId, Capacity)>,
    },
    /// Skill match: the policy chose an agent with a lower skill score than
    /// another free eligible agent had at that moment.
    SkillMismatch {
        /// When.
        at: Timestamp,
        /// The conversation.
        conversation: ConversationId,
        /// The agent chosen, and their score.
        chosen: (AgentId, u32),
        /// A free eligible agent with a better score, and that score.
        best: (AgentId, u32),
    },
    /// The policy (or the engine) panicked.
    Panicked(String),
    /// The engine's own audit failed (an engine bug, whatever the policy).
    Audit {
        /// Index of the command in the trace.
        step: usize,
        /// What the audit found.
        violation: AuditViolation,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::IdleWhileWaiting {
                at,
                conversation,
                agent,
                free,
            } => write!(
                f,
                "{at}: {conversation} waits while {agent} is online, eligible, with {free} units free"
            ),
            Violation::ClassOrder {
                at,
                assigned,
                agent,
                class,
                earlier,
            } => write!(
                f,
                "{at}: {agent} took {assigned} before {earlier}, which waited longer in the same class ({class:?})"
            ),
            Violation::Overtaken {
                at,
                assigned,
                agent,
                waiting,
                by,
            } => write!(
                f,
                "{at}: {agent} took {assigned} while {waiting} was ahead by {by} after aging"
            ),
            Violation::Unbalanced {
                at,
                jain,
                threshold,
                loads,
            } => {
                write!(f, "{at}: Jain index {jain:.3} < {threshold:.3}; loads")?;
                for (agent, load) in loads {
                    write!(f, " {agent}={load}")?;
                }
                Ok(())
            }
            Violation::SkillMismatch {
                at,
                conversation,
                chosen,
                best,
            } => write!(
                f,
                "{at}: {conversation} went to {} (skill score {}) while {} (score {}) was free",
                chosen.0, chosen.1, best.0, best.1
            ),
            Violation::Panicked(message) => write!(f, "panicked: {message}"),
            Violation::Audit { step, violation } => {
                write!(f, "engine audit failed after command {step}: {violation}")
            }
        }
    }
}

//! The plain values the strategies generate: a team of agents and a list of
//! steps. Kept small and flat (small integers, indices taken modulo the
//! number of agents or conversations) so that proptest shrinks a failing
//! case by dropping steps and lowering numbers, and every shrunk value is
//! still a valid scenario.

use crate::model::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Priority, SkillId, SkillLevel,
    SkillRequirement,
};
use std::fmt;

/// Skills a generated scenario uses: `0..SKILLS`.
pub const SKILLS: usize = 2;

/// Host time between two steps, in milliseconds: one second, so that every
/// command has its own timestamp (policies that look at activity times see
/// distinct values).
pub const STEP_GAP_MS: u64 = 1_000;

/// One agent of a generated team. Agent `i` of [`Scenario::agents`] has id
/// `i + 1`, works every channel and starts with `status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentPlan {
    /// Level in each skill `0..SKILLS`, `0` when the agent lacks it.
    pub levels: [u8; SKILLS],
    /// Concurrency cap in full conversation units (`1..=`[`Capacity::MAX_CAP`](crate::Capacity::MAX_CAP)).
    pub cap: u32,
    /// Status at registration.
    pub status: AgentStatus,
}

impl AgentPlan {
    /// The [`AgentSpec`] registered for agent `index` of the scenario.
    pub fn spec(&self, index: usize) -> AgentSpec {
        let skills = self
            .levels
            .iter()
            .enumerate()
            // A level of 0 (or any outside 1..=10) means "lacks the skill".
            .filter_map(|(skill, &level)| SkillLevel::new(SkillId(skill as u32), level).ok());
        AgentSpec::new(AgentId(index as u64 + 1), Capacity::units(self.cap))
            .skills(skills)
            .status(self.status)
    }
}

/// One step of a generated scenario. Steps that name a conversation or an
/// agent do so by index, taken modulo the number opened (registered) so far;
/// a step that does not apply to the conversation's current state (a reply
/// to a queued thread, say) is skipped rather than sent, so a shrunk
/// scenario never turns into a list of refused commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A customer opens a conversation.
    Open {
        /// `Some(c)`: customer `c + 1`, who may come back (stickiness);
        /// `None`: a customer never seen before.
        customer: Option<u8>,
        /// The required skill `(skill, minimum level)`, if any.
        skill: Option<(u8, u8)>,
        /// The priority class.
        priority: Priority,
        /// The customer is a VIP (boosted one class).
        vip: bool,
        /// Email (half weight) rather than WhatsApp.
        email: bool,
        /// Starts with the bot tier; a later [`Step::Escalate`] hands it over.
        bot: bool,
    },
    /// The bot hands the conversation to humans.
    Escalate {
        /// Conversation index.
        conversation: u8,
    },
    /// The owning agent answers an assigned thread.
    AgentReply {
        /// Conversation index.
        conversation: u8,
    },
    /// The customer writes again (brings a parked thread back).
    CustomerWrites {
        /// Conversation index.
        conversation: u8,
    },
    /// The customer went quiet: the assigned thread is parked.
    Park {
        /// Conversation index.
        conversation: u8,
    },
    /// The conversation is resolved.
    Resolve {
        /// Conversation index.
        conversation: u8,
    },
    /// An agent changes status.
    SetStatus {
        /// Agent index.
        agent: u8,
        /// The new status.
        status: AgentStatus,
    },
    /// Time jumps ahead by `secs` seconds and the host applies a tick.
    Wait {
        /// Seconds.
        secs: u32,
    },
}

impl Step {
    /// The channel of an [`Step::Open`] (WhatsApp or email).
    pub fn channel(email: bool) -> Channel {
        if email {
            Channel::Email
        } else {
            Channel::WhatsApp
        }
    }

    /// The requirement list of an [`Step::Open`].
    pub fn requirements(skill: Option<(u8, u8)>) -> Vec<SkillRequirement> {
        skill
            .and_then(|(s, level)| SkillRequirement::new(SkillId(u32::from(s)), level).ok())
            .into_iter()
            .collect()
    }
}

/// A generated scenario: the team, registered at time 0, then the steps,
/// one [`STEP_GAP_MS`] apart (plus the waits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// The team; agent `i` has id `i + 1`.
    pub agents: Vec<AgentPlan>,
    /// What happens, in order.
    pub steps: Vec<Step>,
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "agents:")?;
        for (i, a) in self.agents.iter().enumerate() {
            writeln!(
                f,
                "  agent#{}: levels {:?}, cap {}, {:?}",
                i + 1,
                a.levels,
                a.cap,
                a.status
            )?;
        }
        writeln!(f, "steps:")?;
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {i:>2}. {s:?}")?;
        }
        Ok(())
    }
}

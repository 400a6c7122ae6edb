//! Agents: who they are, what they can do, how much they may hold.

use super::{AgentId, Capacity, Channel, ConversationId, SkillLevel, Timestamp};
use serde::{Deserialize, Serialize};

/// Whether an agent takes new work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AgentStatus {
    /// Takes new work up to the cap.
    Online,
    /// On a break: takes no new work, keeps their threads (customers who
    /// write again wait for them, up to the known-agent timeout).
    Away,
    /// Logged off: takes no new work; live threads are requeued with their
    /// age and priority, parked threads are released.
    #[default]
    Offline,
    /// Finishing up: takes no new work, keeps and works their threads.
    Draining,
}

impl AgentStatus {
    /// Whether the engine may give this agent new work.
    pub const fn accepts_work(self) -> bool {
        matches!(self, AgentStatus::Online)
    }
}

/// Everything needed to register an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSpec {
    /// The agent's id, unique in the engine.
    pub id: AgentId,
    /// Skills and levels (each level in `1..=10`, each skill at most once).
    pub skills: Vec<SkillLevel>,
    /// Concurrency cap: the sum of the channel weights of the agent's live
    /// threads (plus parked threads at the parked weight) never exceeds it.
    pub cap: Capacity,
    /// Channels the agent works; `None` means every channel.
    pub channels: Option<Vec<Channel>>,
    /// Status at registration.
    pub status: AgentStatus,
}

impl AgentSpec {
    /// An online agent with `skills`, a cap of `cap_units` full conversations,
    /// working every channel.
    pub fn new(id: u64, skills: Vec<SkillLevel>, cap_units: u32) -> Self {
        Self {
            id: AgentId(id),
            skills,
            cap: Capacity::units(cap_units),
            channels: None,
            status: AgentStatus::Online,
        }
    }
}

/// A read-only picture of an agent, as the engine sees it now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// The agent.
    pub id: AgentId,
    /// Current status.
    pub status: AgentStatus,
    /// Capacity in use (live threads at full weight, parked at parked weight).
    pub load: Capacity,
    /// The cap.
    pub cap: Capacity,
    /// Skills and levels.
    pub skills: Vec<SkillLevel>,
    /// Live threads (assigned or offered).
    pub active: Vec<ConversationId>,
    /// Parked threads (the customer went quiet).
    pub parked: Vec<ConversationId>,
    /// Threads waiting for this agent in particular (returning customers).
    pub waiting_for_agent: Vec<ConversationId>,
    /// When the agent last took new work or wrote a message.
    pub last_activity: Timestamp,
    /// The highest load the agent ever had.
    pub load_high_water: Capacity,
}

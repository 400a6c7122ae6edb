//! Agents: who they are, what they can do, how much they may hold.

use super::{
    AgentId, Capacity, Channel, ConversationId, Level, SkillId, SkillLevel, SkillWindow, Timestamp,
};
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

/// Everything needed to register an agent: the data of
/// [`Command::AddAgent`](crate::Command::AddAgent). Start from
/// [`AgentSpec::new`] with the agent's id and cap, then add skills and
/// narrow channels or status with the chainable setters.
///
/// ```
/// use switchboard::{AgentId, AgentSpec, AgentStatus, Capacity, Channel, Level, SkillId};
///
/// let spec = AgentSpec::new(AgentId(1), Capacity::units(4))
///     .skill(SkillId(7), Level::of::<6>())
///     .skill(SkillId(8), Level::new(3)?)
///     .channels([Channel::WhatsApp, Channel::Email])
///     .status(AgentStatus::Away);
/// assert_eq!(spec.skills.len(), 2);
/// # Ok::<(), switchboard::LevelOutOfRange>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
    /// Skills that count only within a window of time (see
    /// [`SkillWindow`]), beside the permanent `skills`: at most
    /// [`Limits::skill_windows`](crate::Limits::skill_windows) windows; a
    /// skill is either permanent or windowed, and its windows neither
    /// overlap nor touch. Left out of JSON while empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skill_windows: Vec<SkillWindow>,
}

impl AgentSpec {
    /// Agent `id` with concurrency cap `cap` (for example
    /// [`Capacity::units`]`(4)`: four full-weight conversations), online,
    /// working every channel, with no skills yet.
    pub fn new(id: AgentId, cap: Capacity) -> Self {
        Self {
            id,
            skills: Vec::new(),
            cap,
            channels: None,
            status: AgentStatus::Online,
            skill_windows: Vec::new(),
        }
    }

    /// Also holds `skill` at `level`.
    pub fn skill(mut self, skill: SkillId, level: Level) -> Self {
        self.skills.push(SkillLevel::at(skill, level));
        self
    }

    /// Also holds each of `skills`.
    pub fn skills(mut self, skills: impl IntoIterator<Item = SkillLevel>) -> Self {
        self.skills.extend(skills);
        self
    }

    /// Also holds `skill` at `level`, but only from `from` until `until`
    /// (see [`SkillWindow`]); call it again for another window of the same
    /// skill.
    pub fn skill_window(
        mut self,
        skill: SkillId,
        level: Level,
        from: Timestamp,
        until: Timestamp,
    ) -> Self {
        self.skill_windows
            .push(SkillWindow::new(skill, level, from, until));
        self
    }

    /// Works only `channels` (instead of every channel).
    pub fn channels(mut self, channels: impl IntoIterator<Item = Channel>) -> Self {
        self.channels = Some(channels.into_iter().collect());
        self
    }

    /// Registers with `status` (instead of online).
    pub fn status(mut self, status: AgentStatus) -> Self {
        self.status = status;
        self
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
    /// Skills and levels, windowed skills included whether they count now
    /// or not (see [`SkillWindow`]).
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

//! [`Limits`]: how much state one engine may hold, so that a long-running
//! tenant, or a host bug naming a new skill set per conversation, meets a
//! typed refusal instead of growing memory without bound.
//!
//! Each limit is checked in validation, before anything changes: a command
//! that would pass one is refused with
//! [`EngineError::LimitReached`](crate::EngineError::LimitReached) naming
//! the limit, and the state is exactly as before. Only new work is refused:
//! a conversation requeued by the engine itself (an agent going offline, a
//! declined offer) always finds its line, so a line can exceed
//! `waiting_per_group` by the work that was already inside.

use serde::{Deserialize, Serialize};

/// The most state one engine holds (see the module docs). The defaults are
/// far above a contact centre's day and far below the machine's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// Agents registered. Default 1,000,000.
    pub agents: u32,
    /// Conversations held, live or resolved and not yet purged
    /// (`Command::Purge` frees them). Default 10,000,000.
    pub conversations: u32,
    /// Customers known. Default 10,000,000.
    pub customers: u32,
    /// Skill groups (distinct channel and skill sets work asked for).
    /// Default 100,000.
    pub skill_groups: u32,
    /// Skills one agent holds, or one conversation requires. Default
    /// 10,000 (a host's catalogue of fine-grained skills can run to
    /// thousands; a list of millions is a bug).
    pub skills: u32,
    /// Conversations waiting in one skill group's line before new work for
    /// that group is refused. Default 1,000,000.
    pub waiting_per_group: u32,
    /// Skill windows one agent is registered with
    /// ([`AgentSpec::skill_windows`](crate::AgentSpec::skill_windows)),
    /// at most [`MAX_SKILL_WINDOWS`]: each arms up to two timers. Default
    /// 32 (a week of daily windows for a few skills). Left out of JSON
    /// while at its default, so configurations written before it encode
    /// as they did.
    #[serde(skip_serializing_if = "is_default_skill_windows")]
    pub skill_windows: u32,
}

/// The default of [`Limits::skill_windows`].
const DEFAULT_SKILL_WINDOWS: u32 = 32;

/// The largest [`Limits::skill_windows`]: an agent's windowed skills are
/// scanned on each edge of one of them.
pub const MAX_SKILL_WINDOWS: u32 = 1_024;

fn is_default_skill_windows(n: &u32) -> bool {
    *n == DEFAULT_SKILL_WINDOWS
}

/// The largest value of any limit: slot indices stay addressable.
pub const MAX_LIMIT: u32 = u32::MAX - 2;

impl Default for Limits {
    fn default() -> Self {
        Self {
            agents: 1_000_000,
            conversations: 10_000_000,
            customers: 10_000_000,
            skill_groups: 100_000,
            skills: 10_000,
            waiting_per_group: 1_000_000,
            skill_windows: DEFAULT_SKILL_WINDOWS,
        }
    }
}

impl Limits {
    /// Sets [`Limits::agents`].
    pub fn agents(mut self, n: u32) -> Self {
        self.agents = n;
        self
    }

    /// Sets [`Limits::conversations`].
    pub fn conversations(mut self, n: u32) -> Self {
        self.conversations = n;
        self
    }

    /// Sets [`Limits::customers`].
    pub fn customers(mut self, n: u32) -> Self {
        self.customers = n;
        self
    }

    /// Sets [`Limits::skill_groups`].
    pub fn skill_groups(mut self, n: u32) -> Self {
        self.skill_groups = n;
        self
    }

    /// Sets [`Limits::skills`].
    pub fn skills(mut self, n: u32) -> Self {
        self.skills = n;
        self
    }

    /// Sets [`Limits::waiting_per_group`].
    pub fn waiting_per_group(mut self, n: u32) -> Self {
        self.waiting_per_group = n;
        self
    }

    /// Sets [`Limits::skill_windows`].
    pub fn skill_windows(mut self, n: u32) -> Self {
        self.skill_windows = n;
        self
    }

    /// Each limit by name, for validation and messages.
    pub(crate) fn named(&self) -> [(&'static str, u32); 7] {
        [
            ("agents", self.agents),
            ("conversations", self.conversations),
            ("customers", self.customers),
            ("skill_groups", self.skill_groups),
            ("skills", self.skills),
            ("waiting_per_group", self.waiting_per_group),
            ("skill_windows", self.skill_windows),
        ]
    }
}

/// Whether one more item fits beside the `count` held under `limit`.
pub(crate) fn room(count: usize, limit: u32) -> bool {
    count < limit as usize
}

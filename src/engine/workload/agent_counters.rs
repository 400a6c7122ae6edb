//! What the workload rules did to one agent, counted since registration
//! (kept by snapshots): the per-agent side of the engine-wide
//! [`Refusals`](super::Refusals) and no-answer counters, so a supervisor
//! sees who hits their channel cap or rate limit, who leaves
//! conversations unanswered, and who pulls work.

use serde::{Deserialize, Serialize};

/// Per-agent workload counters ([`AgentStats::counters`](crate::AgentStats::counters)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCounters {
    /// Times the agent was passed over because their cap on the
    /// conversation's channel was reached
    /// ([`CapLevel::AgentChannel`](super::CapLevel::AgentChannel)).
    #[serde(default)]
    pub channel_cap: u64,
    /// Times the agent reached their assignment rate limit (each is one
    /// [`Decision::RateLimitReached`](crate::Decision::RateLimitReached)).
    #[serde(default)]
    pub rate_limit: u64,
    /// Conversations taken back from the agent because they did not send
    /// a first reply in time (each [`Decision::NoAnswer`](crate::Decision::NoAnswer)
    /// naming them, whatever its action).
    #[serde(default)]
    pub no_answers: u64,
    /// Conversations the agent took with
    /// [`Command::PullNext`](crate::Command::PullNext).
    #[serde(default)]
    pub pulls: u64,
}

impl AgentCounters {
    /// Whether nothing was counted (left out of snapshots then, so older
    /// snapshots encode as they did).
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

//! Statistics: running counters since the start, and the real-time view a
//! supervisor's wallboard shows (per skill group and per agent), kept up to
//! date as state changes so that reading them costs O(1) per group.

use super::workload::{RateLimit, Refusals, TeamId};
use crate::model::TimeSpan;
use crate::model::{AgentId, AgentStatus, Capacity, Channel, SkillRequirement, Timestamp};
use serde::{Deserialize, Serialize};

/// Counters since the engine started (restored with a snapshot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineStats {
    /// Conversations handed to an agent (assigned or offered).
    pub assignments: u64,
    /// Returning customers who reached their last agent.
    pub sticky_hits: u64,
    /// Returning customers who did not.
    pub sticky_misses: u64,
    /// SLA warnings raised.
    pub sla_warnings: u64,
    /// SLA breaches raised.
    pub sla_breaches: u64,
    /// Threads sent back to a queue (offline agent, decline, offer timeout,
    /// transfer to a group).
    pub requeues: u64,
    /// Offers declined.
    pub declines: u64,
    /// Offers that timed out.
    pub offer_timeouts: u64,
    /// Times the routing policy broke its contract (a rank that changed
    /// between two calls with the same inputs, or a panic) and the engine
    /// fell back to the stored order. Zero for a well-behaved policy.
    pub policy_faults: u64,
    /// Wrap-ups started.
    pub wrap_ups: u64,
    /// Wrap-ups the agent ended early.
    pub wrap_ups_ended_early: u64,
    /// Wrap-ups ended because the customer wrote again (reopened).
    pub wrap_ups_reopened: u64,
    /// Time spent in ended wrap-ups, all agents, in milliseconds.
    pub wrap_up_ms: u64,
    /// Assignments refused, by the cap level that refused them.
    pub refusals: Refusals,
    /// Conversations sent back to their line because the agent did not
    /// answer in time.
    pub no_answer_requeues: u64,
    /// Conversations kept with a silent agent after the last hop.
    pub no_answer_kept: u64,
    /// Conversations resolved after the last hop.
    pub no_answer_resolved: u64,
    /// Conversations agents took by pulling (`PullNext`).
    pub pulls: u64,
    /// Assignments of an interrupting channel that took an agent's load
    /// above their cap ([`WorkloadConfig::interruptions`](crate::WorkloadConfig::interruptions)).
    // Left out when zero, so statistics written before it encode byte
    // for byte as they did (tests/persist/wire_fixtures.rs).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub interruptions: u64,
}

/// Real-time statistics of one skill group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStats {
    /// The group's channel.
    pub channel: Channel,
    /// The skills its conversations require.
    pub skills: Vec<SkillRequirement>,
    /// Conversations waiting in the group's line.
    pub waiting: u32,
    /// When the longest-waiting of them started waiting (its age is
    /// `now - oldest_waiting_since`).
    pub oldest_waiting_since: Option<Timestamp>,
    /// Eligible agents online.
    pub agents_online: u32,
    /// Eligible agents with room for one more of its conversations now
    /// (online, under the cap by the group's weight, nobody waiting for them
    /// personally, not cooling down after a decline).
    pub agents_with_room: u32,
    /// Capacity one of its conversations uses.
    pub weight: Capacity,
}

/// Real-time statistics of one agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStats {
    /// The agent.
    pub agent: AgentId,
    /// Status.
    pub status: AgentStatus,
    /// Capacity in use.
    pub load: Capacity,
    /// The cap (the load may exceed it after the cap was lowered).
    pub cap: Capacity,
    /// Live threads (assigned or offered).
    pub live: u32,
    /// Parked threads.
    pub parked: u32,
    /// Threads waiting for this agent in particular.
    pub waiting_for_agent: u32,
    /// Resolved threads in wrap-up now.
    pub in_wrap_up: u32,
    /// Time spent in ended wrap-ups since registration.
    pub wrap_up_time: TimeSpan,
    /// The agent's team.
    pub team: Option<TeamId>,
    /// Per channel with a cap: the channel, live threads on it, the cap.
    pub channels: Vec<(Channel, u32, u32)>,
    /// The assignment rate limit in force (their own, else their team's).
    pub rate_limit: Option<RateLimit>,
    /// New assignments in the current window (with a limit).
    pub recent_assignments: u32,
    /// At the rate limit now: no new work until the window slides.
    pub rate_limited: bool,
    /// How far the agent may fill up by pulling (`None`: the cap).
    pub pull_cap: Option<Capacity>,
    /// The agent's own weight per channel, where it replaces the
    /// channel's ([`Command::SetChannelWeight`](crate::Command::SetChannelWeight)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<(Channel, Capacity)>,
    /// What the workload rules did to the agent since registration:
    /// channel-cap refusals, rate limits reached, conversations taken back
    /// unanswered, pulls.
    #[serde(default, skip_serializing_if = "crate::AgentCounters::is_zero")]
    pub counters: crate::AgentCounters,
}

/// For serde: a counter added after wire format 1 is left out while zero.
fn is_zero(n: &u64) -> bool {
    *n == 0
}

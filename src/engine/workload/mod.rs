//! Workload rules: what an agent holds after a conversation and the caps
//! above the agent's own.
//!
//! * **Wrap-up** (`wrapup.rs`): when an agent's live thread is resolved on
//!   a channel with a [`WrapUpRule`], the agent keeps part or all of its
//!   weight until the rule's time box (a `WrapUpEnd` timer), or until they
//!   end it early where the mode allows ([`Command::EndWrapUp`](crate::Command::EndWrapUp)). A
//!   customer who writes during the wrap-up reopens the thread to the same
//!   agent, assigned at once without an offer (or first in their own queue
//!   when the rest of the weight does not fit).
//! * **Caps beside the agent's** (`channel.rs`): a cap per channel on the
//!   agent's live threads of that channel, beside their total cap
//!   (TaskRouter's per-worker channel capacity). Agent-level like the total
//!   cap: an agent at a channel's cap leaves that channel's free indexes
//!   and is settled again when one of their threads ends.
//! * **An agent's own weight per channel** (`weight.rs`): in place of the
//!   configuration's channel weight, for that agent; their threads of the
//!   channel are re-weighed when it changes (nothing moves).
//! * **Interruption** ([`WorkloadConfig::interruptions`]): a channel may
//!   interrupt others; its work fits an agent under their cap beside the
//!   load held on the channels it interrupts (kept per channel on the
//!   agent, so the check is O(1)). The interrupted threads keep their
//!   place; the load may so exceed the cap (at most by the interrupted
//!   load: one level of interruption only), and no other work reaches the
//!   agent until it is back under the cap, as after a lowered cap.
//! * **Capacity by conversation status**
//!   ([`WorkloadConfig::parked_permille`]): what a thread waiting on the
//!   customer costs, per channel, read by `EngineConfig::parked_weight`.
//! * **Assignment rate limits** (`rate.rs`): at most N new assignments
//!   per agent in a rolling window, the agent's own or their team's; an
//!   agent at the limit is skipped until a timer says the window slid.
//! * **Reassignment when the agent does not answer** (`no_answer.rs`): a
//!   timer per unanswered assignment sends the conversation back to its
//!   line, age and priority kept, a bounded number of times, then applies
//!   a terminal action.
//! * **Returning customers' affinity per channel**
//!   ([`WorkloadConfig::affinity_windows`]): how long the last agent stays
//!   preferred on each channel; an expired affinity is a sticky miss with
//!   its reason.
//! * **Pull mode** (`pull.rs`): an agent asks for their next
//!   conversation under the push rules, up to a pull maximum above the
//!   cap.
//! * **Caps above the agent** (`gate.rs`, `team.rs`, `queue_cap.rs`):
//!   teams (named, with members; [`Command::SetTeam`](crate::Command::SetTeam)) cap their members' live threads
//!   together, a routing plan's queue caps the live conversations its
//!   pool took (`max_live`), and the tenant caps all live threads
//!   ([`Command::SetTenantCap`](crate::Command::SetTenantCap)).
//!
//! # The order of the levels
//!
//! A new assignment (from a skill group's line, a pull of waiting work by
//! an agent with room, or a returning customer's known agent) passes, in
//! this order: the agent on the conversation's channel (their cap on that
//! channel's live threads, [`Command::SetChannelCap`](crate::Command::SetChannelCap)),
//! the agent in total (status, room under their own cap, nobody waiting
//! for them, no cool-down), the agent's team, the routing-plan queue whose
//! pool the work comes from, the tenant. The first level that is full
//! refuses it, and the refusal is counted under that level ([`Refusals`],
//! per team in [`TeamStats`], per queue in [`QueueCapStats`]). An agent's
//! own threads coming back (a parked
//! thread the customer writes to, a wrap-up reopened, a transfer to the
//! agent) are theirs already: only the agent's own cap applies to them, as
//! it does today.
//!
//! # Lowering a cap
//!
//! As for an agent's cap: accepted at once, no live thread moves, and new
//! work waits until the level is under its cap again.
//!
//! # Cost
//!
//! Nothing scans all agents. A full team's members are kept out of the
//! free indexes: dropped lazily when one reaches a root, or not listed
//! when re-ranked (a check of the team's count, no rank computed), and
//! listed in the team's `gated` list, each once. When a thread of the team
//! ends, the agent who freed the room settles first and usually takes the
//! next thread; only if the team still has room once every agent of the
//! command is settled are the held-back members settled, one at a time,
//! longest held back first, until it is full again. A team oscillating at
//! its cap so costs O(1) settles per flip, not O(team size).
//! The tenant's cap does not drop anyone from an index: a dispatch that
//! reaches it stops and lists its group (at most once); when the tenant
//! frees room those groups are dispatched oldest head first, O(groups
//! listed), and agents it held back are settled.

mod agent_counters;
pub(crate) mod audit;
pub(crate) mod channel;
pub(crate) mod config;
pub(crate) mod config_check;
pub(crate) mod fit;
pub(crate) mod gate;
pub(crate) mod no_answer;
pub(crate) mod pull;
mod query;
pub(crate) mod queue_cap;
pub(crate) mod rate;
pub(crate) mod snapshot;
pub(crate) mod team;
pub(crate) mod weight;
pub(crate) mod wrapup;

pub use agent_counters::AgentCounters;
pub use config::{
    NoAnswerFinal, NoAnswerRule, RateLimit, WorkloadConfig, WrapUpMode, WrapUpRule, MAX_LIVE_CAP,
    MAX_NO_ANSWER_HOPS, MAX_RATE,
};
pub use config_check::WorkloadConfigError;
pub use query::{TeamStats, TenantStats, WrapUpInfo};
pub use queue_cap::QueueCapStats;
pub use team::MAX_TEAM_NAME;

use serde::{Deserialize, Serialize};
use std::fmt;

/// A team, chosen by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TeamId(pub u64);

impl fmt::Display for TeamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "team#{}", self.0)
    }
}

/// A level an assignment must pass, in the order they are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CapLevel {
    /// The agent's cap on the conversation's channel.
    AgentChannel,
    /// The agent's own (total) cap.
    AgentTotal,
    /// The cap of the agent's team.
    Team,
    /// The tenant's total.
    Tenant,
    /// The agent's assignment rate limit (checked with the agent's own
    /// levels, after their total cap).
    RateLimit,
    /// The cap of the routing-plan queue whose pool the work is taken
    /// from (checked after the team, before the tenant).
    Queue,
}

/// Assignments refused, by the level that refused them: each time an
/// agent otherwise chosen for new work (the best of a free index, an agent
/// pulling waiting work, a returning customer's known agent) was passed
/// over because that level was full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Refusals {
    /// The agent's cap on the channel was reached.
    pub agent_channel: u64,
    /// The agent had no room left under their own cap.
    pub agent_total: u64,
    /// The agent's team was at its cap.
    pub team: u64,
    /// The tenant was at its total.
    pub tenant: u64,
    /// An agent reached their assignment rate limit (counted once each
    /// time: they are skipped until the window slides).
    pub rate_limit: u64,
    /// A routing-plan queue was at its cap (per queue in
    /// [`Engine::queue_caps`](crate::Engine::queue_caps)).
    // Left out when zero: statistics written before it encode byte for
    // byte as they did (tests/persist/wire_fixtures.rs).
    #[serde(skip_serializing_if = "is_zero")]
    pub queue: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Refusals {
    pub(crate) fn count(&mut self, level: CapLevel) {
        match level {
            CapLevel::AgentChannel => self.agent_channel += 1,
            CapLevel::AgentTotal => self.agent_total += 1,
            CapLevel::Team => self.team += 1,
            CapLevel::Tenant => self.tenant += 1,
            CapLevel::RateLimit => self.rate_limit += 1,
            CapLevel::Queue => self.queue += 1,
        }
    }
}

/// Why a wrap-up ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WrapUpEndReason {
    /// Its time box passed.
    TimedOut,
    /// The agent ended it ([`Command::EndWrapUp`](crate::Command::EndWrapUp)).
    EndedByAgent,
    /// The customer wrote again: the thread reopened to the agent.
    Reopened,
    /// The agent went offline.
    AgentOffline,
}

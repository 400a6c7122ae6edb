//! The workload rules' configuration: wrap-up per channel and the tenant's
//! cap on live conversations, and what the rules read of it. Validated
//! with typed errors when the engine is built (`config_check.rs`), so
//! every value the rules compute with is bounded.

use crate::engine::config::MAX_SETTING;
use crate::model::{Channel, TimeSpan};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The largest cap on live conversations a team or the tenant may have:
/// far beyond any contact centre, small enough that no count overflows.
pub const MAX_LIVE_CAP: u32 = 10_000_000;

/// The workload rules of [`EngineConfig`](crate::EngineConfig). The
/// default sets none: an engine without them decides exactly as before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadConfig {
    /// Wrap-up after an agent's live thread is resolved, per channel; a
    /// channel not listed has none.
    pub wrap_up: BTreeMap<Channel, WrapUpRule>,
    /// The tenant's total of live (offered or assigned) conversations at
    /// start (`None`: no total). Changed at run time by
    /// [`Command::SetTenantCap`](crate::Command::SetTenantCap).
    pub tenant_max_live: Option<u32>,
    /// Reassignment when the agent does not answer (`None`: never).
    pub no_answer: Option<NoAnswerRule>,
    /// How long a returning customer's last agent stays preferred, per
    /// channel, in place of
    /// [`EngineConfig::affinity_window`](crate::EngineConfig::affinity_window).
    /// On a channel listed here an expired affinity is a
    /// [`StickyMiss`](crate::Decision::StickyMiss) with reason
    /// [`AffinityExpired`](crate::StickyMissReason::AffinityExpired); on
    /// the others it passes silently, as before. Each at most
    /// `MAX_SETTING`.
    pub affinity_windows: BTreeMap<Channel, TimeSpan>,
    /// The interruption matrix: each channel listed may interrupt the
    /// channels in its set. A thread of an interrupting channel fits an
    /// agent when it fits under their cap beside the load held on the
    /// channels it interrupts: an agent whose cap is full of chats can
    /// still take the urgent text. The interrupted threads keep their
    /// place and their weight (nothing moves); the agent's load may so
    /// exceed their cap by at most the load of the interrupted channels
    /// (so never twice the cap: an interrupting channel may not be
    /// interrupted itself), and no other work reaches them until it is
    /// back under the cap. The channel's own cap
    /// ([`Command::SetChannelCap`](crate::Command::SetChannelCap)) and
    /// every level above the agent still apply.
    // Left out when empty: configurations written before it encode
    // byte for byte as they did (tests/persist/wire_fixtures.rs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub interruptions: BTreeMap<Channel, BTreeSet<Channel>>,
    /// Capacity by conversation status: what a thread waiting on the
    /// customer (parked) costs its agent on each channel listed, in
    /// permille of the channel's weight (`0..=1000`), in place of
    /// [`EngineConfig::parked_weight_permille`](crate::EngineConfig::parked_weight_permille)
    /// (which the channels not listed keep). A voice callback waiting on
    /// the customer may so cost nothing while a chat keeps a quarter.
    // Left out when empty: configurations written before it encode
    // byte for byte as they did (tests/persist/wire_fixtures.rs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parked_permille: BTreeMap<Channel, u32>,
}

/// What happens to a conversation whose agent sends no first reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAnswerRule {
    /// Time after the assignment (or acceptance) within which the agent
    /// must send a first reply, `1..=MAX_SETTING`.
    pub after: TimeSpan,
    /// Set the agent away when it passes (Kustomer's rule), so the next
    /// conversation does not hit them either.
    pub set_away: bool,
    /// How many times the conversation goes back to its line, at most
    /// [`MAX_NO_ANSWER_HOPS`].
    pub max_hops: u32,
    /// What happens when the time passes once more after the last hop.
    pub last: NoAnswerFinal,
}

/// The most reassignments a no-answer rule may allow.
pub const MAX_NO_ANSWER_HOPS: u32 = 16;

/// The terminal action of a no-answer rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoAnswerFinal {
    /// Keep the conversation with its agent and warn (a supervisor acts).
    KeepAndWarn,
    /// Resolve it with this reason.
    Resolve {
        /// The reason recorded.
        reason: crate::model::ResolveReason,
    },
}

/// How one channel's wrap-up works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapUpRule {
    /// Whether and when the agent may end it early.
    pub mode: WrapUpMode,
    /// The time box: the wrap-up ends by itself this long after the
    /// resolve. In `1..=MAX_SETTING`.
    pub time: TimeSpan,
    /// Share of the conversation's weight the agent keeps holding during
    /// the wrap-up, in permille (`0..=1000`; 1000 holds all of it).
    pub hold_permille: u32,
}

/// When a wrap-up may end before its time box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WrapUpMode {
    /// The agent may end it at any moment with
    /// [`Command::EndWrapUp`](crate::Command::EndWrapUp) (or skip it by
    /// ending it at once).
    Optional,
    /// Mandatory and time-boxed: the agent may end it early, but not before
    /// `min` has passed since the resolve (`min <= time`).
    TimeBoxed {
        /// The least time the agent spends in wrap-up.
        min: TimeSpan,
    },
    /// Mandatory without early end: it lasts the whole time box;
    /// `EndWrapUp` is refused.
    NoEarlyEnd,
}

/// At most `max` new assignments in any rolling `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Assignments allowed in the window, `1..=MAX_RATE`.
    pub max: u32,
    /// The window, `1..=MAX_SETTING` milliseconds.
    pub window: TimeSpan,
}

/// The most assignments a rate limit may allow per window: the times of
/// that many are kept per limited agent.
pub const MAX_RATE: u32 = 10_000;

impl RateLimit {
    /// Whether both values are in range.
    pub(crate) fn valid(&self) -> bool {
        (1..=MAX_RATE).contains(&self.max)
            && self.window != TimeSpan::ZERO
            && self.window <= MAX_SETTING
    }
}

impl WorkloadConfig {
    /// The channels `channel` interrupts, as a mask of `Channel::index`
    /// bits (0 without interruptions: one branch).
    #[inline]
    pub(crate) fn over(&self, channel: Channel) -> u8 {
        if self.interruptions.is_empty() {
            return 0;
        }
        self.interruptions.get(&channel).map_or(0, |over| {
            over.iter().fold(0u8, |mask, c| mask | 1 << c.index())
        })
    }

    /// The parked share of `channel`'s weight, in permille, if the
    /// workload rules set one.
    #[inline]
    pub(crate) fn parked_permille(&self, channel: Channel) -> Option<u32> {
        if self.parked_permille.is_empty() {
            return None;
        }
        self.parked_permille.get(&channel).copied()
    }

    /// The wrap-up rule of `channel`, if any.
    pub(crate) fn wrap_up(&self, channel: Channel) -> Option<&WrapUpRule> {
        if self.wrap_up.is_empty() {
            return None;
        }
        self.wrap_up.get(&channel)
    }
}

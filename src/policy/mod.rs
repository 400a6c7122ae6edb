//! Routing policies: how the engine orders the eligible agents of a skill
//! group. A policy ranks one agent at a time; the engine keeps every group's
//! free agents in a set ordered by that rank, so choosing an agent is a
//! lookup of the smallest rank (O(log n)), never a scan.
//!
//! The engine, not the policy, enforces caps, skills, status and stickiness:
//! a policy only orders agents the engine already found eligible.
//!
//! The built-in policies are named by [`BuiltinPolicy`] (looked up by name
//! for configuration files with [`BuiltinPolicy::from_name`]); wherever a
//! policy is needed more than once (the simulator's replications, the
//! runtime's tenants), a [`PolicyFactory`] makes it.
//!
//! ```
//! use switchboard::policy::{AgentView, QueueView, Rank, RoutingPolicy};
//!
//! /// Prefer the most skilled agent unless they are above 75% of their cap.
//! #[derive(Debug)]
//! struct SkilledUnlessBusy;
//!
//! impl RoutingPolicy for SkilledUnlessBusy {
//!     fn name(&self) -> &str {
//!         "skilled_unless_busy"
//!     }
//!     fn rank(&self, agent: &AgentView<'_>, queue: &QueueView<'_>) -> Rank {
//!         let busy = agent.load_permille() > 750;
//!         Rank::new([
//!             i64::from(busy),
//!             -i64::from(queue.skill_score(agent)),
//!             i64::from(agent.load_permille()),
//!         ])
//!     }
//! }
//! ```

mod best_skill;
mod builtin;
mod factory;
mod least_loaded;
mod longest_idle;
mod round_robin;

pub use best_skill::BestSkillMatch;
pub use builtin::{BuiltinPolicy, UnknownPolicy};
pub use factory::PolicyFactory;
pub use least_loaded::LeastLoaded;
pub use longest_idle::LongestIdle;
pub use round_robin::RoundRobin;

use crate::model::{
    AgentId, AgentStatus, Capacity, Channel, SkillLevel, SkillRequirement, Timestamp,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A policy's verdict on one agent: lexicographically smaller ranks are
/// preferred. Ties are broken by registration order, so decisions are
/// deterministic.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Rank(pub [i64; 3]);

impl Rank {
    /// A rank from three keys, compared in order.
    pub const fn new(keys: [i64; 3]) -> Self {
        Self(keys)
    }
}

/// What a policy may see of an agent. Built from the engine's live counters
/// each time the agent's load or activity changes.
#[derive(Clone, Copy, Debug)]
pub struct AgentView<'a> {
    /// The agent.
    pub id: AgentId,
    /// Status (always online when ranked for new work).
    pub status: AgentStatus,
    /// Capacity in use.
    pub load: Capacity,
    /// The cap.
    pub cap: Capacity,
    /// When the agent last took new work or wrote a message.
    pub last_activity: Timestamp,
    /// A counter value from the engine's assignment sequence at the agent's
    /// last assignment (0 if never): smaller means assigned longer ago.
    pub last_assigned_seq: u64,
    /// The agent's skills.
    pub skills: &'a [SkillLevel],
}

impl AgentView<'_> {
    /// Load relative to the cap, in permille (0 when idle, 1000 when full).
    pub fn load_permille(&self) -> u32 {
        if self.cap.0 == 0 {
            return 1000;
        }
        (u64::from(self.load.0) * 1000 / u64::from(self.cap.0)) as u32
    }

    /// `last_activity` as a rank key: monotone over every `u64` timestamp
    /// (saturates instead of wrapping past `i64::MAX`).
    pub fn activity_key(&self) -> i64 {
        i64::try_from(self.last_activity.0).unwrap_or(i64::MAX)
    }

    /// `last_assigned_seq` as a rank key, saturating like
    /// [`AgentView::activity_key`].
    pub fn assignment_key(&self) -> i64 {
        i64::try_from(self.last_assigned_seq).unwrap_or(i64::MAX)
    }

    /// The agent's level in `skill`, or 0 when they lack it.
    pub fn level(&self, skill: crate::model::SkillId) -> u8 {
        self.skills
            .iter()
            .find(|s| s.skill == skill)
            .map_or(0, |s| s.level.get())
    }
}

/// What a policy may see of the skill group being routed.
#[derive(Clone, Copy, Debug)]
pub struct QueueView<'a> {
    /// The channel of the group's conversations.
    pub channel: Channel,
    /// The skills its conversations require.
    pub skills: &'a [SkillRequirement],
}

impl QueueView<'_> {
    /// Sum of the agent's levels over the required skills: higher is a
    /// better match. Zero when nothing is required.
    pub fn skill_score(&self, agent: &AgentView<'_>) -> u32 {
        self.skills
            .iter()
            .map(|r| u32::from(agent.level(r.skill)))
            .sum()
    }
}

/// A routing policy. Object-safe and pure: the same views give the same rank.
///
/// `rank` must be cheap (a few arithmetic operations) and depend on nothing
/// but its arguments. It must also be **monotone**: a higher `load`, a later
/// `last_activity` or a larger `last_assigned_seq`, all else equal, never
/// gives a smaller (better) rank; a busier agent is never preferred over the
/// same agent less busy. The engine relies on it to re-rank an agent only
/// when their rank may improve (capacity freed, status or cap changed) and
/// to correct rises lazily when it meets them. A policy that breaks it still
/// never breaks a cap, but may miss its best agent, and the audit reports a
/// stale index.
pub trait RoutingPolicy: Send + Sync + fmt::Debug {
    /// A short stable name, used in reports and snapshots.
    fn name(&self) -> &str;

    /// Ranks `agent` for conversations of `queue`. Smaller is preferred.
    fn rank(&self, agent: &AgentView<'_>, queue: &QueueView<'_>) -> Rank;

    /// Whether the policy promises that, among the free eligible agents, the
    /// one with the best skill score gets the work (the fairness checks in
    /// `switchboard::testing` hold a policy to this claim). Default: no.
    fn claims_skill_match(&self) -> bool {
        false
    }
}

/// What [`Engine::new`](crate::Engine::new) and
/// [`Engine::restore`](crate::Engine::restore) accept as a policy: any
/// [`RoutingPolicy`] value, or one already boxed.
pub trait IntoPolicy {
    /// The policy, boxed.
    fn into_policy(self) -> Box<dyn RoutingPolicy>;
}

impl<P: RoutingPolicy + 'static> IntoPolicy for P {
    fn into_policy(self) -> Box<dyn RoutingPolicy> {
        Box::new(self)
    }
}

impl IntoPolicy for Box<dyn RoutingPolicy> {
    fn into_policy(self) -> Box<dyn RoutingPolicy> {
        self
    }
}

//! Snapshots: the whole state as plain serde data, and the restore that
//! rebuilds an engine making the same decisions. A snapshot holds what
//! cannot be derived (agents, groups with their free-agent ranks as they
//! stand, conversations, customers, timers, counters); every list and
//! count that can be derived from the conversations' places is rebuilt.
//! Restore treats its input as untrusted: every index is checked, and the
//! rebuilt engine must pass the audit, so a corrupt snapshot is an error,
//! never a panic.

use super::audit::AuditViolation;
use super::state::conv_wire::ConvWire;
use super::state::index::{AgentIdx, GroupIdx};
use super::state::timers::TimerKind;
use super::{ConfigError, EngineConfig, EngineStats};
use crate::model::{
    AgentId, AgentStatus, Capacity, Channel, CustomerId, SkillLevel, SkillRequirement, Tier,
    Timestamp,
};
use crate::policy::Rank;
use serde::{Deserialize, Serialize};
use thiserror::Error;

mod restore;
mod restore_conversations;
mod restore_groups;
mod take;

/// The snapshot format this build writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 2;

/// The engine's whole state as plain data (serialise it with any serde
/// format). Opaque on purpose: restore it with [`Engine::restore`](super::Engine::restore).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    format: u32,
    config: EngineConfig,
    policy: String,
    clock: Timestamp,
    seq: u64,
    stats: EngineStats,
    agents: Vec<AgentSnapshot>,
    groups: Vec<GroupSnapshot>,
    conversations: Vec<ConvWire>,
    customers: Vec<CustomerSnapshot>,
    timers: Vec<TimerSnapshot>,
    /// Teams, the tenant's cap and what they hold back.
    #[serde(default)]
    workload: super::workload::snapshot::WorkloadSnapshot,
    /// The routing plan in force, as loaded (recompiled on restore).
    #[serde(default)]
    plan: Option<crate::plan::Plan>,
    /// Reclaimed group slots, in reuse order (last first); their entries in
    /// `groups` are vacant. Left out when empty, so snapshots of engines
    /// that never reclaimed read and write as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    free_groups: Vec<GroupIdx>,
    /// Business hours: each calendar's and queue's state, the emergency
    /// switches, the epoch of the plan's gates and timers. Left out while
    /// nothing was ever set, so older snapshots encode as they did.
    #[serde(default, skip_serializing_if = "super::state::hours::Hours::is_unset")]
    hours: super::state::hours::Hours,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct AgentSnapshot {
    id: AgentId,
    skills: Vec<SkillLevel>,
    channels: Option<Vec<Channel>>,
    status: AgentStatus,
    load: Capacity,
    cap: Capacity,
    over_cap_allowance: Capacity,
    last_activity: Timestamp,
    last_assigned: u64,
    high_water: Capacity,
    cooldowns: Vec<(GroupIdx, Timestamp)>,
    /// Time spent in ended wrap-ups (ms).
    #[serde(default)]
    wrap_up_ms: u64,
    /// Caps on live threads per channel.
    #[serde(default)]
    channel_caps: Vec<(Channel, u32)>,
    /// The agent's own rate limit.
    #[serde(default)]
    own_limit: Option<super::workload::RateLimit>,
    /// Times of the recent assignments in the window.
    #[serde(default)]
    recent: Vec<Timestamp>,
    /// When the window timer that counts is due.
    #[serde(default)]
    rate_timer: Option<Timestamp>,
    /// The pull maximum.
    #[serde(default)]
    pull_cap: Option<Capacity>,
    /// Skills held only in windows of time (their skills are also in
    /// `skills`); left out when none, so older snapshots encode as they
    /// did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    skill_windows: Vec<crate::model::SkillWindow>,
    /// The windowed skills outside their windows now (which edge timers
    /// have fired is state: a command's time alone does not say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dormant: Vec<crate::model::SkillId>,
    /// The agent's own channel weights, left out when none so older
    /// snapshots encode as they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    weights: Vec<(Channel, Capacity)>,
    /// The agent's workload counters, left out when zero so older
    /// snapshots encode as they did.
    #[serde(
        default,
        skip_serializing_if = "super::workload::AgentCounters::is_zero"
    )]
    counters: super::workload::AgentCounters,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct GroupSnapshot {
    channel: Channel,
    skills: Vec<SkillRequirement>,
    /// The free-agent index as it stands (member position, stored rank):
    /// entries may lag on the worse side, and restoring them as they are
    /// keeps every later decision equal.
    free: Vec<(u32, Rank)>,
    /// Members to re-rank at the group's next search, in order.
    pending: Vec<AgentIdx>,
    /// Named as a routing plan's overflow group (never reclaimed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
    /// A reclaimed slot (listed in `Snapshot::free_groups`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    vacant: bool,
    /// The queue whose work it holds (0: shared; see `RoutingKey::gate`),
    /// left out when 0 so older snapshots encode as they did.
    #[serde(default, skip_serializing_if = "gate_is_shared")]
    gate: u64,
    /// A plan queue's group sharing the members and free index of the
    /// shared group (gate 0) of its channel and skills (`plan_pool.rs`):
    /// it has none of its own. Left out when not, so older snapshots
    /// encode as they did (and restore with members of their own).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    shares: bool,
    /// The members of a group of a queue no longer in force (an earlier
    /// plan's or hours epoch's gate): it keeps the members it had
    /// (`plan_hours::members_of`), which the plan in force cannot derive,
    /// so they are stored. Left out for every other group (derived on
    /// restore), so older snapshots encode as they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    members: Option<Vec<AgentIdx>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CustomerSnapshot {
    id: CustomerId,
    tier: Tier,
    last_agent: Option<(AgentIdx, Timestamp)>,
    /// Their owner and the wait for them (`Command::SetOwner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<(AgentIdx, crate::model::TimeSpan)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct TimerSnapshot {
    at: Timestamp,
    kind: TimerKind,
    subject: u64,
    /// Only for `CooldownEnd` (the group); a conversation's slot is
    /// found again from its id.
    group: u32,
    generation: u32,
    incarnation: u64,
}

/// Why a snapshot could not be restored.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// Written by another format version.
    #[error("snapshot format {found} is not supported (this build reads {SNAPSHOT_FORMAT})")]
    Format {
        /// The format found.
        found: u32,
    },
    /// Taken under another policy; restore it with that policy.
    #[error("snapshot was taken with policy {expected:?}, not {given:?}")]
    PolicyMismatch {
        /// The snapshot's policy.
        expected: String,
        /// The policy given to restore.
        given: String,
    },
    /// The configuration inside is invalid.
    #[error("invalid configuration in snapshot: {0}")]
    Config(#[from] ConfigError),
    /// An index or id inside points nowhere, or appears twice.
    #[error("corrupt snapshot: {0}")]
    Corrupt(&'static str),
    /// The rebuilt state breaks an invariant.
    #[error("snapshot breaks an invariant: {0}")]
    Inconsistent(#[from] AuditViolation),
}

impl Snapshot {
    /// The snapshot as JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// A snapshot from JSON.
    pub fn from_json(json: &str) -> Result<Snapshot, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The policy name the snapshot was taken under.
    pub fn policy(&self) -> &str {
        &self.policy
    }
}

/// For serde: a group of no queue's own (gate 0) writes no gate.
fn gate_is_shared(gate: &u64) -> bool {
    *gate == 0
}

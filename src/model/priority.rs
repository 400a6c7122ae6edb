//! Priority classes and customer tiers.

use serde::{Deserialize, Serialize};

/// The business priority of a conversation. Higher classes are served first
/// within the aging horizon (see [`EngineConfig::class_head_start`](crate::EngineConfig::class_head_start)).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Priority {
    /// Can wait: marketing replies, low-value follow-ups.
    Low,
    /// The default class.
    #[default]
    Normal,
    /// Time-sensitive topics.
    High,
    /// Outages, fraud, safety.
    Urgent,
}

impl Priority {
    /// Rank from 0 (low) to 3 (urgent).
    pub const fn rank(self) -> u8 {
        self as u8
    }

    /// One class up, saturating at urgent.
    pub const fn boosted(self) -> Priority {
        match self {
            Priority::Low => Priority::Normal,
            Priority::Normal => Priority::High,
            Priority::High | Priority::Urgent => Priority::Urgent,
        }
    }
}

/// The customer's tier. VIP customers are boosted one priority class.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Tier {
    /// Everyone else.
    #[default]
    Standard,
    /// Customers whose conversations are boosted one class.
    Vip,
}

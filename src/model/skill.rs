//! Skills held by agents and required by conversations.

use super::SkillId;
use serde::{Deserialize, Serialize};

/// A proficiency level, `1..=10` (see [`Level::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Level(u8);

impl Level {
    /// The lowest valid level.
    pub const MIN: Level = Level(1);
    /// The highest valid level.
    pub const MAX: Level = Level(10);

    /// A level, or `None` when `raw` is outside `1..=10`.
    pub const fn new(raw: u8) -> Option<Level> {
        if raw >= Self::MIN.0 && raw <= Self::MAX.0 {
            Some(Level(raw))
        } else {
            None
        }
    }

    /// A level from a raw value without the range check; the engine
    /// re-validates every level it receives and rejects out-of-range ones
    /// with [`EngineError::SkillLevelOutOfRange`](crate::EngineError::SkillLevelOutOfRange).
    pub const fn new_unchecked(raw: u8) -> Level {
        Level(raw)
    }

    /// The raw value.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Whether the value is within `1..=10` (deserialised levels may not be).
    pub const fn is_valid(self) -> bool {
        self.0 >= Self::MIN.0 && self.0 <= Self::MAX.0
    }
}

/// A skill an agent holds, at a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SkillLevel {
    /// The skill.
    pub skill: SkillId,
    /// How well the agent masters it.
    pub level: Level,
}

/// A skill a conversation needs, with the minimum level that may serve it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SkillRequirement {
    /// The skill.
    pub skill: SkillId,
    /// The lowest acceptable level.
    pub min_level: Level,
}

impl SkillLevel {
    /// An agent's skill at `level` (see [`Level::new`] for the valid range).
    pub const fn new(skill: u32, level: u8) -> Self {
        Self {
            skill: SkillId(skill),
            level: Level::new_unchecked(level),
        }
    }
}

impl SkillRequirement {
    /// A requirement of `skill` at level `min_level` or better.
    pub const fn new(skill: u32, min_level: u8) -> Self {
        Self {
            skill: SkillId(skill),
            min_level: Level::new_unchecked(min_level),
        }
    }
}

//! Skills held by agents and required by conversations.

use super::SkillId;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A proficiency level, always within `1..=10`: every constructor checks
/// the range, and deserialising an out-of-range value fails, so the engine
/// never sees an invalid level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

/// A raw level outside `1..=10`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("skill level {0} is out of range: levels are 1..=10")]
pub struct LevelOutOfRange(pub u8);

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

    /// The raw value.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Level {
    type Error = LevelOutOfRange;
    fn try_from(raw: u8) -> Result<Self, Self::Error> {
        Level::new(raw).ok_or(LevelOutOfRange(raw))
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level.0
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

/// Checks a literal level: in a `const` context an out-of-range literal is
/// a compile error; at run time it panics, so runtime input goes through
/// the `try_new` constructors instead.
const fn literal(level: u8) -> Level {
    match Level::new(level) {
        Some(level) => level,
        None => panic!("skill level literal out of range: levels are 1..=10"),
    }
}

impl SkillLevel {
    /// An agent's skill at a literal `level`.
    ///
    /// # Panics
    ///
    /// When `level` is outside `1..=10` (a compile error in `const`
    /// contexts). Use [`SkillLevel::try_new`] for values read at run time.
    pub const fn new(skill: u32, level: u8) -> Self {
        Self {
            skill: SkillId(skill),
            level: literal(level),
        }
    }

    /// An agent's skill at `level`, or the typed error for a level outside
    /// `1..=10`.
    pub const fn try_new(skill: u32, level: u8) -> Result<Self, LevelOutOfRange> {
        match Level::new(level) {
            Some(level) => Ok(Self {
                skill: SkillId(skill),
                level,
            }),
            None => Err(LevelOutOfRange(level)),
        }
    }
}

impl SkillRequirement {
    /// A requirement of `skill` at a literal level `min_level` or better.
    ///
    /// # Panics
    ///
    /// When `min_level` is outside `1..=10` (a compile error in `const`
    /// contexts). Use [`SkillRequirement::try_new`] for values read at run
    /// time.
    pub const fn new(skill: u32, min_level: u8) -> Self {
        Self {
            skill: SkillId(skill),
            min_level: literal(min_level),
        }
    }

    /// A requirement of `skill` at `min_level` or better, or the typed
    /// error for a level outside `1..=10`.
    pub const fn try_new(skill: u32, min_level: u8) -> Result<Self, LevelOutOfRange> {
        match Level::new(min_level) {
            Some(min_level) => Ok(Self {
                skill: SkillId(skill),
                min_level,
            }),
            None => Err(LevelOutOfRange(min_level)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_cannot_be_built_or_read_out_of_range() {
        assert_eq!(Level::new(0), None);
        assert_eq!(Level::new(11), None);
        assert_eq!(SkillLevel::try_new(1, 11), Err(LevelOutOfRange(11)));
        assert!(serde_json::from_str::<Level>("0").is_err());
        assert!(serde_json::from_str::<Level>("11").is_err());
        assert_eq!(serde_json::from_str::<Level>("7").ok(), Level::new(7));
        assert!(std::panic::catch_unwind(|| SkillLevel::new(1, 0)).is_err());
    }
}

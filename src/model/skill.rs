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

    /// A level, or the typed error when `raw` is outside `1..=10`.
    ///
    /// ```
    /// use switchboard::{Level, LevelOutOfRange};
    ///
    /// assert_eq!(Level::new(6).map(Level::get), Ok(6));
    /// assert_eq!(Level::new(11), Err(LevelOutOfRange(11)));
    /// ```
    pub const fn new(raw: u8) -> Result<Level, LevelOutOfRange> {
        if raw >= Self::MIN.0 && raw <= Self::MAX.0 {
            Ok(Level(raw))
        } else {
            Err(LevelOutOfRange(raw))
        }
    }

    /// A level written as a literal, checked when the program is compiled:
    /// `Level::of::<11>()` does not build (`cargo build` and `cargo test`
    /// report it; `cargo check`, which stops before code generation, may
    /// not), so this never fails at run time. Values read at run time go
    /// through [`Level::new`].
    ///
    /// ```
    /// use switchboard::Level;
    ///
    /// const EXPERT: Level = Level::of::<9>();
    /// assert_eq!(EXPERT.get(), 9);
    /// ```
    ///
    /// An out-of-range literal is a compile error:
    ///
    /// ```compile_fail
    /// let _ = switchboard::Level::of::<11>();
    /// ```
    pub const fn of<const RAW: u8>() -> Level {
        const {
            assert!(
                RAW >= Level::MIN.0 && RAW <= Level::MAX.0,
                "skill level literal out of range: levels are 1..=10"
            );
        }
        Level(RAW)
    }

    /// The raw value.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Level {
    type Error = LevelOutOfRange;
    fn try_from(raw: u8) -> Result<Self, Self::Error> {
        Level::new(raw)
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

impl SkillLevel {
    /// An agent's `skill` at a raw `level`, or the typed error for a level
    /// outside `1..=10`. Never panics.
    ///
    /// ```
    /// use switchboard::{LevelOutOfRange, SkillId, SkillLevel};
    ///
    /// let billing = SkillId(7);
    /// assert_eq!(SkillLevel::new(billing, 6)?.level.get(), 6);
    /// assert_eq!(SkillLevel::new(billing, 0), Err(LevelOutOfRange(0)));
    /// # Ok::<(), LevelOutOfRange>(())
    /// ```
    pub const fn new(skill: SkillId, level: u8) -> Result<Self, LevelOutOfRange> {
        match Level::new(level) {
            Ok(level) => Ok(Self { skill, level }),
            Err(e) => Err(e),
        }
    }

    /// An agent's `skill` at a level already checked.
    pub const fn at(skill: SkillId, level: Level) -> Self {
        Self { skill, level }
    }
}

impl SkillRequirement {
    /// A requirement of `skill` at a raw `min_level` or better, or the
    /// typed error for a level outside `1..=10`. Never panics.
    ///
    /// ```
    /// use switchboard::{LevelOutOfRange, SkillId, SkillRequirement};
    ///
    /// let billing = SkillId(7);
    /// assert_eq!(SkillRequirement::new(billing, 3)?.min_level.get(), 3);
    /// assert_eq!(SkillRequirement::new(billing, 11), Err(LevelOutOfRange(11)));
    /// # Ok::<(), LevelOutOfRange>(())
    /// ```
    pub const fn new(skill: SkillId, min_level: u8) -> Result<Self, LevelOutOfRange> {
        match Level::new(min_level) {
            Ok(min_level) => Ok(Self { skill, min_level }),
            Err(e) => Err(e),
        }
    }

    /// A requirement of `skill` at a level already checked, or better.
    pub const fn at(skill: SkillId, min_level: Level) -> Self {
        Self { skill, min_level }
    }

    /// A requirement of `skill` at any level (the lowest, 1, or better).
    pub const fn any_level(skill: SkillId) -> Self {
        Self {
            skill,
            min_level: Level::MIN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_cannot_be_built_or_read_out_of_range() {
        assert_eq!(Level::new(0), Err(LevelOutOfRange(0)));
        assert_eq!(Level::new(11), Err(LevelOutOfRange(11)));
        assert_eq!(SkillLevel::new(SkillId(1), 11), Err(LevelOutOfRange(11)));
        assert_eq!(
            SkillRequirement::new(SkillId(1), 0),
            Err(LevelOutOfRange(0))
        );
        assert!(serde_json::from_str::<Level>("0").is_err());
        assert!(serde_json::from_str::<Level>("11").is_err());
        assert_eq!(serde_json::from_str::<Level>("7").ok(), Level::new(7).ok());
        assert_eq!(Level::of::<10>(), Level::MAX);
    }
}

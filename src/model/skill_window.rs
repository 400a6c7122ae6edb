//! A skill held only for a while: a trainee's skill for one shift, a
//! language covered only in the afternoon.

use super::{Level, SkillId, Timestamp};
use serde::{Deserialize, Serialize};

/// The latest instant a skill window may end: the last millisecond of the
/// year 9999 on a Unix-epoch clock. Far beyond any shift plan, and low
/// enough that no sum of a window's bounds with a setting overflows.
pub const MAX_WINDOW_TIME: Timestamp = Timestamp(253_402_300_799_999);

/// A skill that counts only from `from` (inclusive) until `until`
/// (exclusive), on the host's clock, given with
/// [`AgentSpec::skill_window`](crate::AgentSpec::skill_window). Outside its
/// window the agent takes no new work that needs it; the change happens by
/// timer at each edge, and work the agent already holds stays with them.
///
/// ```
/// use switchboard::{Level, SkillId, SkillWindow, Timestamp};
///
/// // Spanish from 13:00 to 18:00 on a clock counting from midnight.
/// let afternoon = SkillWindow::new(
///     SkillId(4),
///     Level::of::<7>(),
///     Timestamp(13 * 3_600_000),
///     Timestamp(18 * 3_600_000),
/// );
/// assert!(afternoon.covers(Timestamp(15 * 3_600_000)));
/// assert!(!afternoon.covers(Timestamp(18 * 3_600_000)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SkillWindow {
    /// The skill.
    pub skill: SkillId,
    /// The level it counts at (every window of one skill has the same).
    pub level: Level,
    /// When it starts counting.
    pub from: Timestamp,
    /// When it stops counting (after `from`, at most [`MAX_WINDOW_TIME`]).
    pub until: Timestamp,
}

impl SkillWindow {
    /// `skill` at `level` from `from` until `until`.
    pub const fn new(skill: SkillId, level: Level, from: Timestamp, until: Timestamp) -> Self {
        Self {
            skill,
            level,
            from,
            until,
        }
    }

    /// Whether the skill counts at `at` by this window.
    pub fn covers(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.until
    }
}

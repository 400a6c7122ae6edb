//! Time is an input: every command carries the host's timestamp, so a
//! simulation or a test replays exactly. The engine never reads a clock.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// Milliseconds on the host's clock (for example since the Unix epoch, or
/// since the start of a simulated day). Only differences matter to the engine.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

/// A span of time in milliseconds on the host's clock: what a
/// [`Timestamp`] minus an earlier one is. Named apart from
/// [`std::time::Duration`] so both can be imported side by side; convert
/// with [`TimeSpan::from_std`] and `std::time::Duration::from`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TimeSpan(pub u64);

impl Timestamp {
    /// The instant `ms` milliseconds after the origin of the host's clock.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the origin of the host's clock.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later
    /// (hosts on several threads may pass slightly unordered timestamps).
    pub const fn since(self, earlier: Timestamp) -> TimeSpan {
        TimeSpan(self.0.saturating_sub(earlier.0))
    }
}

impl TimeSpan {
    /// No time at all.
    pub const ZERO: TimeSpan = TimeSpan(0);

    /// A span of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// A span of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self(s * 1_000)
    }

    /// A span of `m` minutes.
    pub const fn from_mins(m: u64) -> Self {
        Self(m * 60_000)
    }

    /// A span of `h` hours.
    pub const fn from_hours(h: u64) -> Self {
        Self(h * 3_600_000)
    }

    /// The span in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The span in (fractional) seconds, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }
}

impl Add<TimeSpan> for Timestamp {
    type Output = Timestamp;
    fn add(self, rhs: TimeSpan) -> Timestamp {
        Timestamp(self.0.saturating_add(rhs.0))
    }
}

impl Sub<TimeSpan> for Timestamp {
    type Output = Timestamp;
    fn sub(self, rhs: TimeSpan) -> Timestamp {
        Timestamp(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}ms", self.0)
    }
}

impl fmt::Display for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

impl TimeSpan {
    /// The span of a [`std::time::Duration`], in whole milliseconds
    /// (saturating at `u64::MAX` milliseconds).
    pub fn from_std(span: std::time::Duration) -> Self {
        Self(u64::try_from(span.as_millis()).unwrap_or(u64::MAX))
    }
}

impl From<TimeSpan> for std::time::Duration {
    fn from(span: TimeSpan) -> Self {
        std::time::Duration::from_millis(span.0)
    }
}

//! Concurrency capacity in fixed-point units, so that a cap can be reserved
//! with one atomic compare-and-swap and fractional channel weights (an email
//! costs half a WhatsApp thread) stay exact.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Capacity in thousandths of a conversation unit. `Capacity::units(4)` is the
/// room for four full-weight conversations.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Capacity(pub u32);

impl Capacity {
    /// Milli-units in one full conversation unit.
    pub const UNIT: u32 = 1_000;
    /// No capacity.
    pub const ZERO: Capacity = Capacity(0);
    /// The largest cap an agent may have: 100 full conversations. Larger caps
    /// are a configuration mistake, not a messaging agent.
    pub const MAX_CAP: Capacity = Capacity(100 * Self::UNIT);

    /// Room for `n` full-weight conversations.
    pub const fn units(n: u32) -> Self {
        Self(n * Self::UNIT)
    }

    /// Capacity in milli-units.
    pub const fn millis(self) -> u32 {
        self.0
    }

    /// Capacity as a fraction of units, for reports.
    pub fn as_units_f64(self) -> f64 {
        f64::from(self.0) / f64::from(Self::UNIT)
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}", self.as_units_f64())
    }
}

const _: () = assert!(Capacity::MAX_CAP.0 as u64 * 64 < u32::MAX as u64);

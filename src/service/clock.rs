//! A clock that runs `speed` times faster than the wall clock, for
//! `--simulate`: the runtime's timers (SLA warnings, offer timeouts) fire
//! in accelerated real time, and the page shows simulated time.

use crate::runtime::Clock;
use crate::Timestamp;
use std::time::Instant;

/// Simulated time: `start` plus the real time elapsed since creation times
/// `speed`. Monotonic, since `Instant` is.
#[derive(Debug)]
pub struct ScaledClock {
    start: Timestamp,
    origin: Instant,
    speed: u64,
}

/// The fastest speed accepted (a day in under nine seconds).
pub const MAX_SPEED: u64 = 10_000;

impl ScaledClock {
    /// A clock at `start` now, running `speed` (`1..=MAX_SPEED`) times
    /// faster than real time.
    pub fn new(start: Timestamp, speed: u64) -> Self {
        assert!((1..=MAX_SPEED).contains(&speed));
        Self {
            start,
            origin: Instant::now(),
            speed,
        }
    }

    /// The speed.
    pub fn speed(&self) -> u64 {
        self.speed
    }

    /// Real time to wait until the clock reads `at` (zero if it has).
    pub fn real_until(&self, at: Timestamp) -> std::time::Duration {
        let ms = at.0.saturating_sub(self.now().0);
        std::time::Duration::from_micros(ms.saturating_mul(1000) / self.speed)
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Timestamp {
        let real = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        Timestamp(self.start.0.saturating_add(real.saturating_mul(self.speed)))
    }

    fn wait_for(&self, deadline: Timestamp) -> std::time::Duration {
        self.real_until(deadline)
    }
}

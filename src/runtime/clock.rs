//! The runtime's clock: the one place switchboard reads the time.
//!
//! A shard stamps every command with [`Clock::now`] as it takes it, and asks
//! the clock how long to sleep before the next engine deadline. Production
//! uses [`SystemClock`]; tests and simulations use [`ManualClock`] and move
//! it by hand, which wakes every shard so timers fire at once.

use super::sync::{AtomicU64, Mutex, Ordering};
use crate::model::{TimeSpan, Timestamp};
use std::fmt;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The longest a shard sleeps without looking at its queues and timers
/// again, whatever the clock says. Keeps every wait bounded.
pub(crate) const MAX_IDLE: std::time::Duration = std::time::Duration::from_millis(200);

/// A source of time for the runtime.
///
/// Implementations must be monotonic: `now` never goes backwards (the
/// runtime also never stamps a tenant's command earlier than its previous
/// one, so a clock that steps back only delays timers).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time, in milliseconds since the Unix epoch for the
    /// system clock (any origin works, as long as it is the same across
    /// restarts of one runtime's directory).
    fn now(&self) -> Timestamp;

    /// How long a shard should really sleep to reach `deadline`, given the
    /// time now. The default converts the remaining milliseconds one to one;
    /// a clock moved by hand answers a long wait and calls the wakers it was
    /// given in [`register`](Self::register) when it moves. The shard caps
    /// the answer at a fraction of a second.
    fn wait_for(&self, deadline: Timestamp) -> std::time::Duration {
        std::time::Duration::from_millis(deadline.since(self.now()).as_millis())
    }

    /// Called once per shard at start: `waker` wakes that shard so it reads
    /// the clock again. The default drops it (the system clock needs none).
    fn register(&self, waker: ClockWaker) {
        drop(waker);
    }
}

/// Wakes one shard so it looks at the clock again (see [`Clock::register`]).
#[derive(Clone)]
pub struct ClockWaker {
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl ClockWaker {
    pub(crate) fn new(wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        Self { wake }
    }

    /// Asks the shard to read the clock and fire what is due. Never blocks;
    /// a shard that is already busy or stopped ignores it.
    pub fn wake(&self) {
        (self.wake)();
    }
}

impl fmt::Debug for ClockWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClockWaker")
    }
}

/// The system clock: wall time at start, then a monotonic instant, so a
/// wall-clock step never makes time run backwards within one process.
#[derive(Debug, Clone)]
pub struct SystemClock {
    origin_ms: u64,
    start: Instant,
}

impl SystemClock {
    /// Reads the wall clock once.
    pub fn new() -> Self {
        let origin_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self {
            origin_ms,
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let elapsed = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        Timestamp(self.origin_ms.saturating_add(elapsed))
    }
}

/// A clock moved by hand, for tests and simulations. Clones share the time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug, Default)]
struct ManualInner {
    /// Milliseconds. Only grows (`fetch_max`).
    now: AtomicU64,
    /// Shards to wake when the time moves. A test tool: the lock is taken
    /// only by `register` (once per shard) and by whoever moves the clock.
    wakers: Mutex<Vec<ClockWaker>>,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: Timestamp) -> Self {
        let clock = Self::default();
        // ORDERING: a lone value; readers need no other memory with it.
        clock.inner.now.store(start.0, Ordering::Relaxed);
        clock
    }

    /// Moves the clock forward by `by` and wakes every shard.
    pub fn advance(&self, by: TimeSpan) {
        // ORDERING: Relaxed suffices for the value; the wake below goes
        // through a channel, which orders it before the shard's read.
        self.inner.now.fetch_add(by.0, Ordering::Relaxed);
        self.wake_all();
    }

    /// Sets the clock to `to`, if that is not earlier than now (a manual
    /// clock never goes back), and wakes every shard. Returns the time now.
    pub fn set(&self, to: Timestamp) -> Timestamp {
        // ORDERING: as in `advance`.
        let before = self.inner.now.fetch_max(to.0, Ordering::Relaxed);
        self.wake_all();
        Timestamp(before.max(to.0))
    }

    fn wake_all(&self) {
        let wakers = self.inner.wakers.lock().clone();
        for waker in &wakers {
            waker.wake();
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        // ORDERING: see `advance`.
        Timestamp(self.inner.now.load(Ordering::Relaxed))
    }

    fn wait_for(&self, _deadline: Timestamp) -> std::time::Duration {
        // Time moves only by hand, and moving it wakes the shard.
        MAX_IDLE
    }

    fn register(&self, waker: ClockWaker) {
        self.inner.wakers.lock().push(waker);
    }
}

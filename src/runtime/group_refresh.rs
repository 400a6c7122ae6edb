//! When a shard refreshes its tenants' skill-group gauges.
//!
//! A tenant's counters are published after every batch that touched it
//! (cheap: a dozen absolute values). Its group gauges need the engine's
//! [`group_stats`](crate::Engine::group_stats), a vector of every group
//! with its skills, and a pass over the tenant's gauges: on a tenant with
//! thousands of groups that cost more than the batch's commands did
//! (about 170 instructions per command on the runtime bench's stream).
//! So a batch only marks its tenants' group gauges stale, and the shard
//! refreshes the stale ones at most once per [`GROUP_GAUGES_EVERY`]: a
//! scrape (seconds apart) sees figures at most that old. A tenant that
//! goes quiet is still refreshed once the period ends (the shard's loop
//! sleeps no longer than [`GroupRefresh::wait`]).

use std::time::{Duration, Instant};

/// The longest a tenant's group gauges lag its engine while it is busy.
pub(crate) const GROUP_GAUGES_EVERY: Duration = Duration::from_millis(100);

/// The tenants (by slot) whose group gauges are stale, and when the next
/// refresh may run.
#[derive(Debug)]
pub(crate) struct GroupRefresh {
    /// Each slot at most once: a tenant is marked only while its own
    /// `stale` flag is clear (see [`mark`](Self::mark)), and a removed
    /// tenant's slot is taken out ([`forget`](Self::forget)).
    stale: Vec<usize>,
    next: Instant,
}

impl GroupRefresh {
    /// Nothing stale; the first refresh may run at once.
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            stale: Vec::new(),
            next: now,
        }
    }

    /// Marks the tenant in `slot` stale, unless `flag` (the tenant's own
    /// mark) says it is already; `tenants` bounds the list.
    pub(crate) fn mark(&mut self, slot: usize, flag: &mut bool, tenants: usize) {
        if !*flag {
            *flag = true;
            self.stale.push(slot);
            assert!(self.stale.len() <= tenants, "a slot marked twice");
        }
    }

    /// A removed tenant: its slot is no longer refreshed.
    pub(crate) fn forget(&mut self, slot: usize) {
        self.stale.retain(|&s| s != slot);
    }

    /// The stale slots to refresh now (emptied), or nothing when none is
    /// stale or the period since the last refresh has not ended.
    pub(crate) fn due(&mut self, now: Instant) -> Option<std::vec::Drain<'_, usize>> {
        if self.stale.is_empty() || now < self.next {
            return None;
        }
        self.next = now + GROUP_GAUGES_EVERY;
        Some(self.stale.drain(..))
    }

    /// How long the shard may sleep before a refresh is due: `idle` when
    /// nothing is stale.
    pub(crate) fn wait(&self, now: Instant, idle: Duration) -> Duration {
        if self.stale.is_empty() {
            return idle;
        }
        idle.min(self.next.saturating_duration_since(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDLE: Duration = Duration::from_millis(200);

    #[test]
    fn group_gauges_are_refreshed_at_most_once_per_period_and_never_left_stale() {
        let start = Instant::now();
        let mut refresh = GroupRefresh::new(start);
        let mut flags = [false; 3];
        assert_eq!(refresh.wait(start, IDLE), IDLE, "nothing stale: sleep on");
        // The first batch refreshes at once.
        refresh.mark(0, &mut flags[0], 3);
        let first: Vec<usize> = refresh.due(start).expect("due at once").collect();
        assert_eq!(first, vec![0]);
        flags[0] = false;
        // Batches within the period mark each tenant once and refresh none.
        for _ in 0..5 {
            refresh.mark(1, &mut flags[1], 3);
            refresh.mark(2, &mut flags[2], 3);
        }
        let soon = start + GROUP_GAUGES_EVERY / 2;
        assert!(refresh.due(soon).is_none(), "not before the period ends");
        // A quiet shard wakes in time for the refresh.
        assert_eq!(refresh.wait(soon, IDLE), GROUP_GAUGES_EVERY / 2);
        let later = start + GROUP_GAUGES_EVERY;
        let second: Vec<usize> = refresh.due(later).expect("due").collect();
        assert_eq!(second, vec![1, 2], "each stale tenant once");
        assert_eq!(refresh.wait(later, IDLE), IDLE);
    }

    #[test]
    fn a_removed_tenant_is_not_refreshed() {
        let start = Instant::now();
        let mut refresh = GroupRefresh::new(start);
        let mut flags = [false; 2];
        refresh.mark(0, &mut flags[0], 2);
        refresh.mark(1, &mut flags[1], 2);
        refresh.forget(0);
        let due: Vec<usize> = refresh.due(start).expect("due").collect();
        assert_eq!(due, vec![1]);
    }
}

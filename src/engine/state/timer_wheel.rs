//! The far level of `Timers`: pending timers in buckets of about a second,
//! unsorted, in a hierarchical timing wheel. Level 0 holds the next
//! `SLOTS` buckets (8.7 minutes: the offer, SLA and sticky-wait timers of
//! DOMAIN.md's figures), level 1 the next 512 runs of 512 buckets (74.5
//! hours: auto-park after hours, a plan step a day away), level 2 runs of
//! 512 of those (4.2 years); a timer further out than that waits in an
//! overflow chain. Every level is a bitmap of slots of chunk chains
//! (`timer_level.rs`), so arming anywhere is an index and an append, and
//! nothing allocates once the chunk store has reached its high-water mark.
//!
//! Buckets further than the ring went to an ordered map (a `BTreeMap`):
//! its nodes split and merged as far buckets came and went, the one
//! allocation that recurred at a steady load (176 on the `profile`
//! stream, BENCHMARKS.md). Here a coarse slot is cascaded when the
//! earliest pending timer lies in it: the wheel's base moves up to that
//! timer's bucket (no bucket before it holds a timer), and the slot's
//! timers are armed again from there, each into a lower level.
//!
//! A bucket may be split between levels: armed while it was far, then
//! again once in reach. The first bucket is taken only once no coarse
//! level holds a timer of it, and the caller sorts what it takes, so
//! where a timer sat never changes the firing order.

use super::timer_chunks::{Chain, ChunkStore};
use super::timer_level::{Level, SLOTS, SLOT_BITS};
use super::timers::Timer;
use crate::model::Timestamp;

/// Levels below the overflow.
const LEVELS: usize = 3;

/// The slot number of `bucket` on level `k`.
#[inline]
fn number(bucket: u64, k: usize) -> u64 {
    bucket >> (SLOT_BITS * k as u32)
}

/// Buckets of unsorted timers from `base` on (see the module doc).
#[derive(Clone, Debug, Default)]
pub(crate) struct TimerWheel {
    /// The first bucket that may hold a timer: every bucket before it was
    /// taken.
    base: u64,
    /// How many timers the wheel holds, every level and the overflow.
    len: usize,
    /// Level `k`'s slots are runs of `512^k` buckets.
    levels: [Level; LEVELS],
    /// Timers past level 2's reach when armed, and the earliest of them.
    overflow: Chain,
    overflow_len: usize,
    overflow_earliest: Timestamp,
    /// The timers of every level.
    chunks: ChunkStore,
    /// A cascaded slot's timers on their way down (reused).
    moving: Vec<Timer>,
}

impl TimerWheel {
    /// Room for `timers` timers in the wheel at once (`reserve.rs`): a
    /// partly filled chunk per bucket of each level and the overflow.
    pub(crate) fn reserve(
        &mut self,
        timers: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        self.chunks.reserve(timers, LEVELS * SLOTS + 1)
    }

    /// Maps the chunk pages' room (`touch.rs`).
    pub(crate) fn touch_room(&mut self) {
        self.chunks.touch_room();
    }

    /// The first bucket that may hold a timer.
    pub(crate) fn base(&self) -> u64 {
        self.base
    }

    /// Holds `timer` in `bucket` (at least `base`). Never inlined, as
    /// the `BTreeMap` version was not: inlined through `Timers::arm` into
    /// its callers it pushed `validate::check` out of `apply_into` (+13M
    /// instructions on `profile`).
    #[inline(never)]
    pub(crate) fn arm(&mut self, timer: Timer, bucket: u64) {
        debug_assert!(bucket >= self.base, "a taken bucket is never armed");
        if self.len == 0 {
            // Nothing before `bucket` is held: the wheel may start there.
            self.base = bucket;
        }
        self.len += 1;
        self.place(timer, bucket);
    }

    /// Puts `timer` on the lowest level whose reach from `base` holds it.
    #[inline(always)]
    fn place(&mut self, timer: Timer, bucket: u64) {
        for k in 0..LEVELS {
            let n = number(bucket, k);
            if n - number(self.base, k) < SLOTS as u64 {
                self.levels[k].arm(&mut self.chunks, timer, n);
                return;
            }
        }
        self.place_overflow(timer);
    }

    /// `place` of a timer past level 2's reach (years ahead): out of line,
    /// so that arming saves no registers for it.
    #[cold]
    #[inline(never)]
    fn place_overflow(&mut self, timer: Timer) {
        if self.overflow_len == 0 || timer.at < self.overflow_earliest {
            self.overflow_earliest = timer.at;
        }
        self.overflow_len += 1;
        self.chunks.push(&mut self.overflow, timer);
    }

    /// The earliest time held on a level above 0 or in the overflow, and
    /// where: `Some(k)` for level `k`, `None` for the overflow.
    fn coarse_first(&self) -> Option<(Timestamp, Option<usize>)> {
        let mut best = (self.overflow_len > 0).then_some((self.overflow_earliest, None));
        for k in 1..LEVELS {
            if let Some((_, at)) = self.levels[k].first(number(self.base, k)) {
                if best.is_none_or(|b| at < b.0) {
                    best = Some((at, Some(k)));
                }
            }
        }
        best
    }

    /// When the earliest timer held is due.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        if self.len == 0 {
            return None;
        }
        let ring = self.levels[0].first(self.base).map(|f| f.1);
        match (ring, self.coarse_first()) {
            (Some(r), Some(c)) => Some(r.min(c.0)),
            (r, c) => r.or(c.map(|c| c.0)),
        }
    }

    /// Moves every timer of the first bucket holding one into `into`,
    /// unsorted, and starts the wheel after it. First cascades every
    /// coarse slot (or the overflow) holding a timer due in or before the
    /// ring's first bucket: each cascade moves the base up to that timer's
    /// bucket and re-arms the slot's timers from it, each onto a lower
    /// level (the overflow's may stay), so at most `LEVELS` cascades
    /// happen before the first bucket is wholly in the ring.
    pub(crate) fn take_first(&mut self, bucket_ms: u64, into: &mut Vec<Timer>) {
        for cascades in 0..=LEVELS {
            let ring = self.levels[0].first(self.base).map(|f| f.0);
            let Some((at, level)) = self.coarse_first() else {
                break;
            };
            let bucket = at.0 / bucket_ms;
            if ring.is_some_and(|r| r < bucket) {
                break;
            }
            debug_assert!(cascades < LEVELS, "a cascade lands each timer lower");
            // No timer is held before `bucket`: every level's places stay
            // distinct from the new base on.
            debug_assert!(bucket >= self.base);
            self.base = bucket;
            let mut moving = std::mem::take(&mut self.moving);
            match level {
                Some(k) => self.levels[k].take(&mut self.chunks, number(bucket, k), &mut moving),
                None => {
                    self.chunks.drain_into(&mut self.overflow, &mut moving);
                    self.overflow_len = 0;
                }
            }
            for &t in &moving {
                self.place(t, t.at.0 / bucket_ms);
            }
            moving.clear();
            self.moving = moving;
        }
        let Some((bucket, _)) = self.levels[0].first(self.base) else {
            debug_assert!(self.len == 0, "held timers are on some level");
            return;
        };
        let before = into.len();
        self.levels[0].take(&mut self.chunks, bucket, into);
        self.len -= into.len() - before;
        self.base = bucket + 1;
    }

    /// Every timer held, in no order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Timer> + '_ {
        (self.levels.iter())
            .flat_map(|level| level.iter(&self.chunks))
            .chain(self.chunks.iter(&self.overflow))
    }

    /// The wheel's invariants (the audit): each level's (`Level::check`),
    /// the overflow's count, earliest time and reach, the count of every
    /// timer held, and the chunk store's free list.
    pub(crate) fn check(&self, bucket_ms: u64) -> Result<(), (&'static str, u64, u64)> {
        let mut held = 0u64;
        for (k, level) in self.levels.iter().enumerate() {
            held += level.check(
                &self.chunks,
                SLOT_BITS * k as u32,
                number(self.base, k),
                bucket_ms,
            )?;
        }
        let mut overflow = 0u64;
        for t in self.chunks.iter(&self.overflow) {
            overflow += 1;
            let bucket = t.at.0 / bucket_ms;
            if number(bucket, LEVELS - 1) < number(self.base, LEVELS - 1) {
                return Err(("timer overflow behind the wheel", bucket, self.base));
            }
            if t.at < self.overflow_earliest {
                return Err((
                    "timer overflow's earliest",
                    self.overflow_earliest.0,
                    t.at.0,
                ));
            }
        }
        if overflow != self.overflow_len as u64 {
            return Err(("timer overflow's count", self.overflow_len as u64, overflow));
        }
        if held + overflow != self.len as u64 {
            return Err(("timers in the wheel", self.len as u64, held + overflow));
        }
        self.chunks.check_free()
    }
}

#[cfg(test)]
mod tests {
    use super::super::timers::tests::{fire_due_like_one_heap, numbers};
    use super::super::timers::{TimerKind, Timers};
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// Delays on every level and past them (minutes, hours, days, years,
    /// past level 2's 4.2 years into the overflow), clocks that jump over
    /// whole levels, ties at one instant: the timers fire exactly as one
    /// heap of them would, and the wheel's invariants hold throughout.
    #[test]
    fn every_level_and_the_overflow_fire_in_the_order_of_a_single_heap() {
        const MINUTE: u64 = 60_000;
        const DAY: u64 = 1_440 * MINUTE;
        let mut next = numbers(41);
        let mut timers = Timers::default();
        let mut reference = BinaryHeap::new();
        let mut now = 1_780_000_000_000u64;
        for round in 0..3_000u64 {
            for _ in 0..(next() % 5) {
                let delay = match next() % 8 {
                    0 => next() % 9 * MINUTE,
                    1 => next() % (80 * 60 * MINUTE),
                    2 => next() % (8 * DAY),
                    3 => next() % (3_000 * DAY),
                    4 => 1_600 * DAY + next() % (2_000 * DAY),
                    5 => 0,
                    _ => next() % 20_000,
                };
                let t = Timer {
                    at: Timestamp(now + delay),
                    kind: TimerKind::SlaWarning,
                    subject: next() % 7,
                    generation: (next() % 2) as u32,
                    incarnation: round % 5,
                };
                timers.arm(t);
                reference.push(Reverse(t));
            }
            now += match next() % 40 {
                0 => next() % (400 * DAY),
                1 => next() % (3 * DAY),
                2..=5 => next() % (2 * 60 * MINUTE),
                _ => next() % (20 * MINUTE),
            };
            fire_due_like_one_heap(&mut timers, &mut reference, now);
            assert_eq!(timers.check(), Ok(()), "round {round}");
        }
    }

    /// A broken level fails the check.
    #[test]
    fn a_wrong_earliest_time_fails_the_check() {
        let mut wheel = TimerWheel::default();
        let t = Timer {
            at: Timestamp(5_000_000),
            kind: TimerKind::SlaBreach,
            subject: 1,
            generation: 0,
            incarnation: 0,
        };
        wheel.arm(t, t.at.0 / 1024);
        wheel.arm(
            Timer {
                at: Timestamp(t.at.0 + 3_000_000),
                ..t
            },
            (t.at.0 + 3_000_000) / 1024,
        );
        assert_eq!(wheel.check(1024), Ok(()));
        wheel.len += 1;
        assert!(wheel.check(1024).is_err());
    }
}

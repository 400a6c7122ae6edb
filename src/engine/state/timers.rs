//! Pending timers. A timer is void unless it still matches its
//! subject (the conversation's id in the slot and its generation), so
//! nothing is ever cancelled in place.

use super::bucket_sort;
use super::timer_fifo::TimerFifo;
use super::timer_wheel::TimerWheel;
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum TimerKind {
    SlaWarning,
    SlaBreach,
    OfferExpiry,
    StickyWait,
    AutoPark,
    /// The end of an agent's cool-down in one group after a decline.
    CooldownEnd,
    /// The end of a resolved conversation's wrap-up (its time box).
    WrapUpEnd,
    /// An agent's assignment window slid: their oldest recent assignment
    /// left it (`subject` is the agent's slot).
    RateWindow,
    /// An assigned conversation's agent has not answered in time.
    NoAnswer,
    /// A waiting conversation's next routing-plan step or time to live.
    PlanStep,
    /// A business-hours calendar opens or closes (`subject` is the
    /// calendar's index in the plan, `generation` the plan's hours epoch).
    Hours,
    /// An agent's skill window opens or closes (`subject` is the agent's
    /// slot, `generation` the window's index times two, plus one for an
    /// opening).
    SkillWindow,
}

/// One pending timer, ordered by time, then kind (a warning before the
/// breach at the same instant), then subject: a total order, so the firing
/// order never depends on how the heap was built.
///
/// 32 bytes (issue 22: one or more per open conversation). It used to
/// carry the conversation's slot too (40 bytes with the padding): a
/// conversation timer now finds its slot through the id index when it
/// fires (`State::timer_conv`), and a cool-down's group rides in
/// `incarnation`. The firing order is unchanged by the field's removal:
/// it came after `subject`, and two timers with one subject (a
/// conversation id) but different slots belong to different
/// conversations, the id having been purged and reused; only the latest
/// holds the id, so the other is stale and fires as a no-op wherever it
/// falls. A cool-down's group came before a `generation` and an
/// `incarnation` both 0; it now comes after the 0 `generation`: the same
/// order (`timers::tests`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct Timer {
    pub at: Timestamp,
    pub kind: TimerKind,
    /// The conversation's id, or the agent's slot for `CooldownEnd`,
    /// `RateWindow` and `SkillWindow`, the calendar's index for `Hours`.
    pub subject: u64,
    pub generation: u32,
    /// The conversation's arrival number (unique for the engine's life,
    /// unlike an id a host may reuse after a purge); the group's slot for
    /// `CooldownEnd` (whose `generation` is 0); 0 for other agent timers.
    pub incarnation: u64,
}

impl Timer {
    /// A `CooldownEnd`'s group slot (`incarnation` holds it).
    pub(crate) fn cooldown_group(&self) -> u64 {
        debug_assert_eq!(self.kind, TimerKind::CooldownEnd);
        self.incarnation
    }
}

/// Width of a far bucket, in milliseconds (a power of two).
const BUCKET_MS: u64 = 1 << 10;

/// Pending timers in two levels: the earliest bucket's timers sorted (firing
/// order within it is exact), and the rest in buckets of about a second,
/// appended to without ordering (`timer_wheel.rs`). Arming is an append;
/// firing sorts one bucket at a time, in cache, then pops from the end of
/// a vector, instead of sifting through a heap of every pending timer (a
/// million at 1M open conversations).
#[derive(Clone, Debug, Default)]
pub(crate) struct Timers {
    /// Timers due before the wheel's first bucket, latest first: the next
    /// to fire is the last.
    near: Vec<Timer>,
    /// Timers armed after their bucket was taken (due within the second
    /// being fired, or behind the clock), in a heap of their own: an
    /// insertion into `near` would move half a bucket each time.
    late: BinaryHeap<Reverse<Timer>>,
    /// Timers from the wheel's first bucket on.
    far: TimerWheel,
    len: usize,
    /// `NoAnswer` timers, all of the rule's one delay, in firing order
    /// (`timer_fifo.rs`); those armed out of order are in the levels above.
    fifo: TimerFifo,
    /// The bucket sort's reused buffers (`bucket_sort.rs`): as many timers
    /// as the largest bucket fired, and a count per millisecond.
    scratch: Vec<Timer>,
    counts: Vec<u32>,
}

impl Timers {
    /// Room for `timers` pending at once in the wheel (`reserve.rs`).
    pub(crate) fn reserve(
        &mut self,
        timers: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        self.far.reserve(timers)
    }

    /// Maps the wheel's chunk pages (`touch.rs`).
    pub(crate) fn touch_room(&mut self) {
        self.far.touch_room();
    }

    pub(crate) fn arm(&mut self, timer: Timer) {
        self.len += 1;
        // Every no-answer timer has the rule's delay: due in the order
        // armed, so an append to their FIFO unless out of that order.
        if timer.kind == TimerKind::NoAnswer && self.fifo.push(timer) {
            return;
        }
        let bucket = timer.at.0 / BUCKET_MS;
        if bucket < self.far.base() {
            // Due within the bucket being fired (or before it).
            self.late.push(Reverse(timer));
            return;
        }
        self.far.arm(timer, bucket);
    }

    /// The earliest timer if due at `now`, removed: the earlier of the
    /// FIFO's front and the levels' earliest, by the timers' total order.
    #[inline]
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<Timer> {
        // The common case: nothing late and a sorted bucket in `near`.
        // The earlier of its last timer and the FIFO's front is then the
        // earliest of all (the wheel holds only later buckets), so it
        // alone decides whether a timer is due: no copy into a peek and
        // no comparison of the popped timer with it again.
        if self.late.is_empty() {
            if let Some(n) = self.near.last() {
                return match self.fifo.front() {
                    Some(f) if f < n => {
                        if f.at > now {
                            return None;
                        }
                        self.len -= 1;
                        self.fifo.pop()
                    }
                    _ => {
                        if n.at > now {
                            return None;
                        }
                        self.len -= 1;
                        self.near.pop()
                    }
                };
            }
        }
        self.pop_due_slow(now)
    }

    /// `pop_due` when a timer is late or `near` is empty (a refill from
    /// the wheel). Out of line, so that the fast path above inlines into
    /// the tick's loop without it.
    #[inline(never)]
    fn pop_due_slow(&mut self, now: Timestamp) -> Option<Timer> {
        let levels = self.peek_due(now);
        let fifo = self.fifo.front().filter(|t| t.at <= now);
        let timer = match (fifo, levels) {
            (Some(f), Some(l)) if l < *f => self.pop_level(l),
            (Some(_), _) => self.fifo.pop(),
            (None, Some(l)) => self.pop_level(l),
            (None, None) => None,
        };
        if timer.is_some() {
            self.len -= 1;
        }
        timer
    }

    /// Removes `top`, the earliest of `near` and `late`. Always inlined:
    /// its one caller pops every timer, and out of line it cost 2.8M
    /// instructions on `profile` (BENCHMARKS.md, mem5).
    #[inline(always)]
    fn pop_level(&mut self, top: Timer) -> Option<Timer> {
        if self.near.last() == Some(&top) {
            self.near.pop()
        } else {
            self.late.pop().map(|t| t.0)
        }
    }

    /// The earliest of `near` and `late`.
    #[inline]
    fn peek_level(&self) -> Option<Timer> {
        match (self.near.last(), self.late.peek()) {
            (Some(&n), Some(l)) => Some(n.min(l.0)),
            (n, l) => n.copied().or(l.map(|l| l.0)),
        }
    }

    /// The earliest timer of the two levels if due at `now`, left in place.
    fn peek_due(&mut self, now: Timestamp) -> Option<Timer> {
        if self.near.is_empty() && self.late.is_empty() {
            // Everything in `far` is later than `near` and `late`: once
            // both are empty, the wheel's first bucket holds the earliest.
            if self.far.next()? > now {
                return None;
            }
            let mut timers = std::mem::take(&mut self.near);
            self.far.take_first(BUCKET_MS, &mut timers);
            let (scratch, counts) = (&mut self.scratch, &mut self.counts);
            bucket_sort::latest_first(&mut timers, scratch, counts, BUCKET_MS);
            self.near = timers;
        }
        let top = self.peek_level()?;
        (top.at <= now).then_some(top)
    }

    /// When the earliest timer is due.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        let levels = match self.peek_level() {
            Some(top) => Some(top.at),
            None => self.far.next(),
        };
        let fifo = self.fifo.front().map(|t| t.at);
        match (levels, fifo) {
            (Some(l), Some(f)) => Some(l.min(f)),
            (l, f) => l.or(f),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The wheel's invariants (`TimerWheel::check`; the audit).
    pub(crate) fn check(&self) -> Result<(), (&'static str, u64, u64)> {
        self.far.check(BUCKET_MS)
    }

    /// How many timers the no-answer FIFO holds (tests).
    #[cfg(test)]
    pub(crate) fn fifo_len(&self) -> usize {
        self.fifo.iter().count()
    }

    /// Every pending timer, sorted (snapshots and audits).
    pub(crate) fn sorted(&self) -> Vec<Timer> {
        let mut all: Vec<Timer> = self
            .near
            .iter()
            .chain(self.late.iter().map(|t| &t.0))
            .chain(self.far.iter())
            .chain(self.fifo.iter())
            .copied()
            .collect();
        all.sort_unstable();
        all
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::timer_level::SLOTS as WHEEL;
    use super::*;

    /// A seeded stream of pseudo-random numbers for the timer tests.
    pub(crate) fn numbers(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        }
    }

    /// Fires every timer due by `now` from `timers` and from `reference`
    /// (one heap of every timer), asserting the same order, then the same
    /// count left and the same next due time.
    pub(crate) fn fire_due_like_one_heap(
        timers: &mut Timers,
        reference: &mut BinaryHeap<Reverse<Timer>>,
        now: u64,
    ) {
        loop {
            let expected = match reference.peek() {
                Some(t) if t.0.at.0 <= now => reference.pop().map(|t| t.0),
                _ => None,
            };
            assert_eq!(timers.pop_due(Timestamp(now)), expected);
            if expected.is_none() {
                break;
            }
        }
        assert_eq!(timers.len(), reference.len());
        assert_eq!(timers.next(), reference.peek().map(|t| t.0.at));
    }

    /// The two-level queue fires exactly as one heap would, also when
    /// timers are armed while firing and when `now` falls inside a bucket.
    #[test]
    fn fires_in_the_order_of_a_single_heap() {
        let mut next = numbers(11);
        let mut timers = Timers::default();
        let mut reference = BinaryHeap::new();
        let mut now = 0u64;
        for round in 0..3_000u64 {
            for _ in 0..(next() % 4) {
                let t = Timer {
                    at: Timestamp(now + next() % 5_000),
                    kind: TimerKind::SlaWarning,
                    subject: next() % 50,
                    generation: (next() % 3) as u32,
                    incarnation: round,
                };
                timers.arm(t);
                reference.push(Reverse(t));
            }
            now += next() % 700;
            fire_due_like_one_heap(&mut timers, &mut reference, now);
        }
    }

    /// The order without the conversation's slot is the order with it
    /// (the record lost the field, issue 22): a conversation keeps one
    /// slot and one id for its life, so while ids are not reused the slot
    /// is a function of the subject and never decides; and a cool-down's
    /// group, now in `incarnation` behind a 0 `generation`, decides as it
    /// did in `slot`. (Two timers with one id and different slots are of a
    /// purged conversation and of the one that reused its id: only the
    /// latter is live, so where the stale one falls changes nothing.)
    #[test]
    fn the_order_without_the_slot_is_the_order_with_it() {
        let mut next = numbers(5);
        // The fields of the former 40-byte timer, slot included, in its
        // field order.
        type Old = (u64, TimerKind, u64, u32, u32, u64);
        let mut pairs: Vec<(Old, Timer)> = Vec::new();
        for _ in 0..20_000 {
            let at = Timestamp(next() % 64);
            if next().is_multiple_of(4) {
                let (agent, group) = (next() % 6, next() % 6);
                let old = (at.0, TimerKind::CooldownEnd, agent, group as u32, 0, 0);
                let t = Timer {
                    at,
                    kind: TimerKind::CooldownEnd,
                    subject: agent,
                    generation: 0,
                    incarnation: group,
                };
                pairs.push((old, t));
            } else {
                // Conversation `n` has id `1000 + n` and slot `(n * 7) % 31`
                // for its whole life, arrival number `n`.
                let n = next() % 40;
                let kind = [TimerKind::SlaWarning, TimerKind::SlaBreach][(next() % 2) as usize];
                let generation = (next() % 3) as u32;
                let slot = ((n * 7) % 31) as u32;
                let old = (at.0, kind, 1000 + n, slot, generation, n);
                let t = Timer {
                    at,
                    kind,
                    subject: 1000 + n,
                    generation,
                    incarnation: n,
                };
                pairs.push((old, t));
            }
        }
        let mut by_old = pairs.clone();
        by_old.sort_by_key(|p| p.0);
        let mut by_new = pairs;
        by_new.sort_by_key(|p| p.1);
        let old: Vec<Timer> = by_old.iter().map(|p| p.1).collect();
        let new: Vec<Timer> = by_new.iter().map(|p| p.1).collect();
        assert_eq!(old, new);
        assert_eq!(std::mem::size_of::<Timer>(), 32);
    }

    /// Far timers too: delays past the wheel's span (in its map), clocks
    /// that jump over whole spans, a first timer at a host's epoch time,
    /// ties at one instant, and timers armed behind the bucket being fired.
    #[test]
    fn fires_in_the_order_of_a_single_heap_across_the_wheel_and_beyond() {
        let span = WHEEL as u64 * BUCKET_MS;
        let mut next = numbers(29);
        let mut timers = Timers::default();
        let mut reference = BinaryHeap::new();
        let mut now = 1_780_000_000_000u64;
        for round in 0..4_000u64 {
            for _ in 0..(next() % 5) {
                let delay = match next() % 6 {
                    0 => next() % 900,
                    1 => next() % span,
                    2 => span + next() % (3 * span),
                    3 => 0,
                    _ => next() % 20_000,
                };
                let t = Timer {
                    at: Timestamp((now + delay).saturating_sub(next() % 3 * 400)),
                    kind: TimerKind::SlaWarning,
                    subject: next() % 7,
                    generation: (next() % 2) as u32,
                    incarnation: round % 5,
                };
                timers.arm(t);
                reference.push(Reverse(t));
            }
            now += match next() % 50 {
                0 => 2 * span,
                1..=3 => next() % span,
                _ => next() % 1_500,
            };
            fire_due_like_one_heap(&mut timers, &mut reference, now);
            let mut all: Vec<Timer> = reference.iter().map(|t| t.0).collect();
            all.sort_unstable();
            if round % 97 == 0 {
                assert_eq!(timers.sorted(), all);
            }
        }
    }
}

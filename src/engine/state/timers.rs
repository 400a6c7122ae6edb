//! Pending timers. A timer is void unless it still matches its
//! subject (the conversation's id in the slot and its generation), so
//! nothing is ever cancelled in place.

use super::timer_fifo::TimerFifo;
use super::timer_wheel::TimerWheel;
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct Timer {
    pub at: Timestamp,
    pub kind: TimerKind,
    /// The conversation's id, or the agent's slot for `CooldownEnd`,
    /// `RateWindow` and `SkillWindow`.
    pub subject: u64,
    /// The conversation's slot, or the group's slot for `CooldownEnd`.
    pub slot: u32,
    pub generation: u32,
    /// The conversation's arrival number (unique for the engine's life,
    /// unlike an id a host may reuse after a purge), 0 for `CooldownEnd`.
    pub incarnation: u64,
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
    /// Timers from the wheel's first bucket on.
    far: TimerWheel,
    len: usize,
    /// Emptied bucket vectors, reused by the next new bucket so that
    /// arming allocates nothing in the steady state (at most
    /// `MAX_SPARE_BUCKETS`; none of it is a pending timer).
    spare: Vec<Vec<Timer>>,
    /// `NoAnswer` timers, all of the rule's one delay, in firing order
    /// (`timer_fifo.rs`); those armed out of order are in the levels above.
    fifo: TimerFifo,
}

/// Emptied bucket vectors kept for reuse. In the steady state a bucket
/// opens about as often as one fires, so a few absorb the jitter; more
/// would only hold memory (256 held 10 MB on the mixed stream).
pub(crate) const MAX_SPARE_BUCKETS: usize = 16;

impl Timers {
    pub(crate) fn arm(&mut self, timer: Timer) {
        self.len += 1;
        // Every no-answer timer has the rule's delay: due in the order
        // armed, so an append to their FIFO unless out of that order.
        if timer.kind == TimerKind::NoAnswer && self.fifo.push(timer) {
            return;
        }
        let bucket = timer.at.0 / BUCKET_MS;
        if bucket < self.far.base() {
            // Due within the bucket being fired (or before it): in order.
            let at = self.near.partition_point(|t| *t > timer);
            self.near.insert(at, timer);
            return;
        }
        self.far.arm(timer, bucket, &mut self.spare);
    }

    /// The earliest timer if due at `now`, removed: the earlier of the
    /// FIFO's front and the levels' earliest, by the timers' total order.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<Timer> {
        let levels = self.peek_due(now);
        let fifo = self.fifo.front().filter(|t| t.at <= now);
        let timer = match (fifo, levels) {
            (Some(f), Some(l)) if l < *f => self.near.pop(),
            (Some(_), _) => self.fifo.pop(),
            (None, Some(_)) => self.near.pop(),
            (None, None) => None,
        };
        if timer.is_some() {
            self.len -= 1;
        }
        timer
    }

    /// The earliest timer of the two levels if due at `now`, left in place
    /// (at the end of `near`).
    fn peek_due(&mut self, now: Timestamp) -> Option<Timer> {
        if self.near.is_empty() {
            // Everything in `far` is later than `near`: once `near` is
            // empty, the wheel's first bucket holds the earliest timer.
            let (bucket, earliest) = self.far.next()?;
            if earliest > now {
                return None;
            }
            let mut timers = std::mem::take(&mut self.near);
            self.far.take(bucket, &mut timers, &mut self.spare);
            timers.sort_unstable_by(|a, b| b.cmp(a));
            self.near = timers;
        }
        let top = *self.near.last()?;
        (top.at <= now).then_some(top)
    }

    /// When the earliest timer is due.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        let levels = match self.near.last() {
            Some(top) => Some(top.at),
            None => self.far.next().map(|(_, earliest)| earliest),
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
    use super::super::timer_wheel::WHEEL;
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

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
                    slot: 0,
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
                    slot: 0,
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

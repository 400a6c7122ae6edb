//! Timers that all have one delay, in a FIFO of their own: armed at the
//! command's time plus the same span, they are due in the order armed, so
//! arming is an append and firing a pop from the front, O(1) each,
//! instead of a bucket append and a heap's sift (the no-answer rule arms
//! one per assignment, `workload/no_answer.rs`).
//!
//! The FIFO only ever holds timers in firing order: a timer that would
//! fire before the last one held (a tie at the same instant with a lower
//! subject, a delay shortened by a reconfiguration while stale timers of
//! the old one are pending, a command whose time is behind the engine's
//! clock) is refused and goes to the general levels of `Timers`, which
//! merge both by the timers' total order. So the firing order is exactly
//! that of one heap of every timer, whatever was armed when.
//!
//! Nothing is cancelled in place: a timer whose subject moved on is
//! popped in its turn and found stale by its generation, as in the heap.

use super::timers::Timer;
use std::collections::VecDeque;

/// Timers in firing order (see the module doc).
#[derive(Clone, Debug, Default)]
pub(crate) struct TimerFifo {
    queue: VecDeque<Timer>,
}

impl TimerFifo {
    /// Appends `timer` if it fires no earlier than every timer held;
    /// returns whether it did (the caller arms it elsewhere otherwise).
    #[inline]
    pub(crate) fn push(&mut self, timer: Timer) -> bool {
        if self.queue.back().is_some_and(|last| timer < *last) {
            return false;
        }
        self.queue.push_back(timer);
        true
    }

    /// The timer to fire first, if any.
    #[inline]
    pub(crate) fn front(&self) -> Option<&Timer> {
        self.queue.front()
    }

    /// Removes the timer to fire first.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Timer> {
        self.queue.pop_front()
    }

    /// Every timer held, in firing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Timer> + '_ {
        self.queue.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::super::timers::tests::{fire_due_like_one_heap, numbers};
    use super::super::timers::{TimerKind, Timers};
    use super::*;
    use crate::model::Timestamp;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// No-answer timers (in their FIFO) mixed with other kinds fire
    /// exactly as one heap of every timer would: with ties at one instant
    /// armed in descending subject order, with the delay shortened and
    /// lengthened half-way (a reconfiguration with stale timers pending),
    /// and with commands behind the clock.
    #[test]
    fn no_answer_timers_fire_in_the_order_of_a_single_heap_whatever_their_delays() {
        let mut next = numbers(7);
        let mut timers = Timers::default();
        let mut reference = BinaryHeap::new();
        let mut now = 0u64;
        let mut fifo_armed = 0;
        for round in 0..4_000u64 {
            // The rule's delay: 600 s, then 30 s (shorter than the stale
            // timers pending), then 900 s.
            let delay = match round {
                0..=1_499 => 600_000,
                1_500..=2_499 => 30_000,
                _ => 900_000,
            };
            for i in 0..(next() % 5) {
                // Now and then a command a little behind the clock.
                let at = now.saturating_sub(if next().is_multiple_of(20) { 50 } else { 0 });
                let t = if next().is_multiple_of(3) {
                    Timer {
                        at: Timestamp(now + next() % 5_000),
                        kind: TimerKind::OfferExpiry,
                        subject: next() % 50,
                        generation: 0,
                        incarnation: round,
                    }
                } else {
                    Timer {
                        at: Timestamp(at + delay),
                        kind: TimerKind::NoAnswer,
                        // Descending within the round: ties at one instant
                        // armed out of subject order.
                        subject: 100 - i,
                        generation: (next() % 3) as u32,
                        incarnation: round,
                    }
                };
                timers.arm(t);
                reference.push(Reverse(t));
            }
            fifo_armed = fifo_armed.max(timers.fifo_len());
            now += next() % 700;
            fire_due_like_one_heap(&mut timers, &mut reference, now);
            if round % 500 == 0 {
                let mut all: Vec<Timer> = reference.iter().map(|t| t.0).collect();
                all.sort_unstable();
                assert_eq!(timers.sorted(), all);
            }
        }
        // The FIFO did hold most of them (the test is not of the heap alone).
        assert!(fifo_armed > 100, "the FIFO held at most {fifo_armed}");
    }

    /// A timer due before the last one held is refused, so the FIFO stays
    /// in firing order; one due at the same time after it in the total
    /// order is taken.
    #[test]
    fn the_fifo_refuses_a_timer_that_would_fire_before_its_last() {
        let t = |at, subject| Timer {
            at: Timestamp(at),
            kind: TimerKind::NoAnswer,
            subject,
            generation: 0,
            incarnation: 0,
        };
        let mut fifo = TimerFifo::default();
        assert!(fifo.push(t(10, 5)));
        assert!(fifo.push(t(10, 6)));
        assert!(!fifo.push(t(10, 4)));
        assert!(!fifo.push(t(9, 9)));
        assert!(fifo.push(t(11, 1)));
        let fired: Vec<_> = std::iter::from_fn(|| fifo.pop()).collect();
        assert_eq!(fired, vec![t(10, 5), t(10, 6), t(11, 1)]);
    }
}

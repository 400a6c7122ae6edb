//! The event queue: a min-heap on (time, insertion sequence), so events at
//! the same millisecond run in the order they were scheduled and a run
//! replays exactly.

use crate::model::AgentStatus;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something the simulated world does at a given time. Conversation and
/// agent numbers are dense indices (the ids the simulator gave them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The bot finished with a conversation (contained or escalating).
    BotDone(u32),
    /// The customer writes again.
    CustomerWrites(u32),
    /// The customer's patience for a first reply runs out.
    GiveUp(u32),
    /// The housekeeping rule closes a thread whose customer never came back.
    Expire(u32),
    /// An agent finished writing a reply.
    ReplyDone { agent: u32, conversation: u32 },
    /// An agent finished serving a conversation (classical model).
    ServiceDone { agent: u32, conversation: u32 },
    /// An agent's roster changes their status.
    Roster { agent: u32, status: AgentStatus },
    /// An agent's unresponsive spell ends.
    Back(u32),
}

#[derive(Debug)]
struct Entry {
    at: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap, the earliest event must be on top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Pending events, earliest first, ties in scheduling order. `std`'s
/// binary heap: a 4-ary heap was tried (issue 22) and cost more
/// instructions per pop on the default day (9.6 and 12.5 million against
/// 8.3), so it was not kept.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `at` (ms).
    pub(crate) fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.heap.push(Entry {
            at,
            seq: self.seq,
            event,
        });
    }

    /// The time of the earliest event.
    pub(crate) fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.at)
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|e| (e.at, e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::GiveUp(1));
        q.push(3, Event::GiveUp(2));
        q.push(5, Event::GiveUp(3));
        assert_eq!(q.pop(), Some((3, Event::GiveUp(2))));
        assert_eq!(q.pop(), Some((5, Event::GiveUp(1))));
        assert_eq!(q.pop(), Some((5, Event::GiveUp(3))));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn pops_in_time_then_scheduling_order_like_a_stable_sort() {
        // A seeded stream of pushes and pops against a stable sort of the
        // same events: the heap must pop exactly the sorted order.
        let mut q = EventQueue::default();
        let mut pending: Vec<(u64, u64, Event)> = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut seq = 0u64;
        for round in 0..6_000u32 {
            if next() % 3 == 0 {
                pending.sort_by_key(|&(at, s, _)| (at, s));
                let want = (!pending.is_empty()).then(|| pending.remove(0));
                assert_eq!(q.pop(), want.map(|(at, _, e)| (at, e)));
            } else {
                let at = next() % 500;
                seq += 1;
                q.push(at, Event::GiveUp(round));
                pending.push((at, seq, Event::GiveUp(round)));
            }
        }
        pending.sort_by_key(|&(at, s, _)| (at, s));
        for (at, _, e) in pending {
            assert_eq!(q.peek_time(), Some(at));
            assert_eq!(q.pop(), Some((at, e)));
        }
        assert_eq!(q.pop(), None);
    }
}

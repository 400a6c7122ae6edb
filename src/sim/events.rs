//! The event queue: a min-heap on (time, insertion sequence), so events at
//! the same millisecond run in the order they were scheduled and a run
//! replays exactly.

use crate::model::AgentStatus;

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

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// (time, insertion sequence): unique, so the order is total and any
    /// correct heap pops the same sequence.
    key: (u64, u64),
    event: Event,
}

/// Children per node. Four halves the depth of a binary heap: a pop,
/// the simulator's most frequent queue operation, moves an entry down
/// half as many levels, comparing four siblings that share a cache line
/// or two (`std`'s binary heap spent about 10% of the default day here).
const ARITY: usize = 4;

/// Pending events, earliest first, ties in scheduling order: a 4-ary
/// min-heap on (time, insertion sequence).
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    heap: Vec<Entry>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `at` (ms).
    pub(crate) fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        let entry = Entry {
            key: (at, self.seq),
            event,
        };
        // Sift up: each turn moves one level towards the root.
        let mut i = self.heap.len();
        self.heap.push(entry);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].key <= entry.key {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = entry;
    }

    /// The time of the earliest event.
    pub(crate) fn peek_time(&self) -> Option<u64> {
        self.heap.first().map(|e| e.key.0)
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<(u64, Event)> {
        let last = self.heap.pop()?;
        let Some(&top) = self.heap.first() else {
            return Some((last.key.0, last.event));
        };
        // Sift the last entry down from the root: each turn moves one
        // level towards the leaves.
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let mut least = first;
            for c in first + 1..(first + ARITY).min(n) {
                if self.heap[c].key < self.heap[least].key {
                    least = c;
                }
            }
            if self.heap[least].key >= last.key {
                break;
            }
            self.heap[i] = self.heap[least];
            i = least;
        }
        self.heap[i] = last;
        Some((top.key.0, top.event))
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

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

/// Pending events, earliest first, ties in scheduling order.
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
}

//! Resolved conversations by resolution time, so that a purge visits the
//! conversations it forgets (and the few still in wrap-up), not every slot.
//!
//! Each resolution queues its (time, slot, arrival number); nothing is
//! removed in place. An entry is void once its slot no longer holds that
//! resolution: the conversation was reopened (then resolved again, which
//! queued a new entry), or purged and the slot reused. A purge pops the
//! entries older than its cut, keeps the valid ones, and returns their
//! slots in ascending order, which is the order the full visit took, so
//! the free-slot list, the customers' releases and the groups' releases
//! happen exactly as before.
//!
//! Resolutions almost always come in time order (the engine's clock only
//! moves forward; a late command may carry an earlier time), so they go to
//! a first-in first-out run while their times do not decrease, and only
//! the out-of-order ones to a heap: a purge then pops the run's front in a
//! few instructions instead of a heap's log n (issue 22: the purge's heap
//! pops were a fifth of M/M/10's purge cost). Which structure held an entry
//! does not matter: a purge takes every entry older than its cut from both,
//! and sorts the slots it returns.

use super::conversation::Place;
use super::index::ConvIdx;
use super::State;
use crate::model::Timestamp;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// The queue of resolutions (`State::resolved_queue`).
#[derive(Clone, Debug, Default)]
pub(crate) struct ResolvedQueue {
    /// (resolved at, slot, arrival number) in queueing order, times
    /// nondecreasing front to back.
    run: VecDeque<(Timestamp, u32, u64)>,
    /// The entries that came earlier than the run's back, earliest first.
    heap: BinaryHeap<Reverse<(Timestamp, u32, u64)>>,
    /// Every resolved conversation in the table has an entry. False until
    /// the engine's first purge, which rebuilds the queue from the table
    /// once: a state restored from a snapshot holds resolutions that were
    /// never queued.
    complete: bool,
}

impl State {
    /// Queues the resolution of `c` (its `resolved_at` is set).
    pub(crate) fn note_resolved(&mut self, c: ConvIdx) {
        let conv = self.conv(c);
        debug_assert!(matches!(conv.place, Place::Resolved { .. }));
        let (Some(at), Ok(slot)) = (conv.resolved_at(), u32::try_from(c.get())) else {
            return;
        };
        let entry = (at, slot, conv.seq);
        let q = &mut self.resolved_queue;
        if q.run.back().is_none_or(|&(last, _, _)| last <= at) {
            q.run.push_back(entry);
        } else {
            q.heap.push(Reverse(entry));
        }
    }

    /// Room in the queue's run for `resolved` resolutions not yet purged
    /// (the host's announced scale, `reserve.rs`); the heap takes only the
    /// rare out-of-order ones and is left to grow.
    pub(crate) fn reserve_resolved(
        &mut self,
        resolved: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        let q = &mut self.resolved_queue;
        q.run
            .try_reserve_exact(resolved.saturating_sub(q.run.len()))
    }

    /// Resolutions the queue's run holds without allocating.
    pub(crate) fn resolved_capacity(&self) -> usize {
        self.resolved_queue.run.capacity()
    }

    /// The next entry resolved before `before`, from the run or the heap.
    fn pop_resolved_before(&mut self, before: Timestamp) -> Option<(Timestamp, u32, u64)> {
        let q = &mut self.resolved_queue;
        if let Some(&entry) = q.run.front().filter(|e| e.0 < before) {
            q.run.pop_front();
            return Some(entry);
        }
        match q.heap.peek() {
            Some(&Reverse(entry)) if entry.0 < before => {
                q.heap.pop();
                Some(entry)
            }
            _ => None,
        }
    }

    /// The conversations a purge at `before` forgets: resolved strictly
    /// before it and out of wrap-up, in ascending slot order, each once.
    /// Their entries leave the queue; those of conversations still in
    /// wrap-up stay for a later purge.
    pub(crate) fn purgeable(&mut self, before: Timestamp) -> Vec<ConvIdx> {
        if !self.resolved_queue.complete {
            self.rebuild_resolved_queue();
        }
        let mut out = Vec::new();
        let mut wrapping = Vec::new();
        // Each round pops one entry, so the loop is bounded by the queue.
        let bound = self.resolved_queue.run.len() + self.resolved_queue.heap.len();
        for _ in 0..bound {
            let Some((at, slot, seq)) = self.pop_resolved_before(before) else {
                break;
            };
            let Some(conv) = self.convs.get(slot as usize).and_then(Option::as_ref) else {
                continue;
            };
            let same = conv.seq == seq
                && matches!(conv.place, Place::Resolved { .. })
                && conv.resolved_at() == Some(at);
            if !same {
                continue;
            }
            match ConvIdx::new(slot as usize) {
                Some(c) if !conv.wrapping => out.push(c),
                Some(_) => wrapping.push(Reverse((at, slot, seq))),
                None => {}
            }
        }
        self.resolved_queue.heap.extend(wrapping);
        // A conversation resolved twice at the same instant (reopened in
        // between) has two valid entries.
        sort_dedup_slots(&mut out, self.convs.len());
        out
    }

    /// Queues every resolved conversation in the table (after a restore).
    fn rebuild_resolved_queue(&mut self) {
        let mut heap = BinaryHeap::new();
        for (i, conv) in self.convs.iter().enumerate() {
            let Some(conv) = conv else { continue };
            if let (Place::Resolved { .. }, Some(at), Ok(slot)) =
                (conv.place, conv.resolved_at(), u32::try_from(i))
            {
                heap.push(Reverse((at, slot, conv.seq)));
            }
        }
        // The run's room (a reservation) is kept, emptied.
        let mut run = std::mem::take(&mut self.resolved_queue.run);
        run.clear();
        self.resolved_queue = ResolvedQueue {
            run,
            heap,
            complete: true,
        };
    }
}

/// Sorts `slots` (each below `table`) ascending, each once: through a
/// bitmap of the table when a scan of it costs less than a sort (a purge
/// of an hour's conversations from a table about that size: the sort was
/// a tenth of M/M/10's purge, issue 22), by a sort otherwise.
fn sort_dedup_slots(slots: &mut Vec<ConvIdx>, table: usize) {
    let words = table.div_ceil(64);
    if slots.len() < 64 || words > 4 * slots.len() {
        slots.sort_unstable();
        slots.dedup();
        return;
    }
    let mut marks = vec![0u64; words];
    for c in slots.iter() {
        if let Some(word) = marks.get_mut(c.get() / 64) {
            *word |= 1 << (c.get() % 64);
        }
    }
    slots.clear();
    for (w, &word) in marks.iter().enumerate() {
        let mut bits = word;
        // One round per set bit: at most 64.
        while bits != 0 {
            let bit = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            slots.extend(ConvIdx::new(w * 64 + bit));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_by_bitmap_equal_slots_sorted() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..200u64 {
            let table = 1 + next(5_000) as usize;
            let n = next(1 + round * 20) as usize;
            let slots: Vec<ConvIdx> = (0..n)
                .filter_map(|_| ConvIdx::new(next(table as u64) as usize))
                .collect();
            let mut sorted = slots.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let mut got = slots;
            sort_dedup_slots(&mut got, table);
            assert_eq!(got, sorted, "table {table}, {n} slots");
        }
    }
}

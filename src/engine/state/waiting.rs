//! A skill group's waiting line: one ordered line per priority class, each
//! ordered by waiting-since time (the conversation's age) then arrival
//! order. The head of the group is the smallest *aged* key among the four
//! class heads: a class is worth a fixed head start in waiting time
//! ([`EngineConfig::class_head_start`](crate::EngineConfig::class_head_start)),
//! so a lower class overtakes a higher one after waiting that much longer
//! per class, and nothing starves. Keeping classes apart makes the oldest
//! waiting conversation (a real-time statistic) a look at four heads.

use super::index::ConvIdx;
use super::line_pool::{LinePool, NIL};
use crate::model::{TimeSpan, Timestamp};
use serde::{Deserialize, Serialize};

/// Number of priority classes.
pub(crate) const CLASSES: usize = 4;

/// A place in a class line: age, then arrival order (unique).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct LineKey {
    pub since: Timestamp,
    pub seq: u64,
}

impl LineKey {
    /// The aged key that orders conversations across classes: waiting
    /// since, minus the class's head start (saturating, so absurd values
    /// cannot wrap and reorder the line).
    #[inline]
    pub(crate) fn aged(self, class: u8, head_start: TimeSpan) -> (i64, u64) {
        // Both terms within `i64` (every real clock and head start): the
        // difference is exact in `i64`, no 128-bit product and clamp (a
        // freed agent's pull computes this for every class head of every
        // group; issue 22).
        let since = self.since.0;
        if let Some(start) = head_start.0.checked_mul(u64::from(class)) {
            if let (Ok(since), Ok(start)) = (i64::try_from(since), i64::try_from(start)) {
                return (since - start, self.seq);
            }
        }
        let effective = i128::from(since) - i128::from(head_start.0) * i128::from(class);
        (
            effective.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            self.seq,
        )
    }
}

/// A line's head: its class, its place in the class line, the
/// conversation.
pub(crate) type Head = (u8, LineKey, ConvIdx);

/// The waiting line of one group. Its entries are nodes of the state's
/// [`LinePool`] (shared by every line, so a command allocates nothing
/// when a line grows); the line keeps each class tree's root.
#[derive(Clone, Debug)]
pub(crate) struct WaitingLine {
    roots: [u32; CLASSES],
    len: u32,
    /// Each class line's first entry, kept in step with the class trees: the
    /// head is read far more often than a class head changes (every
    /// freed agent's pull reads each of their groups' heads, and with
    /// workload rules holding work back the lines are rarely empty), so
    /// reading it compares four copies instead of walking four trees.
    firsts: [Option<(LineKey, ConvIdx)>; CLASSES],
    /// The head's aged key at `aged_start`, kept in step when a class
    /// head changes (one compare, four when the head leaves) rather than
    /// computed at each read: with
    /// workload rules holding work back, lines stay long and freed
    /// agents' pulls read the same heads again and again (issue 20's
    /// budget: four aged keys per read were most of a pull's look at a
    /// line). Kept on the write path, not remembered by the read, so the
    /// core holds no interior mutability (no `Cell`, no atomics).
    aged_head: Option<((i64, u64), ConvIdx)>,
    /// The head start `aged_head` was computed with (the engine's
    /// `class_head_start`; a read with another computes afresh).
    aged_start: TimeSpan,
}

impl Default for WaitingLine {
    fn default() -> Self {
        Self {
            roots: [NIL; CLASSES],
            len: 0,
            firsts: [None; CLASSES],
            aged_head: None,
            aged_start: TimeSpan(0),
        }
    }
}

impl WaitingLine {
    /// Adds `conv` (not in this line yet) to class `class` at `key`;
    /// `head_start` is the engine's class head start.
    pub(crate) fn insert(
        &mut self,
        pool: &mut LinePool,
        class: u8,
        key: LineKey,
        conv: ConvIdx,
        head_start: TimeSpan,
    ) {
        let class = usize::from(class);
        pool.insert(&mut self.roots[class], key, conv);
        self.len += 1;
        let first = &mut self.firsts[class];
        if first.is_none_or(|f| (key, conv) < f) {
            let replaced = first.replace((key, conv)).map(|(_, c)| c);
            self.class_head_changed(class, replaced, head_start);
        }
    }

    /// Takes `conv` out of class `class` (at `key`), if there;
    /// `head_start` is the engine's class head start.
    pub(crate) fn remove(
        &mut self,
        pool: &mut LinePool,
        class: u8,
        key: LineKey,
        conv: ConvIdx,
        head_start: TimeSpan,
    ) -> bool {
        let class = usize::from(class);
        let root = &mut self.roots[class];
        let removed = pool.remove(root, key, conv);
        self.len -= u32::from(removed);
        if self.firsts[class] == Some((key, conv)) {
            // Only a class head leaving walks its tree again.
            self.firsts[class] = pool.first(*root);
            self.class_head_changed(class, Some(conv), head_start);
        }
        removed
    }

    /// Keeps the aged head in step after class `class`'s head changed
    /// from `replaced` to `firsts[class]`. The line's head is the least
    /// aged key among the class heads: when the one replaced was not it,
    /// the least of it and the new class head; else all four again. (The
    /// new class head is not always later in aged order than the one it
    /// replaced: clamped at `i64::MAX`, aged keys of far-future times
    /// order by arrival alone, a fuzzed configuration found.)
    // Always: on every insert and removal (0.28M calls on `profile`), and
    // left to a hint it stayed out of line.
    #[inline(always)]
    fn class_head_changed(
        &mut self,
        class: usize,
        replaced: Option<ConvIdx>,
        head_start: TimeSpan,
    ) {
        let was_head = replaced.is_some() && self.aged_head.map(|(_, c)| c) == replaced;
        if head_start != self.aged_start || was_head {
            self.refresh_aged(head_start);
            return;
        }
        if let Some((key, conv)) = self.firsts[class] {
            let aged = key.aged(class as u8, head_start);
            if self.aged_head.is_none_or(|(least, _)| aged < least) {
                self.aged_head = Some((aged, conv));
            }
        }
    }

    /// Recomputes the kept aged head after a class head changed.
    #[inline]
    fn refresh_aged(&mut self, head_start: TimeSpan) {
        self.aged_head = self.compute_aged(head_start);
        self.aged_start = head_start;
    }

    /// The head with its aged key (`head` for a caller that orders heads
    /// across lines by that key: computed once, not again by the caller).
    #[inline]
    pub(crate) fn head_aged(&self, head_start: TimeSpan) -> Option<((i64, u64), ConvIdx)> {
        if head_start == self.aged_start {
            return self.aged_head;
        }
        // Only after the head start was reconfigured, until a class head
        // changes.
        self.compute_aged(head_start)
    }

    /// The head with its aged key, from the four class heads.
    fn compute_aged(&self, head_start: TimeSpan) -> Option<((i64, u64), ConvIdx)> {
        if self.len == 0 {
            return None;
        }
        let mut best: Option<((i64, u64), ConvIdx)> = None;
        for (class, first) in self.firsts.iter().enumerate() {
            let Some((key, conv)) = *first else {
                continue;
            };
            let aged = key.aged(class as u8, head_start);
            if best.as_ref().is_none_or(|(least, _)| aged < *least) {
                best = Some((aged, conv));
            }
        }
        best
    }

    /// The head: the smallest aged key among the class heads.
    pub(crate) fn head(&self, head_start: TimeSpan) -> Option<Head> {
        if self.len == 0 {
            // Most lines are empty most of the time: no look at 4 heads.
            return None;
        }
        // The first smallest, as `min_by_key` (aged keys never tie: the
        // arrival order in them is unique), each aged key computed once.
        let mut best: Option<((i64, u64), Head)> = None;
        for (class, first) in self.firsts.iter().enumerate() {
            let Some((key, conv)) = *first else {
                continue;
            };
            let class = class as u8;
            let aged = key.aged(class, head_start);
            if best.as_ref().is_none_or(|(least, _)| aged < *least) {
                best = Some((aged, (class, key, conv)));
            }
        }
        best.map(|(_, head)| head)
    }

    /// When the longest-waiting conversation started waiting.
    pub(crate) fn oldest(&self) -> Option<Timestamp> {
        self.firsts.iter().flatten().map(|(key, _)| key.since).min()
    }

    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    /// Every entry with its class, class by class, each in line order.
    pub(crate) fn iter<'a>(
        &'a self,
        pool: &'a LinePool,
    ) -> impl Iterator<Item = (u8, LineKey, ConvIdx)> + 'a {
        (self.roots.iter().enumerate()).flat_map(move |(class, &root)| {
            pool.iter(root)
                .map(move |(key, conv)| (class as u8, key, conv))
        })
    }

    /// Whether each class tree is well formed and its first entry is the
    /// one kept, and the entries add up to `len` (the audit).
    pub(crate) fn check(&self, pool: &LinePool) -> Result<(), &'static str> {
        let mut total = 0u32;
        for (&root, first) in self.roots.iter().zip(&self.firsts) {
            total += pool.check(root)?;
            if pool.first(root) != *first {
                return Err("a class head kept is not its line's first entry");
            }
        }
        if total != self.len {
            return Err("a waiting line's length");
        }
        if self.aged_head != self.compute_aged(self.aged_start) {
            return Err("a waiting line's kept aged head is not its head");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept aged head against one computed afresh, over random
    /// inserts and removes, read at the head start it is kept for and at
    /// another (a reconfigured engine).
    #[test]
    fn the_remembered_head_is_the_head() {
        let mut pool = LinePool::default();
        let mut line = WaitingLine::default();
        let mut seed = 11u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        let mut held: Vec<(u8, LineKey, ConvIdx)> = Vec::new();
        for round in 0..3_000u64 {
            if held.is_empty() || next() % 3 != 0 {
                let class = (next() % 4) as u8;
                let key = LineKey {
                    since: Timestamp(next() % 1_000),
                    seq: round,
                };
                let conv = ConvIdx::new(round as usize).expect("index");
                line.insert(&mut pool, class, key, conv, TimeSpan(300));
                held.push((class, key, conv));
            } else {
                let (class, key, conv) = held.swap_remove((next() as usize) % held.len());
                assert!(line.remove(&mut pool, class, key, conv, TimeSpan(300)));
            }
            for start in [TimeSpan(0), TimeSpan(300)] {
                let head = line.head_aged(start);
                assert_eq!(head, line.compute_aged(start), "afresh");
                assert_eq!(head.map(|h| h.1), line.head(start).map(|h| h.2));
                line.check(&pool).expect("the kept head is checked");
            }
        }
    }

    /// Far-future times clamp every aged key to `i64::MAX`, so a class's
    /// next head (later by time, earlier by arrival) can come before the
    /// one it replaced: the kept head follows (the fuzzed case).
    #[test]
    fn the_kept_head_follows_clamped_aged_keys() {
        let mut pool = LinePool::default();
        let mut line = WaitingLine::default();
        let start = TimeSpan(3_150);
        let conv = |i: usize| ConvIdx::new(i).expect("index");
        let far = u64::MAX - 10;
        let at = |since: u64, seq: u64| LineKey {
            since: Timestamp(since),
            seq,
        };
        // Class 0: (far, 5) then (far + 1, 1); class 3: (far, 3).
        line.insert(&mut pool, 0, at(far, 5), conv(0), start);
        line.insert(&mut pool, 0, at(far + 1, 1), conv(1), start);
        line.insert(&mut pool, 3, at(far, 3), conv(2), start);
        line.check(&pool).expect("kept head");
        assert_eq!(line.head_aged(start).map(|h| h.1), Some(conv(2)));
        // Class 0's head leaves; its next (seq 1) is the line's head now.
        assert!(line.remove(&mut pool, 0, at(far, 5), conv(0), start));
        line.check(&pool).expect("kept head after a removal");
        assert_eq!(line.head_aged(start).map(|h| h.1), Some(conv(1)));
        // A new class 3 head (earlier time, later arrival) replaces the
        // line's head in its class: the line's head is found again.
        line.insert(&mut pool, 3, at(far - 1, 9), conv(3), start);
        line.check(&pool).expect("kept head after an insertion");
        assert_eq!(line.head_aged(start), line.compute_aged(start));
    }

    /// The aged key's `i64` path equals the 128-bit formula, at the
    /// edges where it falls back too.
    #[test]
    fn the_aged_key_is_the_saturating_difference() {
        let values = [
            0,
            1,
            999,
            1 << 40,
            i64::MAX as u64 - 1,
            i64::MAX as u64,
            u64::MAX,
        ];
        for &since in &values {
            for &start in &values {
                for class in [0u8, 1, 2, 3, 255] {
                    let key = LineKey {
                        since: Timestamp(since),
                        seq: 7,
                    };
                    let exact = (i128::from(since) - i128::from(start) * i128::from(class))
                        .clamp(i128::from(i64::MIN), i128::from(i64::MAX))
                        as i64;
                    assert_eq!(key.aged(class, TimeSpan(start)), (exact, 7));
                }
            }
        }
    }

    /// The head and the oldest entry read from the class heads kept
    /// beside the lines equal a walk of every line, after any mix of
    /// inserts and removals (heads and others) across the classes.
    #[test]
    fn the_kept_class_heads_give_the_head_and_the_oldest_of_a_walk_of_every_line() {
        let mut seed = 11u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let head_start = TimeSpan(5_000);
        let mut line = WaitingLine::default();
        let mut pool = LinePool::default();
        let mut waiting: Vec<(u8, LineKey, ConvIdx)> = Vec::new();
        for seq in 0..3_000u64 {
            if waiting.is_empty() || next(3) != 0 {
                let class = next(CLASSES as u64) as u8;
                let key = LineKey {
                    since: Timestamp(next(60_000)),
                    seq,
                };
                let conv = ConvIdx::new(seq as usize).expect("a slot");
                line.insert(&mut pool, class, key, conv, TimeSpan(300));
                waiting.push((class, key, conv));
            } else {
                // Half the time the head, else anyone.
                let i = match (next(2), line.head(head_start)) {
                    (0, Some(head)) => waiting.iter().position(|&w| w == head).expect("waits"),
                    _ => next(waiting.len() as u64) as usize,
                };
                let (class, key, conv) = waiting.swap_remove(i);
                assert!(line.remove(&mut pool, class, key, conv, TimeSpan(300)));
            }
            let walked = waiting
                .iter()
                .copied()
                .min_by_key(|&(class, key, _)| key.aged(class, head_start));
            assert_eq!(line.head(head_start), walked);
            let oldest = waiting.iter().map(|(_, key, _)| key.since).min();
            assert_eq!(line.oldest(), oldest);
            assert_eq!(line.len() as usize, waiting.len());
            assert_eq!(line.check(&pool), Ok(()));
            let mut sorted = waiting.clone();
            sorted.sort_unstable();
            assert!(line.iter(&pool).eq(sorted));
        }
    }
}

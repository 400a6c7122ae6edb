//! The far level of `Timers`: pending timers in buckets of about a second,
//! unsorted, found by bucket number. The next `WHEEL` buckets sit in a ring
//! indexed by `bucket % WHEEL` with a bitmap of the occupied ones, so
//! arming is an index and an append; buckets further out (auto-park after
//! hours, a plan step a day away) go to an ordered map, as every bucket
//! did before the ring (a tree search of a few hundred instructions per
//! arm on the mixed stream).
//!
//! A bucket may be split between the ring and the map: armed while it was
//! too far out, then again once in reach. `next` and `take` treat both
//! halves as one bucket, and the caller sorts what it takes, so where a
//! timer sat never changes the firing order.

use super::timers::{Timer, MAX_SPARE_BUCKETS};
use crate::model::Timestamp;
use std::collections::BTreeMap;

/// Buckets the ring spans (a power of two): with `BUCKET_MS` of 1,024 ms,
/// about 8.7 minutes, which holds the offer, SLA and sticky-wait timers of
/// DOMAIN.md's figures. The ring costs 16 KiB per engine once a timer
/// lands in it.
pub(crate) const WHEEL: usize = 512;
const WORDS: usize = WHEEL / 64;

/// Buckets of unsorted timers from `base` on (see the module doc).
#[derive(Clone, Debug, Default)]
pub(crate) struct TimerWheel {
    /// The first bucket that may hold a timer: every bucket before it was
    /// taken.
    base: u64,
    /// Buckets `base..base + WHEEL` at `bucket % WHEEL` (empty until the
    /// first timer lands in the ring).
    ring: Vec<Vec<Timer>>,
    /// The earliest time in each occupied ring slot.
    earliest: Vec<Timestamp>,
    /// Which ring slots hold a timer.
    occupied: [u64; WORDS],
    /// How many ring slots hold a timer.
    slots_used: usize,
    /// Buckets at or past `base + WHEEL` when armed, each with its earliest
    /// time.
    beyond: BTreeMap<u64, (Timestamp, Vec<Timer>)>,
}

impl TimerWheel {
    /// The first bucket that may hold a timer.
    pub(crate) fn base(&self) -> u64 {
        self.base
    }

    /// Whether no timer is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.slots_used == 0 && self.beyond.is_empty()
    }

    /// Holds `timer` in `bucket` (at least `base`), reusing `spare` for a
    /// bucket the map opens.
    pub(crate) fn arm(&mut self, timer: Timer, bucket: u64, spare: &mut Vec<Vec<Timer>>) {
        debug_assert!(bucket >= self.base, "a taken bucket is never armed");
        if self.is_empty() {
            // Nothing before `bucket` is held: the ring may start there.
            self.base = bucket;
        }
        if bucket - self.base >= WHEEL as u64 {
            let entry = self
                .beyond
                .entry(bucket)
                .or_insert_with(|| (timer.at, spare.pop().unwrap_or_default()));
            entry.0 = entry.0.min(timer.at);
            entry.1.push(timer);
            return;
        }
        if self.ring.is_empty() {
            self.ring.resize_with(WHEEL, Vec::new);
            self.earliest.resize(WHEEL, Timestamp(0));
        }
        let slot = bucket as usize % WHEEL;
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if self.occupied[word] & bit == 0 {
            self.occupied[word] |= bit;
            self.slots_used += 1;
            self.earliest[slot] = timer.at;
        } else {
            self.earliest[slot] = self.earliest[slot].min(timer.at);
        }
        self.ring[slot].push(timer);
    }

    /// The first occupied ring bucket, by a scan of at most `WORDS + 1`
    /// bitmap words from `base`.
    fn ring_next(&self) -> Option<u64> {
        if self.slots_used == 0 {
            return None;
        }
        let start = self.base as usize % WHEEL;
        let (first_word, first_bit) = (start / 64, start % 64);
        for step in 0..=WORDS {
            let word = (first_word + step) % WORDS;
            let mut bits = self.occupied[word];
            if step == 0 {
                bits &= !0u64 << first_bit;
            } else if step == WORDS {
                // Back at the first word: only the slots before `start`.
                bits &= (1u64 << first_bit) - 1;
            }
            if bits != 0 {
                let slot = word * 64 + bits.trailing_zeros() as usize;
                let ahead = (slot + WHEEL - start) % WHEEL;
                return Some(self.base + ahead as u64);
            }
        }
        debug_assert!(false, "slots_used counts a slot the bitmap lacks");
        None
    }

    /// The first bucket holding a timer, with the earliest time in it.
    pub(crate) fn next(&self) -> Option<(u64, Timestamp)> {
        let ring = self
            .ring_next()
            .map(|b| (b, self.earliest[b as usize % WHEEL]));
        let beyond = self.beyond.first_key_value().map(|(&b, e)| (b, e.0));
        match (ring, beyond) {
            (Some(r), Some(f)) if r.0 == f.0 => Some((r.0, r.1.min(f.1))),
            (Some(r), Some(f)) => Some(if r.0 < f.0 { r } else { f }),
            (r, f) => r.or(f),
        }
    }

    /// Moves every timer of `bucket` (the first, from `next`) into `into`,
    /// unsorted, and starts the ring after it.
    pub(crate) fn take(&mut self, bucket: u64, into: &mut Vec<Timer>, spare: &mut Vec<Vec<Timer>>) {
        debug_assert_eq!(self.next().map(|n| n.0), Some(bucket));
        if bucket - self.base < WHEEL as u64 && !self.ring.is_empty() {
            let slot = bucket as usize % WHEEL;
            let (word, bit) = (slot / 64, 1u64 << (slot % 64));
            if self.occupied[word] & bit != 0 {
                self.occupied[word] &= !bit;
                self.slots_used -= 1;
                // Into an empty buffer (the usual), a swap of buffers, not
                // a copy of the bucket (5M instructions on `profile`).
                if into.is_empty() {
                    std::mem::swap(into, &mut self.ring[slot]);
                } else {
                    into.append(&mut self.ring[slot]);
                }
            }
        }
        if let Some((_, mut timers)) = self.beyond.remove(&bucket) {
            into.append(&mut timers);
            if spare.len() < MAX_SPARE_BUCKETS {
                spare.push(timers);
            }
        }
        self.base = bucket + 1;
    }

    /// Every timer held, in no order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Timer> + '_ {
        self.ring
            .iter()
            .flatten()
            .chain(self.beyond.values().flat_map(|b| b.1.iter()))
    }
}

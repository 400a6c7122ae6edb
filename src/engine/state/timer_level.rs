//! One level of the hierarchical timer wheel (`timer_wheel.rs`): `SLOTS`
//! slots of unsorted timers, each slot a run of `2^shift` buckets (level 0
//! one bucket, level 1 512 buckets, level 2 512 of those), found by slot
//! number (`bucket >> shift`) at `number % SLOTS`, with a bitmap of the
//! occupied slots and the earliest time in each. The level does not know
//! the wheel's base: the wheel hands it the first slot number that may be
//! held, and keeps every held slot number within `SLOTS` of it, so two
//! held slot numbers never share a place.

use super::timer_chunks::{Chain, ChunkStore};
use super::timers::Timer;
use crate::model::Timestamp;

/// Slots per level (a power of two, a multiple of 64).
pub(crate) const SLOTS: usize = 512;
/// `log2(SLOTS)`: a slot of level `k + 1` spans a whole level `k`.
pub(crate) const SLOT_BITS: u32 = 9;
const WORDS: usize = SLOTS / 64;

/// One slot of a level: its chain in the wheel's chunk store and the
/// earliest time in it (meaningful while occupied). Side by side, so that
/// arming checks one index, which also tells an empty level (issue 22).
#[derive(Clone, Copy, Debug)]
struct Slot {
    chain: Chain,
    earliest: Timestamp,
}

const EMPTY: Slot = Slot {
    chain: Chain::EMPTY,
    earliest: Timestamp(0),
};

/// One level's slots (see the module doc). Empty until its first timer:
/// an engine whose timers never reach a level pays nothing for it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Level {
    /// The slots: `SLOTS` of them once the level's first timer came.
    slots: Vec<Slot>,
    /// Which slots hold a timer.
    occupied: [u64; WORDS],
    /// How many slots hold a timer.
    used: usize,
}

impl Level {
    /// Appends `timer` to slot number `number`. Always inlined into the
    /// wheel's `place` (itself inside the out-of-line `TimerWheel::arm`):
    /// the calls' own cost was about 3M instructions on `profile`. The
    /// level's first timer goes through `arm_first`, out of line, so that
    /// the common path saves no registers for it.
    #[inline(always)]
    pub(crate) fn arm(&mut self, chunks: &mut ChunkStore, timer: Timer, number: u64) {
        let slot = number as usize % SLOTS;
        let Some(place) = self.slots.get_mut(slot) else {
            return self.arm_first(chunks, timer, number);
        };
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if self.occupied[word] & bit == 0 {
            self.occupied[word] |= bit;
            self.used += 1;
            place.earliest = timer.at;
        } else if timer.at < place.earliest {
            place.earliest = timer.at;
        }
        chunks.push(&mut place.chain, timer);
    }

    /// `arm` of the level's first timer: its slots are made first.
    #[cold]
    #[inline(never)]
    fn arm_first(&mut self, chunks: &mut ChunkStore, timer: Timer, number: u64) {
        self.slots.resize(SLOTS, EMPTY);
        self.arm(chunks, timer, number);
    }

    /// The first occupied slot number from `from` on, with its earliest
    /// time, by a scan of at most `WORDS + 1` bitmap words.
    pub(crate) fn first(&self, from: u64) -> Option<(u64, Timestamp)> {
        if self.used == 0 {
            return None;
        }
        let start = from as usize % SLOTS;
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
                let ahead = (slot + SLOTS - start) % SLOTS;
                return Some((from + ahead as u64, self.slots[slot].earliest));
            }
        }
        debug_assert!(false, "`used` counts a slot the bitmap lacks");
        None
    }

    /// Moves every timer of slot number `number` into `into`, in the order
    /// armed, and empties the slot.
    pub(crate) fn take(&mut self, chunks: &mut ChunkStore, number: u64, into: &mut Vec<Timer>) {
        let slot = number as usize % SLOTS;
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if self.occupied[word] & bit != 0 {
            self.occupied[word] &= !bit;
            self.used -= 1;
            chunks.drain_into(&mut self.slots[slot].chain, into);
        }
    }

    /// Every timer held, in no order.
    pub(crate) fn iter<'a>(&'a self, chunks: &'a ChunkStore) -> impl Iterator<Item = &'a Timer> {
        self.slots.iter().flat_map(|slot| chunks.iter(&slot.chain))
    }

    /// The level's own invariants (the audit): the bitmap and `used`
    /// agree, an unoccupied slot's chain is empty, an occupied one holds
    /// its earliest time and only timers of one slot number `shift`-wide,
    /// at its place, from `from` on and fewer than `SLOTS` ahead of it.
    /// Returns how many timers the level holds.
    pub(crate) fn check(
        &self,
        chunks: &ChunkStore,
        shift: u32,
        from: u64,
        bucket_ms: u64,
    ) -> Result<u64, (&'static str, u64, u64)> {
        let bits: u32 = self.occupied.iter().map(|w| w.count_ones()).sum();
        if bits as usize != self.used {
            return Err((
                "timer level's occupied slots",
                self.used as u64,
                bits.into(),
            ));
        }
        let mut held = 0u64;
        for (slot, Slot { chain, .. }) in self.slots.iter().enumerate() {
            let occupied = self.occupied[slot / 64] & (1u64 << (slot % 64)) != 0;
            let mut earliest: Option<Timestamp> = None;
            let mut number: Option<u64> = None;
            for t in chunks.iter(chain) {
                held += 1;
                let n = (t.at.0 / bucket_ms) >> shift;
                if n < from || n - from >= SLOTS as u64 || n as usize % SLOTS != slot {
                    return Err(("timer level's slot of a timer", slot as u64, n));
                }
                if number.is_some_and(|m| m != n) {
                    return Err(("timer level's slot numbers in one slot", slot as u64, n));
                }
                number = Some(n);
                earliest = Some(earliest.map_or(t.at, |e| e.min(t.at)));
            }
            if occupied != earliest.is_some() {
                return Err(("timer level's occupied slot", slot as u64, occupied.into()));
            }
            if earliest.is_some_and(|e| e != self.slots[slot].earliest) {
                return Err((
                    "timer level's earliest time",
                    self.slots[slot].earliest.0,
                    slot as u64,
                ));
            }
        }
        Ok(held)
    }
}

//! Per-agent capacity: load and cap packed in one 64-bit word, so that "the
//! load never exceeds the cap" is decided by a single compare-and-swap even
//! while another thread changes the cap. No lock is taken to reserve.

use crate::model::Capacity;
use crate::sync::{AtomicU64, Ordering};

/// Load (low 32 bits) and cap (high 32 bits) of one agent, in milli-units.
///
/// Invariant: `load <= cap` in every value ever stored. Every writer goes
/// through a CAS that checks it on the value it replaces.
#[derive(Debug)]
pub(crate) struct CapacityCell {
    word: AtomicU64,
}

/// The agent's load and cap right after a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reserved {
    pub load: Capacity,
    pub cap: Capacity,
}

fn pack(load: u32, cap: u32) -> u64 {
    (u64::from(cap) << 32) | u64::from(load)
}

fn unpack(word: u64) -> (u32, u32) {
    (word as u32, (word >> 32) as u32)
}

impl CapacityCell {
    pub(crate) fn new(load: Capacity, cap: Capacity) -> Self {
        debug_assert!(load <= cap);
        Self {
            word: AtomicU64::new(pack(load.0, cap.0)),
        }
    }

    /// `(load, cap)` as one consistent pair.
    pub(crate) fn get(&self) -> (Capacity, Capacity) {
        // ORDERING: Acquire pairs with the AcqRel of every successful CAS, so
        // a reader sees a pair some writer actually stored.
        let (load, cap) = unpack(self.word.load(Ordering::Acquire));
        (Capacity(load), Capacity(cap))
    }

    /// Adds `amount` to the load if the result stays within the cap. Returns
    /// the load and cap right after (one consistent pair, from the same
    /// atomic update), or `None` (and changes nothing) when it would not fit.
    pub(crate) fn try_reserve(&self, amount: Capacity) -> Option<Reserved> {
        // ORDERING: AcqRel on success orders this reservation after every
        // earlier one and before every later one on the same word; the
        // failure load is Acquire so the retry sees the newest pair.
        self.word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let (load, cap) = unpack(word);
                let after = load.checked_add(amount.0)?;
                (after <= cap).then(|| pack(after, cap))
            })
            .ok()
            .map(|before| {
                let (load, cap) = unpack(before);
                Reserved {
                    load: Capacity(load + amount.0),
                    cap: Capacity(cap),
                }
            })
    }

    /// Whether `amount` fits now (a hint; only `try_reserve` decides).
    pub(crate) fn free_for(&self, amount: Capacity) -> bool {
        let (load, cap) = self.get();
        load.0.saturating_add(amount.0) <= cap.0
    }

    /// Gives back `amount` previously reserved. Returns the load after.
    pub(crate) fn release(&self, amount: Capacity) -> Capacity {
        // ORDERING: as in try_reserve; the closure never fails unless the
        // caller releases more than it reserved, a bug caught in debug builds.
        let before = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let (load, cap) = unpack(word);
                debug_assert!(load >= amount.0, "released more capacity than reserved");
                Some(pack(load.saturating_sub(amount.0), cap))
            })
            .unwrap_or_else(|word| word);
        Capacity(unpack(before).0.saturating_sub(amount.0))
    }

    /// Sets the cap if the current load fits under it. On refusal returns the
    /// current load.
    pub(crate) fn set_cap(&self, cap: Capacity) -> Result<Capacity, Capacity> {
        // ORDERING: as in try_reserve: the check of load against the new cap
        // and the store happen in one CAS.
        self.word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let (load, _) = unpack(word);
                (load <= cap.0).then(|| pack(load, cap.0))
            })
            .map(|word| Capacity(unpack(word).0))
            .map_err(|word| Capacity(unpack(word).0))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn reservation_stops_at_the_cap() {
        let cell = CapacityCell::new(Capacity::ZERO, Capacity::units(2));
        assert_eq!(
            cell.try_reserve(Capacity::units(1)).map(|r| r.load),
            Some(Capacity::units(1))
        );
        assert_eq!(
            cell.try_reserve(Capacity(500)).map(|r| r.load),
            Some(Capacity(1500))
        );
        assert_eq!(cell.try_reserve(Capacity::units(1)).map(|r| r.load), None);
        assert_eq!(cell.get(), (Capacity(1500), Capacity::units(2)));
        assert_eq!(cell.release(Capacity(500)), Capacity::units(1));
    }

    #[test]
    fn cap_cannot_drop_below_load() {
        let cell = CapacityCell::new(Capacity::units(3), Capacity::units(4));
        assert_eq!(cell.set_cap(Capacity::units(2)), Err(Capacity::units(3)));
        assert_eq!(cell.set_cap(Capacity::units(3)), Ok(Capacity::units(3)));
        assert_eq!(cell.try_reserve(Capacity(1)), None);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two or three threads race to reserve and to lower the cap: in every
    /// interleaving the final load is within the cap and equals the sum of
    /// the reservations that reported success.
    #[test]
    fn racing_reservations_never_exceed_the_cap() {
        loom::model(|| {
            let cell = Arc::new(CapacityCell::new(Capacity::ZERO, Capacity::units(2)));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let cell = cell.clone();
                    thread::spawn(move || cell.try_reserve(Capacity::units(1)).is_some())
                })
                .collect();
            let lowered = cell.set_cap(Capacity::units(1)).is_ok();
            let won = handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|w| *w)
                .count() as u32;
            let (load, cap) = cell.get();
            assert!(load <= cap);
            assert_eq!(load, Capacity::units(won));
            assert_eq!(cap, Capacity::units(if lowered { 1 } else { 2 }));
        });
    }

    #[test]
    fn release_and_reserve_interleave_exactly() {
        loom::model(|| {
            let cell = Arc::new(CapacityCell::new(Capacity::units(1), Capacity::units(1)));
            let releaser = {
                let cell = cell.clone();
                thread::spawn(move || {
                    cell.release(Capacity::units(1));
                })
            };
            let taker = {
                let cell = cell.clone();
                thread::spawn(move || cell.try_reserve(Capacity::units(1)).is_some())
            };
            releaser.join().unwrap();
            let took = taker.join().unwrap();
            let (load, _) = cell.get();
            assert_eq!(load, Capacity::units(u32::from(took)));
        });
    }

    /// Three threads: two reserve and the main thread releases a unit held
    /// from before, on a cap of 2 already half used. Covers every order of
    /// two CAS reservations and a release on one word (including a
    /// reservation that fails, retries after the release and succeeds):
    /// the load never passes the cap and ends equal to what was reserved
    /// minus what was released.
    #[test]
    fn two_reservations_and_a_release_in_three_threads() {
        loom::model(|| {
            let cell = Arc::new(CapacityCell::new(Capacity::units(1), Capacity::units(2)));
            let takers: Vec<_> = (0..2)
                .map(|_| {
                    let cell = cell.clone();
                    thread::spawn(move || {
                        let won = cell.try_reserve(Capacity::units(1)).is_some();
                        let (load, cap) = cell.get();
                        assert!(load <= cap);
                        won
                    })
                })
                .collect();
            cell.release(Capacity::units(1));
            let won = takers
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|w| *w)
                .count() as u32;
            assert!(won >= 1, "with one unit always free, a reservation wins");
            let (load, cap) = cell.get();
            assert!(load <= cap);
            assert_eq!(load, Capacity::units(won));
        });
    }
}

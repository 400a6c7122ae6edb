//! The hand-off of commands from callers to a shard: a protocol over a
//! count of free places ([`Places`]) and the bounded queue itself
//! ([`Queue`]).
//!
//! Room is counted twice, so the rule is: a caller **takes a place, then
//! pushes** (holding a place, it always finds room; a push that fails
//! gives the place back); the shard **takes items out, then gives their
//! places back**, a batch's places at once ([`Places::give_back`]: one
//! update of the count per batch, and no place travels inside an item).
//! So at every instant
//!
//! ```text
//! free places + places held by callers + items queued
//!     + items taken whose places are not yet given back <= capacity
//! ```
//!
//! and a push by a place holder cannot find the queue full. An item the
//! shard keeps aside (a command parked for a tenant still opening) keeps
//! its place until the shard is done with it. Shutdown closes
//! the places first (a caller then gets no place, and is told the runtime
//! is shutting down); the few callers that took a place just before still
//! push, and the shard's drain takes them, or the queue is dropped with
//! them and each caller's reply says so.
//!
//! A caller's batch (`RuntimeHandle::send_batch`) is one item that takes
//! one place per command, all at once ([`hand_off_many`]: one permit for
//! `n`), and the shard gives back one per command: the same rule with `n`
//! for 1. An item takes at least one place, so the items queued never
//! outnumber the places taken for them, and the queue (which counts
//! items) still has room for every place holder.
//!
//! The runtime instantiates this with tokio's semaphore and the queue of
//! `queue.rs` (`handle.rs`); the loom models (`handoff_loom.rs`, run by
//! `ci/loom.sh`) with a counter built on `sync.rs` and the same queue (its
//! ring a model of crossbeam's under `cfg(loom)`), whose atomics and lock
//! loom swaps for its own, under every interleaving.

use super::sync::{AtomicBool, Ordering};

/// Why no place was taken.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NoPlace {
    /// Every place is taken or queued.
    Full,
    /// The places were closed (shutdown).
    Closed,
}

/// A count of the free places of one queue.
pub(crate) trait Places {
    /// One place taken by a caller; dropping it gives it back.
    type Place<'a>
    where
        Self: 'a;
    /// Takes a place without waiting.
    fn try_take(&self) -> Result<Self::Place<'_>, NoPlace>;
    /// Takes `n` places at once without waiting, or none.
    fn try_take_many(&self, n: u32) -> Result<Self::Place<'_>, NoPlace>;
    /// Leaves `place` taken: its item is in the queue, and the shard gives
    /// the place back once it took the item out.
    fn keep(place: Self::Place<'_>);
    /// The shard gives back the places of `n` items it took out.
    fn give_back(&self, n: usize);
}

/// Why a push failed; the item comes back.
#[derive(Debug)]
pub(crate) enum PushFailed<E> {
    /// The queue is full.
    Full(E),
    /// Nobody takes from the queue any more.
    Gone(E),
}

/// A bounded queue, as callers see it.
pub(crate) trait Queue<E> {
    /// Pushes `item` without waiting.
    fn try_push(&self, item: E) -> Result<(), PushFailed<E>>;
}

/// Why a hand-off failed.
#[derive(Debug)]
pub(crate) enum Refused<E> {
    /// No free place: the caller is told the shard is overloaded.
    NoPlace,
    /// Shutting down (flag set or places closed).
    Closing,
    /// A place holder found the queue full: the counting is broken (never
    /// happens; answered as overload, never a block).
    FoundFull(E),
    /// The shard is gone.
    Gone(E),
}

/// Whether shutdown began. ORDERING: Acquire pairs with the Release store
/// of shutdown, so a caller that sees the flag also sees the places
/// closed; a caller that misses it finds the places closed, or takes a
/// place just before, which the drain accounts for.
pub(crate) fn closing(flag: &AtomicBool) -> bool {
    flag.load(Ordering::Acquire)
}

/// A caller's side: takes a place, makes the item, pushes it.
pub(crate) fn hand_off<P: Places, E>(
    flag: &AtomicBool,
    places: &P,
    queue: &impl Queue<E>,
    make: impl FnOnce() -> E,
) -> Result<(), Refused<E>> {
    if closing(flag) {
        return Err(Refused::Closing);
    }
    push_taken::<P, E>(queue, places.try_take(), make)
}

/// A caller's side for an item carrying `n` commands (a caller's batch):
/// takes `n` places at once, makes the item, pushes it. The shard gives
/// the `n` places back once it took the item out.
pub(crate) fn hand_off_many<P: Places, E>(
    flag: &AtomicBool,
    places: &P,
    queue: &impl Queue<E>,
    n: u32,
    make: impl FnOnce() -> E,
) -> Result<(), Refused<E>> {
    debug_assert!(n > 0, "an item takes at least one place");
    if closing(flag) {
        return Err(Refused::Closing);
    }
    push_taken::<P, E>(queue, places.try_take_many(n), make)
}

/// Pushes the item `make` builds if `taken` holds the places for it.
fn push_taken<P: Places, E>(
    queue: &impl Queue<E>,
    taken: Result<P::Place<'_>, NoPlace>,
    make: impl FnOnce() -> E,
) -> Result<(), Refused<E>> {
    match taken {
        Ok(place) => push_holding::<P, E>(queue, place, make()),
        Err(NoPlace::Full) => Err(Refused::NoPlace),
        Err(NoPlace::Closed) => Err(Refused::Closing),
    }
}

/// Pushes `item` for the holder of `place` (taken by [`hand_off`] or
/// awaited). Pushed, the place stays taken until the shard gives it back;
/// not pushed, it is given back here.
pub(crate) fn push_holding<P: Places, E>(
    queue: &impl Queue<E>,
    place: P::Place<'_>,
    item: E,
) -> Result<(), Refused<E>> {
    match queue.try_push(item) {
        Ok(()) => {
            P::keep(place);
            Ok(())
        }
        Err(PushFailed::Full(item)) => {
            debug_assert!(false, "a place holder found the queue full");
            Err(Refused::FoundFull(item))
        }
        Err(PushFailed::Gone(item)) => Err(Refused::Gone(item)),
    }
}

mod production {
    use super::{NoPlace, Places};
    use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};

    impl Places for Semaphore {
        type Place<'a> = SemaphorePermit<'a>;
        fn try_take(&self) -> Result<SemaphorePermit<'_>, NoPlace> {
            match self.try_acquire() {
                Ok(permit) => Ok(permit),
                Err(TryAcquireError::NoPermits) => Err(NoPlace::Full),
                Err(TryAcquireError::Closed) => Err(NoPlace::Closed),
            }
        }
        fn try_take_many(&self, n: u32) -> Result<SemaphorePermit<'_>, NoPlace> {
            match self.try_acquire_many(n) {
                Ok(permit) => Ok(permit),
                Err(TryAcquireError::NoPermits) => Err(NoPlace::Full),
                Err(TryAcquireError::Closed) => Err(NoPlace::Closed),
            }
        }
        fn keep(place: SemaphorePermit<'_>) {
            place.forget();
        }
        fn give_back(&self, n: usize) {
            if n > 0 {
                self.add_permits(n);
            }
        }
    }
}

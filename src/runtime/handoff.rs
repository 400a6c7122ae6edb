//! The hand-off of commands from callers to a shard: a protocol over a
//! count of free places ([`Places`]) and the bounded queue itself
//! ([`Queue`]).
//!
//! Room is counted twice, so the rule is: a caller **takes a place, then
//! pushes** (holding a place, it always finds room); the shard **takes an
//! item out, then gives its place back** (the place travels inside the
//! item and is released when the shard drops it). So at every instant
//!
//! ```text
//! free places + places held by callers + items queued <= capacity
//! ```
//!
//! and a push by a place holder cannot find the queue full. Shutdown closes
//! the places first (a caller then gets no place, and is told the runtime
//! is shutting down); the few callers that took a place just before still
//! push, and the shard's drain takes them, or the queue is dropped with
//! them and each caller's reply says so.
//!
//! The runtime instantiates this with tokio's semaphore and crossbeam's
//! channel (`handle.rs`); the loom models (`handoff_loom.rs`, run by
//! `ci/loom.sh`) with a counter and a queue built on `sync.rs`, whose
//! atomics and lock loom swaps for its own, under every interleaving.

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
    /// One place; dropping it gives it back.
    type Place;
    /// Takes a place without waiting.
    fn try_take(&self) -> Result<Self::Place, NoPlace>;
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

/// A caller's side: takes a place, makes the item holding it, pushes it.
pub(crate) fn hand_off<P: Places, E>(
    flag: &AtomicBool,
    places: &P,
    queue: &impl Queue<E>,
    make: impl FnOnce(P::Place) -> E,
) -> Result<(), Refused<E>> {
    if closing(flag) {
        return Err(Refused::Closing);
    }
    match places.try_take() {
        Ok(place) => push_holding(queue, make(place)),
        Err(NoPlace::Full) => Err(Refused::NoPlace),
        Err(NoPlace::Closed) => Err(Refused::Closing),
    }
}

/// Pushes `item`, which holds a place (taken by [`hand_off`] or awaited).
pub(crate) fn push_holding<E>(queue: &impl Queue<E>, item: E) -> Result<(), Refused<E>> {
    match queue.try_push(item) {
        Ok(()) => Ok(()),
        Err(PushFailed::Full(item)) => {
            debug_assert!(false, "a place holder found the queue full");
            Err(Refused::FoundFull(item))
        }
        Err(PushFailed::Gone(item)) => Err(Refused::Gone(item)),
    }
}

mod production {
    use super::{NoPlace, Places, PushFailed, Queue};
    use std::sync::Arc;
    use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

    impl Places for Arc<Semaphore> {
        type Place = OwnedSemaphorePermit;
        fn try_take(&self) -> Result<OwnedSemaphorePermit, NoPlace> {
            match Arc::clone(self).try_acquire_owned() {
                Ok(permit) => Ok(permit),
                Err(TryAcquireError::NoPermits) => Err(NoPlace::Full),
                Err(TryAcquireError::Closed) => Err(NoPlace::Closed),
            }
        }
    }

    impl<E> Queue<E> for crossbeam_channel::Sender<E> {
        fn try_push(&self, item: E) -> Result<(), PushFailed<E>> {
            match self.try_send(item) {
                Ok(()) => Ok(()),
                Err(crossbeam_channel::TrySendError::Full(item)) => Err(PushFailed::Full(item)),
                Err(crossbeam_channel::TrySendError::Disconnected(item)) => {
                    Err(PushFailed::Gone(item))
                }
            }
        }
    }
}

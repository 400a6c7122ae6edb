//! Loom models of the runtime's hand-off (`handoff.rs`): the same
//! `hand_off`, `push_holding` and `closing` the handles run, over a place
//! counter and a bounded queue built on `sync.rs` (loom's atomics and
//! mutex under `--cfg loom`), explored under every interleaving loom
//! allows (`LOOM_MAX_PREEMPTIONS` bounds them; `ci/loom.sh`).
//!
//! * `loom_a_place_holder_always_finds_room`: callers and a shard on a
//!   full queue, the shard taking a batch of two items and giving their
//!   places back at once, as `Shard::give_back` does; no caller holding a
//!   place finds the queue full, and the places plus the queue always add
//!   up to the capacity.
//! * `loom_a_batch_holder_always_finds_room`: the same with a caller's
//!   batch (`hand_off_many`, one item taking two places) beside a single
//!   command, the shard giving back each item's weight.
//! * `loom_shutdown_drains_or_refuses_every_command`: callers racing
//!   shutdown are each refused, drained by the shard, or answered when the
//!   queue is dropped; never applied after the drain, never lost silently.

use super::handoff::{
    closing, hand_off, hand_off_many, NoPlace, Places, PushFailed, Queue, Refused,
};
use super::sync::{AtomicBool, AtomicUsize, Mutex, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;

/// Free places, counted like tokio's semaphore (compare-and-swap, closed
/// flag).
struct Counter {
    free: AtomicUsize,
    closed: AtomicBool,
}

/// Places taken from a [`Counter`] (how many); given back when dropped,
/// unless kept for an item pushed (the shard gives them back).
struct Place<'a>(&'a Counter, usize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        // ORDERING: Release pairs with the Acquire of the next taker, so
        // the shard's removal of the item happens before the place is
        // seen free.
        self.0.free.fetch_add(self.1, Ordering::Release);
    }
}

impl Places for Arc<Counter> {
    type Place<'a> = Place<'a>;
    fn try_take(&self) -> Result<Place<'_>, NoPlace> {
        self.try_take_many(1)
    }

    fn try_take_many(&self, n: u32) -> Result<Place<'_>, NoPlace> {
        let n = n as usize;
        // Bounded by the places' changes by other threads.
        loop {
            if self.closed.load(Ordering::Acquire) {
                return Err(NoPlace::Closed);
            }
            let free = self.free.load(Ordering::Acquire);
            if free < n {
                return Err(NoPlace::Full);
            }
            let taken =
                self.free
                    .compare_exchange(free, free - n, Ordering::AcqRel, Ordering::Acquire);
            if taken.is_ok() {
                return Ok(Place(self, n));
            }
        }
    }

    fn keep(place: Place<'_>) {
        std::mem::forget(place);
    }

    fn give_back(&self, n: usize) {
        // ORDERING: Release, as a dropped place's (see `Place`).
        self.free.fetch_add(n, Ordering::Release);
    }
}

/// A bounded queue under the shim's mutex.
struct Bounded<E> {
    items: Mutex<VecDeque<E>>,
    capacity: usize,
    gone: AtomicBool,
}

impl<E> Bounded<E> {
    fn new(capacity: usize) -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
            capacity,
            gone: AtomicBool::new(false),
        }
    }

    fn pop(&self) -> Option<E> {
        self.items.lock().pop_front()
    }

    fn len(&self) -> usize {
        self.items.lock().len()
    }
}

impl<E> Queue<E> for Arc<Bounded<E>> {
    fn try_push(&self, item: E) -> Result<(), PushFailed<E>> {
        if self.gone.load(Ordering::Acquire) {
            return Err(PushFailed::Gone(item));
        }
        let mut items = self.items.lock();
        if items.len() >= self.capacity {
            return Err(PushFailed::Full(item));
        }
        items.push_back(item);
        Ok(())
    }
}

/// A command in the queue, or a caller's batch of `weight` commands: its
/// number and how many places it took (counted, not carried: the shard
/// knows an item's weight from its content, as `Load::len`).
struct Item {
    id: usize,
    weight: usize,
}

/// A queue of `capacity` places, with `queued` commands in it already.
fn setup(capacity: usize, queued: usize) -> (Arc<AtomicBool>, Arc<Counter>, Arc<Bounded<Item>>) {
    let counter = Arc::new(Counter {
        free: AtomicUsize::new(capacity),
        closed: AtomicBool::new(false),
    });
    let made = (
        Arc::new(AtomicBool::new(false)),
        counter,
        Arc::new(Bounded::new(capacity)),
    );
    for id in 0..queued {
        assert!(send(&made.0, &made.1, &made.2, id).is_ok(), "room for {id}");
    }
    made
}

/// The handles' `hand_off` of command `id`. A place holder finding the
/// queue full panics (the debug assertion) or is `FoundFull` (release).
fn send(
    flag: &AtomicBool,
    places: &Arc<Counter>,
    queue: &Arc<Bounded<Item>>,
    id: usize,
) -> Result<(), Refused<Item>> {
    hand_off(flag, places, queue, || Item { id, weight: 1 })
}

#[test]
fn loom_a_place_holder_always_finds_room() {
    loom::model(|| {
        // Two places, taken by queued commands: the queue is full.
        let (flag, places, queue) = setup(2, 2);
        let callers: Vec<_> = (1..=2)
            .map(|id| {
                let (flag, places, queue) = (flag.clone(), places.clone(), queue.clone());
                thread::spawn(move || match send(&flag, &places, &queue, id) {
                    Ok(()) | Err(Refused::NoPlace) => {}
                    Err(Refused::FoundFull(_)) => panic!("a place holder found the queue full"),
                    Err(_) => panic!("not closing"),
                })
            })
            .collect();
        // The shard: takes a batch of items out, then gives their places
        // back at once.
        let shard = {
            let (places, queue) = (places.clone(), queue.clone());
            thread::spawn(move || {
                let batch = (0..2).filter_map(|_| queue.pop()).count();
                places.give_back(batch);
            })
        };
        for caller in callers {
            caller.join().expect("caller");
        }
        shard.join().expect("shard");
        let free = places.free.load(Ordering::Acquire);
        assert_eq!(
            free + queue.len(),
            2,
            "places and queue add up to the capacity"
        );
    });
}

#[test]
fn loom_a_batch_holder_always_finds_room() {
    loom::model(|| {
        // Three places: one batch of two queued, one place free.
        let (flag, places, queue) = setup(3, 0);
        let batch = |id| hand_off_many(&flag, &places, &queue, 2, || Item { id, weight: 2 });
        assert!(batch(0).is_ok(), "room for the first batch");
        // A second batch of two and a single command race the shard.
        let callers: Vec<_> = [(1, 2), (2, 1)]
            .into_iter()
            .map(|(id, weight)| {
                let (flag, places, queue) = (flag.clone(), places.clone(), queue.clone());
                thread::spawn(move || {
                    let sent = if weight == 1 {
                        send(&flag, &places, &queue, id)
                    } else {
                        hand_off_many(&flag, &places, &queue, 2, || Item { id, weight })
                    };
                    match sent {
                        Ok(()) | Err(Refused::NoPlace) => {}
                        Err(Refused::FoundFull(_)) => {
                            panic!("a place holder found the queue full")
                        }
                        Err(_) => panic!("not closing"),
                    }
                })
            })
            .collect();
        // The shard: takes up to two items, then gives back their places,
        // one per command each carried (`Shard::done_with_places`).
        let shard = {
            let (places, queue) = (places.clone(), queue.clone());
            thread::spawn(move || {
                let weight: usize = (0..2).filter_map(|_| queue.pop()).map(|i| i.weight).sum();
                places.give_back(weight);
            })
        };
        for caller in callers {
            caller.join().expect("caller");
        }
        shard.join().expect("shard");
        let free = places.free.load(Ordering::Acquire);
        let queued: usize = queue.items.lock().iter().map(|i| i.weight).sum();
        assert_eq!(
            free + queued,
            3,
            "places and the commands queued add up to the capacity"
        );
    });
}

#[test]
fn loom_shutdown_drains_or_refuses_every_command() {
    loom::model(|| {
        let (flag, places, queue) = setup(2, 0);
        let applied = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..2)
            .map(|id| {
                let (flag, places, queue) = (flag.clone(), places.clone(), queue.clone());
                thread::spawn(move || send(&flag, &places, &queue, id).is_ok())
            })
            .collect();
        // Shutdown: the flag (Release, see `closing`), then the places.
        flag.store(true, Ordering::Release);
        places.closed.store(true, Ordering::Release);
        // The shard's drain, bounded as `Shard::drain` is (capacity rounds
        // of one command here).
        let drain = {
            let (places, queue, applied) = (places.clone(), queue.clone(), applied.clone());
            thread::spawn(move || {
                for _ in 0..2 * queue.capacity + 2 {
                    match queue.pop() {
                        Some(item) => {
                            assert!(item.id < 2);
                            applied.fetch_add(1, Ordering::Relaxed);
                            // Given back on closed places: nobody takes them.
                            places.give_back(1);
                        }
                        None => break,
                    }
                }
                queue.gone.store(true, Ordering::Release);
            })
        };
        let accepted = callers
            .into_iter()
            .map(|c| c.join().expect("caller"))
            .filter(|accepted| *accepted)
            .count();
        drain.join().expect("drain");
        // Each accepted command was applied by the drain or is still in
        // the queue, whose drop answers its caller (`ShuttingDown`).
        let left = queue.len();
        assert_eq!(applied.load(Ordering::Relaxed) + left, accepted);
        // No place is taken after the shutdown closed them.
        assert!(places.try_take().is_err());
        assert!(closing(&flag));
    });
}

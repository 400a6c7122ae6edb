//! Loom models of the runtime's hand-off (`handoff.rs`): the same
//! `hand_off`, `push_holding` and `closing` the handles run, over a place
//! counter built on `sync.rs` and the runtime's own command queue
//! (`queue.rs`: its pusher, its shard side and their waking word; the
//! ring is `queue.rs`'s loom model of crossbeam's `ArrayQueue`, the
//! doorbell a condition variable here), loom's atomics and mutex under
//! `--cfg loom`,
//! explored under every interleaving loom allows (`LOOM_MAX_PREEMPTIONS`
//! bounds them; `ci/loom.sh`).
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
//!   queue is closed; never applied after the drain, never lost silently.
//! * `loom_a_queued_command_always_rings_the_shard`: a shard that found
//!   the queue empty and waits for its doorbell is rung by the push after
//!   (`queue.rs`), whatever the interleaving: no command waits unseen.

use super::handoff::{closing, hand_off, hand_off_many, NoPlace, Places, Refused};
use super::queue::{Bell, Commands, Pusher, Shared};
use super::sync::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

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

/// The shard's doorbell: a token, as the one-place crossbeam channel
/// holds it; waited for under a condition variable, so a wait nobody
/// rings is a deadlock loom reports.
#[derive(Default)]
struct Doorbell {
    token: loom::sync::Mutex<bool>,
    rung: loom::sync::Condvar,
}

impl Bell for Arc<Doorbell> {
    fn ring(&self) {
        *self.token.lock().expect("bell") = true;
        self.rung.notify_one();
    }
}

impl Doorbell {
    /// The shard's wait in its `select!`: until a token is there, taking
    /// it.
    fn wait(&self) {
        let mut token = self.token.lock().expect("bell");
        while !*token {
            token = self.rung.wait(token).expect("bell");
        }
        *token = false;
    }
}

/// The handles' side of the queue: the runtime's pusher, with
/// the bell above.
type Queued<E> = Pusher<E, Arc<Doorbell>>;

/// The shard's side: the runtime's own `Commands` (its `try_recv`,
/// `may_wait`, `awake`, `close`), with the bell above.
type Taken<E> = Commands<E, Arc<Doorbell>>;

/// A command in the queue, or a caller's batch of `weight` commands: its
/// number and how many places it took (counted, not carried: the shard
/// knows an item's weight from its content, as `Load::len`).
struct Item {
    id: usize,
    weight: usize,
    /// Counts the item's drop (applied and done with, left at the close,
    /// dropped by a pusher that found the shard gone, or handed back).
    drops: Option<Arc<AtomicUsize>>,
}

impl Item {
    fn new(id: usize, weight: usize) -> Self {
        Self {
            id,
            weight,
            drops: None,
        }
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        if let Some(drops) = &self.drops {
            drops.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The pieces of one queue of `capacity` places.
struct Setup {
    flag: Arc<AtomicBool>,
    places: Arc<Counter>,
    queue: Arc<Queued<Item>>,
    shard: Taken<Item>,
}

/// A queue of `capacity` places, with `queued` commands in it already.
fn setup(capacity: usize, queued: usize) -> Setup {
    let shared = std::sync::Arc::new(Shared::new(capacity));
    let bell = Arc::new(Doorbell::default());
    let made = Setup {
        flag: Arc::new(AtomicBool::new(false)),
        places: Arc::new(Counter {
            free: AtomicUsize::new(capacity),
            closed: AtomicBool::new(false),
        }),
        queue: Arc::new(Pusher {
            shared: std::sync::Arc::clone(&shared),
            bell: Arc::clone(&bell),
        }),
        shard: Commands { shared, bell },
    };
    for id in 0..queued {
        assert!(
            send(&made.flag, &made.places, &made.queue, id).is_ok(),
            "room for {id}"
        );
    }
    made
}

/// The handles' `hand_off` of command `id`. A place holder finding the
/// queue full panics (the debug assertion) or is `FoundFull` (release).
fn send(
    flag: &AtomicBool,
    places: &Arc<Counter>,
    queue: &Queued<Item>,
    id: usize,
) -> Result<(), Refused<Item>> {
    hand_off(flag, places, queue, || Item::new(id, 1))
}

/// The commands still queued, each holding its places (the model's end:
/// the shard's side is closed to count them).
fn held(shard: &mut Taken<Item>) -> usize {
    shard.close().iter().map(|i| i.weight).sum()
}

#[test]
fn loom_a_place_holder_always_finds_room() {
    loom::model(|| {
        // Two places, taken by queued commands: the queue is full.
        let Setup {
            flag,
            places,
            queue,
            mut shard,
        } = setup(2, 2);
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
        // The shard: takes a batch of one item, then gives its place
        // back: the other stays queued, with its place, for the next batch.
        let shard = {
            let places = places.clone();
            thread::spawn(move || {
                let batch = shard.try_recv().into_iter().count();
                places.give_back(batch);
                shard
            })
        };
        for caller in callers {
            caller.join().expect("caller");
        }
        let mut shard = shard.join().expect("shard");
        let free = places.free.load(Ordering::Acquire);
        assert_eq!(
            free + held(&mut shard),
            2,
            "places and queue add up to the capacity"
        );
    });
}

#[test]
fn loom_a_batch_holder_always_finds_room() {
    loom::model(|| {
        // Three places: one batch of two queued, one place free.
        let Setup {
            flag,
            places,
            queue,
            mut shard,
        } = setup(3, 0);
        let batch = |id| hand_off_many(&flag, &places, &*queue, 2, || Item::new(id, 2));
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
                        hand_off_many(&flag, &places, &*queue, 2, || Item::new(id, weight))
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
            let places = places.clone();
            thread::spawn(move || {
                let weight: usize = (0..2)
                    .filter_map(|_| shard.try_recv())
                    .map(|i| i.weight)
                    .sum();
                places.give_back(weight);
                shard
            })
        };
        for caller in callers {
            caller.join().expect("caller");
        }
        let mut shard = shard.join().expect("shard");
        let free = places.free.load(Ordering::Acquire);
        assert_eq!(
            free + held(&mut shard),
            3,
            "places and the commands queued add up to the capacity"
        );
    });
}

#[test]
fn loom_shutdown_drains_or_refuses_every_command() {
    loom::model(|| {
        let Setup {
            flag,
            places,
            queue,
            mut shard,
        } = setup(2, 0);
        let applied = Arc::new(AtomicUsize::new(0));
        let (made, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let callers: Vec<_> = (0..2)
            .map(|id| {
                let (flag, places, queue) = (flag.clone(), places.clone(), queue.clone());
                let (made, drops) = (made.clone(), drops.clone());
                thread::spawn(move || {
                    let item = || {
                        made.fetch_add(1, Ordering::Relaxed);
                        Item {
                            drops: Some(drops),
                            ..Item::new(id, 1)
                        }
                    };
                    hand_off(&flag, &places, &*queue, item).is_ok()
                })
            })
            .collect();
        // Shutdown: the flag (Release, see `closing`), then the places.
        flag.store(true, Ordering::Release);
        places.closed.store(true, Ordering::Release);
        // The shard's drain, bounded as `Shard::drain` is (capacity rounds
        // of one command here), then its side closed as its drop does:
        // what is left goes with it, answered `ShuttingDown`.
        let drain = {
            let (places, applied) = (places.clone(), applied.clone());
            thread::spawn(move || {
                for _ in 0..2 * 2 + 2 {
                    match shard.try_recv() {
                        Some(item) => {
                            assert!(item.id < 2);
                            applied.fetch_add(1, Ordering::Relaxed);
                            // Given back on closed places: nobody takes them.
                            places.give_back(1);
                        }
                        None => break,
                    }
                }
                drop(shard);
            })
        };
        let accepted = callers
            .into_iter()
            .map(|c| c.join().expect("caller"))
            .filter(|accepted| *accepted)
            .count();
        drain.join().expect("drain");
        // Every command made was dropped once it was done with: applied
        // by the drain, left at the close, dropped by a pusher that found
        // the shard gone (each of those callers hears `ShuttingDown` as
        // its slot closes) or handed back to a caller refused; nothing
        // stays queued, and only accepted commands were applied.
        assert_eq!(drops.load(Ordering::Relaxed), made.load(Ordering::Relaxed));
        assert!(applied.load(Ordering::Relaxed) <= accepted);
        assert_eq!(queue.shared.len(), 0, "nothing queued after the close");
        // No place is taken after the shutdown closed them.
        assert!(places.try_take().is_err());
        assert!(closing(&flag));
    });
}

#[test]
fn loom_a_queued_command_always_rings_the_shard() {
    loom::model(|| {
        let Setup {
            flag,
            places,
            queue,
            mut shard,
        } = setup(2, 0);
        let callers: Vec<_> = (0..2)
            .map(|id| {
                let (flag, places, queue) = (flag.clone(), places.clone(), queue.clone());
                thread::spawn(move || assert!(send(&flag, &places, &queue, id).is_ok()))
            })
            .collect();
        // The shard's loop: a batch takes what is queued; then, when
        // `Commands::may_wait` allows, it waits for the bell, as its
        // `select!` does, and is `awake` after. Both commands must reach
        // it: a wait nobody rings is a deadlock.
        let mut taken = 0;
        for _ in 0..4 {
            while let Some(item) = shard.try_recv() {
                assert!(item.id < 2);
                taken += 1;
                places.give_back(1);
            }
            if taken == 2 {
                break;
            }
            if shard.may_wait() {
                shard.bell.wait();
            }
            shard.awake();
        }
        assert_eq!(taken, 2, "every queued command reached the shard");
        for caller in callers {
            caller.join().expect("caller");
        }
    });
}

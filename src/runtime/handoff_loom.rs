//! Loom models of the runtime's hand-off (`handoff.rs`): the same
//! `hand_off`, `push_holding` and `closing` the handles run, over a place
//! counter and a bounded queue built on `sync.rs` (loom's atomics and
//! mutex under `--cfg loom`), explored under every interleaving loom
//! allows (`LOOM_MAX_PREEMPTIONS` bounds them; `ci/loom.sh`).
//!
//! * `loom_a_place_holder_always_finds_room`: callers and a shard on a
//!   full queue, the shard draining a batch of up to two items at once
//!   (`Shard::drain_queue`) and giving their places back at once, as
//!   `Shard::give_back` does; a caller without a place is refused
//!   (overload), no caller holding a place finds the queue full (the
//!   bound the places keep), and the places plus the queue always add up
//!   to the capacity.
//! * `loom_shutdown_drains_or_refuses_every_command`: callers racing
//!   shutdown are each refused or drained by the shard, which waits (a
//!   bounded while) until every place is back, as `Shard::drain` does, so
//!   no push is under way when the shard drops its queue (answering what
//!   is in it): none lands after, unanswered. Never applied after the
//!   drain, never lost silently. (It fails with the wait removed.)
//! * `loom_a_queued_command_always_rings_the_shard`: the doorbell
//!   (`doorbell.rs`): callers push and ring the kept waker while the shard
//!   drains, leaves its waker, looks again and waits; it never waits with
//!   a command queued and unrung (a lost wake-up is a loom deadlock).
//! * `loom_decision_stream_lag_counts_every_decision`: the decision
//!   stream's contract (a reader that falls behind is told how many it
//!   missed, then goes on from the oldest kept) over a bounded ring the
//!   shard never waits on: received plus missed equals published.

use super::handoff::{closing, hand_off, NoPlace, Places, PushFailed, Queue, Refused};
use super::sync::{AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;

/// Free places, counted like tokio's semaphore: the count and the closed
/// flag in one word (bit 0 closed, the count above it), so no place is
/// taken once the places are closed.
struct Counter {
    state: AtomicUsize,
}

impl Counter {
    fn new(free: usize) -> Self {
        Self {
            state: AtomicUsize::new(free << 1),
        }
    }

    fn free(&self) -> usize {
        self.state.load(Ordering::Acquire) >> 1
    }

    /// Shutdown's `Semaphore::close`.
    fn close(&self) {
        self.state.fetch_or(1, Ordering::Release);
    }
}

/// A place taken from a [`Counter`]; given back when dropped, unless kept
/// for an item pushed (the shard gives it back).
struct Place<'a>(&'a Counter);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        // ORDERING: Release pairs with the Acquire of the next taker, so
        // the shard's removal of the item happens before the place is
        // seen free.
        self.0.state.fetch_add(2, Ordering::Release);
    }
}

impl Places for Arc<Counter> {
    type Place<'a> = Place<'a>;
    fn try_take(&self) -> Result<Place<'_>, NoPlace> {
        // Bounded by the places' changes by other threads.
        loop {
            let state = self.state.load(Ordering::Acquire);
            if state & 1 == 1 {
                return Err(NoPlace::Closed);
            }
            if state >> 1 == 0 {
                return Err(NoPlace::Full);
            }
            let taken =
                self.state
                    .compare_exchange(state, state - 2, Ordering::AcqRel, Ordering::Acquire);
            if taken.is_ok() {
                return Ok(Place(self));
            }
        }
    }

    fn keep(place: Place<'_>) {
        std::mem::forget(place);
    }

    fn give_back(&self, n: usize) {
        // ORDERING: Release, as a dropped place's (see `Place`).
        self.state.fetch_add(n << 1, Ordering::Release);
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

    /// Up to `most` items at once, in order (the shard's `recv_many`).
    fn drain(&self, most: usize) -> Vec<E> {
        let mut items = self.items.lock();
        let n = items.len().min(most);
        items.drain(..n).collect()
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

/// A command in the queue: its number (its place is counted, not
/// carried).
struct Item {
    id: usize,
}

/// A queue of `capacity` places, with `queued` commands in it already.
fn setup(capacity: usize, queued: usize) -> (Arc<AtomicBool>, Arc<Counter>, Arc<Bounded<Item>>) {
    let counter = Arc::new(Counter::new(capacity));
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
    hand_off(flag, places, queue, || Item { id })
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
        // The shard: drains a batch of items at once, then gives their
        // places back at once.
        let shard = {
            let (places, queue) = (places.clone(), queue.clone());
            thread::spawn(move || {
                let batch = queue.drain(2).len();
                places.give_back(batch);
            })
        };
        for caller in callers {
            caller.join().expect("caller");
        }
        shard.join().expect("shard");
        let free = places.free();
        assert_eq!(
            free + queue.len(),
            2,
            "places and queue add up to the capacity"
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
        places.close();
        // The shard's drain, bounded as `Shard::drain` is: batches of one
        // command here (so a caller can slip in between), until the queue
        // is empty, then until every place is back.
        let drain = {
            let (places, queue, applied) = (places.clone(), queue.clone(), applied.clone());
            thread::spawn(move || {
                let batch = |applied: &AtomicUsize| {
                    let items = queue.drain(1);
                    for item in &items {
                        assert!(item.id < 2);
                        applied.fetch_add(1, Ordering::Relaxed);
                    }
                    // Given back on closed places: nobody takes them.
                    places.give_back(items.len());
                    items.len()
                };
                for _ in 0..2 * queue.capacity + 2 {
                    if batch(&applied) == 0 {
                        break;
                    }
                }
                let mut quiesced = false;
                for _ in 0..2 * queue.capacity + 2 {
                    if places.free() >= queue.capacity {
                        quiesced = true;
                        break;
                    }
                    if batch(&applied) == 0 {
                        thread::yield_now();
                    }
                }
                // The shard stops: its queue is closed and what is in it
                // dropped, each caller answered (`ShuttingDown`). A push
                // under way then would land after this, unanswered until
                // the last handle goes: the quiesce above rules it out.
                queue.gone.store(true, Ordering::Release);
                let dropped = queue.drain(usize::MAX).len();
                (quiesced, dropped)
            })
        };
        let accepted = callers
            .into_iter()
            .map(|c| c.join().expect("caller"))
            .filter(|accepted| *accepted)
            .count();
        let (quiesced, dropped) = drain.join().expect("drain");
        // Each accepted command was applied by the drain or answered when
        // the shard dropped the queue; none landed after that.
        let stranded = queue.len();
        assert!(quiesced, "every place came back within the bound");
        assert_eq!(stranded, 0, "a command pushed after the shard stopped");
        assert_eq!(applied.load(Ordering::Relaxed) + dropped, accepted);
        // No place is taken after the shutdown closed them.
        assert!(places.try_take().is_err());
        assert!(closing(&flag));
    });
}

/// The decision stream's ring: the last `capacity` decisions, the number
/// of the first one kept, the number published.
struct Ring {
    kept: Mutex<VecDeque<u64>>,
    capacity: usize,
    published: AtomicU64,
}

/// What a reader gets next: a decision, how many it missed, or nothing.
enum Next {
    Decision(u64),
    Lagged(u64),
    Empty,
}

impl Ring {
    /// The shard's side: never waits for a reader; the oldest goes.
    fn publish(&self, n: u64) {
        let mut kept = self.kept.lock();
        if kept.len() == self.capacity {
            kept.pop_front();
        }
        kept.push_back(n);
        // ORDERING: under the lock; readers read it under the lock too.
        self.published.store(n + 1, Ordering::Relaxed);
    }

    /// A reader at `next` (the number of the decision it expects).
    fn read(&self, next: &mut u64) -> Next {
        let kept = self.kept.lock();
        let Some(&oldest) = kept.front() else {
            return Next::Empty;
        };
        if *next < oldest {
            let missed = oldest - *next;
            *next = oldest;
            return Next::Lagged(missed);
        }
        match kept.get(usize::try_from(*next - oldest).expect("small")) {
            Some(&n) => {
                *next += 1;
                Next::Decision(n)
            }
            None => Next::Empty,
        }
    }
}

/// A subscriber's tally.
#[derive(Default)]
struct Reader {
    next: u64,
    received: u64,
    missed: u64,
    last: Option<u64>,
}

impl Reader {
    /// Reads once; false when nothing was there.
    fn read(&mut self, ring: &Ring) -> bool {
        match ring.read(&mut self.next) {
            Next::Decision(n) => {
                assert!(self.last.is_none_or(|l| n > l), "in order, never twice");
                self.last = Some(n);
                self.received += 1;
            }
            Next::Lagged(m) => self.missed += m,
            Next::Empty => return false,
        }
        true
    }
}

#[test]
fn loom_decision_stream_lag_counts_every_decision() {
    loom::model(|| {
        const PUBLISHED: u64 = 3;
        let ring = Arc::new(Ring {
            kept: Mutex::new(VecDeque::new()),
            capacity: 1,
            published: AtomicU64::new(0),
        });
        let shard = {
            let ring = ring.clone();
            thread::spawn(move || {
                for n in 0..PUBLISHED {
                    ring.publish(n);
                }
            })
        };
        let mut reader = Reader::default();
        // A slow reader: a few reads while the shard publishes.
        for _ in 0..2 {
            if !reader.read(&ring) {
                thread::yield_now();
            }
        }
        shard.join().expect("shard");
        // Then to the end: every decision received or counted missed.
        for _ in 0..2 * PUBLISHED + 2 {
            if !reader.read(&ring) {
                break;
            }
        }
        let published = ring.published.load(Ordering::Relaxed);
        assert_eq!(reader.received + reader.missed, published);
        assert_eq!(reader.last, Some(PUBLISHED - 1), "the newest is never lost");
    });
}

/// The command queue with the waker it keeps for an idle shard (tokio's
/// list and `AtomicWaker`, as `doorbell.rs` uses them) and the doorbell.
struct Rung {
    items: Mutex<VecDeque<usize>>,
    /// The shard's waker, left with the queue while the shard is idle.
    kept: Mutex<bool>,
    /// The doorbell's token (capacity one).
    token: AtomicBool,
}

impl Rung {
    /// A caller: pushes, then takes the kept waker, if any, and rings.
    fn push(&self, item: usize) {
        self.items.lock().push_back(item);
        let kept = std::mem::take(&mut *self.kept.lock());
        if kept {
            // ORDERING: Release pairs with the shard's Acquire swap: the
            // push is seen by the drain that follows the token.
            self.token.store(true, Ordering::Release);
        }
    }

    fn drain(&self) -> usize {
        let mut items = self.items.lock();
        let n = items.len();
        items.clear();
        n
    }
}

#[test]
fn loom_a_queued_command_always_rings_the_shard() {
    loom::model(|| {
        const CALLERS: usize = 2;
        let rung = Arc::new(Rung {
            items: Mutex::new(VecDeque::new()),
            kept: Mutex::new(false),
            token: AtomicBool::new(false),
        });
        let callers: Vec<_> = (0..CALLERS)
            .map(|id| {
                let rung = rung.clone();
                thread::spawn(move || rung.push(id))
            })
            .collect();
        // The shard's loop while callers push: drain; empty, leave the
        // waker and look again (`poll_recv_many`); still empty, it would
        // wait for the token (`select!`), so it stops here. A token it
        // finds is taken first, as its `select!` does.
        let shard = {
            let rung = rung.clone();
            thread::spawn(move || {
                let mut got = 0;
                for _ in 0..2 * CALLERS + 2 {
                    let _ = rung.token.swap(false, Ordering::AcqRel);
                    got += rung.drain();
                    if got == CALLERS {
                        return got;
                    }
                    *rung.kept.lock() = true;
                    let n = rung.drain();
                    got += n;
                    if n == 0 {
                        break; // idle: waits for the doorbell
                    }
                }
                got
            })
        };
        for caller in callers {
            caller.join().expect("caller");
        }
        let got = shard.join().expect("shard");
        // Every caller is done. A shard that stopped short, waiting, must
        // find the doorbell rung and the rest queued: no command waits for
        // the next clock wake-up.
        if got < CALLERS {
            assert!(
                rung.token.load(Ordering::Acquire),
                "commands queued and the waiting shard not rung"
            );
            assert_eq!(
                got + rung.drain(),
                CALLERS,
                "every command reaches the shard"
            );
        }
    });
}

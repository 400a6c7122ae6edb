//! A shard's command queue: lock-free for callers and for the shard
//! (crossbeam-queue's `ArrayQueue`, bounded), with a doorbell the shard
//! waits on when idle, rung only when it sleeps.
//!
//! A crossbeam channel looked at the other side's waiting threads on every
//! `send` and `recv`; here the queue is a plain lock-free ring and the
//! waking is one word beside it: the shard stores `ASLEEP` before it
//! waits, then looks at the ring and waits only if it is empty; a caller
//! looks at the word after its push and rings the bell only when it finds
//! `ASLEEP`. A SeqCst fence on each side, between its write and its look,
//! makes the two looks not both miss (the store-then-load pattern): either
//! the shard sees the item, or the caller sees `ASLEEP` and rings. The
//! caller only reads the word, so its line is not written per push.
//!
//! **Shutdown.** Dropping the shard's side sets `GONE` and drops what is
//! left (each caller answered `ShuttingDown` as its slot closes). A push
//! that sees `GONE` before pushing fails (`Gone`); one whose look after
//! the push finds `GONE` (the shard closed while it pushed) drops what is
//! left itself, so no item stays in a ring nobody takes from (the same
//! fences: the closing shard's drain sees the item, or the caller sees
//! `GONE`).
//!
//! The loom models (`handoff_loom.rs`) run this protocol over a ring
//! under `sync.rs`'s lock (crossbeam's internals are not loom's), swapped
//! in under `cfg(loom)`.

use super::handoff::{PushFailed, Queue};
use super::sync::{fence, AtomicUsize, Ordering};
use std::collections::VecDeque;
use std::sync::Arc;

/// The shard waits (or is about to) on its bell.
const ASLEEP: usize = 2;
/// The shard's side is gone.
const GONE: usize = 4;

/// The bounded ring: crossbeam's lock-free `ArrayQueue`, or the loom
/// models' own.
#[cfg(not(all(test, loom)))]
type Ring<E> = crossbeam_queue::ArrayQueue<E>;
#[cfg(all(test, loom))]
type Ring<E> = model::Ring<E>;

/// The ring and the waking word both sides share.
pub(crate) struct Shared<E> {
    items: Ring<E>,
    /// `ASLEEP | GONE`.
    state: AtomicUsize,
}

impl<E> Shared<E> {
    /// An empty queue of `capacity` items.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            items: Ring::new(capacity.max(1)),
            state: AtomicUsize::new(0),
        }
    }

    /// The items queued now.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Drops every queued item (at most the capacity).
    fn discard(&self) -> VecDeque<E> {
        let mut left = VecDeque::new();
        for _ in 0..self.items.capacity() {
            let Some(item) = self.items.pop() else {
                break;
            };
            left.push_back(item);
        }
        left
    }
}

/// A shard's doorbell, as a pusher rings it.
pub(crate) trait Bell {
    /// Leaves a token for the shard, unless one waits already.
    fn ring(&self);
}

impl Bell for crossbeam_channel::Sender<()> {
    fn ring(&self) {
        // Full: a token waits already. Disconnected: the shard is gone.
        let _ = self.try_send(());
    }
}

/// The callers' side: the queue and the shard's doorbell (a one-token
/// crossbeam channel; a loom model's own in `handoff_loom.rs`).
pub(crate) struct Pusher<E, B = crossbeam_channel::Sender<()>> {
    pub(super) shared: Arc<Shared<E>>,
    pub(super) bell: B,
}

impl<E, B: Bell> Queue<E> for Pusher<E, B> {
    /// Inlined into the caller's hand-off: an envelope passed to a call is
    /// copied once more.
    #[inline]
    fn try_push(&self, item: E) -> Result<(), PushFailed<E>> {
        // ORDERING: Acquire pairs with the shard's `GONE` update.
        if self.shared.state.load(Ordering::Acquire) & GONE != 0 {
            return Err(PushFailed::Gone(item));
        }
        if let Err(item) = self.shared.items.push(item) {
            return Err(PushFailed::Full(item));
        }
        // ORDERING: the SeqCst fences here and in `may_wait` / `close`
        // order this push before the shard's look at the ring, or the
        // shard's `ASLEEP` / `GONE` before this look at the word (a plain
        // read: the word's line stays shared, not written per push).
        fence(Ordering::SeqCst);
        let state = self.shared.state.load(Ordering::Acquire);
        if state & GONE != 0 {
            // The shard closed while this pushed: nobody takes from the
            // ring any more; what is left is dropped (its callers hear
            // `ShuttingDown`).
            drop(self.shared.discard());
        } else if state & ASLEEP != 0 {
            self.bell.ring();
        }
        Ok(())
    }
}

impl<E, B> std::fmt::Debug for Pusher<E, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pusher { .. }")
    }
}

/// The shard's side and its doorbell (a crossbeam receiver; a loom
/// model's own in `handoff_loom.rs`). Dropped, it closes the queue.
pub(crate) struct Commands<E, W = crossbeam_channel::Receiver<()>> {
    pub(super) shared: Arc<Shared<E>>,
    pub(super) bell: W,
}

/// A queue of at most `capacity` items, as its two sides.
pub(crate) fn queue<E>(capacity: usize) -> (Pusher<E>, Commands<E>) {
    let shared = Arc::new(Shared::new(capacity));
    let (ring, bell) = crossbeam_channel::bounded(1);
    (
        Pusher {
            shared: Arc::clone(&shared),
            bell: ring,
        },
        Commands { shared, bell },
    )
}

impl<E, W> Commands<E, W> {
    /// The next item, in the order pushed.
    #[inline]
    pub(crate) fn try_recv(&mut self) -> Option<E> {
        self.shared.items.pop()
    }

    /// Whether no item waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.shared.items.is_empty()
    }

    /// The items waiting (a caller's batch counts one).
    pub(crate) fn len(&self) -> usize {
        self.shared.len()
    }

    /// Before the shard waits on its bell: marks it asleep and says
    /// whether it may wait (nothing queued). Either way
    /// [`awake`](Self::awake) follows the wait.
    pub(crate) fn may_wait(&self) -> bool {
        self.shared.state.store(ASLEEP, Ordering::Relaxed);
        // ORDERING: see `Pusher::try_push`.
        fence(Ordering::SeqCst);
        self.shared.items.is_empty()
    }

    /// After the wait (or the look that did not wait): pushers no longer
    /// ring. What they pushed meanwhile is in the ring for the batch.
    pub(crate) fn awake(&self) {
        self.shared.state.store(0, Ordering::Relaxed);
    }

    /// Closes the queue (later pushes fail or drop what is left) and
    /// returns every item not taken, in order.
    pub(crate) fn close(&mut self) -> VecDeque<E> {
        // ORDERING: Release pairs with a pusher's Acquire look; the fence,
        // see `Pusher::try_push`.
        self.shared.state.fetch_or(GONE, Ordering::Release);
        fence(Ordering::SeqCst);
        self.shared.discard()
    }
}

impl<E> Commands<E> {
    /// What the shard's `select!` waits on: rung by a push that finds the
    /// shard asleep.
    pub(crate) fn bell(&self) -> &crossbeam_channel::Receiver<()> {
        &self.bell
    }
}

impl<E, W> Drop for Commands<E, W> {
    /// The shard is gone: later pushes fail, and the items left are
    /// dropped, closing their answer slots.
    fn drop(&mut self) {
        let left = self.close();
        drop(left);
    }
}

impl<E, W> std::fmt::Debug for Commands<E, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Commands { .. }")
    }
}

/// The loom models' ring: a bounded deque under `sync.rs`'s lock, with
/// `ArrayQueue`'s interface; its length is an atomic read without the
/// lock, as `ArrayQueue::is_empty` reads its indices, so the models see
/// the waking protocol's fences matter (with the lock taken to look, the
/// lock alone would order a push and the shard's look).
#[cfg(all(test, loom))]
pub(crate) mod model {
    use super::super::sync::{AtomicUsize, Mutex, Ordering};
    use std::collections::VecDeque;

    pub(crate) struct Ring<E> {
        items: Mutex<VecDeque<E>>,
        len: AtomicUsize,
        capacity: usize,
    }

    impl<E> Ring<E> {
        pub(crate) fn new(capacity: usize) -> Self {
            Self {
                items: Mutex::new(VecDeque::new()),
                len: AtomicUsize::new(0),
                capacity,
            }
        }
        pub(crate) fn push(&self, item: E) -> Result<(), E> {
            let mut items = self.items.lock();
            if items.len() >= self.capacity {
                return Err(item);
            }
            items.push_back(item);
            self.len.fetch_add(1, Ordering::Release);
            Ok(())
        }
        pub(crate) fn pop(&self) -> Option<E> {
            let mut items = self.items.lock();
            let item = items.pop_front();
            if item.is_some() {
                self.len.fetch_sub(1, Ordering::Release);
            }
            item
        }
        pub(crate) fn len(&self) -> usize {
            self.len.load(Ordering::Acquire)
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.len() == 0
        }
        pub(crate) fn capacity(&self) -> usize {
            self.capacity
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_in_order_and_the_bell_rings_only_a_shard_asleep() {
        let (pusher, mut commands) = queue::<u32>(4);
        for n in 0..3 {
            assert!(pusher.try_push(n).is_ok());
        }
        assert!(commands.bell().try_recv().is_err(), "not asleep: not rung");
        assert!(!commands.may_wait(), "pushed since the last look");
        commands.awake();
        let taken: Vec<u32> = std::iter::from_fn(|| commands.try_recv()).collect();
        assert_eq!(taken, [0, 1, 2]);
        assert!(commands.may_wait(), "nothing pushed, nothing queued");
        assert!(pusher.try_push(3).is_ok());
        assert_eq!(commands.bell().try_recv(), Ok(()), "asleep: rung");
        commands.awake();
        assert!(pusher.try_push(4).is_ok());
        assert!(commands.bell().try_recv().is_err(), "awake: not rung");
        assert_eq!(commands.len(), 2);
    }

    #[test]
    fn a_full_queue_refuses_and_a_closed_one_is_gone() {
        let (pusher, mut commands) = queue::<u32>(2);
        assert!(pusher.try_push(0).is_ok());
        assert!(pusher.try_push(1).is_ok());
        assert!(matches!(pusher.try_push(2), Err(PushFailed::Full(2))));
        assert_eq!(commands.try_recv(), Some(0));
        assert!(pusher.try_push(2).is_ok());
        assert_eq!(commands.close(), [1, 2], "the items not taken, in order");
        assert!(matches!(pusher.try_push(3), Err(PushFailed::Gone(3))));
        drop(commands);
        assert!(matches!(pusher.try_push(4), Err(PushFailed::Gone(4))));
    }
}

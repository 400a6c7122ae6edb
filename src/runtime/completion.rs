//! Answers from a shard to its callers: one slot per request, filled by
//! the shard and read by the caller's [`Pending`](super::Pending).
//!
//! A batch fills all its answers first and wakes the callers after, each
//! waker once ([`Wakes`]): a task awaiting many commands of one batch is
//! woken once per batch, not once per command, and a thread blocked in
//! [`Pending::wait`](super::Pending::wait) reuses one waker for all its
//! waits. The slot is a small mutex over the answer (`sync.rs`, so the
//! loom models in `completion_loom.rs` check it under every interleaving),
//! replacing a tokio oneshot per command, which woke its caller at once.
//!
//! A request the shard drops unanswered (it stops) closes its slot, which
//! resolves the caller to "no answer" ([`RuntimeError::ShuttingDown`](super::RuntimeError::ShuttingDown)
//! in `Pending`), so waiting never hangs on a shard that is gone.

use super::sync::Mutex;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Where one answer stands.
enum State<V> {
    /// No answer yet: the waker of the caller's last poll, if it polled.
    Waiting(Option<Waker>),
    /// Answered, not yet read.
    Ready(V),
    /// Read by the caller, or dropped unanswered by the shard.
    Closed,
    /// The caller stopped waiting: an answer is dropped.
    Abandoned,
}

/// One answer's slot, shared by its [`Sender`] and its [`Receiver`].
struct Slot<V>(Mutex<State<V>>);

/// What [`Sender::fill`] found.
enum Filled {
    /// The answer is in the slot; the caller's waker, if it polled.
    Waiting(Option<Waker>),
    /// The caller left (or the slot was answered already).
    Gone,
}

/// The shard's side: answers once, or closes the slot when dropped.
pub(crate) struct Sender<V> {
    /// `None` once answered.
    slot: Option<Arc<Slot<V>>>,
}

/// The caller's side.
pub(crate) struct Receiver<V> {
    slot: Arc<Slot<V>>,
}

/// A new slot, as its two sides.
pub(crate) fn channel<V>() -> (Sender<V>, Receiver<V>) {
    let slot = Arc::new(Slot(Mutex::new(State::Waiting(None))));
    (
        Sender {
            slot: Some(Arc::clone(&slot)),
        },
        Receiver { slot },
    )
}

impl<V> Sender<V> {
    /// Answers and wakes the caller now (answers outside a batch: control
    /// requests, refusals). False when the caller no longer waits.
    #[inline]
    pub(crate) fn send(self, value: V) -> bool {
        self.send_with(|| value)
    }

    /// [`send`](Self::send) of the answer `make` builds once the slot is
    /// locked: built straight in the slot, not on the shard's stack and
    /// then copied in (a refusal hands its command back: 144 bytes and a
    /// `memcpy` call per refused command otherwise). `make` must not block
    /// (it runs under the slot's lock); it is not run when the caller
    /// left. Always inlined, as `fill_with`: passed to a call, the
    /// closure (holding the answer's parts) would be copied in.
    #[inline(always)]
    pub(crate) fn send_with(self, make: impl FnOnce() -> V) -> bool {
        // No `Wakes` buffer for one answer (a refusal is answered this
        // way, so half a stream's commands can be): the waker, if any, is
        // woken straight after the lock.
        match self.fill_with(make) {
            Filled::Waiting(Some(waker)) => {
                waker.wake();
                true
            }
            Filled::Waiting(None) => true,
            Filled::Gone => false,
        }
    }

    /// Answers, leaving the caller's wake-up to `wakes` (woken once the
    /// batch is complete). False when the caller no longer waits.
    #[inline]
    pub(crate) fn complete(self, value: V, wakes: &mut Wakes) -> bool {
        self.complete_with(|| value, wakes)
    }

    /// [`complete`](Self::complete) of the answer `make` builds in the
    /// locked slot (see [`send_with`](Self::send_with)).
    #[inline(always)]
    pub(crate) fn complete_with(self, make: impl FnOnce() -> V, wakes: &mut Wakes) -> bool {
        match self.fill_with(make) {
            Filled::Waiting(waker) => {
                if let Some(waker) = waker {
                    wakes.push(waker);
                }
                true
            }
            Filled::Gone => false,
        }
    }

    /// Writes the answer `make` builds into the slot; returns the caller's
    /// waker to wake. Always inlined: called once per answer, and only
    /// inlined can the answer be built in the slot itself.
    #[inline(always)]
    fn fill_with(self, make: impl FnOnce() -> V) -> Filled {
        // Answered here, so nothing is left for `Drop` to close: not run
        // (a call per answer, 15 instructions, for an empty `Option`).
        let mut this = std::mem::ManuallyDrop::new(self);
        let Some(slot) = this.slot.take() else {
            return Filled::Gone;
        };
        let mut state = slot.0.lock();
        // Matched in place, not swapped out and back: the answer (a
        // hundred bytes and more) is written once, straight into the slot.
        let State::Waiting(waker) = &mut *state else {
            // The caller left: `make`, and what it would have answered
            // with, is dropped after the lock.
            return Filled::Gone;
        };
        let waker = waker.take();
        // Replaced, not assigned: what it replaces is `Waiting(None)` now,
        // which owns nothing, so it is forgotten rather than dropped (an
        // assignment called the state's drop glue once per answer).
        let before = std::mem::replace(&mut *state, State::Ready(make()));
        debug_assert!(matches!(before, State::Waiting(None)));
        std::mem::forget(before);
        drop(state);
        Filled::Waiting(waker)
    }
}

impl<V> Drop for Sender<V> {
    /// Unanswered: closes the slot and wakes the caller, who then hears
    /// there is no answer.
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let mut state = slot.0.lock();
        match std::mem::replace(&mut *state, State::Closed) {
            State::Waiting(waker) => {
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            // The caller left: nothing to wake.
            other => *state = other,
        }
    }
}

impl<V> Receiver<V> {
    /// The answer, `Ready(None)` when the slot closed unanswered, or
    /// `Pending` after keeping `cx`'s waker for the answer.
    pub(crate) fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<Option<V>> {
        let mut state = self.slot.0.lock();
        match std::mem::replace(&mut *state, State::Closed) {
            State::Ready(value) => Poll::Ready(Some(value)),
            State::Closed | State::Abandoned => Poll::Ready(None),
            State::Waiting(kept) => {
                let waker = match kept {
                    Some(kept) if kept.will_wake(cx.waker()) => kept,
                    _ => cx.waker().clone(),
                };
                *state = State::Waiting(Some(waker));
                Poll::Pending
            }
        }
    }
}

impl<V> Drop for Receiver<V> {
    /// The caller stops waiting: a later answer is dropped by the shard's
    /// side, an answer already there is dropped here (outside the lock).
    fn drop(&mut self) {
        let mut state = self.slot.0.lock();
        let before = std::mem::replace(&mut *state, State::Abandoned);
        drop(state);
        drop(before);
    }
}

impl<V> std::fmt::Debug for Receiver<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Receiver { .. }")
    }
}

impl<V> std::fmt::Debug for Sender<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sender { .. }")
    }
}

/// The callers to wake once a batch's answers are all filled in, each
/// waker once: a waker equal to the one pushed just before (the same task
/// or thread, whose commands sit next to each other in the batch) is not
/// pushed again. At most one per answer of the batch.
#[derive(Default)]
pub(crate) struct Wakes {
    wakers: Vec<Waker>,
}

impl Wakes {
    /// Keeps `waker` for [`wake_all`](Self::wake_all), unless it wakes the
    /// same task as the last one kept.
    pub(crate) fn push(&mut self, waker: Waker) {
        if self
            .wakers
            .last()
            .is_some_and(|last| last.will_wake(&waker))
        {
            return;
        }
        self.wakers.push(waker);
    }

    /// How many wakers are kept.
    pub(crate) fn len(&self) -> usize {
        self.wakers.len()
    }

    /// Wakes every kept waker, in the order kept, and forgets them (the
    /// buffer is kept for the next batch).
    pub(crate) fn wake_all(&mut self) {
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// Counts its wake-ups.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_batch_wakes_a_caller_waiting_on_many_answers_once() {
        let count = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let mut wakes = Wakes::default();
        let mut receivers = Vec::new();
        for n in 0..10u32 {
            let (tx, mut rx) = channel();
            assert!(rx.poll_answer(&mut cx).is_pending());
            assert!(tx.complete(n, &mut wakes));
            receivers.push(rx);
        }
        assert_eq!(wakes.len(), 1, "one caller, one wake-up");
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            0,
            "nobody woken before the batch ends"
        );
        wakes.wake_all();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        for (n, mut rx) in receivers.into_iter().enumerate() {
            assert_eq!(rx.poll_answer(&mut cx), Poll::Ready(Some(n as u32)));
        }
    }

    #[test]
    fn a_request_dropped_unanswered_resolves_its_caller_to_no_answer() {
        let count = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let (tx, mut rx) = channel::<u32>();
        assert!(rx.poll_answer(&mut cx).is_pending());
        drop(tx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "woken by the drop");
        assert_eq!(rx.poll_answer(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn an_answer_to_a_caller_that_left_is_not_delivered() {
        let (tx, rx) = channel::<u32>();
        drop(rx);
        assert!(!tx.send(1));
    }
}

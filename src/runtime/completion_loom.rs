//! Loom models of the answer slots (`completion.rs`): the same
//! `Sender`, `Receiver` and `Wakes` the shards and callers run, over
//! `sync.rs`'s mutex (loom's under `--cfg loom`), explored under every
//! interleaving loom allows (`ci/loom.sh`).
//!
//! * `loom_answers_completed_in_a_batch_reach_their_waiting_caller`: a
//!   shard fills two answers of one caller, then wakes it; the caller,
//!   polling meanwhile, gets both and is never left asleep.
//! * `loom_a_request_dropped_unanswered_wakes_its_caller`: a shard that
//!   stops drops the request; the caller hears "no answer", never hangs.

use super::completion::{channel, Receiver, Wakes};
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A receiver as a future (what `Pending` does with it).
struct Answer(Receiver<u32>);

impl Future for Answer {
    type Output = Option<u32>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        self.get_mut().0.poll_answer(cx)
    }
}

#[test]
fn loom_answers_completed_in_a_batch_reach_their_waiting_caller() {
    loom::model(|| {
        let (first, first_rx) = channel();
        let (second, second_rx) = channel();
        let shard = thread::spawn(move || {
            let mut wakes = Wakes::default();
            assert!(first.complete(1, &mut wakes));
            assert!(second.complete(2, &mut wakes));
            // At most one per answer; one when the waker's clones
            // compare equal (`will_wake`), as tokio's and the runtime's do.
            assert!(wakes.len() <= 2);
            wakes.wake_all();
        });
        let got =
            loom::future::block_on(async { (Answer(first_rx).await, Answer(second_rx).await) });
        assert_eq!(got, (Some(1), Some(2)));
        shard.join().expect("shard");
    });
}

#[test]
fn loom_a_request_dropped_unanswered_wakes_its_caller() {
    loom::model(|| {
        let (sender, receiver) = channel::<u32>();
        let shard = thread::spawn(move || drop(sender));
        assert_eq!(loom::future::block_on(Answer(receiver)), None);
        shard.join().expect("shard");
    });
}

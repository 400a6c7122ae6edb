//! A loom model of the decision stream's contract (`stream.rs`): a reader
//! that falls behind is told how many decisions it missed, then goes on
//! from the oldest kept, over a bounded ring the shard never waits on.
//! `loom_decision_stream_lag_counts_every_decision`: received plus missed
//! equals published, in order, the newest never lost (`ci/loom.sh`).

use super::sync::{AtomicU64, Mutex, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;

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

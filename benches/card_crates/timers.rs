//! (b) Pending timers at 10k and 100k.
//!
//! The engine's timers are mirrored from `src/engine/state/timers.rs`
//! (`Timers`, `Timer`, `BUCKET_MS`): a small heap for the earliest bucket
//! and the rest appended, unordered, to buckets of about a second. Nothing
//! is cancelled or moved in place: a timer whose subject changed is void
//! when it fires, and an auto-park whose due time moved is re-armed when it
//! fires (`tick.rs`, `TimerKind::AutoPark`).
//!
//! The card's timers are one `priority_queue::PriorityQueue` keyed by
//! (subject, kind), so a moved deadline is a `change_priority` in place.

use super::{Lcg, Pq, BATCH};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// What a timer does (`timers::TimerKind`, the kinds used here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum TimerKind {
    SlaWarning,
    SlaBreach,
    OfferExpiry,
    AutoPark,
}

/// One pending timer (`timers::Timer`): ordered by time, kind, subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Timer {
    at: u64,
    kind: TimerKind,
    subject: u64,
    slot: u32,
    generation: u32,
    incarnation: u64,
}

/// Width of a far bucket, in ms.
const BUCKET_MS: u64 = 1 << 10;

/// The engine's two-level timers (`timers::Timers`), as in the source.
#[derive(Default)]
struct Timers {
    near: BinaryHeap<Reverse<Timer>>,
    far: BTreeMap<u64, (u64, Vec<Timer>)>,
    horizon: u64,
    len: usize,
}

impl Timers {
    fn arm(&mut self, timer: Timer) {
        self.len += 1;
        if timer.at < self.horizon {
            self.near.push(Reverse(timer));
            return;
        }
        let bucket = self
            .far
            .entry(timer.at / BUCKET_MS)
            .or_insert((timer.at, Vec::new()));
        bucket.0 = bucket.0.min(timer.at);
        bucket.1.push(timer);
    }

    fn pop_due(&mut self, now: u64) -> Option<Timer> {
        let bound = self.far.len() + 1;
        for _ in 0..=bound {
            if let Some(top) = self.near.peek() {
                if top.0.at > now {
                    return None;
                }
                self.len -= 1;
                return self.near.pop().map(|t| t.0);
            }
            let (&bucket, &(earliest, _)) = self.far.first_key_value()?;
            if earliest > now {
                return None;
            }
            let (_, timers) = self.far.remove(&bucket)?;
            self.horizon = (bucket + 1).saturating_mul(BUCKET_MS);
            self.near.extend(timers.into_iter().map(Reverse));
        }
        None
    }
}

/// What both structures offer `tick`.
trait Pending: Default {
    fn arm(&mut self, timer: Timer);
    /// Moves the auto-park of `subject` to `due` (an agent wrote).
    fn postpone(&mut self, subject: u64, due: u64, dues: &mut [u64]);
    /// The next due timer, already checked against its subject: a void one
    /// is dropped and a postponed auto-park re-armed, as `tick` does.
    fn fire(&mut self, now: u64, dues: &[u64]) -> Option<Timer>;
    fn len(&self) -> usize;
}

impl Pending for Timers {
    fn arm(&mut self, timer: Timer) {
        Timers::arm(self, timer);
    }
    fn postpone(&mut self, subject: u64, due: u64, dues: &mut [u64]) {
        // Only the conversation's field moves; the armed timer stays.
        dues[subject as usize] = due;
    }
    fn fire(&mut self, now: u64, dues: &[u64]) -> Option<Timer> {
        // Bounded: each round consumes one pending timer.
        for _ in 0..=self.len {
            let timer = self.pop_due(now)?;
            if timer.kind != TimerKind::AutoPark {
                return Some(timer);
            }
            let due = dues[timer.subject as usize];
            if due <= now {
                return Some(timer);
            }
            self.arm(Timer { at: due, ..timer });
        }
        None
    }
    fn len(&self) -> usize {
        self.len
    }
}

/// The card's timers: a keyed heap, earliest first.
#[derive(Default)]
struct CardTimers(Pq<(u64, TimerKind), Reverse<Timer>>);

impl Pending for CardTimers {
    fn arm(&mut self, timer: Timer) {
        self.0.push((timer.subject, timer.kind), Reverse(timer));
    }
    fn postpone(&mut self, subject: u64, due: u64, dues: &mut [u64]) {
        dues[subject as usize] = due;
        let key = (subject, TimerKind::AutoPark);
        if let Some(Reverse(timer)) = self.0.get_priority(&key).copied() {
            self.0
                .change_priority(&key, Reverse(Timer { at: due, ..timer }));
        }
    }
    fn fire(&mut self, now: u64, _dues: &[u64]) -> Option<Timer> {
        if self.0.peek()?.1 .0.at > now {
            return None;
        }
        self.0.pop().map(|(_, Reverse(timer))| timer)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Delays of the kinds a conversation arms (offer 30 s, warning 2 min,
/// breach 5 min), in ms.
const DELAYS: [(TimerKind, u64); 3] = [
    (TimerKind::OfferExpiry, 30_000),
    (TimerKind::SlaWarning, 120_000),
    (TimerKind::SlaBreach, 300_000),
];
/// An assigned thread parks after 10 minutes without an agent's message.
const PARK_MS: u64 = 600_000;

/// A stream of timer work with about `n` timers pending.
struct Stream<P> {
    pending: P,
    now: u64,
    next_subject: u64,
    rng: Lcg,
    /// Each subject's current auto-park due time.
    dues: Vec<u64>,
    fired: u64,
}

impl<P: Pending> Stream<P> {
    fn new(n: u64) -> Self {
        Self {
            pending: P::default(),
            now: 0,
            next_subject: 0,
            rng: Lcg(0x7173),
            dues: vec![0; n as usize],
            fired: 0,
        }
    }

    /// Fires everything due by now.
    fn fire_due(&mut self) {
        while let Some(timer) = self.pending.fire(self.now, &self.dues) {
            self.fired += 1;
            if timer.kind == TimerKind::AutoPark {
                // The thread parked; another is assigned in its place.
                self.park(timer.subject);
            }
        }
    }

    fn park(&mut self, subject: u64) {
        let at = self.now + PARK_MS;
        self.dues[subject as usize] = at;
        self.pending.arm(timer(at, TimerKind::AutoPark, subject));
    }

    /// One arrival: arms one timer of a rotating kind, then time passes by
    /// `step` and what is due fires.
    fn arm_fire(&mut self, step: u64) {
        let (kind, delay) = DELAYS[self.rng.below(DELAYS.len() as u64) as usize];
        let subject = self.next_subject;
        self.next_subject += 1;
        self.pending.arm(timer(self.now + delay, kind, subject));
        self.now += step;
        self.fire_due();
    }

    /// One agent message in a random assigned thread: its auto-park moves
    /// to ten minutes from now; then time passes by `step`.
    fn reschedule(&mut self, step: u64) {
        let subject = self.rng.below(self.dues.len() as u64);
        let due = self.now + PARK_MS;
        self.pending.postpone(subject, due, &mut self.dues);
        self.now += step;
        self.fire_due();
    }
}

fn timer(at: u64, kind: TimerKind, subject: u64) -> Timer {
    Timer {
        at,
        kind,
        subject,
        slot: subject as u32,
        generation: 0,
        incarnation: subject,
    }
}

/// Times `iters` calls of `event`.
fn time<P: Pending>(
    s: &mut Stream<P>,
    iters: u64,
    event: fn(&mut Stream<P>, u64),
    step: u64,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let k = left.min(BATCH as u64);
        let start = Instant::now();
        for _ in 0..k {
            event(s, step);
        }
        total += start.elapsed();
        left -= k;
    }
    black_box(s.fired);
    total
}

fn scenarios<P: Pending>(c: &mut Criterion, name: &str, n: u64) {
    let mut group = c.benchmark_group("timers");
    group.throughput(Throughput::Elements(1));

    // Arrivals spaced so that about `n` timers are pending.
    let mean = DELAYS.iter().map(|d| d.1).sum::<u64>() / DELAYS.len() as u64;
    let step = (mean / n).max(1);
    let mut s = Stream::<P>::new(1);
    for _ in 0..4 * n {
        s.arm_fire(step);
    }
    let pending = s.pending.len();
    assert!(pending > n as usize / 2, "{pending} pending");
    group.bench_function(BenchmarkId::new(format!("arm_fire/{name}"), n), |b| {
        b.iter_custom(|iters| time(&mut s, iters, Stream::arm_fire, step))
    });

    // `n` assigned threads, each with one auto-park; a message in one of
    // them every `PARK_MS / n`, so about a third of them park each cycle.
    let step = (PARK_MS / n).max(1);
    let mut s = Stream::<P>::new(n);
    for subject in 0..n {
        s.park(subject);
    }
    for _ in 0..2 * n {
        s.reschedule(step);
    }
    assert_eq!(s.pending.len(), n as usize, "one auto-park per thread");
    group.bench_function(BenchmarkId::new(format!("reschedule/{name}"), n), |b| {
        b.iter_custom(|iters| time(&mut s, iters, Stream::reschedule, step))
    });
    group.finish();
}

/// Both structures fire the same timers at the same times.
fn check_same_firing() {
    let mut engine = Stream::<Timers>::new(500);
    let mut card = Stream::<CardTimers>::new(500);
    for subject in 0..500 {
        engine.park(subject);
        card.park(subject);
    }
    for i in 0..20_000 {
        if i % 2 == 0 {
            engine.arm_fire(700);
            card.arm_fire(700);
        } else {
            engine.reschedule(700);
            card.reschedule(700);
        }
        assert_eq!(engine.fired, card.fired, "event {i}");
    }
    assert!(engine.fired > 10_000);
}

/// Registers group (b).
pub fn bench(c: &mut Criterion) {
    check_same_firing();
    for n in [10_000, 100_000] {
        scenarios::<Timers>(c, "engine", n);
        scenarios::<CardTimers>(c, "card_pq", n);
    }
}

//! (a) A skill group's waiting line at 10k and 100k waiting conversations.
//!
//! The engine's line is mirrored from `src/engine/state/waiting.rs`
//! (`WaitingLine`, `LineKey::aged`): one ordered set per priority class,
//! keyed by (waiting since, arrival number); the head is the smallest *aged*
//! key among the four class heads, a class being worth a fixed head start in
//! waiting time. All conversations age at the same rate, so an entry's place
//! never changes after it is inserted and nothing is ever re-aged.
//!
//! The card's line is one `priority_queue::PriorityQueue` keyed by
//! conversation. With the same fixed aged key it orders exactly as the
//! engine's line; the other way to age with it, a priority that grows with
//! the time waited, must rewrite every priority as time passes
//! (`aging_refresh`), work the engine's line never does.

use super::{Lcg, Pq, BATCH};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Priority classes (`waiting::CLASSES`).
const CLASSES: usize = 4;
/// `EngineConfig::default().class_head_start`: five minutes, in ms.
const HEAD_START: u64 = 300_000;
/// Time between two arrivals in the line, in ms.
const ARRIVAL_MS: u64 = 100;

/// A place in a class line: age, then arrival order (`waiting::LineKey`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct LineKey {
    since: u64,
    seq: u64,
}

impl LineKey {
    /// As `LineKey::aged`: waiting since minus the class's head start,
    /// saturating.
    fn aged(self, class: u8, head_start: u64) -> (i64, u64) {
        let effective = i128::from(self.since) - i128::from(head_start) * i128::from(class);
        (
            effective.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            self.seq,
        )
    }
}

/// The engine's waiting line (`waiting::WaitingLine`), its hot methods.
#[derive(Default)]
struct WaitingLine {
    classes: [BTreeSet<(LineKey, u32)>; CLASSES],
    len: u32,
}

impl WaitingLine {
    fn insert(&mut self, class: u8, key: LineKey, conv: u32) {
        let inserted = self.classes[usize::from(class)].insert((key, conv));
        self.len += u32::from(inserted);
    }

    fn remove(&mut self, class: u8, key: LineKey, conv: u32) -> bool {
        let removed = self.classes[usize::from(class)].remove(&(key, conv));
        self.len -= u32::from(removed);
        removed
    }

    fn head(&self, head_start: u64) -> Option<(u8, LineKey, u32)> {
        self.classes
            .iter()
            .enumerate()
            .filter_map(|(class, line)| line.first().map(|&(key, conv)| (class as u8, key, conv)))
            .min_by_key(|&(class, key, _)| key.aged(class, head_start))
    }
}

/// What both lines offer the routing code. Each keeps the conversation
/// slab's record of class and line key, as the engine's conversations do.
trait Line: Default {
    fn slab(&mut self) -> &mut Vec<(u8, LineKey)>;
    fn insert(&mut self, conv: u32);
    fn remove(&mut self, conv: u32) -> bool;
    fn pop_best(&mut self) -> Option<u32>;
    fn reprioritise(&mut self, conv: u32, class: u8);
    fn len(&self) -> usize;
}

/// The engine's line: a remove finds the entry through the slab's key.
#[derive(Default)]
struct EngineLine {
    line: WaitingLine,
    slab: Vec<(u8, LineKey)>,
}

impl Line for EngineLine {
    fn slab(&mut self) -> &mut Vec<(u8, LineKey)> {
        &mut self.slab
    }
    fn insert(&mut self, conv: u32) {
        let (class, key) = self.slab[conv as usize];
        self.line.insert(class, key, conv);
    }
    fn remove(&mut self, conv: u32) -> bool {
        let (class, key) = self.slab[conv as usize];
        self.line.remove(class, key, conv)
    }
    fn pop_best(&mut self) -> Option<u32> {
        // As matching does: read the head, then detach takes it out.
        let (class, key, conv) = self.line.head(HEAD_START)?;
        self.line.remove(class, key, conv);
        Some(conv)
    }
    fn reprioritise(&mut self, conv: u32, class: u8) {
        // As lifecycle does on a priority change: detach, then enqueue.
        self.remove(conv);
        self.slab[conv as usize].0 = class;
        self.insert(conv);
    }
    fn len(&self) -> usize {
        self.line.len as usize
    }
}

/// The card's line: a keyed heap ordered by the same aged key (largest
/// priority first, hence `Reverse`).
#[derive(Default)]
struct CardLine {
    queue: Pq<u32, Reverse<(i64, u64)>>,
    slab: Vec<(u8, LineKey)>,
}

impl Line for CardLine {
    fn slab(&mut self) -> &mut Vec<(u8, LineKey)> {
        &mut self.slab
    }
    fn insert(&mut self, conv: u32) {
        let (class, key) = self.slab[conv as usize];
        self.queue.push(conv, Reverse(key.aged(class, HEAD_START)));
    }
    fn remove(&mut self, conv: u32) -> bool {
        self.queue.remove(&conv).is_some()
    }
    fn pop_best(&mut self) -> Option<u32> {
        self.queue.pop().map(|(conv, _)| conv)
    }
    fn reprioritise(&mut self, conv: u32, class: u8) {
        let key = self.slab[conv as usize].1;
        self.slab[conv as usize].0 = class;
        self.queue
            .change_priority(&conv, Reverse(key.aged(class, HEAD_START)));
    }
    fn len(&self) -> usize {
        self.queue.len()
    }
}

/// A class as a contact centre mixes them: most normal, a few urgent.
fn class(rng: &mut Lcg) -> u8 {
    match rng.below(100) {
        0..=69 => 0,
        70..=89 => 1,
        90..=97 => 2,
        _ => 3,
    }
}

/// A line of `n` waiting conversations (ids `0..n`) and the clock.
struct World<L> {
    line: L,
    n: u32,
    now: u64,
    seq: u64,
    rng: Lcg,
    /// The ids in random order: a batch of consecutive entries is distinct.
    order: Vec<u32>,
    cursor: usize,
}

impl<L: Line> World<L> {
    fn new(n: u32) -> Self {
        let mut world = Self {
            line: L::default(),
            n,
            now: 0,
            seq: 0,
            rng: Lcg(0x5eed),
            order: (0..n).collect(),
            cursor: 0,
        };
        world.rng.shuffle(&mut world.order);
        for conv in 0..n + BATCH as u32 {
            let class = world.class();
            world
                .line
                .slab()
                .push((class, LineKey { since: 0, seq: 0 }));
            if conv < n {
                world.arrive(conv);
            }
        }
        assert_eq!(world.line.len(), n as usize);
        world
    }

    fn class(&mut self) -> u8 {
        class(&mut self.rng)
    }

    /// `conv` joins the line now, keeping its class.
    fn arrive(&mut self, conv: u32) {
        self.line.slab()[conv as usize].1 = LineKey {
            since: self.now,
            seq: self.seq,
        };
        self.seq += 1;
        self.now += ARRIVAL_MS;
        self.line.insert(conv);
    }

    /// The next `k` distinct waiting ids.
    fn picks(&mut self, k: usize) -> Vec<u32> {
        let picks = (0..k)
            .map(|j| self.order[(self.cursor + j) % self.order.len()])
            .collect();
        self.cursor = (self.cursor + k) % self.order.len();
        picks
    }

    /// Times `iters` runs of `op`, in batches whose `undo` (untimed) puts
    /// the line back to `n` entries.
    fn time(
        &mut self,
        iters: u64,
        mut op: impl FnMut(&mut Self, usize) -> Vec<u32>,
        mut undo: impl FnMut(&mut Self, Vec<u32>),
    ) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let k = left.min(BATCH as u64) as usize;
            let start = Instant::now();
            let touched = black_box(op(self, k));
            total += start.elapsed();
            undo(self, touched);
            left -= k as u64;
        }
        assert_eq!(self.line.len(), self.n as usize, "the line kept its size");
        total
    }
}

fn ops<L: Line>(c: &mut Criterion, name: &str, n: u32) {
    let mut group = c.benchmark_group("waiting_line");
    group.throughput(Throughput::Elements(1));
    let mut w = World::<L>::new(n);
    group.bench_function(BenchmarkId::new(format!("push/{name}"), n), |b| {
        b.iter_custom(|iters| {
            w.time(
                iters,
                |w, k| {
                    let ids: Vec<u32> = (w.n..w.n + k as u32).collect();
                    for &conv in &ids {
                        w.arrive(conv);
                    }
                    ids
                },
                |w, ids| ids.into_iter().for_each(|c| assert!(w.line.remove(c))),
            )
        })
    });
    group.bench_function(BenchmarkId::new(format!("pop_best/{name}"), n), |b| {
        b.iter_custom(|iters| {
            w.time(
                iters,
                |w, k| (0..k).filter_map(|_| w.line.pop_best()).collect(),
                |w, ids| ids.into_iter().for_each(|c| w.arrive(c)),
            )
        })
    });
    group.bench_function(BenchmarkId::new(format!("remove/{name}"), n), |b| {
        b.iter_custom(|iters| {
            w.time(
                iters,
                |w, k| {
                    let ids = w.picks(k);
                    for &conv in &ids {
                        assert!(w.line.remove(conv));
                    }
                    ids
                },
                |w, ids| ids.into_iter().for_each(|c| w.line.insert(c)),
            )
        })
    });
    group.bench_function(BenchmarkId::new(format!("reprioritise/{name}"), n), |b| {
        b.iter_custom(|iters| {
            w.time(
                iters,
                |w, k| {
                    let ids = w.picks(k);
                    for &conv in &ids {
                        let class = (w.line.slab()[conv as usize].0 + 1) % CLASSES as u8;
                        w.line.reprioritise(conv, class);
                    }
                    ids
                },
                |_, _| {},
            )
        })
    });
    group.finish();
}

/// Aging by changing priorities: a score that grows with the time waited,
/// rewritten for every entry at each pass (the heap is rebuilt once, when
/// the iterator is dropped). The engine's line has no such pass.
fn aging_refresh(c: &mut Criterion, n: u32) {
    let mut rng = Lcg(0xa9e);
    let mut slab = Vec::with_capacity(n as usize);
    let mut queue: Pq<u32, i64> = Pq::default();
    for conv in 0..n {
        let class = i64::from(class(&mut rng));
        let since = i64::from(conv) * ARRIVAL_MS as i64;
        slab.push((class, since));
        queue.push(conv, class * HEAD_START as i64 - since);
    }
    let mut now = i64::from(n) * ARRIVAL_MS as i64;
    let mut group = c.benchmark_group("waiting_line");
    group.throughput(Throughput::Elements(u64::from(n)));
    group.bench_function(BenchmarkId::new("aging_refresh/card_pq", n), |b| {
        b.iter(|| {
            now += 1_000;
            for (conv, score) in queue.iter_mut() {
                let (class, since) = slab[*conv as usize];
                *score = now - since + class * HEAD_START as i64;
            }
            black_box(queue.peek().map(|(c, _)| *c))
        })
    });
    group.finish();
}

/// Both lines pop the same conversations in the same order.
fn check_same_order() {
    let mut engine = World::<EngineLine>::new(2_000);
    let mut card = World::<CardLine>::new(2_000);
    for _ in 0..2_000 {
        assert_eq!(engine.line.pop_best(), card.line.pop_best());
    }
}

/// Registers group (a).
pub fn bench(c: &mut Criterion) {
    check_same_order();
    for n in [10_000, 100_000] {
        ops::<EngineLine>(c, "engine", n);
        ops::<CardLine>(c, "card_pq", n);
        aging_refresh(c, n);
    }
}

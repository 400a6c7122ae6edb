//! (a') A skill group's free agents at 10k agents: the other queue whose
//! priorities change (an agent's rank moves with every assignment and
//! release).
//!
//! The engine's index is mirrored from `src/engine/state/free_index.rs`
//! (`FreeIndex`): a winner tree over the members in registration order,
//! re-ranking one agent replays the matches on its path, with no hashing and
//! no allocation. The card's is a `priority_queue::PriorityQueue` keyed by
//! member, the shape of the reference floor's agents-by-load heap.

use super::{Lcg, Pq};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::cmp::Reverse;
use std::hint::black_box;

/// `policy::Rank`: three keys compared in order, smaller is better.
type Rank = [i64; 3];

const NONE: u32 = u32::MAX;

/// The engine's free-agent index (`free_index::FreeIndex`), its hot methods.
#[derive(Default)]
struct FreeIndex {
    ranks: Vec<Option<Rank>>,
    tree: Vec<u32>,
    width: usize,
}

impl FreeIndex {
    fn winner(&self, a: u32, b: u32) -> u32 {
        let rank = |p: u32| {
            if p == NONE {
                None
            } else {
                self.ranks[p as usize]
            }
        };
        match (rank(a), rank(b)) {
            (Some(ra), Some(rb)) => {
                if (rb, b) < (ra, a) {
                    b
                } else {
                    a
                }
            }
            (Some(_), None) => a,
            (None, Some(_)) => b,
            (None, None) => NONE,
        }
    }

    fn push_member(&mut self) -> u32 {
        let position = self.ranks.len();
        self.ranks.push(None);
        if self.ranks.len() > self.width {
            self.rebuild((self.width * 2).max(4));
        }
        position as u32
    }

    fn rebuild(&mut self, width: usize) {
        self.width = width;
        self.tree = vec![NONE; 2 * width];
        for (p, rank) in self.ranks.iter().enumerate() {
            if rank.is_some() {
                self.tree[width + p] = p as u32;
            }
        }
        for node in (1..width).rev() {
            self.tree[node] = self.winner(self.tree[2 * node], self.tree[2 * node + 1]);
        }
    }

    fn set(&mut self, position: u32, rank: Option<Rank>) {
        let p = position as usize;
        let old = std::mem::replace(&mut self.ranks[p], rank);
        if old == rank {
            return;
        }
        let mut node = self.width + p;
        self.tree[node] = if rank.is_some() { position } else { NONE };
        while node > 1 {
            node /= 2;
            let before = self.tree[node];
            let after = self.winner(self.tree[2 * node], self.tree[2 * node + 1]);
            if after == before && before != position {
                break;
            }
            self.tree[node] = after;
        }
    }

    fn best(&self) -> Option<(u32, Rank)> {
        let p = *self.tree.get(1)?;
        (p != NONE).then(|| (p, self.ranks[p as usize].unwrap_or_default()))
    }
}

/// What the matching code asks of either index.
trait Free {
    fn set(&mut self, member: u32, rank: Rank);
    fn best(&self) -> Option<(u32, Rank)>;
}

impl Free for FreeIndex {
    fn set(&mut self, member: u32, rank: Rank) {
        FreeIndex::set(self, member, Some(rank));
    }
    fn best(&self) -> Option<(u32, Rank)> {
        FreeIndex::best(self)
    }
}

/// The card's index: largest priority first, ties to the earlier member.
struct CardFree(Pq<u32, Reverse<(Rank, u32)>>);

impl Free for CardFree {
    fn set(&mut self, member: u32, rank: Rank) {
        self.0.push(member, Reverse((rank, member)));
    }
    fn best(&self) -> Option<(u32, Rank)> {
        self.0.peek().map(|(&m, p)| (m, p.0 .0))
    }
}

/// Least-loaded ranks: (load, last assignment), load below a cap of 8.
fn rank(rng: &mut Lcg, seq: i64) -> Rank {
    [rng.below(8) as i64, seq, 0]
}

fn filled<F: Free>(mut free: F, n: u32) -> F {
    let mut rng = Lcg(0xf4ee);
    for member in 0..n {
        free.set(member, rank(&mut rng, i64::from(member)));
    }
    free
}

fn ops<F: Free>(c: &mut Criterion, name: &str, free: F, n: u32) {
    let mut free = filled(free, n);
    let mut rng = Lcg(0x3a7e);
    let mut seq = i64::from(n);
    let mut group = c.benchmark_group("free_agents");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new(format!("rerank/{name}"), n), |b| {
        b.iter(|| {
            // A release or status change somewhere in the group.
            let member = rng.below(u64::from(n)) as u32;
            seq += 1;
            free.set(member, rank(&mut rng, seq));
            black_box(free.best())
        })
    });
    group.bench_function(BenchmarkId::new(format!("assign/{name}"), n), |b| {
        b.iter(|| {
            // The best agent takes work: its load rises by one (wrapping at
            // the cap, standing in for a release elsewhere).
            let (member, [load, _, _]) = free.best().expect("listed");
            seq += 1;
            free.set(member, [(load + 1) % 8, seq, 0]);
            black_box(member)
        })
    });
    group.finish();
}

/// Both indexes name the same best agent through the same updates.
fn check_same_best(n: u32) {
    let mut tree = FreeIndex::default();
    for _ in 0..n {
        tree.push_member();
    }
    let mut tree = filled(tree, n);
    let mut card = filled(CardFree(Pq::default()), n);
    let mut rng = Lcg(9);
    for seq in 0..20_000 {
        let member = rng.below(u64::from(n)) as u32;
        let r = rank(&mut rng, i64::from(n) + seq);
        Free::set(&mut tree, member, r);
        card.set(member, r);
        assert_eq!(Free::best(&tree), card.best());
    }
}

/// Registers group (a').
pub fn bench(c: &mut Criterion) {
    let n = 10_000;
    check_same_best(1_000);
    let mut tree = FreeIndex::default();
    for _ in 0..n {
        tree.push_member();
    }
    ops(c, "engine", tree, n);
    ops(c, "card_pq", CardFree(Pq::default()), n);
}

//! The design card's crates, `dashmap` and `priority-queue`, against what
//! the engine and the runtime use instead, at realistic sizes. Each group
//! mirrors the engine's structure from the file it names (the engine's
//! state is crate-private) and first checks that both sides give the same
//! answers, so the figures compare equal work.
//!
//! `cargo bench --bench card_crates --features runtime` (figures and
//! conclusions in BENCHMARKS.md, "The design card's crates").

#[path = "card_crates/directory.rs"]
mod directory;
#[path = "card_crates/free_agents.rs"]
mod free_agents;
#[path = "card_crates/timers.rs"]
mod timers;
#[path = "card_crates/waiting.rs"]
mod waiting;

use criterion::{criterion_group, criterion_main};

/// Operations timed between two reads of the clock (and between two
/// untimed steps that restore the size), so the clock's cost is spread.
const BATCH: usize = 256;

/// A small seeded generator (no RNG crate needed): the same inputs on every
/// run.
struct Lcg(u64);

impl Lcg {
    /// A number in `0..bound` (`bound` at least 1).
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// The engine's id hasher (`src/engine/state/hash.rs`, `IdHasher`), given
/// to every `PriorityQueue` here: the card's crate gets the engine's fast
/// hashing rather than std's SipHash, so what remains is the structure.
#[derive(Clone, Copy, Default)]
struct IdHasher {
    hash: u64,
}

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(26) ^ word).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word) ^ ((chunk.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn write_isize(&mut self, i: isize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        let h = self.hash;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

/// A `priority_queue::PriorityQueue` hashing with [`IdHasher`].
type Pq<I, P> = priority_queue::PriorityQueue<I, P, std::hash::BuildHasherDefault<IdHasher>>;

criterion_group!(
    benches,
    waiting::bench,
    free_agents::bench,
    timers::bench,
    directory::bench
);
criterion_main!(benches);

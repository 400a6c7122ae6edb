//! A fast hasher for the engine's id maps, keyed by ids and dense
//! indexes. The std default (SipHash) resists hash flooding, at several times
//! the cost; here every key is an id chosen by the host (or an index the
//! engine made), never input from an end customer, and the profile in
//! BENCHMARKS.md showed SipHash on every command's hot path.

use std::hash::{BuildHasherDefault, Hasher};

/// Multiply-rotate hashing (as in rustc's FxHash) with a final mix so that
/// both the low bits (bucket) and the high bits (hashbrown's tag) vary with
/// sequential ids.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher {
    hash: u64,
}

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl IdHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(26) ^ word).wrapping_mul(K);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        let h = self.hash;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

/// Builds [`IdHasher`]s.
pub(crate) type IdBuild = BuildHasherDefault<IdHasher>;
/// A hash map with [`IdHasher`].
pub(crate) type IdMap<K, V> = std::collections::HashMap<K, V, IdBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn sequential_ids_spread_over_low_and_high_bits() {
        let build = IdBuild::default();
        let mut low = std::collections::HashSet::new();
        let mut high = std::collections::HashSet::new();
        for id in 0u64..4096 {
            let h = build.hash_one(id);
            low.insert(h & 0xfff);
            high.insert(h >> 57);
        }
        assert!(low.len() > 2500, "low bits: {}", low.len());
        assert_eq!(high.len(), 128);
    }
}

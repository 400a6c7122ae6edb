//! A skill group's free agents ordered by the policy's rank: a winner
//! (tournament) tree over the group's members in registration order. The
//! root is the best listed agent (smallest rank, ties to the earliest
//! registered), read in O(1); listing, unlisting or re-ranking one agent
//! replays the matches on its path, O(log members), with no allocation.
//!
//! Entries may lag on the worse side only: the engine re-ranks eagerly when
//! a rank may improve (capacity freed, status or cap changed) and lets
//! rises in load or activity stand until the agent reaches the root (see
//! `matching::take_agent`), so an agent's reply costs no re-ranking at all.

use crate::policy::Rank;

const NONE: u32 = u32::MAX;

/// The free-agent index of one group.
#[derive(Clone, Debug, Default)]
pub(crate) struct FreeIndex {
    /// Rank of each member (by position in the group's member list), `None`
    /// when not listed.
    ranks: Vec<Option<Rank>>,
    /// `tree[1]` is the root; node `n` holds the winning position of its
    /// subtree (`NONE` when none is listed); leaves start at `width`.
    tree: Vec<u32>,
    /// Leaf count of the tree: a power of two, at least `ranks.len()`.
    width: usize,
    /// Members listed.
    listed: u32,
}

impl FreeIndex {
    /// The winner of two positions: a listed one over an unlisted one, then
    /// the smaller rank, then the earlier position.
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

    /// Adds a member (unlisted) at the next position, which it returns.
    pub(crate) fn push_member(&mut self) -> u32 {
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

    /// Lists the member at `position` with `rank`, or unlists it (`None`).
    pub(crate) fn set(&mut self, position: u32, rank: Option<Rank>) {
        let p = position as usize;
        let old = std::mem::replace(&mut self.ranks[p], rank);
        if old == rank {
            return;
        }
        match (old.is_some(), rank.is_some()) {
            (false, true) => self.listed += 1,
            (true, false) => self.listed -= 1,
            _ => {}
        }
        let mut node = self.width + p;
        self.tree[node] = if rank.is_some() { position } else { NONE };
        // Bounded by the tree's height. Once a node keeps a winner other
        // than `position` (whose rank did not change), no ancestor changes
        // either: most re-rankings stop a level or two up.
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

    /// The best listed member: its position and stored rank.
    pub(crate) fn best(&self) -> Option<(u32, Rank)> {
        let p = *self.tree.get(1)?;
        (p != NONE).then(|| (p, self.ranks[p as usize].unwrap_or_default()))
    }

    /// The stored rank of the member at `position`.
    pub(crate) fn rank_of(&self, position: u32) -> Option<Rank> {
        self.ranks.get(position as usize).copied().flatten()
    }

    /// Every listed member with its stored rank, by position.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, Rank)> + '_ {
        self.ranks
            .iter()
            .enumerate()
            .filter_map(|(p, r)| r.map(|r| (p as u32, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_smallest_rank_then_the_earliest_member() {
        let mut index = FreeIndex::default();
        for _ in 0..9 {
            index.push_member();
        }
        assert_eq!(index.best(), None);
        index.set(5, Some(Rank::new([3, 0, 0])));
        index.set(2, Some(Rank::new([3, 0, 0])));
        index.set(7, Some(Rank::new([4, 0, 0])));
        assert_eq!(index.best().map(|b| b.0), Some(2));
        index.set(2, None);
        assert_eq!(index.best().map(|b| b.0), Some(5));
        index.set(8, Some(Rank::new([1, 0, 0])));
        assert_eq!(index.best().map(|b| b.0), Some(8));
        assert_eq!(index.listed, 3);
        // Growth keeps what is listed.
        for _ in 0..20 {
            index.push_member();
        }
        assert_eq!(index.best().map(|b| b.0), Some(8));
        assert_eq!(index.entries().count(), 3);
    }

    /// The early exit of `set` against a recount, over random updates.
    #[test]
    fn the_root_always_equals_a_scan() {
        let mut index = FreeIndex::default();
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for _ in 0..37 {
            index.push_member();
        }
        for _ in 0..5_000 {
            let p = (next() % 37) as u32;
            let rank = (next() % 4 != 0).then(|| Rank::new([(next() % 6) as i64, 0, 0]));
            index.set(p, rank);
            let scan = index.entries().min_by_key(|&(p, r)| (r, p));
            assert_eq!(index.best(), scan);
        }
    }
}

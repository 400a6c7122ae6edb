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
//!
//! A member is listed when its leaf holds its position (`NONE` when not);
//! its rank is then `ranks[position]` (a plain `Rank`, 24 bytes, not an
//! `Option`'s 32). A replay carries the winner coming up from below with
//! its rank, so each level reads one sibling and its rank, not both
//! children's (issue 22: `set` was 15% of the `profile` stream).

use crate::policy::Rank;

const NONE: u32 = u32::MAX;

/// The rank carried up with `NONE`: with `NONE`'s position, after every
/// listed member (even one ranked `[i64::MAX; 3]`, a policy fault's rank,
/// as its position is smaller), so a replay needs no test of `NONE`.
const LAST: Rank = Rank([i64::MAX; 3]);

/// The free-agent index of one group.
#[derive(Clone, Debug, Default)]
pub(crate) struct FreeIndex {
    /// Rank of each member (by position in the group's member list),
    /// meaningful while the member is listed (its leaf holds it).
    ranks: Vec<Rank>,
    /// `tree[1]` is the root; node `n` holds the winning position of its
    /// subtree (`NONE` when none is listed); leaves start at `width`.
    tree: Vec<u32>,
    /// Leaf count of the tree: a power of two, at least `ranks.len()`.
    width: usize,
    /// Members listed.
    listed: u32,
}

/// Whether `(a, pa)` comes before `(b, pb)`: the order of the tuples
/// (ranks compare key by key), spelled out so that each level of a replay
/// is a few compares (`Rank`'s derived order goes through its array's).
#[inline(always)]
fn precedes(a: &Rank, pa: u32, b: &Rank, pb: u32) -> bool {
    let (x, y) = (&a.0, &b.0);
    if x[0] != y[0] {
        return x[0] < y[0];
    }
    if x[1] != y[1] {
        return x[1] < y[1];
    }
    if x[2] != y[2] {
        return x[2] < y[2];
    }
    pa < pb
}

/// Replays the matches above `node` (a leaf of `tree`, already written)
/// carrying `up` and its rank `up_rank`; with `STOP`, stops at the first
/// node that keeps a winner other than `position`. Bounded by the tree's
/// height.
///
/// `NONE` is past every position, so the sibling's rank lookup is its test
/// of being listed, and `up`'s `NONE` carries `LAST`. The tree's length is
/// a power of two and every node is below it, so a node masked by
/// `len - 1` is itself: the compiler then proves each index in bounds and
/// checks none (two compares and branches a level, issue 22).
#[inline(always)]
fn walk<const STOP: bool>(
    tree: &mut [u32],
    ranks: &[Rank],
    mut node: usize,
    position: u32,
    mut up: u32,
    mut up_rank: Rank,
) {
    debug_assert!(tree.len().is_power_of_two() && node < tree.len());
    let mask = tree.len() - 1;
    while node > 1 {
        let sibling = tree[(node ^ 1) & mask];
        if let Some(sibling_rank) = ranks.get(sibling as usize) {
            if precedes(sibling_rank, sibling, &up_rank, up) {
                (up, up_rank) = (sibling, *sibling_rank);
            }
        }
        node /= 2;
        let at = node & mask;
        if STOP && up == tree[at] && up != position {
            break;
        }
        tree[at] = up;
    }
}

impl FreeIndex {
    /// Whether the member at `p` (a position below `ranks.len()`) is
    /// listed.
    #[inline]
    fn is_listed(&self, p: usize) -> bool {
        self.tree[self.width + p] != NONE
    }

    /// The winner of two listed positions: the smaller rank, then the
    /// earlier position.
    #[inline]
    fn better(&self, a: u32, b: u32) -> u32 {
        if precedes(&self.ranks[b as usize], b, &self.ranks[a as usize], a) {
            b
        } else {
            a
        }
    }

    /// The winner of two positions, either `NONE`: a listed one over an
    /// unlisted one, then `better`.
    fn winner(&self, a: u32, b: u32) -> u32 {
        match (a == NONE, b == NONE) {
            (false, false) => self.better(a, b),
            (false, true) => a,
            (true, _) => b,
        }
    }

    /// Adds a member (unlisted) at the next position, which it returns.
    pub(crate) fn push_member(&mut self) -> u32 {
        let position = self.ranks.len();
        self.ranks.push(Rank::default());
        if self.ranks.len() > self.width {
            self.rebuild((self.width * 2).max(4));
        }
        position as u32
    }

    fn rebuild(&mut self, width: usize) {
        let old = std::mem::replace(&mut self.tree, vec![NONE; 2 * width]);
        let old_width = std::mem::replace(&mut self.width, width);
        // The listed members keep their leaves at the new width.
        for p in 0..old_width.min(self.ranks.len()) {
            if old[old_width + p] != NONE {
                self.tree[width + p] = p as u32;
            }
        }
        for node in (1..width).rev() {
            self.tree[node] = self.winner(self.tree[2 * node], self.tree[2 * node + 1]);
        }
    }

    /// Lists the member at `position` with `rank`, or unlists it (`None`).
    // Inlined: nearly half the calls change nothing (an agent re-ranked
    // while full and not listed), and those cost a load and a test here
    // (always: left to itself the compiler kept it out of line).
    #[inline(always)]
    pub(crate) fn set(&mut self, position: u32, rank: Option<Rank>) {
        match rank {
            None => self.unlist(position),
            Some(rank) => self.list(position, rank),
        }
    }

    /// Unlists the member at `position`, if listed.
    #[inline(always)]
    pub(crate) fn unlist(&mut self, position: u32) {
        if self.tree[self.width + position as usize] != NONE {
            self.listed -= 1;
            self.replay(position, NONE, LAST);
        }
    }

    /// Lists the member at `position` with `rank` (re-ranks it, if
    /// listed). Apart from `set`, so that a caller that knows which it
    /// does moves no `Option<Rank>` (a 32-byte copy or two a re-rank).
    #[inline(always)]
    pub(crate) fn list(&mut self, position: u32, rank: Rank) {
        let p = position as usize;
        let was = self.tree[self.width + p] != NONE;
        if was && self.ranks[p] == rank {
            return;
        }
        self.listed += u32::from(!was);
        self.ranks[p] = rank;
        self.replay(position, position, rank);
    }

    /// Writes `up` (`position` or `NONE`) in `position`'s leaf and replays
    /// the matches above it; `up_rank` is its rank when listed.
    #[inline(never)]
    fn replay(&mut self, position: u32, up: u32, up_rank: Rank) {
        let (tree, ranks) = (&mut self.tree[..], &self.ranks[..]);
        let node = self.width + position as usize;
        tree[node] = up;
        if tree.get(1) == Some(&position) {
            // The root's own re-rank or unlisting (a dispatch's taken or
            // passed-over agent, a third of the replays and half their
            // levels): it won every match on its path, so each node is
            // rewritten and no early stop is looked for.
            walk::<false>(tree, ranks, node, position, up, up_rank);
        } else {
            // Once a node keeps a winner other than `position` (whose rank
            // did not change), no ancestor changes either; a member that
            // was or becomes a winner walks on (7 of 10 levels on average
            // on the `profile` stream).
            walk::<true>(tree, ranks, node, position, up, up_rank);
        }
    }

    /// The best listed member: its position and stored rank.
    pub(crate) fn best(&self) -> Option<(u32, Rank)> {
        let p = *self.tree.get(1)?;
        (p != NONE).then(|| (p, self.ranks[p as usize]))
    }

    /// The stored rank of the member at `position`.
    pub(crate) fn rank_of(&self, position: u32) -> Option<Rank> {
        let p = position as usize;
        (p < self.ranks.len() && self.is_listed(p)).then(|| self.ranks[p])
    }

    /// Every listed member with its stored rank, by position.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, Rank)> + '_ {
        (0..self.ranks.len())
            .filter(|&p| self.is_listed(p))
            .map(|p| (p as u32, self.ranks[p]))
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

    #[test]
    fn precedes_is_the_order_of_rank_then_position() {
        let keys = [i64::MIN, -1, 0, 1, i64::MAX];
        for a in 0..125 {
            for b in 0..125 {
                let rank = |i: usize| Rank::new([keys[i % 5], keys[i / 5 % 5], keys[i / 25]]);
                for (pa, pb) in [(0, 1), (1, 0), (3, 3)] {
                    let expected = (rank(a), pa) < (rank(b), pb);
                    assert_eq!(precedes(&rank(a), pa, &rank(b), pb), expected);
                }
            }
        }
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
        // The ranks each member was last given, as a plain model.
        let mut model: Vec<Option<Rank>> = Vec::new();
        for _ in 0..37 {
            index.push_member();
            model.push(None);
        }
        for round in 0..5_000 {
            if round % 400 == 0 {
                // Growth past the tree's width keeps what is listed.
                index.push_member();
                model.push(None);
            }
            let p = (next() % model.len() as u64) as u32;
            let rank = (next() % 4 != 0).then(|| Rank::new([(next() % 6) as i64, 0, 0]));
            index.set(p, rank);
            model[p as usize] = rank;
            let scan = model
                .iter()
                .enumerate()
                .filter_map(|(p, r)| r.map(|r| (p as u32, r)))
                .min_by_key(|&(p, r)| (r, p));
            assert_eq!(index.best(), scan);
            assert_eq!(index.rank_of(p), rank);
            assert_eq!(index.listed as usize, model.iter().flatten().count());
        }
        let listed: Vec<(u32, Rank)> = model
            .iter()
            .enumerate()
            .filter_map(|(p, r)| r.map(|r| (p as u32, r)))
            .collect();
        assert_eq!(index.entries().collect::<Vec<_>>(), listed);
    }
}

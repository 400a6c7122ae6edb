//! Unit tests of `line_pool.rs`: lines in one pool against `BTreeSet`s.

use super::*;
use crate::model::Timestamp;
use std::collections::BTreeSet;

/// Several lines in one pool against `BTreeSet`s through random
/// inserts (mostly at the back, as arrivals are, some anywhere) and
/// removals (the head, or anyone): the same entries in the same order,
/// the same first, every `after`, well-formed trees, and the pool
/// never holding more nodes than ever waited at once.
#[test]
fn lines_in_one_pool_keep_the_order_of_btree_sets() {
    let mut seed = 7u64;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    const LINES: usize = 5;
    let mut pool = LinePool::default();
    let mut roots = [NIL; LINES];
    let mut sets: [BTreeSet<Entry>; LINES] = Default::default();
    let (mut most, mut now) = (0usize, 0u64);
    for seq in 0..20_000u64 {
        let l = next(LINES as u64) as usize;
        if sets[l].is_empty() || next(5) < 3 {
            now += next(10);
            // Ties in `since` are common; the arrival number breaks
            // them, the slot after it (one slot may wait twice).
            let since = if next(4) == 0 { next(now + 1) } else { now };
            let key = LineKey {
                since: Timestamp(since),
                seq: seq / 2,
            };
            let conv = ConvIdx::new(next(1_000) as usize).expect("a slot");
            if sets[l].insert((key, conv)) {
                pool.insert(&mut roots[l], key, conv);
            }
        } else {
            let set = &sets[l];
            let gone = if next(2) == 0 {
                *set.first().expect("not empty")
            } else {
                *set.iter().nth(next(set.len() as u64) as usize).expect("in")
            };
            sets[l].remove(&gone);
            assert!(pool.remove(&mut roots[l], gone.0, gone.1));
            assert!(!pool.remove(&mut roots[l], gone.0, gone.1));
        }
        let total: usize = sets.iter().map(BTreeSet::len).sum();
        most = most.max(total);
        assert_eq!(pool.live() as usize, total);
        assert_eq!(pool.held(), most, "a freed node is reused first");
        assert_eq!(pool.check(roots[l]), Ok(sets[l].len() as u32));
        assert_eq!(pool.first(roots[l]), sets[l].first().copied());
        if seq % 97 == 0 {
            assert_eq!(pool.check_free(), Ok(()));
            for (root, set) in roots.iter().zip(&sets) {
                assert!(pool.iter(*root).eq(set.iter().copied()));
            }
            for e in &sets[l] {
                let above =
                    sets[l].range((std::ops::Bound::Excluded(*e), std::ops::Bound::Unbounded));
                assert_eq!(pool.after(roots[l], *e), above.copied().next());
            }
        }
    }
    // Emptied, every node is free and reused.
    for (root, set) in roots.iter_mut().zip(&sets) {
        for e in set {
            assert!(pool.remove(root, e.0, e.1));
        }
        assert_eq!(*root, NIL);
    }
    assert_eq!((pool.live(), pool.check_free()), (0, Ok(())));
}

/// Arrivals in key order (the common case) build a shallow tree: the
/// priorities, not the keys, give its shape.
#[test]
fn keys_in_order_still_make_a_shallow_tree() {
    let mut pool = LinePool::default();
    let mut root = NIL;
    let n = 1 << 14;
    for seq in 0..n {
        let key = LineKey {
            since: Timestamp(seq),
            seq,
        };
        pool.insert(&mut root, key, ConvIdx::new(seq as usize).expect("a slot"));
    }
    fn depth(pool: &LinePool, t: u32) -> usize {
        pool.nodes
            .get(t)
            .map_or(0, |n| 1 + depth(pool, n.left).max(depth(pool, n.right)))
    }
    // Expected about 2 ln n = 19; a list would be 16,384.
    assert!(depth(&pool, root) < 60, "depth {}", depth(&pool, root));
    assert_eq!(pool.check(root), Ok(n as u32));
}

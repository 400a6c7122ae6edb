//! Small ordered sets of an agent's (parked threads, own queue) whose
//! entries live in one pool of nodes shared by every agent.
//!
//! Each set was a `SortedVec` of the agent's own: its first entry
//! allocated, the first time the agent parked a thread or work waited for
//! them personally (10,000 of the 20,946 allocations left inside `apply`
//! on the profile stream, BENCHMARKS.md), and each took 24 bytes in every
//! agent's record. Here a set is a sorted singly linked list (12 bytes:
//! head, tail, length) through a [`SetPool`]: a removal frees a node, the
//! next insertion anywhere reuses it, so the pool's vector grows only when
//! more entries are held at once, over all agents, than ever before.
//!
//! The sets are short (an agent's cap over the lightest channel weight, a
//! few hundred at most), and they are mostly used at their ends: a new
//! entry usually sorts last (an own queue is ordered by age, then arrival;
//! a parked set by conversation id, which hosts hand out in order), which
//! the tail makes O(1); the own queue is served from its head. Anything
//! else walks the list from the head, at most its length.

use super::node_slab::{FreeLink, NodeSlab, NIL};
use std::cmp::Ordering;

/// A set's entries in ascending order: `head` to `tail` through the
/// pool's links (both `NIL` when empty), `len` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PooledSet {
    head: u32,
    tail: u32,
    len: u32,
}

impl Default for PooledSet {
    fn default() -> Self {
        Self {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }
}

/// An entry and the next node of its set.
#[derive(Clone, Copy, Debug)]
struct Node<K> {
    key: K,
    /// The next entry of the set; on the free list, the next free node.
    next: u32,
}

impl<K> FreeLink for Node<K> {
    fn free_link(&mut self) -> &mut u32 {
        &mut self.next
    }
}

/// The nodes of every agent's sets of one kind.
#[derive(Clone, Debug)]
pub(crate) struct SetPool<K> {
    nodes: NodeSlab<Node<K>>,
}

impl<K> Default for SetPool<K> {
    fn default() -> Self {
        Self {
            nodes: NodeSlab::default(),
        }
    }
}

impl<K: Copy> SetPool<K> {
    /// Room for `nodes` entries at once without allocating (`reserve.rs`).
    pub(crate) fn reserve(
        &mut self,
        nodes: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        self.nodes.reserve(nodes)
    }

    /// Entries held at once without allocating.
    pub(crate) fn capacity(&self) -> usize {
        self.nodes.capacity()
    }

    /// Maps the pool's room (`touch.rs`).
    pub(crate) fn touch_room(&mut self) {
        self.nodes.touch_room();
    }

    /// Entries in some set.
    pub(crate) fn live(&self) -> u32 {
        self.nodes.live()
    }

    /// Whether the free nodes and the live count add up to the nodes held
    /// (the audit).
    pub(crate) fn check_free(&self) -> Result<(), &'static str> {
        self.nodes.check_free()
    }

    fn alloc(&mut self, key: K, next: u32) -> u32 {
        // One node per conversation at most (each is in one set).
        self.nodes
            .alloc(Node { key, next }, "entries of agents' sets")
    }
}

/// A set's entries in order; bounded by the set's length, and it stops at
/// a link past the pool.
pub(crate) struct Iter<'a, K> {
    pool: &'a SetPool<K>,
    at: u32,
    left: u32,
}

impl<K: Copy> Iterator for Iter<'_, K> {
    type Item = K;

    #[inline]
    fn next(&mut self) -> Option<K> {
        self.left = self.left.checked_sub(1)?;
        let node = self.pool.nodes.get(self.at)?;
        self.at = node.next;
        Some(node.key)
    }
}

impl PooledSet {
    /// Entries in the set.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The smallest entry.
    #[inline]
    pub(crate) fn first<K: Copy>(&self, pool: &SetPool<K>) -> Option<K> {
        if self.len == 0 {
            return None;
        }
        pool.nodes.get(self.head).map(|n| n.key)
    }

    /// The entries in ascending order.
    pub(crate) fn iter<'a, K: Copy>(&self, pool: &'a SetPool<K>) -> Iter<'a, K> {
        Iter {
            pool,
            at: self.head,
            left: self.len,
        }
    }

    /// Inserts `key`; returns false (changing nothing) when present.
    pub(crate) fn insert<K: Ord + Copy>(&mut self, pool: &mut SetPool<K>, key: K) -> bool {
        if self.len == 0 {
            let n = pool.alloc(key, NIL);
            (self.head, self.tail, self.len) = (n, n, 1);
            return true;
        }
        // The usual case: after the last entry.
        match key.cmp(&pool.nodes[self.tail].key) {
            Ordering::Greater => {
                let n = pool.alloc(key, NIL);
                pool.nodes[self.tail].next = n;
                self.tail = n;
                self.len += 1;
                return true;
            }
            Ordering::Equal => return false,
            Ordering::Less => {}
        }
        // Before the tail: the first entry above `key` is found within the
        // set's length.
        let (mut before, mut at) = (NIL, self.head);
        for _ in 0..self.len {
            let node = pool.nodes[at];
            match key.cmp(&node.key) {
                Ordering::Equal => return false,
                Ordering::Less => break,
                Ordering::Greater => (before, at) = (at, node.next),
            }
        }
        let n = pool.alloc(key, at);
        if before == NIL {
            self.head = n;
        } else {
            pool.nodes[before].next = n;
        }
        self.len += 1;
        true
    }

    /// Removes `key`; returns whether it was there.
    pub(crate) fn remove<K: Ord + Copy>(&mut self, pool: &mut SetPool<K>, key: &K) -> bool {
        let (mut before, mut at) = (NIL, self.head);
        for _ in 0..self.len {
            let node = pool.nodes[at];
            match key.cmp(&node.key) {
                Ordering::Less => return false,
                Ordering::Greater => (before, at) = (at, node.next),
                Ordering::Equal => {
                    if before == NIL {
                        self.head = node.next;
                    } else {
                        pool.nodes[before].next = node.next;
                    }
                    if at == self.tail {
                        self.tail = before;
                    }
                    self.len -= 1;
                    pool.nodes.release(at);
                    return true;
                }
            }
        }
        false
    }

    /// Whether the set is well formed in `pool` (the audit): `len` entries
    /// in strictly ascending order, the last of them the tail.
    pub(crate) fn check<K: Ord + Copy>(&self, pool: &SetPool<K>) -> Result<(), &'static str> {
        let (mut last, mut count, mut at) = (None, 0u32, self.head);
        while at != NIL {
            count += 1;
            if count > self.len {
                return Err("an agent's set longer than its count");
            }
            let node = pool
                .nodes
                .get(at)
                .ok_or("an agent's set links past its pool")?;
            if last.is_some_and(|l| l >= node.key) {
                return Err("an agent's set out of order");
            }
            if node.next == NIL && at != self.tail {
                return Err("an agent's set ends before its tail");
            }
            last = Some(node.key);
            at = node.next;
        }
        if count != self.len || (count == 0 && self.tail != NIL) {
            return Err("an agent's set shorter than its count");
        }
        Ok(())
    }
}

use super::conversation::PersonalKey;
use super::index::{AgentIdx, ConvIdx};
use crate::model::ConversationId;

impl super::State {
    /// Adds `c` (id `id`) to `agent`'s parked set.
    pub(crate) fn parked_insert(
        &mut self,
        agent: AgentIdx,
        id: ConversationId,
        c: ConvIdx,
    ) -> bool {
        self.agents[agent.get()]
            .parked
            .insert(&mut self.parked_pool, (id, c))
    }

    /// Takes `c` (id `id`) out of `agent`'s parked set.
    pub(crate) fn parked_remove(
        &mut self,
        agent: AgentIdx,
        id: ConversationId,
        c: ConvIdx,
    ) -> bool {
        self.agents[agent.get()]
            .parked
            .remove(&mut self.parked_pool, &(id, c))
    }

    /// Adds `c` to `agent`'s own queue at `key`.
    pub(crate) fn personal_insert(
        &mut self,
        agent: AgentIdx,
        key: PersonalKey,
        c: ConvIdx,
    ) -> bool {
        self.agents[agent.get()]
            .personal
            .insert(&mut self.personal_pool, (key, c))
    }

    /// Takes `c`, at `key`, out of `agent`'s own queue.
    pub(crate) fn personal_remove(
        &mut self,
        agent: AgentIdx,
        key: PersonalKey,
        c: ConvIdx,
    ) -> bool {
        self.agents[agent.get()]
            .personal
            .remove(&mut self.personal_pool, &(key, c))
    }

    /// Adds `c` (id `id`) to `agent`'s wrap-ups.
    pub(crate) fn wrapup_insert(
        &mut self,
        agent: AgentIdx,
        id: ConversationId,
        c: ConvIdx,
    ) -> bool {
        self.agents[agent.get()]
            .wrapups
            .insert(&mut self.wrapup_pool, (id, c))
    }

    /// Takes `c` (id `id`) out of `agent`'s wrap-ups.
    pub(crate) fn wrapup_remove(
        &mut self,
        agent: AgentIdx,
        id: ConversationId,
        c: ConvIdx,
    ) -> bool {
        self.agents[agent.get()]
            .wrapups
            .remove(&mut self.wrapup_pool, &(id, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Sets of several agents in one pool against `BTreeSet`s through
    /// random inserts (mostly at the end, some anywhere, some present)
    /// and removals: the same entries in the same order, the same
    /// answers, well formed throughout, and the pool holding no more
    /// nodes than were ever in use at once.
    #[test]
    fn pooled_sets_behave_like_btree_sets_and_reuse_freed_nodes() {
        const AGENTS: usize = 5;
        let mut pool = SetPool::<(u64, u32)>::default();
        let mut sets = [PooledSet::default(); AGENTS];
        let mut models: [BTreeSet<(u64, u32)>; AGENTS] = Default::default();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let (mut most, mut clock) = (0usize, 0u64);
        for _ in 0..20_000 {
            let k = next(AGENTS as u64) as usize;
            let (set, model) = (&mut sets[k], &mut models[k]);
            match next(6) {
                0 | 1 => {
                    clock += 1 + next(3);
                    let key = (clock, next(4) as u32);
                    assert_eq!(set.insert(&mut pool, key), model.insert(key));
                }
                2 => {
                    let key = (next(clock + 1), next(4) as u32);
                    assert_eq!(set.insert(&mut pool, key), model.insert(key));
                }
                3 if !model.is_empty() => {
                    let key = *model.iter().nth(next(model.len() as u64) as usize).unwrap();
                    assert!(set.insert(&mut pool, key) == model.insert(key));
                    assert!(set.remove(&mut pool, &key) && model.remove(&key));
                    assert!(!set.remove(&mut pool, &key));
                }
                4 if !model.is_empty() => {
                    let key = *model.first().unwrap();
                    assert!(set.remove(&mut pool, &key) && model.remove(&key));
                }
                _ => {
                    let key = (next(clock + 1), next(4) as u32);
                    assert_eq!(set.remove(&mut pool, &key), model.remove(&key));
                }
            }
            assert!(set.iter(&pool).eq(model.iter().copied()));
            assert_eq!((set.len(), set.is_empty()), (model.len(), model.is_empty()));
            assert_eq!(set.first(&pool), model.first().copied());
            assert_eq!(set.check(&pool), Ok(()));
            let held: usize = models.iter().map(BTreeSet::len).sum();
            most = most.max(held);
            assert_eq!(pool.live() as usize, held);
            assert_eq!(pool.nodes.held(), most, "a freed node is reused first");
        }
        assert_eq!(pool.check_free(), Ok(()));
    }

    /// The audit's check finds a set out of order and a wrong count.
    #[test]
    fn a_broken_set_fails_the_check() {
        let mut pool = SetPool::<u64>::default();
        let mut set = PooledSet::default();
        for key in [1, 2, 3] {
            set.insert(&mut pool, key);
        }
        assert_eq!(set.check(&pool), Ok(()));
        pool.nodes[1].key = 5;
        assert!(set.check(&pool).is_err());
        pool.nodes[1].key = 2;
        let mut short = set;
        short.len = 2;
        assert!(short.check(&pool).is_err());
        let mut long = set;
        long.len = 4;
        assert!(long.check(&pool).is_err());
    }
}

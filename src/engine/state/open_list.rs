//! A customer's open conversations, in opening order: the first in the
//! customer's record, the others linked through one pool of small nodes
//! shared by every customer.
//!
//! Nearly every customer has one open conversation at a time (the open
//! rule keeps one per channel by default), and most customers of a day are
//! first contacts: the first conversation sits in the record itself. A
//! second one at the same time used to grow a `Vec` of the customer's own
//! (one allocation per customer who ever held two, and 24 bytes in every
//! record); it now takes a node of [`OpenPool`], which a closed one gives
//! back, so the pool only grows when more customers hold a second
//! conversation at once than ever before.

use super::index::ConvIdx;

use super::node_slab::{FreeLink, NodeSlab, NIL};

/// Conversations in opening order: `first` (`VACANT` when there is none),
/// then the nodes from `rest`. Invariant: `rest` is `NIL` while `first` is
/// vacant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenList {
    first: ConvIdx,
    rest: u32,
}

impl Default for OpenList {
    fn default() -> Self {
        Self {
            first: ConvIdx::VACANT,
            rest: NIL,
        }
    }
}

/// A conversation after a list's first, and the next node.
#[derive(Clone, Copy, Debug)]
struct Node {
    conv: ConvIdx,
    /// The next node of the list; on the free list, the next free node.
    next: u32,
}

impl FreeLink for Node {
    fn free_link(&mut self) -> &mut u32 {
        &mut self.next
    }
}

/// The nodes of every customer's open list beyond its first.
#[derive(Clone, Debug, Default)]
pub(crate) struct OpenPool {
    nodes: NodeSlab<Node>,
}

impl OpenPool {
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

    /// Nodes in some list.
    pub(crate) fn live(&self) -> u32 {
        self.nodes.live()
    }

    fn alloc(&mut self, conv: ConvIdx, next: u32) -> u32 {
        // One node per open conversation at most.
        self.nodes.alloc(Node { conv, next }, "open conversations")
    }

    fn release(&mut self, n: u32) {
        self.nodes.release(n);
    }

    /// Whether the free nodes and the live count add up to the nodes held.
    pub(crate) fn check_free(&self) -> Result<(), &'static str> {
        self.nodes.check_free()
    }
}

/// The nodes of a list after its first, each once (a walk is bounded by
/// the pool's size, so a broken link cannot loop).
struct Links<'a> {
    pool: &'a OpenPool,
    at: u32,
    left: usize,
}

impl Iterator for Links<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let n = self.at;
        let node = self.pool.nodes.get(n)?;
        self.left = self.left.checked_sub(1)?;
        self.at = node.next;
        Some(n)
    }
}

impl OpenList {
    pub(crate) fn is_empty(&self) -> bool {
        self.first == ConvIdx::VACANT
    }

    fn links<'a>(&self, pool: &'a OpenPool) -> Links<'a> {
        Links {
            pool,
            at: self.rest,
            left: pool.nodes.held(),
        }
    }

    pub(crate) fn len(&self, pool: &OpenPool) -> usize {
        usize::from(!self.is_empty()) + self.links(pool).count()
    }

    /// The conversations in opening order.
    pub(crate) fn iter<'a>(&self, pool: &'a OpenPool) -> impl Iterator<Item = ConvIdx> + 'a {
        std::iter::once(self.first)
            .filter(|&c| c != ConvIdx::VACANT)
            .chain(self.links(pool).map(|n| pool.nodes[n].conv))
    }

    /// Appends `c` (the latest opened).
    pub(crate) fn push(&mut self, pool: &mut OpenPool, c: ConvIdx) {
        let at = self.len(pool);
        self.insert(pool, at, c);
    }

    /// Inserts `c` at position `at` (at most `len()`; past it, at the end).
    pub(crate) fn insert(&mut self, pool: &mut OpenPool, at: usize, c: ConvIdx) {
        debug_assert!(at <= self.len(pool), "a position in the list");
        if self.is_empty() {
            self.first = c;
            return;
        }
        if at == 0 {
            let old = std::mem::replace(&mut self.first, c);
            self.rest = pool.alloc(old, self.rest);
            return;
        }
        // After the first and `at - 1` nodes: the node before is the last
        // of those (none: the head of `rest`).
        let before = self.links(pool).take(at - 1).last();
        match before {
            None => self.rest = pool.alloc(c, self.rest),
            Some(b) => {
                let next = pool.nodes[b].next;
                let n = pool.alloc(c, next);
                pool.nodes[b].next = n;
            }
        }
    }

    /// The number of leading conversations for which `pred` holds (the
    /// list is ordered so that `pred` holds on a prefix).
    pub(crate) fn partition_point(
        &self,
        pool: &OpenPool,
        mut pred: impl FnMut(ConvIdx) -> bool,
    ) -> usize {
        self.iter(pool).take_while(|&c| pred(c)).count()
    }

    /// Takes `c` out of the list, if there.
    pub(crate) fn remove(&mut self, pool: &mut OpenPool, c: ConvIdx) -> bool {
        if self.is_empty() {
            return false;
        }
        if self.first == c {
            match pool.nodes.get(self.rest).copied() {
                None => self.first = ConvIdx::VACANT,
                Some(node) => {
                    pool.release(self.rest);
                    (self.first, self.rest) = (node.conv, node.next);
                }
            }
            return true;
        }
        // The node holding `c` and the one before it (none: `rest`).
        let mut before = None;
        let mut found = None;
        for n in self.links(pool) {
            if pool.nodes[n].conv == c {
                found = Some(n);
                break;
            }
            before = Some(n);
        }
        let Some(n) = found else {
            return false;
        };
        let next = pool.nodes[n].next;
        match before {
            None => self.rest = next,
            Some(b) => pool.nodes[b].next = next,
        }
        pool.release(n);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists of several customers in one pool against `Vec`s through
    /// pushes, inserts anywhere and removals: the same order, lengths and
    /// partition points, and the pool holding no more nodes than ever
    /// were in use at once.
    #[test]
    fn open_lists_keep_order_like_vecs_through_pushes_inserts_and_removals() {
        const CUSTOMERS: usize = 4;
        let mut pool = OpenPool::default();
        let mut lists = [OpenList::default(); CUSTOMERS];
        let mut models: [Vec<ConvIdx>; CUSTOMERS] = Default::default();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut most = 0usize;
        for step in 0..20_000usize {
            let c = ConvIdx::new(step).expect("small");
            let k = next(CUSTOMERS as u64) as usize;
            let (list, model) = (&mut lists[k], &mut models[k]);
            match next(4) {
                0 => {
                    list.push(&mut pool, c);
                    model.push(c);
                }
                1 => {
                    let at = next(model.len() as u64 + 1) as usize;
                    list.insert(&mut pool, at, c);
                    model.insert(at, c);
                }
                _ if !model.is_empty() => {
                    let gone = model[next(model.len() as u64) as usize];
                    assert!(list.remove(&mut pool, gone));
                    assert!(!list.remove(&mut pool, gone));
                    model.retain(|&o| o != gone);
                }
                _ => assert!(!list.remove(&mut pool, c)),
            }
            assert!(list.iter(&pool).eq(model.iter().copied()));
            assert_eq!(
                (list.len(&pool), list.is_empty()),
                (model.len(), model.is_empty())
            );
            // A predicate that holds on a prefix of the list.
            let cut = next(model.len() as u64 + 1) as usize;
            let prefix = &model[..cut];
            assert_eq!(list.partition_point(&pool, |o| prefix.contains(&o)), cut);
            let beyond: usize = models.iter().map(|m| m.len().saturating_sub(1)).sum();
            most = most.max(beyond);
            assert_eq!(pool.live() as usize, beyond);
            assert_eq!(pool.nodes.held(), most, "a freed node is reused first");
        }
        assert_eq!(pool.check_free(), Ok(()));
        // One open conversation at a time takes no node.
        let mut pool = OpenPool::default();
        let mut single = OpenList::default();
        single.push(&mut pool, ConvIdx::new(1).expect("small"));
        single.remove(&mut pool, ConvIdx::new(1).expect("small"));
        single.push(&mut pool, ConvIdx::new(2).expect("small"));
        assert_eq!(pool.nodes.held(), 0);
    }
}

//! The node storage the waiting lines (`line_pool.rs`) and the customers'
//! open lists (`open_list.rs`) share: nodes in one vector, addressed by
//! `u32`, a freed node kept on a free list threaded through the node's own
//! link and reused by the next allocation. The vector grows only when more
//! nodes are live at once than ever before, never per command on average.

use std::ops::{Index, IndexMut};

/// No node: the end of a list or of the free nodes, an empty subtree.
pub(crate) const NIL: u32 = u32::MAX;

/// A node that can sit on the free list through one of its links.
pub(crate) trait FreeLink {
    /// The link that threads the free list while the node is free.
    fn free_link(&mut self) -> &mut u32;
}

/// Nodes live or free; see the module doc.
#[derive(Clone, Debug)]
pub(crate) struct NodeSlab<T> {
    nodes: Vec<T>,
    /// Head of the free nodes.
    free: u32,
    /// Nodes in use.
    live: u32,
}

impl<T> Default for NodeSlab<T> {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            free: NIL,
            live: 0,
        }
    }
}

impl<T: FreeLink + Copy> NodeSlab<T> {
    /// Nodes in use.
    pub(crate) fn live(&self) -> u32 {
        self.live
    }

    /// Nodes held, live or free: the high-water mark.
    pub(crate) fn held(&self) -> usize {
        self.nodes.len()
    }

    /// Makes room for `nodes` held at once without allocating (the
    /// host's announced scale, `reserve.rs`): the vector's capacity, not
    /// its length, so the free list and the high-water mark are as before.
    pub(crate) fn reserve(
        &mut self,
        nodes: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        self.nodes
            .try_reserve_exact(nodes.saturating_sub(self.nodes.len()))
    }

    /// Nodes the slab holds without allocating.
    pub(crate) fn capacity(&self) -> usize {
        self.nodes.capacity()
    }

    /// Maps the slab's room (`touch.rs`).
    pub(crate) fn touch_room(&mut self) {
        super::touch::touch_spare(&mut self.nodes);
    }

    /// The node `n`, if the slab holds it (for walks that must not trust
    /// a link).
    pub(crate) fn get(&self, n: u32) -> Option<&T> {
        self.nodes.get(n as usize)
    }

    /// Stores `node` in a free node, or a new one; its index. `what`
    /// names the entries for the one impossible failure: more of them
    /// live at once than `u32` indexes (conversation slots stop short of
    /// `u32::MAX`, and each entry is a conversation's).
    #[inline]
    pub(crate) fn alloc(&mut self, node: T, what: &'static str) -> u32 {
        self.live += 1;
        if self.free != NIL {
            let n = self.free;
            self.free = *self.nodes[n as usize].free_link();
            self.nodes[n as usize] = node;
            return n;
        }
        let n = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&n| n != NIL)
            .unwrap_or_else(|| panic!("fewer {what} than u32::MAX"));
        self.nodes.push(node);
        n
    }

    /// Gives node `n` back to the free list.
    #[inline]
    pub(crate) fn release(&mut self, n: u32) {
        *self.nodes[n as usize].free_link() = self.free;
        self.free = n;
        self.live -= 1;
    }

    /// Whether the free list and the live count add up to the nodes held
    /// (the audit).
    pub(crate) fn check_free(&self) -> Result<(), &'static str> {
        let mut free = 0usize;
        let mut n = self.free;
        while n != NIL {
            free += 1;
            if free > self.nodes.len() {
                return Err("a cycle in a pool's free nodes");
            }
            let mut node = *self.get(n).ok_or("a free link past the pool")?;
            n = *node.free_link();
        }
        if free + self.live as usize != self.nodes.len() {
            return Err("pool nodes neither live nor free");
        }
        Ok(())
    }
}

impl<T> Index<u32> for NodeSlab<T> {
    type Output = T;

    #[inline]
    fn index(&self, n: u32) -> &T {
        &self.nodes[n as usize]
    }
}

impl<T> IndexMut<u32> for NodeSlab<T> {
    #[inline]
    fn index_mut(&mut self, n: u32) -> &mut T {
        &mut self.nodes[n as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    struct N(u32);

    impl FreeLink for N {
        fn free_link(&mut self) -> &mut u32 {
            &mut self.0
        }
    }

    #[test]
    fn freed_nodes_are_reused_last_freed_first_and_the_slab_grows_only_past_its_mark() {
        let mut slab = NodeSlab::default();
        let ids: Vec<u32> = (0..4).map(|i| slab.alloc(N(100 + i), "nodes")).collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        slab.release(1);
        slab.release(3);
        assert_eq!(
            (slab.live(), slab.held(), slab.check_free()),
            (2, 4, Ok(()))
        );
        assert_eq!(slab.alloc(N(7), "nodes"), 3);
        assert_eq!(slab.alloc(N(8), "nodes"), 1);
        assert_eq!(slab.alloc(N(9), "nodes"), 4);
        assert_eq!((slab[1], slab[3], slab[4]), (N(8), N(7), N(9)));
        assert_eq!(
            (slab.live(), slab.held(), slab.check_free()),
            (5, 5, Ok(()))
        );
    }

    #[test]
    fn a_reserved_slab_holds_its_room_without_growing() {
        let mut slab = NodeSlab::default();
        slab.reserve(100).expect("small");
        let room = slab.capacity();
        assert!(room >= 100);
        slab.reserve(10).expect("small");
        for i in 0..100 {
            slab.alloc(N(i), "nodes");
        }
        assert_eq!((slab.capacity(), slab.held()), (room, 100));
    }

    #[test]
    fn a_broken_free_list_fails_the_check() {
        let mut slab = NodeSlab::default();
        for i in 0..3 {
            slab.alloc(N(i), "nodes");
        }
        slab.release(0);
        slab.release(2);
        // A cycle: node 0 links back to node 2, the head.
        slab[0] = N(2);
        assert!(slab.check_free().is_err());
        // A live node counted as free: the totals no longer add up.
        slab[0] = N(1);
        slab[1] = N(NIL);
        assert!(slab.check_free().is_err());
    }
}

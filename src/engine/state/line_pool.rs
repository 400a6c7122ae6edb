//! The waiting lines' entries, in one pool of tree nodes shared by every
//! line of every group.
//!
//! Each class line was a `BTreeSet<(LineKey, ConvIdx)>`: a node split
//! allocated (and a merge freed) inside the command that crossed it, so
//! the lines were the engine's largest source of allocations per command
//! (`BENCHMARKS.md`, alloc5). Here a class line is a treap (a binary
//! search tree by entry, a heap by a priority hashed from the entry) whose
//! nodes live in one vector: a node freed by a removal goes on a free list
//! and the next insertion anywhere reuses it, so the vector only grows
//! when more conversations wait at once than ever before (geometrically,
//! never per command on average).
//!
//! The order is exactly the set's: entries compare as `(LineKey, ConvIdx)`
//! tuples. Priorities are a hash of the entry (no random state), so the
//! same commands build the same shapes; the expected depth is about
//! `2 ln n` whatever order the keys arrive in (mostly at the back: new
//! arrivals wait since now), and every walk is bounded by the pool's size.

use super::index::ConvIdx;
use super::waiting::LineKey;

pub(crate) use super::node_slab::NIL;
use super::node_slab::{FreeLink, NodeSlab};

/// An entry of a class line.
pub(crate) type Entry = (LineKey, ConvIdx);

/// One entry and its links (32 bytes).
#[derive(Clone, Copy, Debug)]
struct Node {
    key: LineKey,
    conv: ConvIdx,
    /// Heap order: a parent's priority is at least its children's.
    prio: u32,
    /// The left child; on the free list, the next free node.
    left: u32,
    right: u32,
}

impl FreeLink for Node {
    fn free_link(&mut self) -> &mut u32 {
        &mut self.left
    }
}

impl Node {
    fn entry(&self) -> Entry {
        (self.key, self.conv)
    }
}

/// Where a subtree hangs: the line's root or a node's child link.
#[derive(Clone, Copy)]
enum Hook {
    Root,
    Left(u32),
    Right(u32),
}

/// The nodes of every waiting line (free ones linked through `left`).
#[derive(Clone, Debug, Default)]
pub(crate) struct LinePool {
    nodes: NodeSlab<Node>,
}

/// The entry's priority: a mix of its arrival number and slot (both fixed
/// while it waits), so shapes are reproducible and independent of keys.
fn priority(key: LineKey, conv: ConvIdx) -> u32 {
    let mut z = key.seq ^ ((conv.get() as u64) << 40) ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}

impl LinePool {
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

    /// Entries waiting in all lines together.
    pub(crate) fn live(&self) -> u32 {
        self.nodes.live()
    }

    /// Nodes held (live or free): the pool's high-water mark.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.nodes.held()
    }

    /// A bound on any walk: no path is longer than the nodes held.
    fn bound(&self) -> usize {
        self.nodes.held() + 1
    }

    fn set(&mut self, root: &mut u32, hook: Hook, v: u32) {
        match hook {
            Hook::Root => *root = v,
            Hook::Left(n) => self.nodes[n].left = v,
            Hook::Right(n) => self.nodes[n].right = v,
        }
    }

    fn alloc(&mut self, key: LineKey, conv: ConvIdx, prio: u32) -> u32 {
        let node = Node {
            key,
            conv,
            prio,
            left: NIL,
            right: NIL,
        };
        // One node per line a waiting conversation is in.
        self.nodes.alloc(node, "waiting-line entries")
    }

    fn release(&mut self, n: u32) {
        self.nodes.release(n);
    }

    /// Splits subtree `t` into the entries below `entry` and the rest.
    fn split(&mut self, mut t: u32, entry: Entry) -> (u32, u32) {
        let (mut less, mut more) = (NIL, NIL);
        let (mut low, mut high) = (Hook::Root, Hook::Root);
        for _ in 0..self.bound() {
            if t == NIL {
                break;
            }
            let node = self.nodes[t];
            if node.entry() < entry {
                self.set(&mut less, low, t);
                low = Hook::Right(t);
                t = node.right;
            } else {
                self.set(&mut more, high, t);
                high = Hook::Left(t);
                t = node.left;
            }
        }
        self.set(&mut less, low, NIL);
        self.set(&mut more, high, NIL);
        (less, more)
    }

    /// Joins subtrees `a` and `b`, every entry of `a` below every one of
    /// `b`.
    fn merge(&mut self, mut a: u32, mut b: u32) -> u32 {
        let mut out = NIL;
        let mut hook = Hook::Root;
        for _ in 0..self.bound() {
            if a == NIL || b == NIL {
                break;
            }
            if self.nodes[a].prio >= self.nodes[b].prio {
                self.set(&mut out, hook, a);
                hook = Hook::Right(a);
                a = self.nodes[a].right;
            } else {
                self.set(&mut out, hook, b);
                hook = Hook::Left(b);
                b = self.nodes[b].left;
            }
        }
        self.set(&mut out, hook, if a == NIL { b } else { a });
        out
    }

    /// Adds `(key, conv)` to the line rooted at `root`. The entry must not
    /// be there already (a conversation waits once per line).
    pub(crate) fn insert(&mut self, root: &mut u32, key: LineKey, conv: ConvIdx) {
        debug_assert!(
            !self.contains(*root, (key, conv)),
            "a conversation waits once"
        );
        let entry = (key, conv);
        let prio = priority(key, conv);
        let (mut hook, mut t) = (Hook::Root, *root);
        // Down to the first subtree the new node outranks.
        for _ in 0..self.bound() {
            if t == NIL || self.nodes[t].prio < prio {
                break;
            }
            let node = &self.nodes[t];
            if entry < node.entry() {
                hook = Hook::Left(t);
                t = node.left;
            } else {
                hook = Hook::Right(t);
                t = node.right;
            }
        }
        let (less, more) = self.split(t, entry);
        let n = self.alloc(key, conv, prio);
        self.nodes[n].left = less;
        self.nodes[n].right = more;
        self.set(root, hook, n);
    }

    /// Takes `(key, conv)` out of the line rooted at `root`, if there.
    pub(crate) fn remove(&mut self, root: &mut u32, key: LineKey, conv: ConvIdx) -> bool {
        let entry = (key, conv);
        let (mut hook, mut t) = (Hook::Root, *root);
        for _ in 0..self.bound() {
            if t == NIL {
                return false;
            }
            let node = &self.nodes[t];
            match entry.cmp(&node.entry()) {
                std::cmp::Ordering::Equal => break,
                std::cmp::Ordering::Less => {
                    hook = Hook::Left(t);
                    t = node.left;
                }
                std::cmp::Ordering::Greater => {
                    hook = Hook::Right(t);
                    t = node.right;
                }
            }
        }
        if t == NIL {
            return false;
        }
        let node = self.nodes[t];
        let joined = self.merge(node.left, node.right);
        self.set(root, hook, joined);
        self.release(t);
        true
    }

    /// The smallest entry of the line rooted at `root`.
    pub(crate) fn first(&self, root: u32) -> Option<Entry> {
        let mut t = root;
        let mut found = None;
        for _ in 0..self.bound() {
            let Some(node) = self.nodes.get(t) else {
                break;
            };
            found = Some(node.entry());
            t = node.left;
        }
        found
    }

    /// The smallest entry above `entry` in the line rooted at `root`.
    pub(crate) fn after(&self, root: u32, entry: Entry) -> Option<Entry> {
        let mut t = root;
        let mut found = None;
        for _ in 0..self.bound() {
            let Some(node) = self.nodes.get(t) else {
                break;
            };
            if node.entry() > entry {
                found = Some(node.entry());
                t = node.left;
            } else {
                t = node.right;
            }
        }
        found
    }

    fn contains(&self, root: u32, entry: Entry) -> bool {
        let mut t = root;
        for _ in 0..self.bound() {
            let Some(node) = self.nodes.get(t) else {
                break;
            };
            match entry.cmp(&node.entry()) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => t = node.left,
                std::cmp::Ordering::Greater => t = node.right,
            }
        }
        false
    }

    /// The line rooted at `root` in order.
    pub(crate) fn iter(&self, root: u32) -> impl Iterator<Item = Entry> + '_ {
        std::iter::successors(self.first(root), move |&e| self.after(root, e))
    }

    /// Whether the line rooted at `root` is a well-formed treap: entries
    /// in order, priorities in heap order, every node reached once.
    /// Returns the entries counted (for the audit).
    pub(crate) fn check(&self, root: u32) -> Result<u32, &'static str> {
        // (node, low bound, high bound, parent priority); an explicit stack
        // bounded by the nodes held.
        let mut stack = vec![(root, None::<Entry>, None::<Entry>, u32::MAX)];
        let mut count = 0u32;
        while let Some((t, low, high, above)) = stack.pop() {
            if t == NIL {
                continue;
            }
            let node = self.nodes.get(t).ok_or("a link past the pool")?;
            count += 1;
            if count as usize > self.nodes.held() {
                return Err("a cycle in a waiting line");
            }
            let e = node.entry();
            if low.is_some_and(|l| e <= l) || high.is_some_and(|h| e >= h) {
                return Err("a waiting line out of order");
            }
            if node.prio > above || node.prio != priority(node.key, node.conv) {
                return Err("a waiting line out of heap order");
            }
            stack.push((node.left, low, Some(e), node.prio));
            stack.push((node.right, Some(e), high, node.prio));
        }
        Ok(count)
    }

    /// Whether the free list and the live count agree with the nodes held.
    pub(crate) fn check_free(&self) -> Result<(), &'static str> {
        self.nodes.check_free()
    }
}

#[cfg(test)]
#[path = "line_pool_tests.rs"]
mod tests;

//! Host ids to slots, one page away for dense ids.
//!
//! Hosts usually number agents, conversations and customers densely (a
//! counter, a database sequence). A hash map spends about 17 bytes a key
//! at 7/8 load plus its power-of-two slack, and a lookup is a miss into a
//! table of them. Here an id's slot sits in a page of `PAGE` slots, found
//! by the id's high bits: 4 bytes a key, and a lookup reads one page
//! pointer (the table of pages is small and stays in cache) and one slot.
//! Ids the pages would hold too sparsely go to a hash map, so any id works
//! and memory stays bounded whatever the host's numbering.

use super::hash::IdMap;
use super::index::{AgentIdx, ConvIdx, CustomerIdx};
use crate::model::{AgentId, ConversationId, CustomerId};
use std::hash::Hash;

/// Slots per page (4 KiB of `u32` slots).
const PAGE_BITS: u32 = 10;
const PAGE: usize = 1 << PAGE_BITS;
const MASK: u64 = PAGE as u64 - 1;
/// Pages the table may always reach, whatever the number of ids held.
const FREE_PAGES: usize = 8;

/// A host id kept in a [`DenseIndex`].
pub(crate) trait DenseKey: Copy + Eq + Hash {
    fn raw(self) -> u64;
    #[cfg(test)]
    fn from_raw(raw: u64) -> Self;
}

/// A slot kept in a [`DenseIndex`]; `VACANT` is never a real slot (the
/// index types stop short of `u32::MAX`).
pub(crate) trait DenseSlot: Copy + Eq {
    const VACANT: Self;
}

macro_rules! dense_key {
    ($($t:ty),*) => {$(
        impl DenseKey for $t {
            fn raw(self) -> u64 {
                self.0
            }
            #[cfg(test)]
            fn from_raw(raw: u64) -> Self {
                Self(raw)
            }
        }
    )*};
}
dense_key!(AgentId, ConversationId, CustomerId);

impl DenseSlot for AgentIdx {
    const VACANT: Self = Self::VACANT;
}
impl DenseSlot for ConvIdx {
    const VACANT: Self = Self::VACANT;
}
impl DenseSlot for CustomerIdx {
    const VACANT: Self = Self::VACANT;
}

/// A map from host ids to slots: pages for dense ids, a hash map for the
/// rest. The page table reaches at most `2 * len / PAGE + FREE_PAGES`
/// pages (as of the largest `len` so far), so the pages cost at most
/// 8 bytes per id held, plus 32 KiB, however sparse the ids.
///
/// The table starts at page `base`, which moves forward past pages that
/// hold nothing when a new id's page would lie beyond the reach: a host
/// that numbers by a counter and purges what it finished (the simulator's
/// classical runs: a few hundred ids live, hundreds of thousands over the
/// run) keeps its ids in pages instead of sending every id past the first
/// `FREE_PAGES` pages to the hash map (issue 22: 2.7% of M/M/10's
/// instructions).
#[derive(Clone, Debug)]
pub(crate) struct DenseIndex<K, V> {
    pages: Vec<Option<Box<[V; PAGE]>>>,
    /// Ids held in each page of `pages`.
    held: Vec<u16>,
    /// The page number of `pages[0]`.
    base: usize,
    sparse: IdMap<K, V>,
    len: usize,
    /// Empty pages allocated ahead by `reserve`, taken by `insert` before
    /// it allocates one.
    spare: Vec<Box<[V; PAGE]>>,
}

impl<K, V> Default for DenseIndex<K, V> {
    fn default() -> Self {
        Self {
            pages: Vec::new(),
            held: Vec::new(),
            base: 0,
            sparse: IdMap::default(),
            len: 0,
            spare: Vec::new(),
        }
    }
}

/// The page of `id` and the place in it.
#[inline]
fn split(id: u64) -> (usize, usize) {
    (
        usize::try_from(id >> PAGE_BITS).unwrap_or(usize::MAX),
        (id & MASK) as usize,
    )
}

impl<K: DenseKey, V: DenseSlot> DenseIndex<K, V> {
    /// Ids held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot of `key`.
    #[inline]
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        let (page, at) = split(key.raw());
        // A page before the base wraps to far past the table.
        if let Some(Some(page)) = self.pages.get(page.wrapping_sub(self.base)) {
            let slot = &page[at];
            if *slot != V::VACANT {
                return Some(slot);
            }
        }
        // An id may have gone to the map before its page existed.
        if self.sparse.is_empty() {
            None
        } else {
            self.sparse.get(key)
        }
    }

    /// Sets the slot of `key`, returning the one it replaced.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        debug_assert!(value != V::VACANT, "a real slot");
        if let Some(old) = self.sparse_mut(&key) {
            return Some(std::mem::replace(old, value));
        }
        let (page, at) = split(key.raw());
        let reach = 2 * (self.len >> PAGE_BITS) + FREE_PAGES;
        let mut rel = page.wrapping_sub(self.base);
        if page >= self.base && rel >= reach {
            rel -= self.slide(rel + 1 - reach);
        }
        if rel >= self.pages.len() && rel < reach {
            self.pages.resize_with(rel + 1, || None);
            self.held.resize(rel + 1, 0);
        }
        match self.pages.get_mut(rel) {
            Some(slot) if slot.is_some() || rel < reach => {
                let spare = &mut self.spare;
                let page = slot.get_or_insert_with(|| {
                    spare.pop().unwrap_or_else(|| Box::new([V::VACANT; PAGE]))
                });
                let old = std::mem::replace(&mut page[at], value);
                if old == V::VACANT {
                    self.len += 1;
                    self.held[rel] += 1;
                    None
                } else {
                    Some(old)
                }
            }
            _ => {
                self.len += 1;
                self.sparse.insert(key, value)
            }
        }
    }

    /// Allocates ahead the pages and the table's room for `ids` dense ids
    /// (a counter's: one page per `PAGE` of them, and one more for a
    /// range that straddles a page), so inserting them allocates nothing
    /// (the host's announced scale, `reserve.rs`). Ids too sparse for
    /// pages still go to the hash map, which is not reserved. The spare
    /// pages are empty: every lookup answers as before.
    pub(crate) fn reserve(&mut self, ids: usize) -> Result<(), std::collections::TryReserveError> {
        let pages = ids.div_ceil(PAGE) + 1;
        let table = pages + FREE_PAGES;
        self.pages
            .try_reserve_exact(table.saturating_sub(self.pages.len()))?;
        self.held
            .try_reserve_exact(table.saturating_sub(self.held.len()))?;
        let held = self.pages.iter().filter(|p| p.is_some()).count();
        let more = pages.saturating_sub(held + self.spare.len());
        self.spare.try_reserve_exact(more)?;
        for _ in 0..more {
            // Fallible, unlike `Box::new`: the page is built in a vector
            // whose allocation may fail, then converted in place.
            let mut page = Vec::new();
            page.try_reserve_exact(PAGE)?;
            page.resize(PAGE, V::VACANT);
            if let Ok(page) = <Box<[V; PAGE]>>::try_from(page.into_boxed_slice()) {
                self.spare.push(page);
            }
        }
        Ok(())
    }

    /// Dense ids the pages held and spare take without allocating (ids
    /// landing in pages already held count as their page's room).
    pub(crate) fn capacity(&self) -> usize {
        let held = self.pages.iter().filter(|p| p.is_some()).count();
        (held + self.spare.len()) * PAGE
    }

    /// Moves the base forward by `by` pages if that many leading pages
    /// hold nothing (their boxes go, or to the spares); returns the pages
    /// it moved, 0 when a page among them still holds an id.
    fn slide(&mut self, by: usize) -> usize {
        if by > self.held.len() || self.held[..by].iter().any(|&n| n > 0) {
            return 0;
        }
        // An emptied page is kept for reuse while the spares have the
        // room a reservation gave them (never allocating), freed otherwise.
        for page in self.pages.drain(..by).flatten() {
            if self.spare.len() < self.spare.capacity() {
                self.spare.push(page);
            }
        }
        self.held.drain(..by);
        self.base += by;
        by
    }

    /// The map's entry for `key`, without hashing while the map is empty
    /// (dense ids only: the usual case).
    fn sparse_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.sparse.is_empty() {
            None
        } else {
            self.sparse.get_mut(key)
        }
    }

    /// Forgets `key`, returning its slot.
    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let (page, at) = split(key.raw());
        let rel = page.wrapping_sub(self.base);
        if let Some(Some(page)) = self.pages.get_mut(rel) {
            let old = std::mem::replace(&mut page[at], V::VACANT);
            if old != V::VACANT {
                self.len -= 1;
                self.held[rel] -= 1;
                return Some(old);
            }
        }
        if self.sparse.is_empty() {
            return None;
        }
        let old = self.sparse.remove(key);
        self.len -= usize::from(old.is_some());
        old
    }

    /// Every id with its slot: the pages' in id order, then the map's.
    /// (Only tests list the ids: the engine walks its slabs instead.)
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (K, V)> + '_ {
        let base = self.base;
        let direct = self.pages.iter().enumerate().flat_map(move |(p, page)| {
            page.iter().flat_map(move |page| {
                page.iter().enumerate().filter_map(move |(at, &v)| {
                    let id = (((base + p) as u64) << PAGE_BITS) | at as u64;
                    (v != V::VACANT).then(|| (K::from_raw(id), v))
                })
            })
        });
        direct.chain(self.sparse.iter().map(|(&k, &v)| (k, v)))
    }

    /// Every id held.
    #[cfg(test)]
    pub(crate) fn keys(&self) -> impl Iterator<Item = K> + '_ {
        self.iter().map(|(k, _)| k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn check(index: &DenseIndex<ConversationId, ConvIdx>, model: &HashMap<u64, u32>) {
        assert_eq!(index.len(), model.len());
        let mut listed: Vec<(u64, u32)> =
            index.iter().map(|(k, v)| (k.0, v.get() as u32)).collect();
        listed.sort_unstable();
        let mut expected: Vec<(u64, u32)> = model.iter().map(|(&k, &v)| (k, v)).collect();
        expected.sort_unstable();
        assert_eq!(listed, expected);
    }

    #[test]
    fn dense_index_answers_as_a_hash_map_for_dense_sparse_and_reused_ids() {
        let mut index = DenseIndex::<ConversationId, ConvIdx>::default();
        let mut model = HashMap::new();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for step in 0..20_000u32 {
            // Mostly dense ids near the counter, some far and sparse ones
            // (which go to the map first, then may meet a page later).
            let id = match next() % 10 {
                0 => next(),
                1 => next() % 50_000_000,
                _ => u64::from(step / 2) + next() % 64,
            };
            let key = ConversationId(id);
            if next() % 4 == 0 {
                assert_eq!(
                    index.remove(&key).map(|v| v.get() as u32),
                    model.remove(&id)
                );
            } else {
                let slot = step % 1000;
                let value = ConvIdx::new(slot as usize).expect("small");
                assert_eq!(
                    index.insert(key, value).map(|v| v.get() as u32),
                    model.insert(id, slot)
                );
            }
            assert_eq!(
                index.get(&key).map(|v| v.get() as u32),
                model.get(&id).copied()
            );
            if step % 2_000 == 0 {
                check(&index, &model);
            }
        }
        check(&index, &model);
        // Sparse ids did not make pages for themselves: the table stays
        // within its reach of the largest count held.
        assert!(index.pages.len() <= 2 * (20_000 >> PAGE_BITS) + FREE_PAGES);
        assert!(!index.sparse.is_empty(), "far ids went to the map");
    }

    #[test]
    fn a_counter_with_purges_stays_in_pages_as_its_base_moves_forward() {
        // A few hundred ids live, a million over the run: each id opened by
        // a counter and forgotten 600 ids later, as a purging host does.
        let mut index = DenseIndex::<ConversationId, ConvIdx>::default();
        let mut model = HashMap::new();
        for id in 0..1_000_000u64 {
            let value = ConvIdx::new((id % 1000) as usize).expect("small");
            assert_eq!(index.insert(ConversationId(id), value), None);
            model.insert(id, (id % 1000) as u32);
            if let Some(old) = id.checked_sub(600) {
                assert!(index.remove(&ConversationId(old)).is_some());
                model.remove(&old);
            }
            if id % 99_991 == 0 {
                check(&index, &model);
            }
        }
        check(&index, &model);
        assert!(index.sparse.is_empty(), "every id found a page");
        assert!(index.pages.len() <= FREE_PAGES);
        // An id from before the base now goes to the map, and is found.
        let early = ConversationId(5);
        let value = ConvIdx::new(7).expect("small");
        assert_eq!(index.insert(early, value), None);
        assert_eq!(index.get(&early), Some(&value));
        assert_eq!(index.remove(&early), Some(value));
        assert_eq!(index.get(&early), None);
    }

    #[test]
    fn dense_ids_from_one_use_pages_only() {
        let mut index = DenseIndex::<CustomerId, CustomerIdx>::default();
        for id in 1..100_000u64 {
            let slot = CustomerIdx::new(id as usize).expect("small");
            assert_eq!(index.insert(CustomerId(id), slot), None);
        }
        assert!(index.sparse.is_empty());
        assert_eq!(index.len(), 99_999);
        assert_eq!(
            index.get(&CustomerId(77_777)).map(|v| v.get()),
            Some(77_777)
        );
        assert_eq!(index.get(&CustomerId(100_000)), None);
        assert_eq!(index.get(&CustomerId(u64::MAX)), None);
    }

    #[test]
    fn reserved_pages_take_dense_ids_and_slid_pages_return_to_the_spares() {
        let mut index = DenseIndex::<CustomerId, CustomerIdx>::default();
        index.reserve(10 * PAGE).expect("small");
        let spares = index.spare.len();
        assert_eq!((spares, index.capacity()), (11, 11 * PAGE));
        index.reserve(3 * PAGE).expect("small");
        assert_eq!(index.spare.len(), spares, "idempotent, never shrinking");
        let table = index.pages.capacity();
        for id in 1..=(10 * PAGE) as u64 {
            let slot = CustomerIdx::new(id as usize).expect("small");
            assert_eq!(index.insert(CustomerId(id), slot), None);
        }
        assert_eq!((index.spare.len(), index.pages.capacity()), (0, table));
        assert_eq!(index.capacity(), 11 * PAGE);
        assert_eq!(index.get(&CustomerId(5_000)).map(|v| v.get()), Some(5_000));
        // Ids forgotten from the front, new ones far ahead: the base slides
        // and the emptied pages go back to the spares (room they had).
        for id in 1..=(8 * PAGE) as u64 {
            assert!(index.remove(&CustomerId(id)).is_some());
        }
        // Page 19 is past the reach (12 pages at 2,048 ids): the base
        // slides by the 8 emptied pages.
        let far = (19 * PAGE) as u64;
        let slot = CustomerIdx::new(1).expect("small");
        assert_eq!(index.insert(CustomerId(far), slot), None);
        assert!(index.sparse.is_empty());
        assert_eq!(index.base, 8);
        assert_eq!(
            index.spare.len(),
            8 - 1,
            "seven back, one taken by the new page"
        );
        assert_eq!(index.get(&CustomerId(far)), Some(&slot));
        assert_eq!(index.get(&CustomerId(3)), None);
        assert!(index
            .spare
            .iter()
            .all(|p| p.iter().all(|&v| v == CustomerIdx::VACANT)));
    }
}

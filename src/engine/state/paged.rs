//! A vector in fixed pages: the conversation and customer slabs.
//!
//! A `Vec` doubles when full, so at 100,000 conversations a table of
//! 248-byte records held room for 131,072 (a third more than used) and
//! each doubling copied the whole table once, page faults included, in
//! the command that crossed the power of two. In pages of `PAGE` records,
//! growth is one page allocated at a time, nothing is ever copied, and at
//! most one page is unused. A slot costs one more load than in a flat
//! vector: its page's address, from a table of pages that stays in cache
//! (100 pages at 100,000 records).
//!
//! [`Paged::reserve`] allocates the pages for a host's announced scale up
//! front (`Engine::reserve`, `reserve.rs`): they stay empty, and `push`
//! fills them in order, so growth inside a command needs no allocation.

use std::ops::{Index, IndexMut};

/// Records per page.
const PAGE_BITS: u32 = 10;
const PAGE: usize = 1 << PAGE_BITS;

/// A growable vector stored in pages of `PAGE` elements.
#[derive(Clone, Debug)]
pub(crate) struct Paged<T> {
    pages: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Self {
            pages: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Paged<T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `value` at index `len()`, in a page `reserve` allocated or
    /// a new one.
    pub(crate) fn push(&mut self, value: T) {
        let at = self.len >> PAGE_BITS;
        if at == self.pages.len() {
            self.pages.push(Vec::with_capacity(PAGE));
        }
        let page = &mut self.pages[at];
        debug_assert!(page.len() < PAGE, "pages never grow past PAGE");
        page.push(value);
        self.len += 1;
    }

    /// Allocates the pages (and the page table's room) for `len` elements
    /// at least, so pushes up to that length allocate nothing. The new
    /// pages are empty: every index below `len()` reads as before.
    pub(crate) fn reserve(&mut self, len: usize) -> Result<(), std::collections::TryReserveError> {
        reserve_pages(&mut self.pages, len.div_ceil(PAGE), PAGE)
    }

    /// Elements the allocated pages hold without allocating.
    pub(crate) fn capacity(&self) -> usize {
        self.pages.len() * PAGE
    }

    /// Maps the room of every page (`touch.rs`).
    pub(crate) fn touch_room(&mut self) {
        super::touch::touch_pages(&mut self.pages);
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.pages.get(i >> PAGE_BITS)?.get(i & (PAGE - 1))
    }

    /// The elements in index order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &T> + DoubleEndedIterator + '_ {
        (0..self.len).map(move |i| &self[i])
    }

    #[cfg(test)]
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.pages.iter_mut().flatten()
    }
}

impl<T> Index<usize> for Paged<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        &self.pages[i >> PAGE_BITS][i & (PAGE - 1)]
    }
}

impl<T> IndexMut<usize> for Paged<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.pages[i >> PAGE_BITS][i & (PAGE - 1)]
    }
}

impl<'a, T> IntoIterator for &'a Paged<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.pages.iter().flatten()
    }
}

/// Grows `pages` to at least `count` empty pages of room `page_len` each,
/// every allocation through `try_reserve_exact` (a refusal is an error,
/// not an abort): the up-front room of [`Paged`] and of the timer chunks'
/// pages. Runs at most `count` times.
pub(crate) fn reserve_pages<T>(
    pages: &mut Vec<Vec<T>>,
    count: usize,
    page_len: usize,
) -> Result<(), std::collections::TryReserveError> {
    pages.try_reserve_exact(count.saturating_sub(pages.len()))?;
    while pages.len() < count {
        let mut page = Vec::new();
        page.try_reserve_exact(page_len)?;
        pages.push(page);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_vector_indexes_and_iterates_as_a_vec_across_pages() {
        let mut paged = Paged::default();
        let mut flat = Vec::new();
        for i in 0..(3 * PAGE + 5) {
            paged.push(i * 7);
            flat.push(i * 7);
        }
        assert_eq!(paged.len(), flat.len());
        paged[PAGE] += 1;
        flat[PAGE] += 1;
        paged[2 * PAGE + 1] = 0;
        flat[2 * PAGE + 1] = 0;
        for v in paged.iter_mut().skip(PAGE - 1).take(3) {
            *v += 2;
        }
        for v in flat.iter_mut().skip(PAGE - 1).take(3) {
            *v += 2;
        }
        assert!(paged.iter().eq(flat.iter()));
        assert!(paged.iter().rev().eq(flat.iter().rev()));
        assert!((&paged).into_iter().eq(flat.iter()));
        assert_eq!(paged.iter().len(), flat.len());
        assert_eq!(paged.get(flat.len()), None);
        assert_eq!(paged.get(PAGE), flat.get(PAGE));
        // Pages are allocated exactly: no slack beyond the last page.
        assert!(paged.pages.iter().all(|p| p.capacity() == PAGE));
        assert_eq!(paged.pages.len(), 4);
    }

    #[test]
    fn reserved_pages_stay_empty_until_pushed_into_in_order() {
        let mut paged = Paged::default();
        paged.push(1u32);
        paged.reserve(3 * PAGE + 1).expect("small");
        assert_eq!((paged.len(), paged.capacity()), (1, 4 * PAGE));
        assert_eq!(paged.get(1), None);
        assert_eq!(paged.iter().count(), 1);
        // Idempotent and never shrinking.
        paged.reserve(3 * PAGE + 1).expect("small");
        paged.reserve(5).expect("small");
        assert_eq!(paged.capacity(), 4 * PAGE);
        let mut flat = vec![1u32];
        for i in 0..(3 * PAGE) as u32 {
            paged.push(i);
            flat.push(i);
        }
        assert_eq!(paged.capacity(), 4 * PAGE);
        assert!(paged.iter().eq(flat.iter()));
        assert!((&paged).into_iter().eq(flat.iter()));
        for _ in 0..PAGE {
            paged.push(9);
        }
        assert_eq!((paged.len(), paged.capacity()), (4 * PAGE + 1, 5 * PAGE));
    }
}

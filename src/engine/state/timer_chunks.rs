//! The storage of the timer wheel's buckets (`timer_wheel.rs`): each
//! bucket a chain of fixed chunks of timers, the chunks in pages shared by
//! every bucket, a taken bucket's chunks on a free list for the next.
//!
//! Each bucket was a `Vec<Timer>` of its own: each of the ring's 512
//! vectors doubled toward the most timers its slot ever held, so the
//! ring's first turns allocated thousands of times (8,125 of the 20,946
//! allocations inside `apply` on the profile stream, BENCHMARKS.md), and
//! a far bucket's vector went through a spare list. Here arming takes a
//! free chunk when the bucket's last one is full, and the store allocates
//! only a page of `PAGE` chunks when more timers are held in buckets at
//! once than ever before (one page per about a thousand timers of
//! high-water mark, never copied); the unused room is at most one page
//! and the last chunk of each occupied bucket.

use super::node_slab::NIL;
use super::timers::{Timer, TimerKind};
use crate::model::Timestamp;

/// Timers per chunk: with the two links, 488 bytes.
const CHUNK: usize = 15;

/// Chunks per page (about 31 KB).
const PAGE: usize = 64;

/// Up to `CHUNK` timers of one bucket and the bucket's next chunk.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    timers: [Timer; CHUNK],
    len: u32,
    /// The bucket's next chunk; on the free list, the next free chunk.
    next: u32,
}

/// What an unused place of a chunk holds (never read).
const FILLER: Timer = Timer {
    at: Timestamp(0),
    kind: TimerKind::SlaWarning,
    subject: 0,
    generation: 0,
    incarnation: 0,
};

/// A bucket's timers: chunks from `head` to `tail` (both `NIL` when the
/// bucket is empty), every chunk but the tail full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chain {
    head: u32,
    tail: u32,
}

impl Chain {
    /// A chain of no chunk.
    pub(crate) const EMPTY: Chain = Chain {
        head: NIL,
        tail: NIL,
    };
}

impl Default for Chain {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// Chunks in pages, live or free (see the module doc).
#[derive(Clone, Debug)]
pub(crate) struct ChunkStore {
    pages: Vec<Vec<Chunk>>,
    /// Head of the free chunks.
    free: u32,
    /// Chunks held, live or free.
    held: u32,
}

impl Default for ChunkStore {
    fn default() -> Self {
        Self {
            pages: Vec::new(),
            free: NIL,
            held: 0,
        }
    }
}

impl ChunkStore {
    #[inline]
    fn chunk(&self, n: u32) -> &Chunk {
        &self.pages[n as usize / PAGE][n as usize % PAGE]
    }

    #[inline]
    fn chunk_mut(&mut self, n: u32) -> &mut Chunk {
        &mut self.pages[n as usize / PAGE][n as usize % PAGE]
    }

    /// A chunk holding only `timer`: a free one, or a new one (a new page
    /// when the last is full).
    fn alloc(&mut self, timer: Timer) -> u32 {
        if self.free != NIL {
            // A reused chunk's other places keep stale timers past `len`,
            // never read, so only the first place and the header are
            // written (not the whole 488 bytes).
            let n = self.free;
            let (page, at) = (n as usize / PAGE, n as usize % PAGE);
            let chunk = &mut self.pages[page][at];
            self.free = chunk.next;
            chunk.timers[0] = timer;
            chunk.len = 1;
            chunk.next = NIL;
            return n;
        }
        let mut chunk = Chunk {
            timers: [FILLER; CHUNK],
            len: 1,
            next: NIL,
        };
        chunk.timers[0] = timer;
        // Timers are conversations' and agents' (fewer than `u32::MAX`),
        // so chunks of at least one timer each are too.
        let n = self.held;
        let page = n as usize / PAGE;
        if page == self.pages.len() {
            self.pages.push(Vec::with_capacity(PAGE));
        }
        self.pages[page].push(chunk);
        self.held += 1;
        n
    }

    /// Allocates the pages for `timers` timers held in buckets at once
    /// (the host's announced scale, `reserve.rs`): a chunk per `CHUNK` of
    /// them plus one partly filled chunk per bucket (`buckets`). The pages
    /// stay empty until `alloc` fills them in order, so nothing read
    /// changes.
    pub(crate) fn reserve(
        &mut self,
        timers: usize,
        buckets: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        let chunks = timers.div_ceil(CHUNK).saturating_add(buckets.min(timers));
        super::paged::reserve_pages(&mut self.pages, chunks.div_ceil(PAGE), PAGE)
    }

    /// Maps every page's room (`touch.rs`).
    pub(crate) fn touch_room(&mut self) {
        super::touch::touch_pages(&mut self.pages);
    }

    /// Chunks the allocated pages hold without allocating.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.pages.len() * PAGE
    }

    /// Appends `timer` to `chain`. Always inlined: its callers are the
    /// wheel's out-of-line `arm` and cascade (`timer_level.rs`). The tail
    /// chunk is looked up with `get` (an empty chain's `NIL` is past every
    /// page), so one test covers both the empty chain and the bounds; a
    /// new chunk is taken out of line (`push_new`), so that the common
    /// path saves no registers for it (issue 22).
    #[inline(always)]
    pub(crate) fn push(&mut self, chain: &mut Chain, timer: Timer) {
        let n = chain.tail as usize;
        if let Some(last) = self
            .pages
            .get_mut(n / PAGE)
            .and_then(|p| p.get_mut(n % PAGE))
        {
            if let Some(place) = last.timers.get_mut(last.len as usize) {
                *place = timer;
                last.len += 1;
                return;
            }
        }
        self.push_new(chain, timer);
    }

    /// `push` when the chain is empty or its last chunk full.
    #[inline(never)]
    fn push_new(&mut self, chain: &mut Chain, timer: Timer) {
        let n = self.alloc(timer);
        if chain.tail == NIL {
            chain.head = n;
        } else {
            self.chunk_mut(chain.tail).next = n;
        }
        chain.tail = n;
    }

    /// Moves every timer of `chain` into `into` (in the order pushed) and
    /// frees its chunks; the chain is then empty. The walk is bounded by
    /// the chunks held.
    pub(crate) fn drain_into(&mut self, chain: &mut Chain, into: &mut Vec<Timer>) {
        let mut n = chain.head;
        for _ in 0..self.held {
            if n == NIL {
                break;
            }
            let chunk = self.chunk(n);
            into.extend_from_slice(&chunk.timers[..chunk.len as usize]);
            let next = chunk.next;
            self.chunk_mut(n).next = self.free;
            self.free = n;
            n = next;
        }
        *chain = Chain::default();
    }

    /// The free list's invariant (the audit): it ends within the chunks
    /// held, so no chunk is on it twice.
    pub(crate) fn check_free(&self) -> Result<(), (&'static str, u64, u64)> {
        let mut n = self.free;
        for _ in 0..self.held {
            if n == NIL {
                return Ok(());
            }
            if n >= self.held {
                return Err(("timer chunk on the free list", n.into(), self.held.into()));
            }
            n = self.chunk(n).next;
        }
        match n {
            NIL => Ok(()),
            _ => Err(("timer chunks' free list", self.held.into(), n.into())),
        }
    }

    /// The timers of `chain`, in the order pushed.
    pub(crate) fn iter<'a>(&'a self, chain: &Chain) -> impl Iterator<Item = &'a Timer> + 'a {
        let mut n = chain.head;
        let mut left = self.held;
        std::iter::from_fn(move || {
            if n == NIL || left == 0 {
                return None;
            }
            left -= 1;
            let chunk = self.chunk(n);
            n = chunk.next;
            Some(&chunk.timers[..chunk.len as usize])
        })
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(i: u64) -> Timer {
        Timer {
            at: Timestamp(i),
            subject: i,
            ..FILLER
        }
    }

    /// Buckets filled and drained in turns: each gives back its timers in
    /// the order pushed, and the store holds no more chunks than the most
    /// ever in use at once.
    #[test]
    fn chains_keep_their_timers_in_order_and_reuse_drained_chunks() {
        let mut store = ChunkStore::default();
        let mut chains = [Chain::default(); 3];
        let mut models: [Vec<Timer>; 3] = Default::default();
        let mut most = 0usize;
        let mut next = 0u64;
        for round in 0..200u64 {
            let k = (round % 3) as usize;
            for _ in 0..(round * 7 % 40) {
                next += 1;
                store.push(&mut chains[k], timer(next));
                models[k].push(timer(next));
            }
            assert!(store.iter(&chains[k]).eq(models[k].iter()));
            let live: usize = models.iter().map(|m| m.len().div_ceil(CHUNK)).sum();
            most = most.max(live);
            assert_eq!(store.held as usize, most, "a drained chunk is reused first");
            let j = ((round + 1) % 3) as usize;
            let mut out = Vec::new();
            store.drain_into(&mut chains[j], &mut out);
            assert_eq!(out, std::mem::take(&mut models[j]));
            assert!(chains[j] == Chain::default() && store.iter(&chains[j]).next().is_none());
        }
    }

    /// Reserved pages are filled in order before any new one: a store
    /// reserved for its high-water mark allocates nothing more.
    #[test]
    fn a_reserved_store_fills_its_pages_without_new_ones() {
        let mut store = ChunkStore::default();
        store.reserve(10 * CHUNK, 3).expect("small");
        assert_eq!(store.capacity(), PAGE);
        store.reserve(5, 3).expect("small");
        assert_eq!(store.capacity(), PAGE, "never shrinks, never doubles");
        let (mut chain, mut model) = (Chain::default(), Vec::new());
        for i in 0..(PAGE * CHUNK) as u64 {
            store.push(&mut chain, timer(i));
            model.push(timer(i));
        }
        assert_eq!((store.held as usize, store.capacity()), (PAGE, PAGE));
        assert!(store.iter(&chain).eq(model.iter()));
        store.push(&mut chain, timer(0));
        assert_eq!(store.capacity(), 2 * PAGE);
    }
}

//! Mapping reserved room before it is used ([`Reservation::touch_pages`](crate::Reservation::touch_pages)).
//!
//! A reservation allocates; the operating system maps a page of it only
//! when something first writes there, and that write is a page fault
//! inside whichever command crossed into the page. Touching writes zeros
//! once per 4 KiB of every table's room beyond its length, so the faults
//! are taken at reservation time. The room stays unused: no length
//! changes, no value is read, and a later push overwrites the zeros.
//! Writing a `MaybeUninit` needs no `unsafe`.
//!
//! Covered: agents, conversations and customers (their pages), the node
//! pools of waiting lines, open lists, parked, own and wrap-up sets, and
//! the timer wheel's chunk pages. The id indexes' reserved pages are
//! written when they are made (filled with the vacant mark), so they need
//! nothing here. Not covered: the queue of resolutions a purge reads (a
//! `VecDeque`, whose room stable Rust does not expose).

use super::State;
use std::mem::MaybeUninit;

/// Bytes between two writes: the smallest page an operating system maps.
const PAGE_BYTES: usize = 4096;

/// Writes zeros into `vec`'s room beyond its length: once per
/// [`PAGE_BYTES`] and at its last element, so every page of the room is
/// written. Bounded by the room's length over the stride.
pub(crate) fn touch_spare<T>(vec: &mut Vec<T>) {
    let stride = (PAGE_BYTES / std::mem::size_of::<T>().max(1)).max(1);
    let spare = vec.spare_capacity_mut();
    let last = spare.len().checked_sub(1);
    for i in (0..spare.len()).step_by(stride).chain(last) {
        if let Some(slot) = spare.get_mut(i) {
            *slot = MaybeUninit::zeroed();
        }
    }
}

/// [`touch_spare`] on each page of a paged table (records, timer chunks).
pub(crate) fn touch_pages<T>(pages: &mut [Vec<T>]) {
    for page in pages {
        touch_spare(page);
    }
}

impl State {
    /// Maps the room of every table a reservation grows (the module doc
    /// lists them).
    pub(crate) fn touch_room(&mut self) {
        touch_spare(&mut self.agents);
        self.convs.touch_room();
        self.customers.touch_room();
        self.line_pool.touch_room();
        self.open_pool.touch_room();
        self.parked_pool.touch_room();
        self.personal_pool.touch_room();
        self.wrapup_pool.touch_room();
        self.timers.touch_room();
    }
}

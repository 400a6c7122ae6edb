//! Rare per-conversation parts beside the records, by slot: a routing
//! plan's state (`ConvPlan`) and an affinity list (`Affinity`). Each was
//! an `Option<Box<_>>` in `Conv`, 8 bytes in every record although `None`
//! in nearly all of them without a plan (issue 22). Here a table of boxes
//! by slot is grown only up to the highest slot that ever held one, so an
//! engine that never sets them spends nothing per conversation, and one
//! that sets them in every conversation (a routing plan) spends what the
//! record did: 8 bytes a slot. Reaching one is an index, as in the record:
//! no hashing.
//!
//! A purge clears the slot's entries (`State::forget_sides`) before the
//! slot is reused, and the audit checks that every entry belongs to a
//! conversation (`State::check_sides`).

use super::index::ConvIdx;
use super::paged::Paged;

/// Boxes by conversation slot, `None` where a conversation has none.
#[derive(Clone, Debug)]
pub(crate) struct SlotBoxes<T> {
    slots: Paged<Option<Box<T>>>,
    /// Entries that are `Some` (so the audit and tests need no scan to
    /// compare).
    held: usize,
}

impl<T> Default for SlotBoxes<T> {
    fn default() -> Self {
        Self {
            slots: Paged::default(),
            held: 0,
        }
    }
}

impl<T> SlotBoxes<T> {
    /// `c`'s entry, if any.
    #[inline]
    pub(crate) fn get(&self, c: ConvIdx) -> Option<&T> {
        self.slots.get(c.get())?.as_deref()
    }

    /// `c`'s entry, if any, to change.
    #[inline]
    pub(crate) fn get_mut(&mut self, c: ConvIdx) -> Option<&mut T> {
        if c.get() >= self.slots.len() {
            return None;
        }
        self.slots[c.get()].as_deref_mut()
    }

    /// Whether `c` has an entry.
    #[inline]
    pub(crate) fn contains(&self, c: ConvIdx) -> bool {
        self.get(c).is_some()
    }

    /// Sets (or with `None` clears) `c`'s entry, returning the one it
    /// replaced. Grows the table up to `c` only to set an entry: bounded
    /// by the conversation slots, which validation bounds.
    pub(crate) fn set(&mut self, c: ConvIdx, value: Option<Box<T>>) -> Option<Box<T>> {
        if value.is_none() && c.get() >= self.slots.len() {
            return None;
        }
        while self.slots.len() <= c.get() {
            self.slots.push(None);
        }
        let old = std::mem::replace(&mut self.slots[c.get()], value);
        self.held =
            self.held + usize::from(self.slots[c.get()].is_some()) - usize::from(old.is_some());
        old
    }

    /// Clears `c`'s entry, returning it.
    pub(crate) fn take(&mut self, c: ConvIdx) -> Option<Box<T>> {
        self.set(c, None)
    }

    /// `c`'s entry, set to `make()` first if it had none.
    pub(crate) fn get_or_insert_with(&mut self, c: ConvIdx, make: impl FnOnce() -> T) -> &mut T {
        if !self.contains(c) {
            self.set(c, Some(Box::new(make())));
        }
        self.slots[c.get()]
            .as_deref_mut()
            .expect("an entry was just set")
    }

    /// How many slots have an entry.
    pub(crate) fn len(&self) -> usize {
        self.held
    }

    /// The slots with an entry, ascending.
    pub(crate) fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.is_some().then_some(i))
    }
}

impl super::State {
    /// Clears what the side tables hold for `c` (its conversation was
    /// purged: the slot may be reused by another).
    pub(crate) fn forget_sides(&mut self, c: ConvIdx) {
        self.conv_plans.take(c);
        self.affinities.take(c);
    }

    /// For the audit: every entry of the side tables belongs to a
    /// conversation (a purged one's were cleared), and each table's count
    /// is its entries'. Returns the kept and recounted figures on a
    /// mismatch.
    pub(crate) fn check_sides(&self) -> Result<(), (&'static str, u64, u64)> {
        let held = |i: usize| self.convs.get(i).is_some_and(Option::is_some);
        let plans: Vec<usize> = self.conv_plans.slots().collect();
        let lists: Vec<usize> = self.affinities.slots().collect();
        if let Some(&i) = plans.iter().find(|&&i| !held(i)) {
            return Err(("a plan state without its conversation", 1, i as u64));
        }
        if let Some(&i) = lists.iter().find(|&&i| !held(i)) {
            return Err(("an affinity list without its conversation", 1, i as u64));
        }
        if plans.len() != self.conv_plans.len() {
            return Err((
                "conversations with a plan state",
                self.conv_plans.len() as u64,
                plans.len() as u64,
            ));
        }
        if lists.len() != self.affinities.len() {
            return Err((
                "conversations with an affinity list",
                self.affinities.len() as u64,
                lists.len() as u64,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set, replace, take and clear behave as a map by slot, the count of
    /// entries follows, and clearing a slot past the table grows nothing.
    #[test]
    fn slot_boxes_behave_as_a_map_by_slot() {
        let at = |i| ConvIdx::new(i).expect("a slot");
        let mut t: SlotBoxes<u32> = SlotBoxes::default();
        assert_eq!(t.take(at(5_000)), None);
        assert_eq!(t.slots.len(), 0, "clearing grows nothing");
        assert_eq!(t.set(at(3), Some(Box::new(7))), None);
        assert_eq!(t.get(at(3)), Some(&7));
        assert_eq!(t.get(at(2)), None);
        assert_eq!(t.get(at(4)), None);
        assert_eq!(t.set(at(3), Some(Box::new(8))).as_deref(), Some(&7));
        *t.get_or_insert_with(at(2_000), || 1) += 1;
        assert_eq!(*t.get_or_insert_with(at(2_000), || 100), 2);
        assert_eq!(t.len(), 2);
        assert_eq!(t.slots().collect::<Vec<_>>(), vec![3, 2_000]);
        assert_eq!(t.take(at(3)).as_deref(), Some(&8));
        assert_eq!(t.len(), 1);
        if let Some(v) = t.get_mut(at(2_000)) {
            *v = 9;
        }
        assert_eq!(t.get(at(2_000)), Some(&9));
        assert_eq!(t.get_mut(at(9_999)), None);
    }
}

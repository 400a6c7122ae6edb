//! A small ordered set kept in one sorted vector: an agent's inbox, parked
//! threads and own queue hold at most a few hundred entries (the cap over
//! the lightest channel weight), where a vector beats a tree in speed and
//! memory.

use serde::{Deserialize, Serialize};

/// Distinct values in ascending order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct SortedVec<T: Ord>(Vec<T>);

impl<T: Ord> Default for SortedVec<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Ord + Copy> SortedVec<T> {
    /// Inserts `value`; returns false (changing nothing) when present.
    pub(crate) fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, value);
                true
            }
        }
    }

    /// Removes `value`; returns whether it was there.
    pub(crate) fn remove(&mut self, value: &T) -> bool {
        match self.0.binary_search(value) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// The smallest value.
    pub(crate) fn first(&self) -> Option<&T> {
        self.0.first()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

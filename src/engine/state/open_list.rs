//! A customer's open conversations, in opening order, the first inline.
//!
//! Nearly every customer has one open conversation at a time (the open
//! rule keeps one per channel by default), and most customers of a day are
//! first contacts. A `Vec` allocated 16 bytes for each new customer's
//! first conversation: one allocation per first contact in the steady
//! state. Here the first conversation sits in the record itself; only a
//! second one at the same time allocates.

use super::index::ConvIdx;

/// Conversations in opening order: `first` (`VACANT` when there is none),
/// then `rest`. Invariant: `rest` is empty while `first` is vacant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OpenList {
    first: ConvIdx,
    rest: Vec<ConvIdx>,
}

impl Default for OpenList {
    fn default() -> Self {
        Self {
            first: ConvIdx::VACANT,
            rest: Vec::new(),
        }
    }
}

impl OpenList {
    pub(crate) fn len(&self) -> usize {
        usize::from(self.first != ConvIdx::VACANT) + self.rest.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first == ConvIdx::VACANT
    }

    /// The conversations in opening order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ConvIdx> + '_ {
        std::iter::once(&self.first)
            .filter(|&&c| c != ConvIdx::VACANT)
            .chain(self.rest.iter())
    }

    /// Appends `c` (the latest opened).
    pub(crate) fn push(&mut self, c: ConvIdx) {
        if self.first == ConvIdx::VACANT {
            self.first = c;
        } else {
            self.rest.push(c);
        }
    }

    /// Inserts `c` at position `at` (at most `len()`).
    pub(crate) fn insert(&mut self, at: usize, c: ConvIdx) {
        debug_assert!(at <= self.len(), "a position in the list");
        if at == 0 && self.first != ConvIdx::VACANT {
            let old = std::mem::replace(&mut self.first, c);
            self.rest.insert(0, old);
        } else if at == 0 {
            self.first = c;
        } else {
            self.rest.insert(at - 1, c);
        }
    }

    /// The number of leading conversations for which `pred` holds (the
    /// list is ordered so that `pred` holds on a prefix).
    pub(crate) fn partition_point(&self, mut pred: impl FnMut(&ConvIdx) -> bool) -> usize {
        self.iter().take_while(|c| pred(c)).count()
    }

    /// Keeps only the conversations for which `keep` holds, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&ConvIdx) -> bool) {
        self.rest.retain(|c| keep(c));
        if self.first != ConvIdx::VACANT && !keep(&self.first) {
            self.first = if self.rest.is_empty() {
                ConvIdx::VACANT
            } else {
                self.rest.remove(0)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_list_keeps_order_like_a_vec_through_pushes_inserts_and_removals() {
        let mut list = OpenList::default();
        let mut model: Vec<ConvIdx> = Vec::new();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        for step in 0..5_000usize {
            let c = ConvIdx::new(step).expect("small");
            match next(4) {
                0 => {
                    list.push(c);
                    model.push(c);
                }
                1 => {
                    let at = next(model.len() as u64 + 1) as usize;
                    list.insert(at, c);
                    model.insert(at, c);
                }
                _ if !model.is_empty() => {
                    let gone = model[next(model.len() as u64) as usize];
                    list.retain(|&o| o != gone);
                    model.retain(|&o| o != gone);
                }
                _ => {}
            }
            assert!(list.iter().eq(model.iter()));
            assert_eq!(
                (list.len(), list.is_empty()),
                (model.len(), model.is_empty())
            );
            // A predicate that holds on a prefix of the list.
            let k = next(model.len() as u64 + 1) as usize;
            let prefix = &model[..k];
            assert_eq!(list.partition_point(|o| prefix.contains(o)), k);
        }
        // One open conversation at a time allocates nothing.
        let mut single = OpenList::default();
        single.push(ConvIdx::new(1).expect("small"));
        single.retain(|_| false);
        single.push(ConvIdx::new(2).expect("small"));
        assert_eq!(single.rest.capacity(), 0);
    }
}

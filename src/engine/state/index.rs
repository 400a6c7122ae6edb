//! Checked dense indices into the engine's slabs. Ids chosen by the host
//! (`AgentId`, `ConversationId`) are mapped to these once, at the boundary
//! (validation); everything after indexes vectors instead of hashing.

use serde::{Deserialize, Serialize};

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub(crate) struct $name(u32);

        impl $name {
            /// The index of slot `i`, or `None` past `u32::MAX - 1` (the
            /// slabs never grow that far: the caller turns `None` into a
            /// typed capacity error).
            pub(crate) fn new(i: usize) -> Option<Self> {
                u32::try_from(i).ok().filter(|&i| i != u32::MAX).map(Self)
            }

            /// The slot.
            pub(crate) const fn get(self) -> usize {
                self.0 as usize
            }

            /// Never a slot (`new` stops short of it): an empty place in
            /// a [`DenseIndex`](super::dense_index::DenseIndex) (teams and
            /// groups have none: hence the allowance).
            #[allow(dead_code)]
            pub(crate) const VACANT: Self = Self(u32::MAX);
        }
    };
}

index_type!(
    /// An agent's slot: registration order, so ties between agents of
    /// equal rank go to the one registered first.
    AgentIdx
);
index_type!(
    /// A skill group's slot: creation order.
    GroupIdx
);
index_type!(
    /// A customer's slot (first-sight order).
    CustomerIdx
);
index_type!(
    /// A conversation's slot. Slots of purged conversations are reused, so
    /// a slot index alone never reaches a decision or a snapshot (the
    /// conversation id does).
    ConvIdx
);
index_type!(
    /// A team's slot: creation order.
    TeamIdx
);

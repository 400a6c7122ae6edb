//! The channels an agent works, as a set of bits. An agent's list was an
//! `Option<Vec<Channel>>`: 24 bytes in every agent record (and a heap
//! block for each agent with a list) for at most eight channels, which
//! validation already sorts and deduplicates. A bit per channel holds the
//! same set, and a snapshot writes it back as the same sorted list.

use crate::model::Channel;

/// A set of channels: bit `Channel::index` for each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChannelSet(u8);

impl ChannelSet {
    /// The set of `channels` (in any order, repeats counted once).
    pub(crate) fn of(channels: &[Channel]) -> Self {
        ChannelSet(channels.iter().fold(0, |bits, c| bits | 1 << c.index()))
    }

    /// Whether `channel` is in the set.
    #[inline]
    pub(crate) fn contains(self, channel: Channel) -> bool {
        self.0 >> channel.index() & 1 == 1
    }

    /// The channels in the set, sorted (`Channel`'s order is its index).
    pub(crate) fn to_vec(self) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|&c| self.contains(c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sorted, distinct list of channels comes back as itself, and
    /// membership agrees with the list's (what routing asked of it).
    #[test]
    fn every_sorted_channel_list_round_trips_through_the_bits() {
        for bits in 0u16..256 {
            let list: Vec<Channel> = Channel::ALL
                .into_iter()
                .filter(|c| bits >> c.index() & 1 == 1)
                .collect();
            assert!(list.windows(2).all(|w| w[0] < w[1]), "index order is Ord");
            let set = ChannelSet::of(&list);
            assert_eq!(set.to_vec(), list);
            for c in Channel::ALL {
                assert_eq!(set.contains(c), list.binary_search(&c).is_ok());
            }
        }
    }
}

//! An agent's live threads (offered or assigned) as an unordered set.
//!
//! Routing never reads the inbox's order; only queries, the audit and
//! snapshots do. So the write path keeps membership only: a thread joins
//! at the end, and leaves by swap-remove at the position its conversation
//! records (`Conv::inbox_at`), O(1) and without reading any other
//! thread's key. A customer message or an agent reply, which changes the
//! thread's place in the working order, touches the inbox not at all. The
//! working order ([`InboxKey`](super::conversation::InboxKey), then slot)
//! is computed when asked, over at most a cap's worth of entries.

use super::index::{AgentIdx, ConvIdx};
use super::State;

/// The live threads of one agent, in no particular order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inbox(Vec<ConvIdx>);

/// The most threads [`Inbox::reserve_for`] makes room for ahead of need;
/// past it (light channel weights) the inbox grows as a vector does.
const RESERVE_MAX: usize = 256;

impl Inbox {
    /// Makes room for the threads a cap of `cap` holds when each weighs
    /// `lightest`, the lightest channel weight (at most `RESERVE_MAX`).
    /// Called when an agent registers, their cap changes or a snapshot is
    /// restored, commands that are not the steady state, so that taking
    /// work up to the cap never grows the inbox inside a routing command
    /// (`BENCHMARKS.md`, alloc5: 16,000 growths over the profile stream;
    /// state6: 2,100 more from room for full-weight threads only, when
    /// e-mail weighs half). Only an agent's own lighter weight, or a pull
    /// or an allowance above the cap, may still grow it.
    pub(crate) fn reserve_for(
        &mut self,
        cap: crate::model::Capacity,
        lightest: crate::model::Capacity,
    ) {
        let per_thread = lightest.0.max(1) as usize;
        let threads = (cap.0 as usize).div_ceil(per_thread).min(RESERVE_MAX);
        self.0.reserve(threads.saturating_sub(self.0.len()));
    }

    /// Threads in the inbox.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The threads in storage order (not the working order: see
    /// [`Inbox::ordered`]).
    pub(crate) fn iter(&self) -> impl Iterator<Item = ConvIdx> + '_ {
        self.0.iter().copied()
    }

    /// The threads with their storage positions.
    pub(crate) fn positions(&self) -> impl Iterator<Item = (usize, ConvIdx)> + '_ {
        self.0.iter().copied().enumerate()
    }

    /// The threads in the order of `key` (smallest first, ties by slot):
    /// the working order when `key` is the conversation's inbox key.
    pub(crate) fn ordered<K: Ord>(&self, key: impl Fn(ConvIdx) -> K) -> Vec<ConvIdx> {
        let mut keyed: Vec<(K, ConvIdx)> = self.0.iter().map(|&c| (key(c), c)).collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, c)| c).collect()
    }

    /// The first thread in the order of `key` (see [`Inbox::ordered`]),
    /// without sorting.
    pub(crate) fn first_by<K: Ord>(&self, key: impl Fn(ConvIdx) -> K) -> Option<ConvIdx> {
        self.0.iter().map(|&c| (key(c), c)).min().map(|(_, c)| c)
    }
}

/// Adds the live thread `c` to `agent`'s inbox and records its position in
/// the conversation.
pub(crate) fn add(st: &mut State, agent: AgentIdx, c: ConvIdx) {
    let members = &mut st.agents[agent.get()].inbox.0;
    debug_assert!(!members.contains(&c), "a thread is in an inbox once");
    let at = u32::try_from(members.len()).expect("an inbox holds at most the cap's threads");
    members.push(c);
    st.conv_mut(c).inbox_at = at;
}

/// Removes `c` from `agent`'s inbox by swap-remove at its recorded
/// position, updating the position of the thread moved into its place.
/// Returns false (changing nothing) when `c` is not there.
pub(crate) fn remove(st: &mut State, agent: AgentIdx, c: ConvIdx) -> bool {
    let at = st.conv(c).inbox_at as usize;
    let members = &mut st.agents[agent.get()].inbox.0;
    if members.get(at) != Some(&c) {
        return false;
    }
    members.swap_remove(at);
    if let Some(&moved) = members.get(at) {
        st.conv_mut(moved).inbox_at = at as u32;
    }
    true
}

/// `agent`'s live threads in working order (the conversations' inbox keys).
pub(crate) fn ordered(st: &State, agent: AgentIdx) -> Vec<ConvIdx> {
    st.agent(agent).inbox.ordered(|c| st.conv(c).inbox_key())
}

/// The first of `agent`'s live threads in working order.
pub(crate) fn head(st: &State, agent: AgentIdx) -> Option<ConvIdx> {
    st.agent(agent).inbox.first_by(|c| st.conv(c).inbox_key())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(i: usize) -> ConvIdx {
        ConvIdx::new(i).expect("small index")
    }

    #[test]
    fn the_order_is_by_key_then_slot_whatever_the_storage_order() {
        let inbox = Inbox(vec![idx(4), idx(1), idx(3), idx(2)]);
        let key = |c: ConvIdx| c.get() % 2;
        assert_eq!(inbox.ordered(key), vec![idx(2), idx(4), idx(1), idx(3)]);
        assert_eq!(inbox.first_by(key), Some(idx(2)));
        assert_eq!(Inbox::default().first_by(key), None);
    }
}

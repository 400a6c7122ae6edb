//! A skill group's waiting line and its index of free agents, both behind
//! the group's lock so that "a conversation waits" and "an eligible agent is
//! free" are never true at once (no lost wake-ups).

use super::hash::{IdMap, IdQueue};
use super::registry::{AgentIdx, WaitKey};
use crate::model::ConversationId;
use crate::policy::Rank;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// A waiting conversation's place and the ticket of its current stay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct QueueEntry {
    pub key: WaitKey,
    /// Matches the conversation's ticket while this entry is its current
    /// stay in a queue; a claim with an old ticket is void.
    pub ticket: u32,
}

/// The locked state of one skill group.
#[derive(Debug, Default)]
pub(crate) struct GroupQueue {
    /// Waiting conversations; the greatest priority (smallest key) first.
    pub waiting: IdQueue<ConversationId, Reverse<QueueEntry>>,
    /// Online agents with room for one more of this group's conversations,
    /// ordered by the policy's rank, ties by registration order.
    pub available: BTreeSet<(Rank, AgentIdx)>,
    /// Each agent's entry in `available`.
    pub rank_of: IdMap<AgentIdx, Rank>,
    /// The agent who last declined a waiting conversation.
    pub declined: IdMap<ConversationId, AgentIdx>,
}

impl GroupQueue {
    /// Puts `agent` in `available` at `rank`, or takes it out (`None`).
    /// Returns the change in the number of groups ranking the agent (-1, 0
    /// or 1), which the caller adds to the agent's count.
    pub(crate) fn set_rank(&mut self, agent: AgentIdx, rank: Option<Rank>) -> i32 {
        let old = match rank {
            Some(rank) => self.rank_of.insert(agent, rank),
            None => self.rank_of.remove(&agent),
        };
        let delta = i32::from(rank.is_some()) - i32::from(old.is_some());
        if old == rank {
            return delta;
        }
        if let Some(old) = old {
            self.available.remove(&(old, agent));
        }
        if let Some(rank) = rank {
            self.available.insert((rank, agent));
        }
        delta
    }

    /// Removes a waiting conversation (if still there).
    pub(crate) fn remove(&mut self, conversation: ConversationId) {
        self.waiting.remove(&conversation);
        self.declined.remove(&conversation);
    }
}

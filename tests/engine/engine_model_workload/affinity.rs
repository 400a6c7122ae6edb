//! Returning customers in the workload model: each customer's last agent
//! (the last to be given or to answer one of their conversations) and
//! when, and the web channel's own affinity window. A customer whose last
//! agent is past the window is routed as new, with the expired-affinity
//! reason; one within it is never told so.

use super::spec::{customer, AFFINITY_CHANNEL};
use proptest::prelude::*;
use std::collections::BTreeMap;
use switchboard::*;

/// The model's memory of who served each customer last.
pub struct Affinity {
    /// The web channel's window (`None`: the global one, a week).
    pub window: Option<TimeSpan>,
    /// Customer to (their last agent, when).
    pub last: BTreeMap<u64, (AgentId, Timestamp)>,
}

impl Affinity {
    /// Whether customer `who`'s last agent is past `channel`'s window at
    /// `at` (`None`: no last agent, or no window of the channel's own).
    fn expired(&self, who: u64, channel: Channel, at: Timestamp) -> Option<(AgentId, bool)> {
        let window = self.window.filter(|_| channel == AFFINITY_CHANNEL)?;
        let &(agent, when) = self.last.get(&who)?;
        Some((agent, at.since(when) > window))
    }

    /// Checks one command's decisions in their order and learns from
    /// them. `opened` is the conversation the command opened, if any: a
    /// customer past the window must be told so then.
    pub fn check(
        &mut self,
        e: &Engine,
        at: Timestamp,
        command: &Command,
        opened: Option<u64>,
        d: &[Decision],
    ) -> Result<(), TestCaseError> {
        let channel_of = |id: ConversationId| e.conversation(id).expect("known").channel;
        if let Some(id) = opened {
            let who = customer(id);
            if let Some((agent, true)) = self.expired(who, channel_of(ConversationId(id)), at) {
                let told = Decision::StickyMiss {
                    conversation: ConversationId(id),
                    customer: CustomerId(who),
                    agent,
                    reason: StickyMissReason::AffinityExpired,
                };
                prop_assert!(d.contains(&told), "{:?} not told expired: {:?}", id, d);
                // Routed as new: not to the last agent as theirs.
                let hit = |x: &Decision| matches!(x, Decision::StickyHit { conversation, .. } if conversation.0 == id);
                prop_assert!(!d.iter().any(hit), "{:?} went to its expired agent", id);
            }
        }
        // (A sticky hit may come later than the routing that chose it, from
        // a wait for the known agent, so only the routing's verdict is
        // checked.)
        for decision in d {
            if let Decision::StickyMiss {
                conversation,
                customer: who,
                agent,
                reason: StickyMissReason::AffinityExpired,
            } = *decision
            {
                prop_assert_eq!(who.0, customer(conversation.0));
                let expired = self.expired(who.0, channel_of(conversation), at);
                prop_assert_eq!(expired, Some((agent, true)), "{:?}", conversation);
            }
            if let Some((conversation, agent)) = decision.assignee() {
                self.last.insert(customer(conversation.0), (agent, at));
            }
        }
        if let Command::AgentMessage {
            conversation,
            agent,
        } = *command
        {
            self.last.insert(customer(conversation.0), (agent, at));
        }
        Ok(())
    }
}

//! What the engine remembers of a customer.

use super::index::{AgentIdx, ConvIdx, CustomerIdx};
use crate::model::{CustomerId, Tier, TimeSpan, Timestamp};

/// A customer: tier, last agent (sticky affinity), open conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Customer {
    pub id: CustomerId,
    pub tier: Tier,
    /// The agent who last served them, and when.
    pub last_agent: Option<(AgentIdx, Timestamp)>,
    /// Conversations not yet resolved, in opening order. Short: the open
    /// rule (`EngineConfig::open_conversations`) keeps one per channel by
    /// default.
    pub open: Vec<ConvIdx>,
    /// Their owner (an account manager), tried after their last agent,
    /// and how long a conversation may wait for them.
    pub owner: Option<(AgentIdx, TimeSpan)>,
}

impl super::State {
    /// Forgets the customers nothing needs any more (called by a purge,
    /// which visits every conversation anyway): no held conversation
    /// (live, or resolved and not yet purged) is theirs, and their last
    /// agent, if any, served them more than `window` (the affinity window)
    /// before `now`, so stickiness no longer applies. Forgetting them is
    /// unobservable to routing: a returning customer's open names their
    /// tier again, and an expired last agent would be ignored. The
    /// survivors keep their relative order; every conversation's customer
    /// slot is remapped. Returns how many were forgotten. O(customers +
    /// conversations).
    pub(crate) fn forget_customers(&mut self, now: Timestamp, window: TimeSpan) -> u64 {
        let mut held = vec![false; self.customers.len()];
        for conv in self.convs.iter().flatten() {
            held[conv.who.get()] = true;
        }
        let keep = |k: &Customer, held: bool| {
            held || !k.open.is_empty()
                || k.owner.is_some()
                || k.last_agent
                    .is_some_and(|(_, when)| now.since(when) <= window)
        };
        let forgotten = self
            .customers
            .iter()
            .zip(&held)
            .filter(|(k, &h)| !keep(k, h))
            .count();
        if forgotten == 0 {
            return 0;
        }
        let old = std::mem::take(&mut self.customers);
        let mut remap: Vec<Option<CustomerIdx>> = Vec::with_capacity(old.len());
        self.customers.reserve(old.len() - forgotten);
        for (k, h) in old.into_iter().zip(held) {
            if keep(&k, h) {
                let slot = CustomerIdx::new(self.customers.len());
                if let Some(slot) = slot {
                    self.customer_ids.insert(k.id, slot);
                }
                remap.push(slot);
                self.customers.push(k);
            } else {
                self.customer_ids.remove(&k.id);
                remap.push(None);
            }
        }
        for conv in self.convs.iter_mut().flatten() {
            if let Some(slot) = remap[conv.who.get()] {
                conv.who = slot;
            } else {
                debug_assert!(false, "a held conversation's customer was kept");
            }
        }
        debug_assert_eq!(self.customer_ids.len(), self.customers.len());
        forgotten as u64
    }
}

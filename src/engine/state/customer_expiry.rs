//! When the engine may forget a customer: the expiry queue a purge reads.
//!
//! A purge forgets the customers nothing needs any more. Rather than
//! visiting every customer (a week of them, with the default affinity
//! window, on every hourly purge), the engine keeps an expiry queue: each
//! customer who might become forgettable has one entry, keyed by a lower
//! bound of their last contact (`None`, no agent yet, first). A purge pops
//! only the entries whose key is older than the affinity window and checks
//! each customer exactly; forgotten slots go on a free list for the next
//! new customer. So a purge costs what it forgets (plus the customers who
//! became forgettable since the last one), and the customer table is never
//! compacted nor re-indexed.

use super::index::CustomerIdx;
use crate::model::{TimeSpan, Timestamp};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Customers who may become forgettable, by a lower bound of their last
/// contact, and the slots forgotten customers left.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expiry {
    /// Smallest key first; an entry whose key differs from its customer's
    /// `queued` is stale and skipped.
    queue: BinaryHeap<Reverse<(Option<Timestamp>, CustomerIdx)>>,
    /// Entries of the queue not yet in the heap, in no order: those a
    /// purge's releases made, which its own `forget_customers` takes in
    /// order by a sort and a merge with the heap, instead of a heap push
    /// and pop each (issue 22: half of M/M/10's purge). Empty between
    /// commands.
    staged: Vec<(Option<Timestamp>, CustomerIdx)>,
    /// Vacant slots, reused last-in first-out.
    free: Vec<CustomerIdx>,
}

impl Expiry {
    /// Whether a slot freed by a purge is waiting for reuse.
    pub(crate) fn has_free_slot(&self) -> bool {
        !self.free.is_empty()
    }

    /// The slot a purge freed last, for a new customer.
    pub(super) fn take_free_slot(&mut self) -> Option<CustomerIdx> {
        self.free.pop()
    }
}
impl super::State {
    /// Queues for expiry every customer no conversation holds (after a
    /// restore, which creates customers before their conversations).
    pub(crate) fn queue_unheld_customers(&mut self) {
        for k in 0..self.customers.len() {
            let customer = &self.customers[k];
            if customer.held == 0 && !customer.vacant {
                let k = CustomerIdx::new(k).expect("an existing slot");
                self.queue_customer(k);
            }
        }
    }

    /// Makes sure customer `k` has an expiry entry no later than their last
    /// contact (a contact may carry an earlier time than one before it).
    pub(super) fn queue_customer(&mut self, k: CustomerIdx) {
        if let Some(key) = self.requeue_key(k) {
            self.customer_expiry.queue.push(Reverse((key, k)));
        }
    }

    /// [`Self::queue_customer`] into the staged entries (a purge's
    /// releases, taken by the same purge's `forget_customers`).
    fn stage_customer(&mut self, k: CustomerIdx) {
        if let Some(key) = self.requeue_key(k) {
            self.customer_expiry.staged.push((key, k));
        }
    }

    /// The key customer `k` must be queued under, now marked queued, or
    /// `None` when an entry no later than it is queued already.
    fn requeue_key(&mut self, k: CustomerIdx) -> Option<Option<Timestamp>> {
        let customer = &mut self.customers[k.get()];
        let key = customer.last_agent().map(|(_, at)| at);
        if customer.queued().is_some_and(|q| q <= key) {
            return None;
        }
        customer.set_queued(Some(key));
        Some(key)
    }

    /// A conversation of customer `k` entered the table.
    #[inline]
    pub(crate) fn customer_holds(&mut self, k: CustomerIdx) {
        self.customers[k.get()].held += 1;
    }

    /// A conversation of customer `k` left the table (purged): with none
    /// left, they are queued for expiry (staged: the purge's
    /// [`Self::forget_customers`] takes them).
    pub(crate) fn customer_releases(&mut self, k: CustomerIdx) {
        let customer = &mut self.customers[k.get()];
        debug_assert!(customer.held > 0, "a customer held their conversation");
        customer.held = customer.held.saturating_sub(1);
        if customer.held == 0 {
            self.stage_customer(k);
        }
    }

    /// Forgets the customers nothing needs any more (called by a purge):
    /// no conversation of theirs is in the table, no owner, and their last
    /// agent, if any, served them more than `window` (the affinity window)
    /// before `now`, so stickiness no longer applies. Forgetting them is
    /// unobservable to routing: a returning customer's open names their
    /// tier again, and an expired last agent would be ignored. Pops only
    /// the expiry entries older than the window: O(entries popped × log
    /// queue). Returns how many were forgotten.
    pub(crate) fn forget_customers(&mut self, now: Timestamp, window: TimeSpan) -> u64 {
        let expired = |key: Option<Timestamp>| key.is_none_or(|at| now.since(at) > window);
        let mut forgotten = 0u64;
        // The staged entries, largest last: each round takes the smaller of
        // their smallest and the heap's, so the entries come in the order
        // one heap holding them all would pop them.
        let mut staged = std::mem::take(&mut self.customer_expiry.staged);
        staged.sort_unstable_by(|a, b| b.cmp(a));
        // Each round pops one entry that was queued before the purge: an
        // entry pushed again below is not expired, so it is never reached.
        let bound = self.customer_expiry.queue.len() + staged.len();
        for round in 0.. {
            assert!(
                round <= bound,
                "a purge popped more than the expiry queue held"
            );
            let heap = self.customer_expiry.queue.peek().map(|r| r.0);
            let (key, k) = match (staged.last().copied(), heap) {
                (Some(s), Some(h)) if h < s => h,
                (Some(s), _) => s,
                (None, Some(h)) => h,
                (None, None) => break,
            };
            if !expired(key) {
                break;
            }
            if staged.last() == Some(&(key, k)) {
                staged.pop();
            } else {
                self.customer_expiry.queue.pop();
            }
            let customer = &mut self.customers[k.get()];
            if customer.vacant || customer.queued() != Some(key) {
                continue;
            }
            customer.set_queued(None);
            if customer.held > 0 || customer.has_owner() {
                // Queued again when the last of those ends.
                continue;
            }
            let last = customer.last_agent().map(|(_, at)| at);
            if !expired(last) {
                // Served since this entry was made: queued at that contact.
                self.queue_customer(k);
                continue;
            }
            debug_assert!(customer.open.is_empty(), "open conversations are held");
            customer.vacant = true;
            let id = customer.id;
            self.customer_ids.remove(&id);
            self.customer_expiry.free.push(k);
            forgotten += 1;
        }
        // What is left is not expired yet: into the heap for a later purge.
        self.customer_expiry
            .queue
            .extend(staged.drain(..).map(Reverse));
        self.customer_expiry.staged = staged;
        forgotten
    }

    /// Recounts the customer table for the audit: each customer's held
    /// conversations, the id map against the slots in use, the free list
    /// against the vacant slots, and an expiry entry no later than the last
    /// contact for everyone nothing keeps. Returns what disagrees, with the
    /// kept and recounted figures.
    pub(crate) fn check_customers(&self) -> Result<(), (&'static str, u64, u64)> {
        let mut held = vec![0u32; self.customers.len()];
        for conv in self.convs.iter().flatten() {
            let slot = held.get_mut(conv.who.get());
            *slot.ok_or(("a conversation's customer slot", 0, 1))? += 1;
        }
        self.check_customers_against(&held)
    }

    /// [`super::State::check_customers`] given the held conversations recounted
    /// per customer slot.
    fn check_customers_against(&self, held: &[u32]) -> Result<(), (&'static str, u64, u64)> {
        let (mut vacant, mut unqueued, mut owned) = (0u64, 0u64, 0u64);
        for (k, customer) in self.customers.iter().enumerate() {
            if customer.vacant {
                vacant += 1;
                continue;
            }
            owned += u64::from(customer.has_owner());
            if customer.held != held[k] {
                let (kept, recounted) = (customer.held.into(), held[k].into());
                return Err(("a customer's held conversations", kept, recounted));
            }
            let key = customer.last_agent().map(|(_, at)| at);
            let free = customer.held == 0 && !customer.has_owner();
            if free && customer.queued().is_none_or(|q| q > key) {
                unqueued += 1;
            }
        }
        // Each owner bit has its entry and each entry its bit: the counts
        // agree and no entry names a slot without the bit.
        let entries = self.customer_owners.len() as u64;
        let stray = self
            .customer_owners
            .keys()
            .filter(|k| {
                self.customers
                    .get(k.get())
                    .is_none_or(|c| !c.has_owner() || c.vacant)
            })
            .count() as u64;
        if owned != entries || stray > 0 {
            return Err(("customers' owners", entries, owned));
        }
        if unqueued > 0 {
            return Err(("customers missing from the expiry queue", 0, unqueued));
        }
        let free = self.customer_expiry.free.len() as u64;
        if vacant != free {
            return Err(("free customer slots", free, vacant));
        }
        let known = self.customers.len() as u64 - vacant;
        if known != self.customer_ids.len() as u64 {
            return Err(("known customers", self.customer_ids.len() as u64, known));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::state::customer::Customer;
    use crate::engine::state::index::AgentIdx;
    use crate::engine::state::State;
    use crate::model::CustomerId;
    use std::collections::BTreeMap;

    /// The rule a purge applied by visiting every customer (before the
    /// expiry queue): forgettable when nothing holds them, no owner, and no
    /// agent served them within the window.
    fn forgettable(k: &Customer, now: Timestamp, window: TimeSpan) -> bool {
        k.held == 0 && !k.has_owner() && k.last_agent().is_none_or(|(_, at)| now.since(at) > window)
    }

    /// Random days of contacts (some carrying earlier times than the one
    /// before), held conversations, owners and purges: after every purge
    /// the engine knows exactly the customers the full visit would keep,
    /// and its audit of the table passes.
    #[test]
    fn a_purge_forgets_exactly_the_customers_a_full_visit_would() {
        let mut seed = 11u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let agent = AgentIdx::new(0).expect("slot 0");
        let window = TimeSpan::from_millis(500);
        let mut st = State::default();
        let mut model: BTreeMap<u64, Customer> = BTreeMap::new();
        let mut now = 0u64;
        for _ in 0..4_000 {
            let id = CustomerId(next(60));
            match next(10) {
                0..=3 => {
                    let k = st.ensure_customer(id);
                    // Opened and purged: no conversation holds them.
                    st.customer_holds(k);
                    st.customer_releases(k);
                    let at = Timestamp(now.saturating_sub(next(700)));
                    st.customer_served(k, agent, at);
                }
                4 => {
                    let k = st.ensure_customer(id);
                    st.customer_holds(k);
                    st.customer_holds(k);
                    st.customer_releases(k);
                }
                5 => {
                    if let Some(&k) = st.customer_ids.get(&id) {
                        if st.customers[k.get()].held > 0 {
                            st.customer_releases(k);
                        }
                    }
                }
                6 => {
                    if let Some(&k) = st.customer_ids.get(&id) {
                        let owner = (next(2) == 0).then_some((agent, window));
                        st.set_customer_owner(k, owner);
                    }
                }
                _ => {
                    now += next(300);
                    let clock = Timestamp(now);
                    let before = st.known_customers() as u64;
                    let forgotten = st.forget_customers(clock, window);
                    model.retain(|_, k| !forgettable(k, clock, window));
                    assert_eq!(before - forgotten, st.known_customers() as u64);
                    let mut known: Vec<u64> = st.customer_ids.keys().map(|id| id.0).collect();
                    known.sort_unstable();
                    assert_eq!(known, model.keys().copied().collect::<Vec<_>>());
                }
            }
            // The model follows the engine's records between purges.
            for (id, k) in st.customer_ids.iter() {
                model.insert(id.0, st.customers[k.get()].clone());
            }
            // No conversation table here: the holds are the test's own.
            let held: Vec<u32> = st.customers.iter().map(|k| k.held).collect();
            assert_eq!(st.check_customers_against(&held), Ok(()));
        }
    }
}

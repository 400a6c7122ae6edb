//! What the engine remembers of a customer, and when it may forget them.
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

use super::index::{AgentIdx, ConvIdx, CustomerIdx};
use crate::model::{CustomerId, Tier, TimeSpan, Timestamp};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A customer: tier, last agent (sticky affinity), open conversations.
///
/// The three optional pairs (last agent, owner, expiry key) are packed:
/// their values in plain fields and whether each is set in `set`, read
/// and written through accessors. As `Option`s they took 16 bytes each
/// (an `Option<Option<Timestamp>>` and two `Option<(AgentIdx, _)>`: a
/// `u64` time leaves no niche); packed, the record is 80 bytes, not 112.
/// The open list's overflow in a shared pool (`open_list.rs`) instead of
/// a `Vec` of its own takes it to 56. The owner and the wait for them
/// (12 bytes, set for a few account-managed customers) live in
/// `State::customer_owners`, by slot, with only their bit here: 48.
///
/// `repr(C, align(16))` (free at 48 bytes) keeps the fields in the order
/// below: the last agent, its time and the flags in the first 16 bytes,
/// which never straddle a cache line (issue 22: LL misses).
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(C, align(16))]
pub(crate) struct Customer {
    // First 16 bytes (on one line at any 16-byte start): what an agent's
    // reply writes (`State::customer_served`) and an open's sticky check
    // reads; then what an open updates; the rest after.
    /// When the agent who last served them did (`Customer::last_agent`).
    last_at: Timestamp,
    /// The agent who last served them (`Customer::last_agent`).
    last_agent: AgentIdx,
    /// Which of the packed values are set: `LAST_AGENT`, `OWNER` (the
    /// owner is in `State::customer_owners`), `QUEUED`, and `QUEUED_AT`
    /// (the key is `Some`).
    set: u8,
    pub tier: Tier,
    /// A slot a purge freed, waiting on the free list.
    pub vacant: bool,
    /// Conversations of theirs in the table (open, or resolved and not yet
    /// purged): while any is, they are kept.
    pub held: u32,
    /// Conversations not yet resolved, in opening order (all but the first
    /// in `State::open_pool`). Short: the open rule
    /// (`EngineConfig::open_conversations`) keeps one per channel by
    /// default.
    pub open: super::open_list::OpenList,
    pub id: CustomerId,
    /// The key of their expiry entry (`Customer::queued`).
    queued_at: Timestamp,
}

/// `Customer::set`: the last agent is set.
const LAST_AGENT: u8 = 1;
/// `Customer::set`: the owner is set (in `State::customer_owners`).
const OWNER: u8 = 2;
/// `Customer::set`: an expiry entry is queued.
const QUEUED: u8 = 4;
/// `Customer::set`: the queued entry's key is a time (else `None`).
const QUEUED_AT: u8 = 8;

impl Customer {
    /// A customer seen for the first time: standard tier, nothing known.
    pub(crate) fn new(id: CustomerId) -> Self {
        Customer {
            id,
            tier: Tier::Standard,
            open: Default::default(),
            held: 0,
            vacant: false,
            last_agent: AgentIdx::default(),
            last_at: Timestamp::default(),
            queued_at: Timestamp::default(),
            set: 0,
        }
    }

    /// The agent who last served them, and when.
    #[inline]
    pub(crate) fn last_agent(&self) -> Option<(AgentIdx, Timestamp)> {
        (self.set & LAST_AGENT != 0).then_some((self.last_agent, self.last_at))
    }

    /// Sets (or clears) [`Customer::last_agent`].
    pub(crate) fn set_last_agent(&mut self, last: Option<(AgentIdx, Timestamp)>) {
        let (agent, at) = last.unwrap_or_default();
        (self.last_agent, self.last_at) = (agent, at);
        self.flag(LAST_AGENT, last.is_some());
    }

    /// Whether they have an owner (an account manager;
    /// `State::customer_owner` says who).
    #[inline]
    pub(crate) fn has_owner(&self) -> bool {
        self.set & OWNER != 0
    }

    /// The key of their entry in the expiry queue (`None`: no entry, since
    /// a conversation or an owner keeps them; they get one when that ends).
    #[inline]
    pub(crate) fn queued(&self) -> Option<Option<Timestamp>> {
        (self.set & QUEUED != 0).then_some((self.set & QUEUED_AT != 0).then_some(self.queued_at))
    }

    /// Sets (or clears) [`Customer::queued`].
    pub(crate) fn set_queued(&mut self, queued: Option<Option<Timestamp>>) {
        self.queued_at = queued.flatten().unwrap_or_default();
        self.flag(QUEUED, queued.is_some());
        self.flag(QUEUED_AT, queued.flatten().is_some());
    }

    fn flag(&mut self, bit: u8, on: bool) {
        self.set = if on { self.set | bit } else { self.set & !bit };
    }
}

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
}

impl super::State {
    /// Customers remembered now.
    pub(crate) fn known_customers(&self) -> usize {
        self.customer_ids.len()
    }

    /// A slot for the new customer `id` (a vacant one first). Not queued
    /// for expiry: an open holds them at once, and a restore queues the
    /// customers it leaves without a conversation
    /// ([`State::queue_unheld_customers`](super::State::queue_unheld_customers)).
    /// Validation made sure a slot is left.
    pub(crate) fn new_customer(&mut self, id: CustomerId) -> CustomerIdx {
        let fresh = Customer::new(id);
        let k = match self.customer_expiry.free.pop() {
            Some(k) => {
                let slot = &mut self.customers[k.get()];
                debug_assert!(slot.open.is_empty(), "a vacant slot holds nothing");
                *slot = fresh;
                k
            }
            None => {
                let k = CustomerIdx::new(self.customers.len()).expect("validated: a slot is left");
                self.customers.push(fresh);
                k
            }
        };
        self.customer_ids.insert(id, k);
        k
    }

    /// Appends `c` to customer `k`'s open conversations.
    pub(crate) fn open_push(&mut self, k: CustomerIdx, c: ConvIdx) {
        self.customers[k.get()].open.push(&mut self.open_pool, c);
    }

    /// Inserts `c` at position `at` of customer `k`'s open conversations.
    pub(crate) fn open_insert(&mut self, k: CustomerIdx, at: usize, c: ConvIdx) {
        self.customers[k.get()]
            .open
            .insert(&mut self.open_pool, at, c);
    }

    /// Takes `c` out of its customer's open conversations.
    pub(crate) fn open_remove(&mut self, c: ConvIdx) {
        let k = self.conv(c).who;
        self.customers[k.get()].open.remove(&mut self.open_pool, c);
    }

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
    fn queue_customer(&mut self, k: CustomerIdx) {
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

    /// `agent` served customer `k` at `at` (sticky affinity).
    pub(crate) fn customer_served(&mut self, k: CustomerIdx, agent: AgentIdx, at: Timestamp) {
        self.customers[k.get()].set_last_agent(Some((agent, at)));
        if self.customers[k.get()].queued().is_some() {
            self.queue_customer(k);
        }
    }

    /// Customer `k`'s owner (an account manager), tried after their last
    /// agent, and how long a conversation may wait for them. The map is
    /// read only for a customer whose record has the bit: no hashing for
    /// the others.
    #[inline]
    pub(crate) fn customer_owner(&self, k: CustomerIdx) -> Option<(AgentIdx, TimeSpan)> {
        if !self.customers[k.get()].has_owner() {
            return None;
        }
        self.customer_owners.get(&k).copied()
    }

    /// Sets or clears customer `k`'s owner, without queueing them for
    /// expiry (a restore queues every customer at its end).
    pub(crate) fn put_customer_owner(
        &mut self,
        k: CustomerIdx,
        owner: Option<(AgentIdx, TimeSpan)>,
    ) {
        self.customers[k.get()].flag(OWNER, owner.is_some());
        match owner {
            Some(o) => self.customer_owners.insert(k, o),
            None => self.customer_owners.remove(&k),
        };
    }

    /// Sets or clears customer `k`'s owner; without one they may expire.
    pub(crate) fn set_customer_owner(
        &mut self,
        k: CustomerIdx,
        owner: Option<(AgentIdx, TimeSpan)>,
    ) {
        self.put_customer_owner(k, owner);
        if owner.is_none() {
            self.queue_customer(k);
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
    use crate::engine::state::State;
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

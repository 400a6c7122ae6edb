//! What the engine remembers of a customer: tier, last agent (sticky
//! affinity), owner and open conversations. When it may forget them is
//! `customer_expiry.rs`.

use super::index::{AgentIdx, ConvIdx, CustomerIdx};
use crate::model::{CustomerId, Tier, TimeSpan, Timestamp};

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
        let k = match self.customer_expiry.take_free_slot() {
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
}

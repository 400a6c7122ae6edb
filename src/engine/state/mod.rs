//! The engine's state: dense slabs of agents, skill groups and
//! conversations, indexed by checked slot newtypes, with the id maps that
//! translate the host's ids once, at validation. Plain data owned by one
//! thread: no locks, atomics or shared maps.

pub(crate) mod agent;
pub(crate) mod agent_rules;
pub(crate) mod bucket_sort;
pub(crate) mod channel_set;
pub(crate) mod conv_expiry;
pub(crate) mod conv_wire;
pub(crate) mod conversation;
pub(crate) mod customer;
pub(crate) mod customer_expiry;
pub(crate) mod dense_index;
pub(crate) mod free_index;
pub(crate) mod group;
pub(crate) mod hash;
pub(crate) mod hours;
pub(crate) mod inbox;
pub(crate) mod index;
pub(crate) mod line_pool;
mod node_slab;
pub(crate) mod open_list;
pub(crate) mod paged;
pub(crate) mod plan;
pub(crate) mod pooled_set;
pub(crate) mod reclaim;
pub(crate) mod slot_boxes;
pub(crate) mod timer_chunks;
pub(crate) mod timer_fifo;
pub(crate) mod timer_level;
pub(crate) mod timer_wheel;
pub(crate) mod timers;
pub(crate) mod touch;
pub(crate) mod waiting;
pub(crate) mod workload;
pub(crate) mod wrap_table;

use crate::engine::EngineStats;
use crate::model::{AgentId, ConversationId, CustomerId, SkillId, Timestamp};
use agent::Agent;
use conversation::Conv;
use customer::Customer;
use dense_index::DenseIndex;
use group::{Group, KeyRef, KeyView, RoutingKey};
use hash::IdMap;
use index::{AgentIdx, ConvIdx, CustomerIdx, GroupIdx};
use std::collections::HashMap;
use timers::Timers;

/// Everything the engine knows.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub agents: Vec<Agent>,
    pub agent_ids: DenseIndex<AgentId, AgentIdx>,
    pub groups: Vec<Group>,
    /// The nodes of every group's waiting line (`line_pool.rs`).
    pub line_pool: line_pool::LinePool,
    /// hashbrown's map rather than std's for its `Equivalent` lookups
    /// (`group::KeyRef`).
    pub group_keys: hashbrown::HashMap<RoutingKey, GroupIdx, hash::IdBuild>,
    /// Conversations by slot; `None` for a slot freed by a purge.
    pub convs: paged::Paged<Option<Conv>>,
    pub conv_ids: DenseIndex<ConversationId, ConvIdx>,
    /// Slots freed by purges, reused by new conversations.
    pub free_slots: Vec<ConvIdx>,
    /// Customers by slot; conversations reach theirs without hashing.
    /// Slots a purge freed are `vacant` (see `customer_expiry`).
    pub customers: paged::Paged<Customer>,
    pub customer_ids: DenseIndex<CustomerId, CustomerIdx>,
    /// The customers' open conversations after each one's first
    /// (`open_list.rs`).
    pub open_pool: open_list::OpenPool,
    /// The entries of every agent's parked set, own queue and wrap-ups
    /// (`pooled_set.rs`).
    pub parked_pool: pooled_set::SetPool<(crate::model::ConversationId, ConvIdx)>,
    pub personal_pool: pooled_set::SetPool<(conversation::PersonalKey, ConvIdx)>,
    pub wrapup_pool: pooled_set::SetPool<(crate::model::ConversationId, ConvIdx)>,
    /// Customers' owners and the wait for them, by slot, for the
    /// customers whose record has the owner bit (`customer.rs`).
    pub customer_owners: IdMap<CustomerIdx, (AgentIdx, crate::model::TimeSpan)>,
    /// Agents holding each skill, ascending.
    pub agents_by_skill: IdMap<SkillId, Vec<AgentIdx>>,
    /// Groups by their first required skill (an agent eligible for a group
    /// holds that skill, so this finds each eligible group exactly once).
    pub groups_by_skill: HashMap<SkillId, Vec<GroupIdx>, hash::IdBuild>,
    /// Groups that require no skill.
    pub open_groups: Vec<GroupIdx>,
    pub timers: Timers,
    /// Source of arrival and assignment order numbers.
    pub seq: u64,
    /// The latest time a command carried.
    pub clock: Timestamp,
    pub stats: EngineStats,
    /// Teams, the tenant's total and their gates (the workload rules).
    pub workload: workload::Workload,
    /// The routing plan in force, compiled (`None`: routing by the skills
    /// commands name, as without plans).
    pub plan: Option<std::sync::Arc<crate::plan::compiled::CompiledPlan>>,
    /// Reclaimed group slots, reused last-in first-out (`reclaim.rs`).
    pub free_groups: Vec<GroupIdx>,
    /// Business hours of the plan's queues and the emergency switches.
    pub hours: hours::Hours,
    /// Customers who may be forgotten, by last contact, and the free
    /// customer slots (`customer_expiry.rs`).
    pub customer_expiry: customer_expiry::Expiry,
    /// Resolved conversations by resolution time, for purges
    /// (`conv_expiry.rs`); derived, never in a snapshot.
    pub resolved_queue: conv_expiry::ResolvedQueue,
    /// The holds of the conversations in wrap-up, by slot
    /// (`wrap_table.rs`); a conversation's own record only flags it.
    pub wraps: IdMap<ConvIdx, workload::WrapHold>,
    /// Conversations' routing-plan state (attributes, named skills, place
    /// on a route), by slot (`slot_boxes.rs`): none for a conversation
    /// opened without attributes while no plan is loaded. Read it with
    /// `State::conv_plan`.
    pub conv_plans: slot_boxes::SlotBoxes<plan::ConvPlan>,
    /// Conversations' affinity lists after their last agent (owner,
    /// preferred agents) and how far this routing got, by slot
    /// (`slot_boxes.rs`): none for most conversations.
    pub affinities: slot_boxes::SlotBoxes<crate::engine::preferred::Affinity>,
}

impl State {
    pub(crate) fn agent(&self, a: AgentIdx) -> &Agent {
        &self.agents[a.get()]
    }

    pub(crate) fn agent_mut(&mut self, a: AgentIdx) -> &mut Agent {
        &mut self.agents[a.get()]
    }

    pub(crate) fn group(&self, g: GroupIdx) -> &Group {
        &self.groups[g.get()]
    }

    pub(crate) fn group_mut(&mut self, g: GroupIdx) -> &mut Group {
        &mut self.groups[g.get()]
    }

    /// The conversation in slot `c`. Slots handed out by validation always
    /// hold one.
    // Inlined: called about three times a command, and out of line the
    // call cost a third of its 22 instructions (issue 22). Always: a hint
    // left two callers of the open path out of line.
    #[inline(always)]
    pub(crate) fn conv(&self, c: ConvIdx) -> &Conv {
        self.convs[c.get()]
            .as_ref()
            .expect("validated slot holds a conversation")
    }

    #[inline(always)]
    pub(crate) fn conv_mut(&mut self, c: ConvIdx) -> &mut Conv {
        self.convs[c.get()]
            .as_mut()
            .expect("validated slot holds a conversation")
    }

    /// The conversation of a timer, if its id still names the same
    /// incarnation (a host may reuse a purged id): the slot is found
    /// through the id index, as the timer no longer keeps it (32 bytes,
    /// not 40).
    #[inline]
    pub(crate) fn timer_conv(&self, timer: &timers::Timer) -> Option<ConvIdx> {
        let c = *self.conv_ids.get(&ConversationId(timer.subject))?;
        let conv = self.convs.get(c.get())?.as_ref()?;
        (conv.seq == timer.incarnation).then_some(c)
    }

    /// The customer known by `id`.
    pub(crate) fn customer(&self, id: CustomerId) -> Option<&Customer> {
        let k = self.customer_ids.get(&id)?;
        self.customers.get(k.get())
    }

    /// The slot of customer `id`, created on first sight (validation made
    /// sure a slot is left).
    pub(crate) fn ensure_customer(&mut self, id: CustomerId) -> CustomerIdx {
        if let Some(&k) = self.customer_ids.get(&id) {
            return k;
        }
        self.new_customer(id)
    }

    pub(crate) fn agent_idx(&self, id: AgentId) -> Option<AgentIdx> {
        self.agent_ids.get(&id).copied()
    }

    pub(crate) fn conv_idx(&self, id: ConversationId) -> Option<ConvIdx> {
        self.conv_ids.get(&id).copied()
    }

    pub(crate) fn group_of<K: KeyView + ?Sized>(&self, key: &K) -> Option<GroupIdx> {
        self.group_keys.get(&KeyRef::of(key)).copied()
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        let seq = self.seq;
        self.seq += 1;
        seq
    }

    pub(crate) fn id(&self, a: AgentIdx) -> AgentId {
        self.agent(a).id
    }
}
#[cfg(test)]
mod tests {
    /// The per-conversation records stay as small as packing made them
    /// (issue 22: bytes per open conversation): a field added or an
    /// `Option<Timestamp>` brought back shows here first.
    #[test]
    fn conversation_customer_and_agent_records_stay_within_their_byte_budgets() {
        use std::mem::size_of;
        assert!(size_of::<super::conversation::Conv>() <= 128);
        assert!(size_of::<Option<super::conversation::Conv>>() <= 128);
        assert!(size_of::<super::timers::Timer>() <= 32);
        assert!(size_of::<super::agent::Agent>() <= 352);
        assert!(size_of::<super::customer::Customer>() <= 48);
    }
}

//! A skill group: the conversations that need the same skills on the same
//! channel, the agents eligible for them, its waiting line and its index of
//! free agents.

use super::agent::{Agent, Slot};
use super::free_index::FreeIndex;
use super::index::{AgentIdx, GroupIdx};
use super::waiting::WaitingLine;
use crate::model::{Capacity, Channel, SkillRequirement, TimeSpan};
use std::hash::{Hash, Hasher};

/// What a skill group is: a channel and a set of required skills, sorted by
/// skill, each skill once, and its gate. Ordered (channel, skills, gate):
/// the order a queue's groups are dispatched in (`plan_hours::adopt`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RoutingKey {
    pub channel: Channel,
    pub skills: Vec<SkillRequirement>,
    /// 0 for a group anyone with the skills may share; otherwise the one
    /// routing-plan queue whose work it holds (a queue with business
    /// hours opens and closes its own groups, `plan_hours.rs`).
    pub gate: u64,
}

/// A borrowed routing key, so that a command's skills find their group
/// without building (allocating) an owned key.
pub(crate) trait KeyView {
    fn view(&self) -> (Channel, &[SkillRequirement], u64);
}

impl KeyView for RoutingKey {
    fn view(&self) -> (Channel, &[SkillRequirement], u64) {
        (self.channel, &self.skills, self.gate)
    }
}

impl KeyView for (Channel, &[SkillRequirement]) {
    fn view(&self) -> (Channel, &[SkillRequirement], u64) {
        (self.0, self.1, 0)
    }
}

impl KeyView for (Channel, &[SkillRequirement], u64) {
    fn view(&self) -> (Channel, &[SkillRequirement], u64) {
        (self.0, self.1, self.2)
    }
}

/// A routing key's parts, borrowed: what a lookup hashes and compares
/// (`State::group_of`) without building an owned key, and without the
/// virtual calls a `dyn KeyView` lookup made (three per lookup, on every
/// open's validation).
#[derive(Clone, Copy)]
pub(crate) struct KeyRef<'a> {
    channel: Channel,
    skills: &'a [SkillRequirement],
    gate: u64,
}

impl<'a> KeyRef<'a> {
    /// The parts of `key`.
    #[inline]
    pub(crate) fn of<K: KeyView + ?Sized>(key: &'a K) -> Self {
        let (channel, skills, gate) = key.view();
        Self {
            channel,
            skills,
            gate,
        }
    }
}

impl Hash for KeyRef<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        // One word per part, a requirement's skill and level packed in one
        // (half the hasher rounds of the derived tuple hash); equality
        // still compares every field.
        state.write_u64(((self.skills.len() as u64) << 8) | self.channel.index() as u64);
        for r in self.skills {
            state.write_u64((u64::from(r.skill.0) << 8) | u64::from(r.min_level.get()));
        }
        state.write_u64(self.gate);
    }
}

impl hashbrown::Equivalent<RoutingKey> for KeyRef<'_> {
    #[inline]
    fn equivalent(&self, key: &RoutingKey) -> bool {
        self.channel == key.channel && self.gate == key.gate && self.skills == &key.skills[..]
    }
}

// Must hash exactly as `KeyRef` does, or lookups by parts would miss.
impl Hash for RoutingKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        KeyRef::of(self).hash(state);
    }
}

/// One skill group.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub key: RoutingKey,
    /// Capacity one of its conversations uses.
    pub weight: Capacity,
    /// Eligible agents, ascending (registration order); position `p` in
    /// this list is position `p` in `free`.
    pub members: Vec<AgentIdx>,
    pub waiting: WaitingLine,
    pub free: FreeIndex,
    /// Members online whose skills for it count now (real-time statistic).
    pub online: u32,
    /// Members with room for this group's work now (real-time statistic).
    pub with_room: u32,
    /// Members whose rank may have improved since they were last ranked
    /// here, each once (their slot's `pending` flag): re-ranked when the
    /// group is next searched, so an agent freed five times between two
    /// arrivals in a group is ranked there once, and not at all in groups
    /// nobody routes to meanwhile.
    pub pending: Vec<AgentIdx>,
    /// Listed in the tenant's `blocked` groups (its waiting work was held
    /// back by the tenant's cap).
    pub tenant_blocked: bool,
    /// Conversations known to the engine (any state, until purged) whose
    /// own group this is: while any holds it, the slot is not reclaimed.
    pub refs: u32,
    /// Named as a routing plan's overflow group: never reclaimed (an
    /// overflow list is not reference-counted).
    pub pinned: bool,
    /// A reclaimed slot, on `State::free_groups`: no key, member or line.
    pub vacant: bool,
    /// Its position in `State::groups_by_skill` (by its first skill) or
    /// `State::open_groups`, so it leaves that list in O(1).
    pub index_pos: u32,
    /// Its queue's business hours are closed: its line waits, nobody is
    /// matched from it (agents keep what they hold).
    pub closed: bool,
    /// When its line's latest conversations were handed to an agent,
    /// oldest first, at most `engine::wait_estimate::RECENT` (what the
    /// expected wait reads; not in snapshots: after a restore it starts
    /// afresh).
    pub served: std::collections::VecDeque<crate::model::Timestamp>,
    /// A routing-plan queue's group that shares the members and free index
    /// of its pool, the shared group (gate 0) of the same channel and
    /// skills (`engine::plan_pool`): its own members, free index and
    /// real-time counts stay empty, its line, hours and aging are its own.
    pub pool: Option<GroupIdx>,
    /// The queues' groups sharing this group's members and free index
    /// (each names this one as its `pool`), in creation order. A freed
    /// member reads their lines too.
    pub followers: Vec<GroupIdx>,
    /// Agents cooling down in this group whose slot in its pool has room
    /// but for cool-downs (as of each one's last recount): what a group
    /// sharing a pool subtracts from the pool's count
    /// ([`State::with_room`](super::State::with_room)).
    pub cool_room: u32,
    /// The followers whose lines hold work, in no particular order: the
    /// lines a freed member reads (`State::line_insert`, `line_remove`).
    pub busy: Vec<GroupIdx>,
}

impl Group {
    /// An empty group of `key`, whose conversations weigh `weight`.
    pub(crate) fn new(key: RoutingKey, weight: Capacity) -> Self {
        Self {
            key,
            weight,
            members: Vec::new(),
            waiting: WaitingLine::default(),
            free: FreeIndex::default(),
            online: 0,
            with_room: 0,
            pending: Vec::new(),
            tenant_blocked: false,
            refs: 0,
            pinned: false,
            vacant: false,
            index_pos: 0,
            closed: false,
            served: std::collections::VecDeque::new(),
            pool: None,
            followers: Vec::new(),
            cool_room: 0,
            busy: Vec::new(),
        }
    }

    /// A reclaimed slot of `channel`: empty, holding no allocation.
    pub(crate) fn vacant(channel: Channel) -> Self {
        let mut group = Self::new(
            RoutingKey {
                channel,
                skills: Vec::new(),
                gate: 0,
            },
            Capacity::ZERO,
        );
        group.vacant = true;
        group
    }

    /// Adds `agent` (slot `a`) as this group's (`g`'s) next member and
    /// links the agent's slot to it, unlisted. Members grow in index order;
    /// an agent's slots are kept sorted by group (a reclaimed group slot
    /// may be reused below the agent's last one).
    pub(crate) fn add_member(&mut self, g: GroupIdx, a: AgentIdx, agent: &mut Agent) {
        let position = self.free.push_member();
        self.members.push(a);
        let dormant = agent.dormant_for(&self.key.skills);
        self.online += u32::from(agent.status.accepts_work() && !dormant);
        let at = agent.slots.partition_point(|s| s.group < g);
        agent.slots.insert(
            at,
            Slot {
                group: g,
                position,
                room: false,
                pending: false,
                dormant,
            },
        );
    }
}

impl super::State {
    /// The group whose members and free index `g`'s work is matched from:
    /// its pool when it shares one (`engine::plan_pool`), else itself.
    #[inline]
    pub(crate) fn pool(&self, g: GroupIdx) -> GroupIdx {
        self.groups[g.get()].pool.unwrap_or(g)
    }

    /// Puts `c` in `g`'s line (class `class`, place `key`; `head_start`
    /// is the engine's class head start); a follower's
    /// line that was empty joins its pool's `busy` list.
    pub(crate) fn line_insert(
        &mut self,
        g: GroupIdx,
        class: u8,
        key: super::waiting::LineKey,
        c: super::index::ConvIdx,
        head_start: TimeSpan,
    ) {
        let group = &mut self.groups[g.get()];
        group
            .waiting
            .insert(&mut self.line_pool, class, key, c, head_start);
        if let (Some(p), 1) = (group.pool, group.waiting.len()) {
            self.groups[p.get()].busy.push(g);
        }
    }

    /// Takes `c` out of `g`'s line, if there; a follower's line left empty
    /// leaves its pool's `busy` list (bounded by the pool's followers).
    pub(crate) fn line_remove(
        &mut self,
        g: GroupIdx,
        class: u8,
        key: super::waiting::LineKey,
        c: super::index::ConvIdx,
        head_start: TimeSpan,
    ) -> bool {
        let group = &mut self.groups[g.get()];
        let removed = group
            .waiting
            .remove(&mut self.line_pool, class, key, c, head_start);
        if let (Some(p), true, 0) = (group.pool, removed, group.waiting.len()) {
            let busy = &mut self.groups[p.get()].busy;
            if let Some(i) = busy.iter().position(|&f| f == g) {
                busy.swap_remove(i);
            }
        }
        removed
    }

    /// Agents with room for `g`'s work now (its real-time statistic). A
    /// group sharing a pool counts the pool's members with room but for
    /// cool-downs, less those cooling down in it: the pool's own count
    /// leaves out those cooling down in the pool instead.
    pub(crate) fn with_room(&self, g: GroupIdx) -> u32 {
        let group = &self.groups[g.get()];
        match group.pool {
            None => group.with_room,
            Some(p) => {
                let pool = &self.groups[p.get()];
                (pool.with_room + pool.cool_room).saturating_sub(group.cool_room)
            }
        }
    }
}

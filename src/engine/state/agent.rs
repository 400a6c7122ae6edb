//! The engine's record of an agent.

use super::inbox::Inbox;
use super::index::{GroupIdx, TeamIdx};
use super::pooled_set::PooledSet;
use super::workload::{RULES_OWN, RULES_RATE, RULES_TEAM};
use crate::model::{AgentId, AgentStatus, Capacity, Channel, SkillId, SkillLevel, Timestamp};

/// The agent's membership of one skill group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub group: GroupIdx,
    /// The agent's position in the group's members and free index.
    pub position: u32,
    /// Whether the agent has room for the group's work now (counted in the
    /// group's real-time statistics).
    pub room: bool,
    /// Listed in the group's `pending` re-rankings.
    pub pending: bool,
    /// The group needs a skill the agent holds only in windows of time,
    /// and it is outside them now (`engine::skill_windows`): the agent is
    /// a member but takes none of its new work, is not listed in its free
    /// index and not counted in its statistics.
    pub dormant: bool,
}

/// One agent.
///
/// `repr(C)` keeps the fields in the order below, the ones routing reads
/// first, and the alignment to 32 bytes (free: the record is 352 bytes)
/// keeps them on as few cache lines as a 352-byte stride allows: they were
/// spread over the whole record, five or six lines per agent looked at
/// (issue 22: LL misses).
#[derive(Clone, Debug)]
#[repr(C, align(32))]
pub(crate) struct Agent {
    // The first 160 bytes: what routing reads of a candidate and what an
    // assignment or a release writes (id, load and caps, flags, team,
    // own rules, activity for the policies, the slot, cool-down and inbox
    // vectors); then the load per channel and the pooled sets a release
    // and a park touch; the rest after.
    pub id: AgentId,
    /// Sum of the capacity held by the agent's threads.
    pub load: Capacity,
    pub cap: Capacity,
    /// Load tolerated above the cap after a supervisor lowered the cap
    /// below the load: it only shrinks, as threads end, and no new work is
    /// given while `load + weight > cap`. Invariant:
    /// `load <= max(cap, over_cap_allowance)`.
    pub over_cap_allowance: Capacity,
    pub high_water: Capacity,
    /// The channels they work; `None` is every channel.
    pub channels: Option<super::channel_set::ChannelSet>,
    pub status: AgentStatus,
    /// Queued for refresh at the end of the current command.
    pub dirty: bool,
    /// Marked in every group (`matching::relist`) since their status
    /// last changed, which takes no work: each group has re-ranked them
    /// (unlisted) or still holds the mark, so marking again would
    /// change nothing. Derived: cleared by any status change.
    pub closed_marked: bool,
    /// Which gate lists hold the agent (`GATED_BY_TEAM`, `GATED_BY_TENANT`):
    /// passed over while a level above them was full. Such an agent may be
    /// missing from a free index although they have room.
    pub gated: u8,
    /// Which workload rules apply to the agent (derived): a rule of their
    /// own beside the total cap (`RULES_OWN`: a channel cap or an own
    /// channel weight; `RULES_RATE`: a rate limit in force;
    /// `Agent::refresh_rules`),
    /// their team's cap (`RULES_TEAM`, `team::set_team`). The fit checks
    /// of an agent with neither read none of their fields: one test.
    pub rules: u8,
    /// The agent's team, if any.
    pub team: Option<TeamIdx>,
    /// Their own workload rules (channel caps and weights, the rate
    /// limit and what it counts), boxed since nearly every agent has none
    /// (`agent_rules.rs`): read them with [`Agent::own`], change them with
    /// `State::own_rules_mut`. Present whenever `rules` has `RULES_OWN` or
    /// `RULES_RATE`.
    pub own_rules_box: Option<Box<super::agent_rules::AgentRules>>,
    pub last_activity: Timestamp,
    /// Engine sequence number at the last new assignment (0: never).
    pub last_assigned: u64,
    /// Groups the agent belongs to, ascending.
    pub slots: Vec<Slot>,
    /// Groups the agent is cooling down in after a decline, until when.
    pub cooldowns: Vec<(GroupIdx, Timestamp)>,
    /// The groups whose `cool_room` counts this agent (cooling down in
    /// them with room in their pool, as of the last recount of their room;
    /// `engine::plan_pool`). Derived: not in snapshots.
    pub cool_counted: Vec<GroupIdx>,
    /// Live threads (assigned or offered), unordered: the working order is
    /// computed when asked (`inbox::ordered`).
    pub inbox: Inbox,
    /// Load held per channel, by `Channel::index` (derived: what the
    /// agent's live, parked and wrap-up threads of each channel hold), so
    /// an interrupting channel can leave the channels it interrupts out
    /// of the count in O(1).
    pub channel_load: [u32; 8],
    /// Parked threads, by conversation id, in `State::parked_pool`
    /// (`pooled_set.rs`).
    pub parked: PooledSet,
    /// Threads waiting for this agent in particular, in
    /// `State::personal_pool`.
    pub personal: PooledSet,
    /// Resolved threads in wrap-up on this agent, by conversation id, in
    /// `State::wrapup_pool`.
    pub wrapups: PooledSet,
    // Read by pulls, wrap-ups, windows and queries.
    /// How far the agent may fill up by pulling (`PullNext`), at least the
    /// cap to mean anything (`None`: the cap).
    pub pull_cap: Option<Capacity>,
    /// Time spent in ended wrap-ups, in milliseconds.
    pub wrap_up_ms: u64,
    /// Sorted by skill; immutable.
    pub skills: Vec<SkillLevel>,
    /// Skills held only in windows of time, sorted by skill then start;
    /// fixed at registration (their skills are also in `skills`, so
    /// membership of groups never changes with the time of day).
    pub windows: Vec<crate::model::SkillWindow>,
    /// The windowed skills outside their windows now, ascending: toggled by
    /// the `SkillWindow` timers (empty for an agent without windows).
    pub dormant: Vec<SkillId>,
    /// What the workload rules did to the agent since registration
    /// (`AgentStats::counters`; kept by snapshots).
    pub counters: crate::engine::workload::AgentCounters,
}

impl Agent {
    /// The agent's level in `skill`, 0 when absent.
    pub(crate) fn level(&self, skill: SkillId) -> u8 {
        self.skills
            .binary_search_by_key(&skill, |s| s.skill)
            .map_or(0, |i| self.skills[i].level.get())
    }

    /// Whether any of `skills` is one of the agent's windowed skills outside
    /// its windows now (what makes a slot dormant).
    pub(crate) fn dormant_for(&self, skills: &[crate::model::SkillRequirement]) -> bool {
        !self.dormant.is_empty()
            && skills
                .iter()
                .any(|r| self.dormant.binary_search(&r.skill).is_ok())
    }

    /// The agent's level in `skill` counting only skills in force now
    /// (a windowed skill outside its windows is 0).
    pub(crate) fn level_now(&self, skill: SkillId) -> u8 {
        if self.dormant.binary_search(&skill).is_ok() {
            0
        } else {
            self.level(skill)
        }
    }

    /// Whether the agent serves `group` now: a member whose skills for it
    /// all count at this time.
    pub(crate) fn serves(&self, group: GroupIdx) -> bool {
        self.slot(group).is_some_and(|s| !s.dormant)
    }

    /// Whether `amount` more fits under the cap.
    #[inline]
    pub(crate) fn fits(&self, amount: Capacity) -> bool {
        u64::from(self.load.0) + u64::from(amount.0) <= u64::from(self.cap.0)
    }

    /// Whether `amount` of a channel that interrupts the channels in the
    /// mask `over` fits under the cap beside the load held on those
    /// channels (`WorkloadConfig::interruptions`; `over == 0` is
    /// [`Agent::fits`]).
    #[inline]
    pub(crate) fn fits_over(&self, amount: Capacity, over: u8) -> bool {
        fits_beside(self.load, self.cap, &self.channel_load, amount, over)
    }

    /// Whether the agent has room for `weight` of `channel`'s work, which
    /// interrupts the channels in the mask `over`: it fits beside them and
    /// no rule beside the total cap holds the agent. Routing and the
    /// explanation ask this one test, so they cannot disagree.
    #[inline]
    pub(crate) fn has_room(&self, channel: Channel, weight: Capacity, over: u8) -> bool {
        self.fits_over(weight, over) && !self.held_beside(channel)
    }

    /// What a live thread of `channel` costs this agent: their own weight
    /// for the channel if they have one, else `default` (the channel's).
    #[inline]
    pub(crate) fn weight_of(&self, channel: Channel, default: Capacity) -> Capacity {
        // The common case, one branch: no box, no weights of their own (a
        // box without weights holds 0 for each: the same answer).
        match self.own_rules_box.as_deref() {
            None => default,
            Some(r) => match r.weights[channel.index()] {
                0 => default,
                own => Capacity(own),
            },
        }
    }

    /// Whether the agent's cap on `channel`'s live threads is reached (a
    /// lowered cap may leave them above it).
    #[inline]
    pub(crate) fn channel_full(&self, channel: Channel) -> bool {
        let i = channel.index();
        // Without the box no cap is set (its `channel_live` is not kept).
        self.own_rules_box
            .as_deref()
            .is_some_and(|r| r.channel_live[i] >= r.channel_caps[i])
    }

    /// The most the agent may hold through their own pulls: the larger of
    /// the cap and the pull maximum.
    pub(crate) fn ceiling(&self) -> Capacity {
        self.pull_cap.map_or(self.cap, |p| p.max(self.cap))
    }

    /// Whether the agent is at their assignment rate limit.
    #[inline]
    pub(crate) fn rate_limited(&self) -> bool {
        self.own_rules_box
            .as_deref()
            .is_some_and(|r| r.limit.is_some_and(|l| r.recent.len() >= l.max as usize))
    }

    /// Whether a rule beside the total cap keeps the agent from new work
    /// on `channel`: the channel's cap or the rate limit.
    #[inline]
    pub(crate) fn held_beside(&self, channel: Channel) -> bool {
        // Without the box, neither rule is set: one branch.
        let Some(r) = self.own_rules_box.as_deref() else {
            return false;
        };
        let i = channel.index();
        r.channel_live[i] >= r.channel_caps[i]
            || r.limit.is_some_and(|l| r.recent.len() >= l.max as usize)
    }

    /// Whether a rule of the agent's own beside the total cap is set
    /// (`RULES_OWN` or `RULES_RATE`).
    #[inline]
    pub(crate) fn own_rules(&self) -> bool {
        self.rules & (RULES_OWN | RULES_RATE) != 0
    }

    /// Whether a rule of the agent's own per channel is set (a channel
    /// cap, an own weight; `RULES_OWN`): without one, only the rate limit
    /// may hold them beside the total cap, the same in every group.
    #[inline]
    pub(crate) fn channel_rules(&self) -> bool {
        self.rules & RULES_OWN != 0
    }

    /// Recomputes `rules` after a channel cap, an own weight or the rate
    /// limit in force changed.
    pub(crate) fn refresh_rules(&mut self) {
        let own = self.recount_own_rules();
        self.rules = (self.rules & RULES_TEAM) | own;
    }

    /// The bits of the agent's own rules (`RULES_OWN`, `RULES_RATE`),
    /// from their fields.
    pub(crate) fn recount_own_rules(&self) -> u8 {
        let r = self.own();
        let per_channel = r.channel_caps.iter().any(|&c| c != super::workload::NO_CAP)
            || r.weights.iter().any(|&w| w != 0);
        let own = if per_channel { RULES_OWN } else { 0 };
        own | if r.limit.is_some() { RULES_RATE } else { 0 }
    }

    /// Sets the team bit of `rules`: whether the agent's team has a cap.
    pub(crate) fn set_team_capped(&mut self, capped: bool) {
        self.rules = (self.rules & !RULES_TEAM) | if capped { RULES_TEAM } else { 0 };
    }

    /// Whether the agent is cooling down in `group`.
    pub(crate) fn cooling(&self, group: GroupIdx) -> bool {
        self.cooldowns.iter().any(|&(g, _)| g == group)
    }

    /// Whether the agent may take `group`'s work of `weight` now: online,
    /// nobody waiting for them personally, room (beside the channels in
    /// `over`, which the group's channel interrupts), not cooling down.
    #[inline]
    pub(crate) fn takes(&self, group: GroupIdx, weight: Capacity, over: u8) -> bool {
        self.status.accepts_work()
            && self.personal.is_empty()
            && self.fits_over(weight, over)
            && !self.cooling(group)
    }

    /// The slot of `group`, if a member.
    pub(crate) fn slot(&self, group: GroupIdx) -> Option<&Slot> {
        self.slots
            .binary_search_by_key(&group, |s| s.group)
            .ok()
            .map(|i| &self.slots[i])
    }

    /// The slot of `group`, if a member, to change.
    pub(crate) fn slot_mut(&mut self, group: GroupIdx) -> Option<&mut Slot> {
        self.slots
            .binary_search_by_key(&group, |s| s.group)
            .ok()
            .map(|i| &mut self.slots[i])
    }
}

/// [`Agent::fits_over`] by field (for loops that borrow the agent's
/// slots).
#[inline]
pub(crate) fn fits_beside(
    load: Capacity,
    cap: Capacity,
    channel_load: &[u32; 8],
    amount: Capacity,
    over: u8,
) -> bool {
    let mut load = u64::from(load.0);
    if over != 0 {
        for (i, &held) in channel_load.iter().enumerate() {
            if over >> i & 1 == 1 {
                load = load.saturating_sub(u64::from(held));
            }
        }
    }
    load + u64::from(amount.0) <= u64::from(cap.0)
}

/// Agents a registration may add room for at once beyond the one it adds,
/// at least: a vector of 560-byte records doubled to 16,384 for 10,000
/// agents held 6 MB unused; growing by an eighth keeps that under 12.5%.
/// Registration is rare and off the routing path, so the extra copies of
/// the table (each agent moved about eight times in all) cost little.
const AGENT_GROWTH_MIN: usize = 64;

impl super::State {
    /// Adds `agent` in the next slot, growing the table by an eighth (not
    /// doubling) when full. Agents stay in one flat vector: reaching one
    /// by slot costs a single load on the routing path.
    pub(crate) fn push_agent(&mut self, agent: Agent) {
        if self.agents.len() == self.agents.capacity() {
            let more = (self.agents.len() / 8).max(AGENT_GROWTH_MIN);
            self.agents.reserve_exact(more);
        }
        self.agents.push(agent);
    }
}

#[cfg(test)]
mod tests {
    use super::Agent;
    use std::mem::{align_of, offset_of, size_of};

    /// What routing reads of a candidate stays in the record's first 160
    /// bytes, and the alignment stays free (issue 22: LL misses).
    #[test]
    fn routing_fields_come_first_and_the_alignment_adds_no_bytes() {
        assert_eq!(align_of::<Agent>(), 32);
        assert_eq!(size_of::<Agent>() % 32, 0);
        for hot in [
            offset_of!(Agent, id),
            offset_of!(Agent, load),
            offset_of!(Agent, cap),
            offset_of!(Agent, status),
            offset_of!(Agent, dirty),
            offset_of!(Agent, rules),
            offset_of!(Agent, team),
            offset_of!(Agent, own_rules_box),
            offset_of!(Agent, slots),
            offset_of!(Agent, cooldowns),
            offset_of!(Agent, cool_counted),
            offset_of!(Agent, inbox),
        ] {
            assert!(hot < 160, "offset {hot}");
        }
    }
}

//! The engine's structure: registering an agent and creating a skill group
//! the first time a command names its skills, with the membership links
//! between them. Costs follow the skill index (agents holding a group's
//! first skill; groups keyed by an agent's skills), never all agents or all
//! groups, except for a group that requires no skill (open to everyone).

use super::cx::Cx;
use super::decision::Decision;
use super::matching;
use super::plan_hours;
use super::skill_windows;
use super::state::agent::Agent;
use super::state::channel_set::ChannelSet;
use super::state::group::{Group, RoutingKey};
use super::state::index::{AgentIdx, GroupIdx};
use super::validate::GroupRef;
use crate::model::{AgentId, AgentSpec, Capacity, SkillLevel};

/// Whether `agent` may ever serve conversations of `key`, whose queue's
/// explicit `members` (if any) must list them.
pub(crate) fn eligible(agent: &Agent, key: &RoutingKey, members: Option<&[AgentId]>) -> bool {
    members.is_none_or(|m| m.binary_search(&agent.id).is_ok())
        && agent
            .channels
            .is_none_or(|channels| channels.contains(key.channel))
        && key
            .skills
            .iter()
            .all(|r| agent.level(r.skill) >= r.min_level.get())
}

/// Registers a validated agent and links it to every group it is eligible
/// for.
pub(crate) fn add_agent(cx: &mut Cx<'_>, spec: AgentSpec) {
    let idx = AgentIdx::new(cx.st.agents.len()).expect("validated: a slot is left");
    // A windowed skill is held for membership from now on; outside its
    // windows it is dormant (skill_windows.rs). Validation made each skill
    // permanent or windowed, and each windowed one at one level.
    let mut skills = spec.skills;
    if !spec.skill_windows.is_empty() {
        skills.extend(
            spec.skill_windows
                .iter()
                .map(|w| SkillLevel::at(w.skill, w.level)),
        );
        skills.sort_unstable_by_key(|s| s.skill);
        skills.dedup_by_key(|s| s.skill);
    }
    let dormant = skill_windows::dormant_at(&spec.skill_windows, cx.at);
    let mut agent = Agent {
        id: spec.id,
        skills,
        channels: spec.channels.as_deref().map(ChannelSet::of),
        status: spec.status,
        load: Capacity::ZERO,
        cap: spec.cap,
        over_cap_allowance: Capacity::ZERO,
        last_activity: cx.at,
        last_assigned: 0,
        high_water: Capacity::ZERO,
        inbox: Default::default(),
        parked: Default::default(),
        personal: Default::default(),
        slots: Vec::new(),
        cooldowns: Vec::new(),
        dirty: false,
        closed_marked: false,
        team: None,
        gated: 0,
        wrapups: Default::default(),
        wrap_up_ms: 0,
        channel_load: [0; 8],
        rules: 0,
        own_rules_box: None,
        pull_cap: None,
        windows: spec.skill_windows,
        dormant,
        cool_counted: Vec::new(),
        counters: Default::default(),
    };
    agent.inbox.reserve_for(agent.cap, cx.cfg.lightest_weight());
    let st = &mut *cx.st;
    let mut groups: Vec<GroupIdx> = agent
        .skills
        .iter()
        .filter_map(|s| st.groups_by_skill.get(&s.skill))
        .flatten()
        .chain(st.open_groups.iter())
        .copied()
        .filter(|&g| {
            // A plan queue's group sharing a pool takes no member of its
            // own: the agent joins the pool (`plan_pool.rs`).
            if st.groups[g.get()].pool.is_some() {
                return false;
            }
            let key = &st.groups[g.get()].key;
            let plan = st.plan.as_deref();
            let members = plan_hours::members_of(plan, st.hours.epoch, key.gate);
            eligible(&agent, key, members)
                && super::profiles::admits(plan, st.hours.epoch, key.gate, agent.id)
        })
        .collect();
    groups.sort_unstable();
    for g in groups {
        st.groups[g.get()].add_member(g, idx, &mut agent);
    }
    for s in &agent.skills {
        st.agents_by_skill.entry(s.skill).or_default().push(idx);
    }
    st.agent_ids.insert(agent.id, idx);
    st.push_agent(agent);
    skill_windows::arm(cx, idx);
    cx.emit(Decision::AgentAdded {
        agent: spec.id,
        cap: spec.cap,
    });
    cx.settle_later(idx);
}

/// The group a validated command named, created on first use.
// Inlined: every open names a group, nearly always an existing one.
#[inline]
pub(crate) fn ensure_group(cx: &mut Cx<'_>, group: GroupRef) -> GroupIdx {
    match group {
        GroupRef::Existing(g) => g,
        GroupRef::New(key) => add_group(cx, *key),
    }
}

/// Creates the group of `key`: its members are found through the skill
/// index, and its free members are listed at once.
#[inline(never)]
fn add_group(cx: &mut Cx<'_>, key: RoutingKey) -> GroupIdx {
    let st = &mut *cx.st;
    let idx = st.next_group_slot().expect("validated: a slot is left");
    let plan = st.plan.clone();
    let members = plan_hours::members_of(plan.as_deref(), st.hours.epoch, key.gate);
    let candidates: Vec<AgentIdx> = match (members, key.skills.first()) {
        // A queue's explicit members: at most `MAX_MEMBERS`, ascending by
        // slot as members must be.
        (Some(m), _) => {
            let mut slots: Vec<AgentIdx> = m.iter().filter_map(|&a| st.agent_idx(a)).collect();
            slots.sort_unstable();
            slots
        }
        (None, Some(first)) => st
            .agents_by_skill
            .get(&first.skill)
            .cloned()
            .unwrap_or_default(),
        (None, None) => (0..st.agents.len()).filter_map(AgentIdx::new).collect(),
    };
    let weight = cx.cfg.weight(key.channel);
    let mut group = Group::new(key, weight);
    for a in candidates {
        let agent = &mut st.agents[a.get()];
        if !eligible(agent, &group.key, members)
            || !super::profiles::admits(plan.as_deref(), st.hours.epoch, group.key.gate, agent.id)
        {
            continue;
        }
        group.add_member(idx, a, agent);
    }
    let members = group.members.clone();
    st.install_group(idx, group);
    for a in members {
        matching::relist_in(cx, a, idx);
        cx.touch(a);
    }
    idx
}
